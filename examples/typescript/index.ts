import * as maytapi from "pulumi-maytapi";

const support = new maytapi.PhoneConfig("support-line", {
    phoneId: "12",
    webhook: "https://hooks.example.com/maytapi",
    ackDelivery: true,
});

const redeploy = new maytapi.Redeploy("support-line-redeploy", {
    phoneId: support.phoneId,
    revision: "2026-11-25",
});

export const webhook = support.webhook;
export const firedAt = redeploy.firedAt;
