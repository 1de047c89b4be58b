import pulumi
import pulumi_maytapi as maytapi

# Numbers being retired: each logged out once; bump the revision to log them all out again.
logout = maytapi.FleetLogout("retired-numbers", phone_ids=["22", "23"], revision="2026-12-08")

pulumi.export("retired_numbers", logout.phones)
