"""The program's interpreter serves its dynamic providers: a program in a virtualenv of each
Python from 3.10 to 3.13 found here (pyenv), with the package installed from its wheel (not
editable), goes through preview, up and destroy with the real CLI, and its provider process runs
in that same virtualenv.

The virtualenvs are cached (tests/venvs.py), keyed by the package's sources and pins, and
built in parallel when missing (about a minute with a warm pip cache)."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, Project
from tests.conftest import PREVIEWED, Calls
from tests.venvs import virtualenv, wheel

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


def interpreters() -> dict[str, Path]:
    """Each Python 3.10-3.13 that pyenv has (the newest patch of each); without pyenv, the
    interpreter running the tests."""
    found: dict[str, Path] = {}
    for python in sorted(
        PYENV.glob("3.*/bin/python3"), key=lambda p: [int(n) for n in p.parts[-3].split(".")]
    ):
        minor = ".".join(python.parts[-3].split(".")[:2])
        if minor in ("3.10", "3.11", "3.12", "3.13"):
            found[minor] = python
    return found or {f"{sys.version_info.major}.{sys.version_info.minor}": Path(sys._base_executable)}


INTERPRETERS = interpreters()


@pytest.fixture(scope="session")
def virtualenvs() -> dict[str, Path]:
    """One virtualenv per interpreter, with the wheel built from this checkout installed under
    the pinned constraints."""
    built = wheel()

    def make(minor: str) -> Path:
        return virtualenv(f"py{minor}", INTERPRETERS[minor], "-c", ROOT / "constraints.txt", built)

    with ThreadPoolExecutor(len(INTERPRETERS)) as pool:
        return dict(zip(INTERPRETERS, pool.map(make, INTERPRETERS), strict=True))


WHEREAMI = '''
import sys

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


def where() -> dict:
    import maytapi_pulumi

    return {"prefix": sys.prefix, "package": maytapi_pulumi.__file__}


class _Where(ResourceProvider):
    def create(self, props):
        return CreateResult("where", {"where": where()})


class WhereAmI(Resource):
    """Reports where its provider process runs."""

    where: pulumi.Output[dict]

    def __init__(self, name: str) -> None:
        super().__init__(_Where(), name, {"where": None})
'''

PROGRAM = """
import pulumi
from maytapi_pulumi import PhoneConfig, Redeploy
from whereami import WhereAmI, where

config = PhoneConfig("phone", phone_id="12", webhook="https://hooks.example.com/maytapi")
Redeploy("redeploy", phone_id=config.phone_id, revision=1)
pulumi.export("program", where())
pulumi.export("provider", WhereAmI("here").where)
"""


CASES = [(minor, "virtualenv") for minor in INTERPRETERS] + [(list(INTERPRETERS)[-1], "PULUMI_PYTHON_CMD")]


@pytest.mark.parametrize(("minor", "named_by"), CASES)
def test_a_program_in_its_own_virtualenv_has_its_provider_served_there(
    minor: str,
    named_by: str,
    virtualenvs: dict[str, Path],
    emu: RunningEmulator,
    calls: Calls,
    tmp_path: Path,
) -> None:
    # Pulumi.yaml names the virtualenv relative to the project directory, and the program lives
    # in a subdirectory: the provider's working directory is not the project's. Without it,
    # $PULUMI_PYTHON_CMD names the interpreter.
    project_dir = tmp_path / "project"
    (project_dir / "program").mkdir(parents=True)
    venv = project_dir / "venv"
    venv.symlink_to(virtualenvs[minor])
    options = "  options:\n    virtualenv: venv\n" if named_by == "virtualenv" else ""
    (project_dir / "Pulumi.yaml").write_text(
        f"name: interpreters\nmain: program\nruntime:\n  name: python\n{options}"
    )
    (project_dir / "program" / "__main__.py").write_text(PROGRAM)
    (project_dir / "program" / "whereami.py").write_text(WHEREAMI)
    # as in this repository's root program: the program's directory is a project of its own
    (project_dir / "program" / "Pulumi.yaml").write_text("name: interpreters\nruntime: python\n")
    python_cmd = (
        {"PULUMI_PYTHON_CMD": str(venv / "bin" / "python")} if named_by == "PULUMI_PYTHON_CMD" else {}
    )
    project = Project.open(
        project_dir,
        tmp_path / "state",
        config=emu.stack_config,
        secrets={"maytapi:apiToken": emu.token},
        env={"PYTHONPATH": "", **python_cmd},  # nothing from this checkout: only what the wheel installed
    )

    project.cli("preview")
    assert calls.take() == []
    project.cli("up", *PREVIEWED)
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/redeploy")]
    outputs = project.stack.outputs()
    site_packages = f"{venv}/lib/python{minor}/site-packages/maytapi_pulumi/__init__.py"
    for process in ("program", "provider"):
        assert outputs[process].value == {"prefix": str(venv), "package": site_packages}, process
    project.cli("destroy", "--yes")
    assert calls.take() == [("POST", "/12/config")]


def test_the_launcher_names_a_missing_virtualenv(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: python\n")
    # The launcher finds the project from its parent's working directory, as the engine's.
    as_the_engine = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            as_the_engine,
            ROOT / ".venv" / "bin" / "pulumi-resource-pulumi-python",
            "127.0.0.1:1",
        ],
        cwd=tmp_path,
        env={**os.environ, "PULUMI_RUNTIME_VIRTUALENV": "no-such-venv"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert (
        f"(runtime.options.virtualenv: no-such-venv) has no {tmp_path}/no-such-venv/bin/python" in done.stderr
    )
