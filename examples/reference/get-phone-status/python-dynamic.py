import pulumi

from maytapi_pulumi import get_phone_status

pulumi.export("phone_12_logged_in", get_phone_status(phone_id="12")["logged_in"])
