// The TypeScript program of tests/test_languages.py, run in a copy of examples/typescript: every
// resource kind, the three functions in both forms, a provider instance of a second product and a
// component handed it, and a secret. Each value comes from the stack's config, so that each step
// of the test changes config only. tests/programs/go/main.go is the same program in Go.
import * as pulumi from "@pulumi/pulumi";
import * as maytapi from "pulumi-maytapi";

const config = new pulumi.Config();
const revision = config.require("revision");

// The example's two resources, under its names.
const support = new maytapi.PhoneConfig("support-line", {
    phoneId: "12",
    webhook: config.require("webhook"),
    ackDelivery: true,
});
new maytapi.Redeploy("support-line-redeploy", { phoneId: support.phoneId, revision });
new maytapi.FactoryReset("reset", { phoneId: "15", revision });
new maytapi.Logout("logout", { phoneId: "14", revision });
// The same actions across a set of phones.
new maytapi.FleetRedeploy("fleet-redeploy", { phoneIds: ["12", "13"], revision });
new maytapi.FleetFactoryReset("fleet-reset", { phoneIds: ["15"], revision });
new maytapi.FleetLogout("fleet-logout", { phoneIds: ["14"], revision });

// Phones 13 and 14 as one Fleet; 13's webhook is a secret.
const fleet = new maytapi.Fleet("fleet", {
    phones: {
        "13": { webhook: config.requireSecret("secretHook") },
        "14": { webhook: config.require("fleetHook"), ackDelivery: true },
    },
});

// A second product: a phone through an explicit provider instance, another through a component
// the instance is handed to.
const other = new maytapi.Provider("other", {
    productId: config.require("otherProduct"),
    apiToken: config.requireSecret("otherToken"),
    baseUrl: config.require("otherUrl"),
});
new maytapi.PhoneConfig("there", { phoneId: "8", webhook: config.require("webhook") }, { provider: other });

class Line extends pulumi.ComponentResource {
    constructor(name: string, phoneId: string, webhook: string, opts: pulumi.ComponentResourceOptions) {
        super("maytapi-test:index:Line", name, {}, opts);
        new maytapi.PhoneConfig(`${name}-config`, { phoneId, webhook }, { parent: this });
        this.registerOutputs({});
    }
}
new Line("line", "7", config.require("webhook"), { providers: [other] });

// The functions, when config asks for them: each read in its plain and its Output form.
function functions() {
    const plain = Promise.all([
        maytapi.getPhones(),
        maytapi.getPhoneConfig({ phoneId: "14" }),
        maytapi.getPhoneStatus({ phoneId: 13 }),
    ]);
    const output = pulumi.all([
        maytapi.getPhonesOutput(),
        maytapi.getPhoneConfigOutput({ phoneId: "14" }),
        maytapi.getPhoneStatusOutput({ phoneId: 13 }),
    ]);
    const shown = ([phones, phone, status]: [maytapi.GetPhonesResult, maytapi.GetPhoneConfigResult, maytapi.GetPhoneStatusResult]) => ({
        phones: phones.phones.map((p) => p.id),
        webhook: phone.webhook,
        state: status.state,
    });
    return { plain: plain.then(shown), output: output.apply(shown) };
}

export const webhook = support.webhook;
export const fleetPhones = fleet.phones;
export const read = config.getBoolean("functions") ? functions() : null;
