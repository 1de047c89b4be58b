import pulumi

from maytapi_pulumi import get_phone_config

pulumi.export("phone_12_webhook", get_phone_config(phone_id="12")["webhook"])
