import pulumi

from maytapi_pulumi import FactoryReset, PhoneConfig

# Bump the revision to reset the phone; its config, which the reset clears, is sent again after it.
reset = FactoryReset("lobby-reset", phone_id="15", revision=1, fire_on_create=False)
lobby = PhoneConfig(
    "lobby", phone_id="15", webhook="https://hooks.example.com/maytapi/lobby", reapply_trigger=reset.fired_at
)

pulumi.export("lobby_reset_revision", reset.revision)
