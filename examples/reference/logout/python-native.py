import pulumi
import pulumi_maytapi as maytapi

# A number being retired: logged out once; bump the revision to log it out again.
logout = maytapi.Logout("retired-logout", phone_id="16", revision="2026-12-01")

pulumi.export("logged_out_at", logout.fired_at)
