import * as maytapi from "pulumi-maytapi";

// Change the revision (a date, a counter) to redeploy the phone once more.
const redeploy = new maytapi.Redeploy("support-line-redeploy", {
    phoneId: "12",
    revision: "2026-11-25",
    waitUntilReady: true,
});

export const redeployedAt = redeploy.firedAt;
