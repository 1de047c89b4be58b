// A Maytapi phone's webhook and delivery acks, on the native provider (pulumi-resource-maytapi).
import * as pulumi from "@pulumi/pulumi";
import * as maytapi from "pulumi-maytapi";

const config = new pulumi.Config();
const phone = new maytapi.PhoneConfig("phone", {
    phoneId: config.require("phoneId"),
    webhook: config.require("webhook"),
    ackDelivery: true,
});

export const webhook = phone.webhook;
