"""Product fleet: every phone of the product gets the one webhook (config `webhook`), the phones
read from Maytapi with the getPhones function instead of typed in a file.

The native provider's function runs when the program does, in a preview too: one `GET
/listPhones` per run. A phone added to the product gets its PhoneConfig on the next `up`; a phone
gone from the product leaves the program, and its PhoneConfig is deleted (its reset finds no phone
and makes no change). Resources are named after their phone, so the order Maytapi lists them in
changes nothing.
"""

import pulumi
import pulumi_maytapi as maytapi

config = pulumi.Config()
webhook = config.get("webhook") or "https://hooks.example.com/maytapi/fleet"

phones = maytapi.get_phones().phones
for phone in phones:
    maytapi.PhoneConfig(f"phone-{phone.id}", phone_id=phone.id, webhook=webhook, ack_delivery=True)

pulumi.export("phones", {phone.id: {"number": phone.number, "status": phone.status} for phone in phones})
