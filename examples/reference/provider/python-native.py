import pulumi
import pulumi_maytapi as maytapi

config = pulumi.Config()
# A second Maytapi product beside the stack's own (maytapi:productId): its settings from this
# program's config, the token as a secret.
other = maytapi.Provider(
    "other-product",
    product_id=config.require("otherProductId"),
    api_token=config.require_secret("otherApiToken"),
)
other_line = maytapi.PhoneConfig(
    "other-line",
    phone_id="17",
    webhook="https://hooks.example.com/maytapi/other",
    opts=pulumi.ResourceOptions(provider=other),
)

pulumi.export("other_webhook", other_line.webhook)
