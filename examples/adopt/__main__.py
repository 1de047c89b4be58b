"""Adopt: phones that already run with a webhook come under management without a single write.

`adopt=True` makes the first `pulumi up` read each phone's config (one GET) and record it; if
Maytapi reports something other than what is declared here, the up fails and names the field,
writing nothing. `fire_on_create=False` records each action's revision without calling it, so
adopting a running fleet redeploys, resets and logs out nothing. Later changes apply as usual.
"""

import pulumi

from maytapi_pulumi import PhoneConfig, Redeploy

running = {
    "12": "https://hooks.example.com/maytapi/sales",
    "13": "https://hooks.example.com/maytapi/support",
}

for phone_id, webhook in running.items():
    phone = PhoneConfig(
        f"phone-{phone_id}", phone_id=phone_id, webhook=webhook, ack_delivery=True, adopt=True
    )
    Redeploy(f"phone-{phone_id}-redeploy", phone_id=phone.phone_id, revision=1, fire_on_create=False)
    pulumi.export(f"phone-{phone_id}", phone.webhook)

# Only to look at, not to manage: a read of another phone (one GET on every up).
lobby = PhoneConfig.get("lobby", "14")
pulumi.export("lobby_webhook", lobby.webhook)
