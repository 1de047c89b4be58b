import pulumi
import pulumi_maytapi as maytapi

support = maytapi.PhoneConfig(
    "support-line",
    phone_id="12",
    webhook="https://hooks.example.com/maytapi",
    ack_delivery=True,
)

pulumi.export("support_webhook", support.webhook)
