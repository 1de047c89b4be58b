"""A Maytapi error is one line in `pulumi up` on both families, on the SDK's declared floor and
on its newest release; a bug (any other exception) keeps its traceback.

Each SDK gets a virtualenv of its own with the wheel built from this checkout (cached by
tests/venvs.py, keyed by the sources). The engine is the project's. What runs on the SDK
under test is the provider process: for the dynamic family the program and the SDK's
dynamic-provider host, started as the official CLI starts it (`python -m pulumi.dynamic`, not
through this project's launcher); for the native family the plugin `pulumi-resource-maytapi` of
that virtualenv (its program runs in the project's virtualenv: the generated SDK requires a
newer `pulumi` than the floor, and the program's side has no part in how errors are reported).
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devtools.emulator import RunningEmulator
from devtools.stack import VENV, Project, write_project
from tests.conftest import DYNAMIC, NATIVE, Calls, Family
from tests.venvs import package_with_sdk

# The floor pyproject.toml declares (pulumi>=3.216) and the newest release on the package index.
SDKS = ("3.216.0", "3.272.0")
# How the SDK's dynamic-provider host reports a failed call. The floor's lets the exception reach
# gRPC, which answers with one line of its own, "Exception calling application: <message>", for
# bugs as for Maytapi's errors (no traceback on that SDK). Newer hosts (3.260 and 3.272 here)
# answer with `traceback.format_exc()`: a Maytapi error is then its message alone, a bug its
# whole traceback.
GRPC_PREFIX = {"3.216.0": "Exception calling application: ", "3.272.0": ""}

# What the official CLI's `pulumi-resource-pulumi-python` comes down to for a program whose
# Pulumi.yaml names a virtualenv (the engine passes it in PULUMI_RUNTIME_VIRTUALENV).
OFFICIAL_LAUNCHER = """#!/bin/sh
exec "$PULUMI_RUNTIME_VIRTUALENV/bin/python" -u -m pulumi.dynamic "$@"
"""

BUG = '''
import sys

from pulumi.dynamic import Resource

from maytapi_pulumi._provider import MaytapiProvider


class _Buggy(MaytapiProvider):
    """A Maytapi provider with a bug: configured as every Maytapi provider is, then it fails."""

    def create(self, props):
        raise RuntimeError("a bug, not a Maytapi error; host started with " + sys.orig_argv[2])


class Buggy(Resource):
    pass


Buggy(_Buggy(), "bug", {})
'''


@pytest.fixture(scope="module")
def sdk_virtualenvs() -> dict[str, Path]:
    def make(version: str) -> Path:
        venv = package_with_sdk(version)
        installed = subprocess.run(
            [venv / "bin" / "python", "-c", "import importlib.metadata as m; print(m.version('pulumi'))"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert installed.stdout.strip() == version
        return venv

    with ThreadPoolExecutor(len(SDKS)) as pool:
        return dict(zip(SDKS, pool.map(make, SDKS), strict=True))


def diagnostics(output: str) -> dict[str, list[str]]:
    """The last Diagnostics section (the update's, after the preview's) of `pulumi up`: each
    resource's lines, by `type (name)`."""
    blocks: dict[str, list[str]] = {}
    section = (
        output.rsplit("\nDiagnostics:\n", 1)[1].split("\nResources:\n", 1)[0].split("\nOutputs:\n", 1)[0]
    )
    for line in section.splitlines():
        if line.startswith("  ") and not line.startswith("    "):
            current = blocks.setdefault(line.strip().removesuffix(":"), [])
        elif line.strip():
            current.append(line[4:])
    return blocks


# (family, SDK, dynamic host): the official CLI's `python -m pulumi.dynamic` on both SDKs, and
# this project's launcher (`python -c`, runpy) on the newest; the native plugin has no such host.
CASES = [
    (DYNAMIC, "3.216.0", "-m"),
    (DYNAMIC, "3.272.0", "-m"),
    (DYNAMIC, "3.272.0", "-c"),
    (NATIVE, "3.216.0", None),
    (NATIVE, "3.272.0", None),
]


