"""Stacks as a previous release of this package left them, for tests/test_upgrade.py.

For each family (dynamic resources, native provider through pulumi_maytapi) one small program,
a PhoneConfig and a Redeploy, goes up against the emulator on a fixed port with the engine and
SDK this checkout installs; the state `pulumi stack export` prints is written with the program,
the phone as the emulator left it, and the versions that produced it. Run it in a checkout of
the release to preserve (its own engine), writing into this checkout:

    git worktree add ../previous <commit> && cp devtools/legacy_state.py ../previous/devtools/
    cd ../previous && ./dev setup && .venv/bin/python -m devtools.legacy_state <here>/tests/data/legacy
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, VENV, Project

PORT = 18817  # fixed: the native provider's state holds the emulator's URL
FAMILIES = {"dynamic": "maytapi_pulumi", "native": "pulumi_maytapi"}
PROGRAM = """\
from {module} import PhoneConfig, Redeploy

config = PhoneConfig("phone", phone_id="12", webhook="https://hooks.example.com/maytapi", ack_delivery=True)
Redeploy("redeploy", phone_id=config.phone_id, revision="1")
"""


def produced_with() -> dict[str, str]:
    cli = subprocess.run(
        [str(VENV / "bin" / "pulumi"), "version"], capture_output=True, text=True, check=True
    )
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {
        "cli": cli.stdout.strip().removeprefix("v"),
        "sdk": importlib.metadata.version("pulumi"),
        "package": importlib.metadata.version("maytapi-pulumi"),
        "commit": commit.stdout.strip(),
    }


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    versions = produced_with()
    for family, module in FAMILIES.items():
        with (
            RunningEmulator(phones=("12",), port=PORT, redeploy_seconds=0) as emu,
            tempfile.TemporaryDirectory() as tmp,
        ):
            program = PROGRAM.format(module=module)
            project = Project.create(
                Path(tmp) / "project",
                Path(tmp) / "state",
                program,
                config=emu.stack_config,
                secrets={"maytapi:apiToken": emu.token},
            )
            changes = project.up().summary.resource_changes
            phone = emu.phone("12")
            record = {
                "produced_with": versions,
                "program": program,
                "phone": {"webhook": phone["webhook"], "ack_delivery": phone["ack_delivery"]},
                "deployment": project.export(),
            }
            (out / f"{family}.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
            print(f"[legacy state] {family}: {changes} with {versions} -> {out / f'{family}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
