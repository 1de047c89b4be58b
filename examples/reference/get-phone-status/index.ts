import * as maytapi from "pulumi-maytapi";

const phone12Status = maytapi.getPhoneStatusOutput({ phoneId: "12" });

export const phone12LoggedIn = phone12Status.loggedIn;
