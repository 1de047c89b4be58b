import * as maytapi from "pulumi-maytapi";

// A pool handed over: recorded now without a call; bump the revision to reset every phone of it.
const reset = new maytapi.FleetFactoryReset("pool-reset", {
    phoneIds: ["20", "21"],
    revision: 1,
    fireOnCreate: false,
});

export const poolResetRevision = reset.revision;
