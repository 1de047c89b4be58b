import * as maytapi from "pulumi-maytapi";

// After an incident: bump the revision to redeploy every phone of the set once more.
const redeploy = new maytapi.FleetRedeploy("all-lines-redeploy", {
    phoneIds: ["18", "19"],
    revision: "2026-12-08",
});

export const allLinesRevision = redeploy.revision;
