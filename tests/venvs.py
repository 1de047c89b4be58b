"""Virtualenvs other than the project's, for the tests that run a program or a provider in one
(other interpreters, the SDK's floor and newest versions). Each is two layers:

- a base holding the third-party packages, in the user cache (~/.cache/maytapi-pulumi/venvs/,
  or $XDG_CACHE_HOME), keyed by the interpreter and the requirements (the wheels' own declared
  dependencies among them): built once per machine, shared by every checkout;
- over it, in this checkout's .work/venvs/, keyed by the sources, a virtualenv holding only the
  checkout's wheels, which sees the base's packages through a .pth file.

So a fresh clone installs its own code, not the Pulumi SDK and its gRPC again, and a virtualenv
two test files need (the package with `pulumi` at its floor) is built once."""

from __future__ import annotations

import hashlib
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from devtools.cache import digest, once, run, user_cache
from devtools.stack import ROOT

SDK_PYTHON = ROOT / "sdk" / "python"


def cache() -> Path:
    """This checkout's cache: its key covers the package, the generated SDK and their pins."""
    key = digest(sorted(
        [*(ROOT / "maytapi_pulumi").rglob("*.py"), *(SDK_PYTHON / "pulumi_maytapi").rglob("*.py"),
         ROOT / "pyproject.toml", ROOT / "constraints.txt", SDK_PYTHON / "pyproject.toml"]
    ))  # fmt: skip
    return ROOT / ".work" / "venvs" / key[:12]


def wheel(source: Path = ROOT) -> Path:
    """The wheel built from `source` (the package, or the generated SDK), kept in the cache."""
    wheels = cache() / f"wheel-{source.relative_to(ROOT).as_posix().replace('/', '-') or 'package'}"
    with once(wheels) as make:
        if make:
            run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source)
    (built,) = wheels.glob("*.whl")
    return built


def _requires(built: Path) -> list[str]:
    """What a wheel declares it needs, but for its extras."""
    with zipfile.ZipFile(built) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        lines = archive.read(metadata).decode().splitlines()
    return [
        line.removeprefix("Requires-Dist:").strip()
        for line in lines
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]


def _built(venv: Path, fill: Callable[[Path], None]) -> Path:
    """`venv` (or a wheelhouse), built in place by `fill` (a virtualenv cannot be moved)
    unless a complete one is already there."""
    with once(venv) as make:
        if make:
            fill(venv)
    return venv


def _pip_install(venv: Path, *install: str | Path) -> None:
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", *install)


def virtualenv(name: str, python: Path, *install: str | Path) -> Path:
    """The virtualenv `name` of `python` with `pip install <install>`, where the wheels among
    `install` are this checkout's and the rest are requirements (or pip options)."""
    wheels = [Path(i) for i in install if str(i).endswith(".whl")]
    requirements = [str(i) for i in install if not str(i).endswith(".whl")]
    requirements += [r for w in wheels for r in _requires(w)]
    key = hashlib.sha256(str(python).encode())
    for item in requirements:
        key.update(b"\0" + (Path(item).read_bytes() if Path(item).is_file() else item.encode()))

    def third_party(venv: Path) -> None:
        run(python, "-m", "venv", venv)
        _pip_install(venv, *requirements)

    base = _built(user_cache() / "venvs" / f"{name}-{key.hexdigest()[:12]}", third_party)

    def ours(venv: Path) -> None:
        run(python, "-m", "venv", "--without-pip", venv)
        (site,) = (venv / "lib").glob("python*/site-packages")
        (base_site,) = (base / "lib").glob("python*/site-packages")
        (site / "maytapi_base.pth").write_text(f"import site; site.addsitedir({str(base_site)!r})\n")
        # pip comes from the base, and installs into the virtualenv running it: this one
        _pip_install(venv, "--no-deps", "--no-index", *wheels)

    return _built(cache() / name, ours)


def wheelhouse() -> list[Path]:
    """Directories holding this checkout's wheels (the package and the generated SDK) and the
    wheels of everything they need under the pins (downloaded once per machine, into the user
    cache): a requirements file with `--no-index` and a `--find-links` line for each installs
    `maytapi-pulumi` and `pulumi-maytapi` from them, offline."""
    built = [wheel(), wheel(SDK_PYTHON)]
    requirements = sorted({r for w in built for r in _requires(w)})
    pins = (ROOT / "constraints.txt").read_bytes()
    key = hashlib.sha256(pins + "\0".join(requirements).encode()).hexdigest()[:12]

    def download(wheels: Path) -> None:
        pip = (sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check")
        run(*pip, "-d", wheels, "-c", ROOT / "constraints.txt", *requirements)

    return [*(w.parent for w in built), _built(user_cache() / "wheelhouse" / key, download)]


def package_with_sdk(version: str) -> Path:
    """The package's wheel with `pulumi==version`, on the interpreter running the tests."""
    return virtualenv(f"package-pulumi{version}", Path(sys._base_executable), wheel(), f"pulumi=={version}")
