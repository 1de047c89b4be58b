"""Virtualenvs other than the project's, for the tests that run a program or a provider in one
(other interpreters, the SDK's floor and newest versions). One cache for all of them under
.work/venvs/, keyed by the sources they install, so a virtualenv two test files need (the
package with `pulumi` at its floor) is built once and kept until the sources change."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from devtools.stack import ROOT

SDK_PYTHON = ROOT / "sdk" / "python"


def run(*command: str | Path, cwd: Path = ROOT) -> None:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}")


def cache() -> Path:
    """This checkout's cache: its key covers the package, the generated SDK and their pins."""
    digest = hashlib.sha256()
    for path in sorted(
        [*(ROOT / "maytapi_pulumi").rglob("*.py"), *(SDK_PYTHON / "pulumi_maytapi").rglob("*.py"),
         ROOT / "pyproject.toml", ROOT / "constraints.txt", SDK_PYTHON / "pyproject.toml"]
    ):  # fmt: skip
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return ROOT / ".work" / "venvs" / digest.hexdigest()[:12]


@contextlib.contextmanager
def _alone(path: Path) -> Iterator[None]:
    """While `path` is built: test files on other xdist workers may want it at the same time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def wheel(source: Path = ROOT) -> Path:
    """The wheel built from `source` (the package, or the generated SDK), kept in the cache."""
    wheels = cache() / f"wheel-{source.relative_to(ROOT).as_posix().replace('/', '-') or 'package'}"
    with _alone(wheels):
        if not list(wheels.glob("*.whl")):
            shutil.rmtree(wheels, ignore_errors=True)
            run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source)
        (built,) = wheels.glob("*.whl")
    return built


def virtualenv(name: str, python: Path, *install: str | Path) -> Path:
    """The cached virtualenv `name` of `python` with `pip install <install>`, built in place (a
    virtualenv cannot be moved) unless a complete one is already there."""
    venv = cache() / name
    with _alone(venv):
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            run(python, "-m", "venv", venv)
            run(
                venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", *install
            )
            (venv / ".complete").touch()
    return venv


def package_with_sdk(version: str) -> Path:
    """The package's wheel with `pulumi==version`, on the interpreter running the tests."""
    return virtualenv(f"package-pulumi{version}", Path(sys._base_executable), wheel(), f"pulumi=={version}")
