"""A Maytapi phone's webhook and delivery acks, on the native provider (pulumi-resource-maytapi)."""

import pulumi
import pulumi_maytapi as maytapi

config = pulumi.Config()
phone = maytapi.PhoneConfig(
    "phone", phone_id=config.require("phoneId"), webhook=config.require("webhook"), ack_delivery=True
)
pulumi.export("webhook", phone.webhook)
