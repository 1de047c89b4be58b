import * as maytapi from "pulumi-maytapi";

// Numbers being retired: each logged out once; bump the revision to log them all out again.
const logout = new maytapi.FleetLogout("retired-numbers", { phoneIds: ["22", "23"], revision: "2026-12-08" });

export const retiredNumbers = logout.phones;
