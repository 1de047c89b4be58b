"""The floors of `pulumi` that the packages declare are honest: a lifecycle on each family with
the program's own virtualenv holding the floor version of the SDK, on the project's engine.

- dynamic: the package's wheel with `pulumi` at the floor of pyproject.toml; the engine serves
  the providers in that virtualenv;
- native: the program's virtualenv holds the generated SDK (sdk/python) with `pulumi` at the
  floor it declares (its generator's), and the plugin, pulumi-resource-maytapi, runs from the
  package's virtualenv at the package's floor (first on PATH).

The virtualenvs are cached by tests/venvs.py, keyed by the sources and declarations."""

from __future__ import annotations

import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, Project
from tests.conftest import DYNAMIC, PREVIEWED, Calls, Family, stack_outputs, summary
from tests.venvs import SDK_PYTHON, package_with_sdk, virtualenv, wheel

HOOK = "https://hooks.example.com/maytapi"


def floor(pyproject: Path) -> str:
    """The lowest `pulumi` the project file accepts, as a full version."""
    found = re.search(r'"pulumi>=([0-9.]+)', pyproject.read_text())
    assert found, f"{pyproject} declares no floor for pulumi"
    parts = found.group(1).split(".")
    return ".".join(parts + ["0"] * (3 - len(parts)))


PACKAGE_FLOOR = floor(ROOT / "pyproject.toml")
SDK_FLOOR = floor(SDK_PYTHON / "pyproject.toml")


@pytest.fixture(scope="module")
def floor_venvs() -> dict[str, Path]:
    """The virtualenvs: "package", the package's wheel and pulumi==PACKAGE_FLOOR (the one
    tests/test_failure_lines.py runs the floor's dynamic host in); "sdk": the generated SDK and
    pulumi==SDK_FLOOR."""

    def sdk() -> Path:
        return virtualenv(
            f"sdk-pulumi{SDK_FLOOR}", Path(sys._base_executable), wheel(SDK_PYTHON), f"pulumi=={SDK_FLOOR}"
        )

    with ThreadPoolExecutor(2) as pool:
        package, built = pool.submit(package_with_sdk, PACKAGE_FLOOR), pool.submit(sdk)
        return {"package": package.result(), "sdk": built.result()}


PROGRAM = """\
import importlib.metadata

import pulumi
{imports}
config = PhoneConfig("phone", phone_id="12", webhook="{webhook}", ack_delivery=True)
Redeploy("redeploy", phone_id=config.phone_id, revision="1")
pulumi.export("sdk", importlib.metadata.version("pulumi"))
"""


def test_a_lifecycle_with_the_floor_version_of_the_sdk(
    family: Family, floor_venvs: dict[str, Path], emu: RunningEmulator, calls: Calls, tmp_path: Path
) -> None:
    venv, version = (
        (floor_venvs["package"], PACKAGE_FLOOR)
        if family.name == DYNAMIC.name
        else (floor_venvs["sdk"], SDK_FLOOR)
    )
    imports = family.imports("PhoneConfig", "Redeploy")
    project = Project.create(
        tmp_path / "project",
        tmp_path / "state",
        PROGRAM.format(imports=imports, webhook=HOOK),
        config=emu.stack_config,
        secrets={"maytapi:apiToken": emu.token},
    )
    (project.directory / "Pulumi.yaml").write_text(
        f"name: maytapi-test\nruntime:\n  name: python\n  options:\n    virtualenv: {venv}\n"
    )
    # nothing from this checkout; the plugin from the package's virtualenv at its floor
    path = f"{floor_venvs['package'] / 'bin'}:{project.stack.workspace.env_vars['PATH']}"
    env = {"PYTHONPATH": "", "PATH": path}

    assert summary(project.cli("preview", env=env)) == "+ 3 to create"
    assert calls.take() == []
    assert summary(project.cli("up", *PREVIEWED, env=env)) == "+ 3 created"
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/redeploy")]
    assert stack_outputs(project)["sdk"] == version
    assert summary(project.cli("up", "--yes", env=env)) == "3 unchanged"
    assert calls.take() == []
    project.write_program(PROGRAM.format(imports=imports, webhook=HOOK + "/v2"))
    assert summary(project.cli("up", "--yes", env=env)) == "~ 1 updated 2 unchanged"
    assert calls.take() == [("POST", "/12/config")]
    assert emu.phone("12")["webhook"] == HOOK + "/v2"
    assert summary(project.cli("destroy", "--yes", env=env)) == "- 3 deleted"
    assert calls.take() == [("POST", "/12/config")]
