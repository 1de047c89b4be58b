import pulumi

from maytapi_pulumi import FleetFactoryReset

# A pool handed over: recorded now without a call; bump the revision to reset every phone of it.
reset = FleetFactoryReset("pool-reset", phone_ids=["20", "21"], revision=1, fire_on_create=False)

pulumi.export("pool_reset_revision", reset.revision)
