import pulumi

from maytapi_pulumi import Redeploy

# Change the revision (a date, a counter) to redeploy the phone once more.
redeploy = Redeploy("support-line-redeploy", phone_id="12", revision="2026-11-25", wait_until_ready=True)

pulumi.export("redeployed_at", redeploy.fired_at)