@pytest.mark.parametrize(
    ("family", "sdk", "host"),
    CASES,
    indirect=["family"],
    ids=[f"{f.name}-{sdk}{' python ' + host if host else ''}" for f, sdk, host in CASES],
)
def test_a_maytapi_error_is_one_line_and_a_bug_keeps_its_traceback(
    sdk: str,
    host: str | None,
    family: Family,
    sdk_virtualenvs: dict[str, Path],
    emu: RunningEmulator,
    calls: Calls,
    tmp_path: Path,
) -> None:
    venv = sdk_virtualenvs[sdk]
    launchers = tmp_path / "launchers"
    launchers.mkdir()
    if host == "-m":
        (launchers / "pulumi-resource-pulumi-python").write_text(OFFICIAL_LAUNCHER)
        (launchers / "pulumi-resource-pulumi-python").chmod(0o755)
    program = family.imports("PhoneConfig") + (
        'PhoneConfig("config", phone_id="12", webhook="https://hooks.example.com/maytapi")\n'
    )
    if family.name == "dynamic":
        program += BUG
    directory = tmp_path / "project"
    write_project(directory, "failures", program)
    program_venv = venv if family.name == "dynamic" else VENV
    (directory / "Pulumi.yaml").write_text(
        f"name: failures\nruntime:\n  name: python\n  options:\n    virtualenv: {program_venv}\n"
    )
    project = Project.open(
        directory,
        tmp_path / "state",
        config=emu.stack_config,
        secrets={"maytapi:apiToken": "not-the-token"},
        env={
            "PATH": os.pathsep.join(
                [str(launchers), str(venv / "bin"), str(VENV / "bin"), os.environ["PATH"]]
            ),
            "PYTHONPATH": "",  # the package as the wheel installed it, not this checkout
        },
    )

    # --continue-on-error: without it the engine starts nothing after the first failure, and
    # whether the config's create starts before the bug fails depends on timing.
    run = project.cli("up", "--yes", "--continue-on-error", check=False)
    assert run.returncode != 0
    assert calls.take() == [("POST", "/12/config")], run.output
    blocks = diagnostics(run.output)
    line = "Maytapi set config on phone 12 failed: HTTP 401: Invalid or missing x-maytapi-key"
    if family.name == "native":
        assert blocks["maytapi:index:PhoneConfig (config)"] == [f"error: {line}"], run.output
        assert "Traceback" not in run.output
        assert f"using pulumi-resource-maytapi from $PATH at {venv}/bin/pulumi-resource-maytapi" in run.output
        return
    assert (f"using pulumi-resource-pulumi-python from $PATH at {launchers}/" in run.output) == (host == "-m")
    line = GRPC_PREFIX[sdk] + line
    assert blocks["pulumi-python:dynamic/maytapi:PhoneConfig (config)"] == [f"error: {line}"], run.output
    # the lines shown while the update runs say the same
    progress = [text for text in run.stdout.splitlines() if "PhoneConfig config" in text and "error:" in text]
    assert progress and all(text.endswith(f"error: {line}") for text in progress)
    (bug,) = (lines for name, lines in blocks.items() if name.endswith(" (bug)"))
    bug_message = f"a bug, not a Maytapi error; host started with {host}"
    if GRPC_PREFIX[sdk]:
        assert bug == [f"error: {GRPC_PREFIX[sdk]}{bug_message}"]
        return
    assert bug[0] == "error: Traceback (most recent call last):"
    assert bug[-1] == f"RuntimeError: {bug_message}"
    # the SDK the program's virtualenv sees (tests/venvs.py: its third-party layer)
    dynamic = subprocess.run(
        [venv / "bin" / "python", "-c", "import pulumi.dynamic as d; print(d.__file__)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert f'  File "{Path(dynamic).parent}/__main__.py", line ' in "\n".join(bug)
