import pulumi

from maytapi_pulumi import Logout

# A number being retired: logged out once; bump the revision to log it out again.
logout = Logout("retired-logout", phone_id="16", revision="2026-12-01")

pulumi.export("logged_out_at", logout.fired_at)
