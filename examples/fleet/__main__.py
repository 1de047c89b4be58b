"""Fleet: every phone of fleet.yaml (or the file named by config `fleetFile`) as a PhoneConfig,
and a Redeploy for each row that declares a redeploy_revision.

Resources are named after their phone, so reordering rows changes nothing. A row that is not
valid fails the preview: the program names the row for a structural mistake, and PhoneConfig's
check names the resource (`phone-<id>`) and the field for a bad value or an unknown key.
"""

from pathlib import Path
from typing import Any

import pulumi
import yaml

from maytapi_pulumi import PhoneConfig, Redeploy

config = pulumi.Config()
fleet_file = Path(config.get("fleetFile") or "fleet.yaml")


def rows(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text())
    phones = data.get("phones") if isinstance(data, dict) else None
    if not isinstance(phones, list):
        raise ValueError(f"{path}: expected a top-level 'phones:' list")
    seen: set[str] = set()
    for number, row in enumerate(phones, start=1):
        if not isinstance(row, dict) or "phone_id" not in row:
            raise ValueError(f"{path} row {number}: expected a mapping with a phone_id, got {row!r}")
        if str(row["phone_id"]) in seen:
            raise ValueError(f"{path} row {number}: phone_id {row['phone_id']} appears twice")
        seen.add(str(row["phone_id"]))
    return phones


for row in rows(fleet_file):
    inputs = dict(row)
    revision = inputs.pop("redeploy_revision", None)
    name = f"phone-{inputs['phone_id']}"
    phone = PhoneConfig(name, **inputs)
    if revision is not None:
        Redeploy(
            f"{name}-redeploy",
            phone_id=phone.phone_id,
            revision=revision,
            fire_on_create=False,
            opts=pulumi.ResourceOptions(depends_on=[phone]),
        )
    pulumi.export(name, {"webhook": phone.webhook, "ack_delivery": phone.ack_delivery})
