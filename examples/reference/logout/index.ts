import * as maytapi from "pulumi-maytapi";

// A number being retired: logged out once; bump the revision to log it out again.
const logout = new maytapi.Logout("retired-logout", { phoneId: "16", revision: "2026-12-01" });

export const loggedOutAt = logout.firedAt;
