import pulumi
import pulumi_maytapi as maytapi

pulumi.export("phone_12_webhook", maytapi.get_phone_config(phone_id="12").webhook)
