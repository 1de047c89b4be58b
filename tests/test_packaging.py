"""The package as published: the sdist and the wheel `python -m build` makes pass `twine check`
and hold what users need and nothing else, and the plugin a user installs from the wheel serves a
fresh project outside this checkout. (Each way the engine finds a plugin is proved on the
development install by tests/test_native.py.)"""

from __future__ import annotations

import configparser
import email
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, VENV, engine_env
from maytapi_pulumi import __version__
from tests.conftest import Calls

DIST = f"maytapi_pulumi-{__version__}"
PLUGIN = "pulumi-resource-maytapi"


def run(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"`{' '.join(map(str, args))}` failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from it, as `python -m build` makes them (with the build
    backend the dev extra installs, rather than one fetched into an isolated environment)."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT)
    return out


def test_the_sdist_and_the_wheel_build_and_pass_twine_check(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir()) == [f"{DIST}-py3-none-any.whl", f"{DIST}.tar.gz"]
    checked = run(VENV / "bin" / "twine", "check", "--strict", *sorted(dist.iterdir()))
    assert checked.count("PASSED") == 2, checked


def test_the_wheel_holds_the_typed_package_its_license_and_the_plugins_console_script(dist: Path) -> None:
    with zipfile.ZipFile(dist / f"{DIST}-py3-none-any.whl") as wheel:
        names = set(wheel.namelist())
        info = f"{DIST}.dist-info"
        # the package and its metadata only: no tests, devtools, engine or SDK sources
        assert {n.split("/")[0] for n in names} == {"maytapi_pulumi", info}
        assert {"maytapi_pulumi/py.typed", "maytapi_pulumi/_native/server.py"} <= names
        assert wheel.read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        scripts = configparser.ConfigParser()
        scripts.read_string(wheel.read(f"{info}/entry_points.txt").decode())
        assert dict(scripts["console_scripts"]) == {
            PLUGIN: "maytapi_pulumi._native:main",
            "maytapi-review": "maytapi_pulumi.review:main",
        }
        metadata = email.message_from_string(wheel.read(f"{info}/METADATA").decode())
    assert metadata["License-Expression"] == "Apache-2.0"
    assert "Typing :: Typed" in metadata.get_all("Classifier", [])
    assert {u.split(",")[0] for u in metadata.get_all("Project-URL", [])} >= {
        "Homepage",
        "Repository",
        "Issues",
    }
    assert metadata.get_payload().strip() == (ROOT / "README.md").read_text().strip()  # PyPI's page

    with tarfile.open(dist / f"{DIST}.tar.gz") as sdist:
        members = {m.name.removeprefix(f"{DIST}/") for m in sdist.getmembers()}
    assert {"LICENSE", "README.md", "pyproject.toml", "maytapi_pulumi/_native/__init__.py"} <= members
    assert not {m.split("/")[0] for m in members} & {"tests", "devtools", "engine", "sdk", "examples"}


def test_the_plugin_a_user_installs_from_the_wheel_serves_a_fresh_yaml_project(
    dist: Path, tmp_path: Path, emu: RunningEmulator, calls: Calls
) -> None:
    # A virtualenv holding the wheel alone (its dependencies come from the project's virtualenv,
    # so no index is needed): `pip install maytapi-pulumi` as a user does.
    env_dir = tmp_path / "user-venv"
    run(sys.executable, "-m", "venv", "--without-pip", env_dir)
    [site] = env_dir.glob("lib/python*/site-packages")
    [deps] = VENV.glob("lib/python*/site-packages")
    (site / "dependencies.pth").write_text(f"{deps}\n")
    run(sys.executable, "-m", "pip", "--python", env_dir / "bin" / "python", "install", "--no-deps", "-q",
        dist / f"{DIST}-py3-none-any.whl")  # fmt: skip
    plugin = env_dir / "bin" / PLUGIN
    # the console script reports the package's version: what `plugin install` must be told
    version = run(plugin, "--version").strip()
    assert version == __version__

    # A fresh project directory outside the checkout, a YAML program (no SDK), and a PATH
    # without any virtualenv: the CLI, run by its path, finds the language hosts beside it.
    project = tmp_path / "fresh"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: fresh\nruntime: yaml\nresources:\n  support:\n    type: maytapi:index:PhoneConfig\n"
        "    properties:\n      phoneId: '12'\n      ackDelivery: true\n"
    )
    env = {**engine_env(tmp_path / "state"), "PATH": "/usr/bin:/bin"}

    def pulumi(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(VENV / "bin" / "pulumi"), *args, "--non-interactive", "--color", "never"],
            cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert not check or done.returncode == 0, done.stdout + done.stderr
        return done

    pulumi("stack", "init", "dev")
    pulumi("config", "set", "maytapi:productId", emu.product_id)
    pulumi("config", "set", "maytapi:baseUrl", emu.base_url)
    pulumi("config", "set", "--secret", "maytapi:apiToken", emu.token)
    missing = pulumi("preview", check=False)
    assert f"no resource plugin '{PLUGIN}' found in the workspace or on your $PATH" in missing.stdout

    # installed into the plugin cache at the version it reports (README, "Install the plugin")
    pulumi("plugin", "install", "resource", "maytapi", version, "--file", str(plugin))
    assert f"maytapi  resource  {version}" in pulumi("plugin", "ls").stdout
    up = pulumi("up", "--yes")
    assert "+ 2 created" in up.stdout and "$PATH" not in up.stdout
    assert calls.take() == [("POST", "/12/config")]
    assert emu.phone("12")["ack_delivery"] is True
