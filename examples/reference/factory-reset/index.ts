import * as maytapi from "pulumi-maytapi";

// Bump the revision to reset the phone; its config, which the reset clears, is sent again after it.
const reset = new maytapi.FactoryReset("lobby-reset", { phoneId: "15", revision: 1, fireOnCreate: false });
const lobby = new maytapi.PhoneConfig("lobby", {
    phoneId: "15",
    webhook: "https://hooks.example.com/maytapi/lobby",
    reapplyTrigger: reset.firedAt,
});

export const lobbyResetRevision = reset.revision;
