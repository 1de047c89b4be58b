import pulumi

from maytapi_pulumi import FleetRedeploy

# After an incident: bump the revision to redeploy every phone of the set once more.
redeploy = FleetRedeploy("all-lines-redeploy", phone_ids=["18", "19"], revision="2026-12-08")

pulumi.export("all_lines_revision", redeploy.revision)
