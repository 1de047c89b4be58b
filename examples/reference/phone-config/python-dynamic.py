import pulumi

from maytapi_pulumi import PhoneConfig

support = PhoneConfig(
    "support-line",
    phone_id="12",
    webhook="https://hooks.example.com/maytapi",
    ack_delivery=True,
)

pulumi.export("support_webhook", support.webhook)
