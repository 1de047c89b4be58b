import pulumi

from maytapi_pulumi import get_phones

pulumi.export("numbers", get_phones().apply(lambda phones: [phone["number"] for phone in phones]))
