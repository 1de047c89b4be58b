import pulumi
import pulumi_maytapi as maytapi

pulumi.export("phone_12_logged_in", maytapi.get_phone_status(phone_id="12").logged_in)
