"""A Maytapi phone's webhook and delivery acks, on maytapi-pulumi's dynamic resources."""

import pulumi

from maytapi_pulumi import PhoneConfig

config = pulumi.Config()
phone = PhoneConfig(
    "phone", phone_id=config.require("phoneId"), webhook=config.require("webhook"), ack_delivery=True
)
pulumi.export("webhook", phone.webhook)
