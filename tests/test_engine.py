"""The foundation: the project's own engine runs a dynamic resource offline, end to end."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
from pathlib import Path

from devtools.stack import VENV, Project, engine_env

PROGRAM = """
import pulumi
from devtools.noop import Noop
pulumi.export("value", Noop("smoke", 1).value)
"""


def test_the_engine_is_the_cli_of_the_sdks_version() -> None:
    version = subprocess.run([VENV / "bin" / "pulumi", "version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == "v" + importlib.metadata.version("pulumi")


def test_a_dynamic_resource_goes_up_stays_unchanged_and_is_destroyed(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "smoke", tmp_path / "state", PROGRAM)
    up = project.up()
    assert up.summary.resource_changes == {"create": 2}
    assert up.outputs["value"].value == 1
    # the provider class is importable, so it is pickled by reference: small and stable
    provider = project.resources(":Noop")[0]["inputs"]["__provider"]
    assert isinstance(provider, str) and len(provider) < 512

    assert project.up().summary.resource_changes == {"same": 2}
    assert project.destroy().summary.resource_changes == {"delete": 2}
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
