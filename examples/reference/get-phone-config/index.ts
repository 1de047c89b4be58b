import * as maytapi from "pulumi-maytapi";

const phone12 = maytapi.getPhoneConfigOutput({ phoneId: "12" });

export const phone12Webhook = phone12.webhook;
