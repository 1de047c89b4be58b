"""A stack left by the previous release keeps working on this one: its exported state
(tests/data/legacy, produced by devtools/legacy_state.py with that release's engine and SDK)
imported into a new stack previews and goes up with no change and no API call, on both families."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

from pulumi import automation as auto

from devtools import engine
from devtools.emulator import RunningEmulator
from devtools.legacy_state import PORT
from devtools.stack import ROOT, Project
from tests.conftest import PREVIEWED, Calls, Family, summary, version

DATA = ROOT / "tests" / "data" / "legacy"


def test_a_stack_of_the_previous_release_has_no_change_and_makes_no_call(
    family: Family, tmp_path: Path
) -> None:
    record = json.loads((DATA / f"{family.name}.json").read_text())
    produced = record["produced_with"]
    # the state really comes from older versions than the ones under test
    assert version(produced["cli"]) < version(engine.ENGINE_VERSION)
    assert version(produced["sdk"]) < version(importlib.metadata.version("pulumi"))
    assert record["program"].startswith(f"from {family.module} import ")

    # the emulator where the stack's phone lives (its URL is in the native provider's state)
    with RunningEmulator(phones=("12",), port=PORT) as emu:
        emu.set_phone("12", **record["phone"])
        calls = Calls(emu)
        project = Project.create(
            tmp_path / "project",
            tmp_path / "state",
            record["program"],
            config=emu.stack_config,
            secrets={"maytapi:apiToken": emu.token},
        )
        project.stack.import_stack(auto.Deployment(version=3, deployment=record["deployment"]))
        assert len(project.resources()) == len(record["deployment"]["resources"])

        preview = project.cli("preview", "--diff", "--expect-no-changes")
        assert summary(preview) == "3 unchanged", preview.stdout
        assert "__provider" not in preview.stdout  # no pickled-provider diff (pulumi#12401)
        up = project.cli("up", *PREVIEWED, "--expect-no-changes")
        assert summary(up) == "3 unchanged", up.stdout
        assert calls.take() == []
        assert {k: emu.phone("12")[k] for k in record["phone"]} == record["phone"]
