import * as pulumi from "@pulumi/pulumi";
import * as maytapi from "pulumi-maytapi";

const config = new pulumi.Config();
// A second Maytapi product beside the stack's own (maytapi:productId): its settings from this
// program's config, the token as a secret.
const other = new maytapi.Provider("other-product", {
    productId: config.require("otherProductId"),
    apiToken: config.requireSecret("otherApiToken"),
});
const otherLine = new maytapi.PhoneConfig("other-line", {
    phoneId: "17",
    webhook: "https://hooks.example.com/maytapi/other",
}, { provider: other });

export const otherWebhook = otherLine.webhook;
