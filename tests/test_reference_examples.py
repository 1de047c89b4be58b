"""The reference's examples (examples/reference/<kind>/), run as users run them: every Python
example of a family in one program, every YAML example in one Pulumi.yaml, each through
`pulumi up` (with its preview) against the emulator, with the API calls counted and the phones'
final state read back; and the client's example (examples/client/). TypeScript and Go ones
are type-checked and built by tests/test_sdk.py."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from devtools.docs_reference import EXAMPLES, PROVIDER, examples
from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, Project
from maytapi_pulumi._core.functions import FUNCTIONS
from maytapi_pulumi._core.properties import KINDS
from tests.conftest import DYNAMIC, NATIVE, YAML, Calls, Family, phones, stack_outputs, summary

NAMES = [k.name for k in KINDS] + [f.name for f in FUNCTIONS] + [PROVIDER]
# What the examples declare, write and fire, once each (a preview only reads: functions).
WRITES = {("POST", f"/{p}/config") for p in ("12", "13", "14", "15")} | {
    ("GET", "/12/redeploy"),
    ("GET", "/16/logout"),
    ("GET", "/18/redeploy"),
    ("GET", "/19/redeploy"),
    ("GET", "/22/logout"),
    ("GET", "/23/logout"),
}
READS = [("GET", "/listPhones"), ("GET", "/12/config"), ("GET", "/12/status")]


def python_program(file: str) -> str:
    paths = [str(p) for p in sorted(EXAMPLES.glob(f"*/{file}"))]
    return f"import runpy\n\nfor path in {paths!r}:\n    runpy.run_path(path)\n"


def yaml_program() -> str:
    """Every Pulumi.yaml's resources, variables and outputs in one; a name used twice fails."""
    merged: dict[str, Any] = {"name": "maytapi-test", "runtime": "yaml"}
    for name in NAMES:
        program = yaml.safe_load(examples(name)["Pulumi.yaml"])
        for section in ("config", "resources", "variables", "outputs"):
            mine = program.get(section, {})
            taken = merged.setdefault(section, {})
            assert not set(mine) & set(taken), f"{name}'s Pulumi.yaml reuses {set(mine) & set(taken)}"
            taken.update(mine)
    return yaml.safe_dump(merged, sort_keys=False)


@pytest.mark.parametrize("family", [DYNAMIC, NATIVE, YAML], ids=str)
def test_every_reference_example_runs_through_pulumi_up(
    family: Family, make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    emu.reset(phones=[str(p) for p in range(12, 24)])
    calls.take()
    file = {"dynamic": "python-dynamic.py", "native": "python-native.py"}.get(family.name)
    # the provider's example: a second product (here the emulator's one, under another provider)
    other = {"otherProductId": emu.product_id}, {"otherApiToken": emu.token}
    program = yaml_program() if file is None else python_program(file)
    project = make_project(program, config=other[0], secrets=other[1], family=family)
    # a provider instance and its PhoneConfig beside the others, but for the dynamic family
    native = family is not DYNAMIC
    # the instance's base URL, which the example leaves at Maytapi's, falls back to the variable
    emulator = {"MAYTAPI_BASE_URL": emu.stack_config["maytapi:baseUrl"]}
    assert summary(project.cli("up", "--yes", env=emulator)) == f"+ {12 if native else 10} created"
    made = calls.take()
    # the program runs twice (the up's preview, then the update): the functions read twice
    reads = [c for c in made if c in READS]
    assert sorted(set(reads)) == sorted(READS) and len(reads) >= 2 * len(READS)
    assert sorted(c for c in made if c not in READS) == sorted(
        WRITES | ({("POST", "/17/config")} if native else set())
    )
    assert phones(emu, "12", "13", "14", "15") == {
        "12": ("https://hooks.example.com/maytapi", True),
        "13": ("https://hooks.example.com/maytapi/sales", True),
        "14": ("https://hooks.example.com/maytapi/support", False),
        "15": ("https://hooks.example.com/maytapi/lobby", False),
    }
    assert [emu.phone(p)["status"] for p in ("16", "22", "23")] == ["qr-code"] * 3  # logged out
    outputs = stack_outputs(project)
    webhook = outputs["support_webhook" if file else "supportWebhook"]
    assert webhook == "https://hooks.example.com/maytapi"
    assert (outputs["redeployed_at" if file else "redeployedAt"] or "")[:2] == "20"


def test_the_clients_example_runs_against_the_emulator(emu: RunningEmulator, calls: Calls) -> None:
    """examples/client/client.py, which docs/operations/client.md shows, with the settings from
    the environment as it says."""
    env = {
        **os.environ,
        "MAYTAPI_PRODUCT_ID": emu.product_id,
        "MAYTAPI_API_TOKEN": emu.token,
        "MAYTAPI_BASE_URL": emu.stack_config["maytapi:baseUrl"],
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples/client/client.py")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert calls.take() == [
        ("POST", "/12/config"),
        ("GET", "/12/config"),
        ("GET", "/12/status"),
        ("GET", "/listPhones"),
    ]
    assert phones(emu, "12") == {"12": ("https://hooks.example.com/maytapi", True)}
    assert "https://hooks.example.com/maytapi" in done.stdout and "True [12, 13, 14]" in done.stdout
