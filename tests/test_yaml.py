"""The YAML example (examples/yaml): a program with no SDK, run by Pulumi's own YAML language host
(built from the Go module proxy, engine/yaml) and the native plugin, through the real CLI as users
type it. Each step states the API calls it must make, counted in the emulator's log."""

from __future__ import annotations

import shutil
from pathlib import Path

from devtools import engine
from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, Project
from tests.conftest import PREVIEWED, Calls

HOOK = "https://hooks.example.com/maytapi"


def changes(output: str) -> str:
    """The summary under "Resources:" of the last operation."""
    return output.rsplit("Resources:", 1)[1].split("Duration", 1)[0]


def test_the_yaml_example_lifecycle_and_import_through_the_yaml_language_host(
    tmp_path: Path, emu: RunningEmulator, calls: Calls
) -> None:
    engine.require("yaml")  # built when first needed
    shutil.copytree(ROOT / "examples" / "yaml", tmp_path / "yaml")
    project = Project.open(
        tmp_path / "yaml",
        tmp_path / "state",
        config=emu.stack_config,
        secrets={"maytapi:apiToken": emu.token},
    )
    calls.take()

    # preview: the plugin checks the inputs; nothing is called
    assert "+ 3 to create" in changes(project.cli("preview").stdout)
    assert calls.take() == []

    # up: the phone's config is set, then the redeploy that depends on it fires
    up = project.cli("up", *PREVIEWED).stdout
    assert "+ 3 created" in changes(up)
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/redeploy")]
    assert emu.phone("12")["webhook"] == HOOK and emu.phone("12")["ack_delivery"] is True

    # up again: no change, no call
    assert "3 unchanged" in changes(project.cli("up", "--yes").stdout)
    assert calls.take() == []

    # a new webhook and revision (stack config): the diff names both fields, then one call each
    project.cli("config", "set", "webhook", "https://hooks.example.com/v2")
    project.cli("config", "set", "revision", "2026-12-01")
    diff = project.cli("preview", "--diff").stdout
    assert f'~ webhook: "{HOOK}" => "https://hooks.example.com/v2"' in diff
    assert '~ revision: "2026-11-25" => "2026-12-01"' in diff
    assert calls.take() == []
    assert "~ 2 updated" in changes(project.cli("up", *PREVIEWED).stdout)
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/redeploy")]
    assert emu.phone("12")["webhook"] == "https://hooks.example.com/v2"

    # drift made outside Pulumi: refresh reads the phone (in its preview and for real) and
    # records it; the next up puts the declared webhook back
    emu.set_phone("12", webhook="https://elsewhere.example.com/x")
    assert "~ 1 updated" in changes(project.cli("refresh", "--yes").stdout)
    assert calls.take() == [("GET", "/12/config"), ("GET", "/12/config")]
    assert "~ 1 updated" in changes(project.cli("up", "--yes").stdout)
    assert calls.take() == [("POST", "/12/config")]
    assert emu.phone("12")["webhook"] == "https://hooks.example.com/v2"

    # destroy: the phone goes back to the product's defaults; the redeploy cannot be undone
    assert "- 3 deleted" in changes(project.cli("destroy", "--yes").stdout)
    assert calls.take() == [("POST", "/12/config")]
    assert emu.phone("12")["webhook"] == "" and emu.phone("12")["ack_delivery"] is False

    # import: one read, and YAML to add from the YAML host's GenerateProgram
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    calls.take()
    run = project.cli("import", "maytapi:index:PhoneConfig", "support", "12", "--yes", "--skip-preview")
    assert "= 1 imported" in changes(run.stdout)
    assert calls.take() == [("GET", "/12/config")]
    code = run.stdout.split("will take effect.", 1)[1].strip()
    assert code.startswith("resources:\n  support:\n    type: maytapi:PhoneConfig\n"), run.stdout
    assert "phoneId: '12'" in code and f"webhook: {HOOK}" in code and "ackDelivery: true" in code
    assert "options:\n      protect: true" in code

    # the printed YAML, pasted as the program, is exactly what was imported: no change, no call
    (project.directory / "Pulumi.yaml").write_text(f"name: maytapi-yaml\nruntime: yaml\n{code}\n")
    assert "2 unchanged" in changes(project.cli("up", "--yes").stdout)
    assert calls.take() == []
