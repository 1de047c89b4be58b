"""The package as published: the sdist and the wheel `python -m build` makes pass `twine check`
and hold what users need and nothing else, and the plugin a user installs from the wheel is found
by the engine in each documented way, in a fresh project directory outside this checkout."""

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
        assert dict(scripts["console_scripts"]) == {PLUGIN: "maytapi_pulumi._native:main"}
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


def test_the_engine_finds_the_plugin_installed_from_the_wheel_in_each_documented_way(
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
    assert run(plugin, "--version").strip() == __version__

    # A fresh project directory outside the checkout, a YAML program (no SDK), and a PATH
    # without the project's virtualenv: only the CLI, run by its path, and the language hosts
    # beside it.
    project = tmp_path / "fresh"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: fresh\nruntime: yaml\nresources:\n  support:\n    type: maytapi:index:PhoneConfig\n"
        "    properties:\n      phoneId: '12'\n      ackDelivery: true\n"
    )
    env = {**engine_env(tmp_path / "state"), "PATH": "/usr/bin:/bin"}

    def pulumi(*args: str, path: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(VENV / "bin" / "pulumi"), *args, "--non-interactive", "--color", "never"],
            cwd=project,
            env={**env, "PATH": f"{path}:{env['PATH']}"} if path else env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert not check or done.returncode == 0, done.stdout + done.stderr
        return done

    pulumi("stack", "init", "dev")
    pulumi("config", "set", "maytapi:productId", emu.product_id)
    pulumi("config", "set", "maytapi:baseUrl", emu.base_url)
    pulumi("config", "set", "--secret", "maytapi:apiToken", emu.token)

    # nowhere to be found: the engine says so, naming the plugin
    missing = pulumi("preview", check=False)
    assert missing.returncode != 0
    assert f"no resource plugin '{PLUGIN}' found in the workspace or on your $PATH" in missing.stdout

    # 1. on PATH (the virtualenv's bin directory): found, with a warning on every run
    on_path = pulumi("preview", path=plugin.parent)
    assert "+ 2 to create" in on_path.stdout
    assert f"warning: using {PLUGIN} from $PATH at {plugin}" in on_path.stdout

    # 2. installed into the plugin cache from the file, at the version it reports: no warning
    pulumi("plugin", "install", "resource", "maytapi", __version__, "--file", str(plugin))
    assert f"maytapi  resource  {__version__}" in pulumi("plugin", "ls").stdout
    cached = pulumi("preview")
    assert "+ 2 to create" in cached.stdout and "$PATH" not in cached.stdout
    pulumi("plugin", "rm", "resource", "maytapi", "--all", "--yes")
    assert pulumi("preview", check=False).returncode != 0

    # 3. named in Pulumi.yaml (`plugins:`, the directory holding it): found, and it serves `up`
    with (project / "Pulumi.yaml").open("a") as pulumi_yaml:
        pulumi_yaml.write(f"plugins:\n  providers:\n    - name: maytapi\n      path: {plugin.parent}\n")
    assert calls.take() == []  # previews made no call
    up = pulumi("up", "--yes")
    assert "+ 2 created" in up.stdout and "$PATH" not in up.stdout
    assert calls.take() == [("POST", "/12/config")]
    assert emu.phone("12")["ack_delivery"] is True
