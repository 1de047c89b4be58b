"""Quickstart: one phone's webhook and delivery acks, and a redeploy tied to it.

Edit a value below (or set it as stack config) and run `pulumi preview --diff`, then `pulumi up`.
"""

import pulumi

from maytapi_pulumi import PhoneConfig, Redeploy

config = pulumi.Config()

support = PhoneConfig(
    "support-line",
    phone_id=config.get("phoneId") or "12",
    webhook=config.get("webhook") or "https://hooks.example.com/maytapi/support",
    ack_delivery=True,
)

# Bump the revision (a date, a counter) to redeploy the phone once, after its config is applied.
redeploy = Redeploy(
    "support-line-redeploy",
    phone_id=support.phone_id,
    revision=config.get("redeployRevision") or "2026-11-25",
    opts=pulumi.ResourceOptions(depends_on=[support]),
)

pulumi.export("phone_id", support.phone_id)
pulumi.export("webhook", support.webhook)
pulumi.export("ack_delivery", support.ack_delivery)
pulumi.export("redeployed_at", redeploy.fired_at)
