"""The foundation: the project's own engine runs a dynamic resource offline, end to end."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from devtools import engine
from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, VENV, Project, engine_env
from tests.conftest import Calls

PROGRAM = """
import pulumi
from devtools.noop import Noop
pulumi.export("value", Noop("smoke", 1).value)
"""


def test_the_engine_and_the_sdk_are_the_versions_pinned_apart() -> None:
    version = subprocess.run([VENV / "bin" / "pulumi", "version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"v{engine.ENGINE_VERSION}"  # engine/go.mod
    pins = re.findall(r"^pulumi==(\S+)$", (ROOT / "constraints.txt").read_text(), re.M)
    assert pins == [importlib.metadata.version("pulumi")]


def test_setup_provides_only_the_engine_and_the_rest_when_first_needed() -> None:
    setup = subprocess.run(
        [VENV / "bin" / "python", "-m", "devtools.engine"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "wanted: the CLI and the Python language host\n" in setup.stdout
    assert "YAML" not in setup.stdout and "generator" not in setup.stdout
    # built (or linked from a CLI on PATH), written, and installed by pip
    quickstart = (*engine.ENGINE.executables, "pulumi-resource-pulumi-python", "pulumi-resource-maytapi")
    assert [n for n in quickstart if not os.access(VENV / "bin" / n, os.X_OK)] == []

    engine.require(*engine.TOOLS)
    tools = [name for tool in engine.TOOLS.values() for name in tool.executables]
    assert [n for n in tools if not os.access(VENV / "bin" / n, os.X_OK)] == []


def test_a_dynamic_resource_goes_up_stays_unchanged_and_is_destroyed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def report(step: str, changes: dict[str, int]) -> None:
        with capsys.disabled():  # shown in every test run: the engine really ran
            print(f"\n[engine smoke test] {step}: {changes}", end="")

    project = Project.create(tmp_path / "smoke", tmp_path / "state", PROGRAM)
    up = project.up()
    report("up", up.summary.resource_changes)
    assert up.summary.resource_changes == {"create": 2}
    assert up.outputs["value"].value == 1
    # the provider class is importable, so it is pickled by reference: small and stable
    provider = project.resources(":Noop")[0]["inputs"]["__provider"]
    assert isinstance(provider, str) and len(provider) < 512

    noop = project.up().summary.resource_changes
    report("second up", noop)
    assert noop == {"same": 2}
    destroy = project.destroy().summary.resource_changes
    report("destroy", destroy)
    assert destroy == {"delete": 2}
    assert project.resources() == []


def test_stacks_live_in_a_local_backend_and_an_isolated_home(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "smoke", tmp_path / "state", PROGRAM)
    project.up()
    env = engine_env(tmp_path / "state")
    whoami = subprocess.run(
        [VENV / "bin" / "pulumi", "whoami", "--verbose", "--non-interactive"],
        cwd=project.directory,
        env={**env, "PULUMI_CONFIG_PASSPHRASE": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"Backend URL: file://{tmp_path / 'state' / 'backend'}" in whoami.stdout
    stacks = list((tmp_path / "state" / "backend" / ".pulumi" / "stacks").rglob("*.json"))
    assert stacks and json.loads(stacks[0].read_text())["checkpoint"]["stack"].endswith("dev")
    # nothing was logged in to and no plugin was downloaded into the isolated PULUMI_HOME
    home = tmp_path / "state" / "home"
    credentials = home / "credentials.json"
    if credentials.exists():
        assert json.loads(credentials.read_text()).get("current", "file://").startswith("file://")
    plugins = home / "plugins"
    assert not plugins.exists() or not any(plugins.iterdir())


def test_setup_without_a_cli_or_go_says_what_to_install(tmp_path: Path) -> None:
    # No cached engine (another cache directory), no pulumi and no go on PATH.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [VENV / "bin" / "python", "-m", "devtools.engine"],
        cwd=VENV.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    version = engine.ENGINE_VERSION
    assert done.returncode == 1
    assert f"No Pulumi CLI v{version} on PATH and no Go toolchain to build one" in done.stderr
    assert f"Install the Pulumi CLI v{version}" in done.stderr and "or Go" in done.stderr
    assert "[engine" in done.stdout  # each step is reported with its elapsed time


def test_pulumi_import_prints_python_code_that_the_next_up_keeps_without_a_call(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    # The code `pulumi import` prints comes from the program's language host (GenerateProgram,
    # engine/langhost/codegen.go), written with the generated Python SDK (sdk/python).
    emu.set_phone("12", webhook="https://hooks.example.com/maytapi", ack_delivery=True)
    project = make_project("import pulumi\n")
    calls.take()
    run = project.cli("import", "maytapi:index:PhoneConfig", "support", "12", "--yes", "--skip-preview")
    assert calls.take() == [("GET", "/12/config")]
    code = run.stdout.split("will take effect.", 1)[1].strip()
    assert code.startswith("import pulumi\nimport pulumi_maytapi as maytapi\n"), run.stdout
    assert 'support = maytapi.PhoneConfig("support",' in code
    assert 'phone_id="12"' in code and "ack_delivery=True" in code
    assert 'webhook="https://hooks.example.com/maytapi"' in code
    assert "opts = pulumi.ResourceOptions(protect=True)" in code

    # pasted as the program, as the CLI asks: nothing to do and no call
    project.write_program(code + "\n")
    up = project.cli("up", "--yes")
    assert "2 unchanged" in up.stdout, up.output
    assert calls.take() == []
    assert emu.phone("12")["webhook"] == "https://hooks.example.com/maytapi"
