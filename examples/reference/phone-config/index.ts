import * as maytapi from "pulumi-maytapi";

const support = new maytapi.PhoneConfig("support-line", {
    phoneId: "12",
    webhook: "https://hooks.example.com/maytapi",
    ackDelivery: true,
});

export const supportWebhook = support.webhook;
