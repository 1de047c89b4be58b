import pulumi
import pulumi_maytapi as maytapi

# A pool handed over: recorded now without a call; bump the revision to reset every phone of it.
reset = maytapi.FleetFactoryReset("pool-reset", phone_ids=["20", "21"], revision=1, fire_on_create=False)

pulumi.export("pool_reset_revision", reset.revision)
