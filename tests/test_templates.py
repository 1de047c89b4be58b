"""The `pulumi new` templates (templates/<language>), one per language, each proven as a user
starts a project from it: `pulumi new <template> --yes` with the settings on the command line,
which copies it, creates the stack with its config (the token encrypted) and installs the
program's packages, then `pulumi up` against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devtools import engine
from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, VENV, Project, engine_env
from maytapi_pulumi import __version__
from tests.conftest import Calls, phones, summary
from tests.registries import go_proxy, npm_registry

HOOK = "https://hooks.example.com/from-a-template"
TEMPLATES = ("python-dynamic", "python-native", "typescript", "go", "yaml")
HOSTS = {"typescript": "nodejs", "go": "go", "yaml": "yaml"}


@contextmanager
def installing(template: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """What `pulumi new` installs packages with: the project's virtualenv for a Python template
    (which has the package and its SDK), the SDKs served as their registries will serve them."""
    if template == "typescript":
        with npm_registry() as registry:
            yield registry
    elif template == "go":
        yield go_proxy(tmp_path / "goproxy")
    else:
        yield {}


@pytest.mark.parametrize("template", TEMPLATES)
def test_pulumi_new_from_the_template_then_up(
    template: str, tmp_path: Path, emu: RunningEmulator, calls: Calls
) -> None:
    if template in HOSTS:
        engine.require(HOSTS[template])
    directory, state = tmp_path / "project", tmp_path / "state"
    directory.mkdir()
    settings = {**emu.stack_config, "phoneId": "12", "webhook": HOOK}
    if template == "python-dynamic":
        # the token on the command line too, where `pulumi new` saves it as given, in clear,
        # although the template marks it secret (engine v3.277.0): docs/guides/languages.md
        settings["maytapi:apiToken"] = emu.token
    runtime = ["--runtime-options", f"virtualenv={VENV}"] if template.startswith("python") else []
    env = {**os.environ, **engine_env(state)}

    def pulumi(*args: str | Path, extra: dict[str, str] | None = None) -> str:
        done = subprocess.run([VENV / "bin" / "pulumi", *args, "--non-interactive"], env={**env, **(extra or {})},
                              capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    # the plugin in the plugin cache, as the README installs it: `pulumi new` installs the
    # plugins the program's packages name, and downloads those it does not find there
    pulumi(
        "plugin",
        "install",
        "resource",
        "maytapi",
        __version__,
        "--file",
        VENV / "bin" / "pulumi-resource-maytapi",
    )
    with installing(template, tmp_path) as registry:
        created = pulumi(
            "new", ROOT / "templates" / template, "--dir", directory, "--yes", "--name", f"maytapi-{template}",
            "--stack", "dev", *(arg for key, value in settings.items() for arg in ("--config", f"{key}={value}")),
            *runtime, extra=registry,
        )  # fmt: skip
    assert "Your new project is ready to go!" in created, created
    project = Project.open(directory, state)
    config = directory / "Pulumi.dev.yaml"
    assert (emu.token in config.read_text()) == ("maytapi:apiToken" in settings)
    # so the token is set as the README says, encrypted in the stack's config
    project.cli("config", "set", "--secret", "maytapi:apiToken", emu.token)
    assert emu.token not in config.read_text() and "maytapi:apiToken:\n    secure: " in config.read_text()
    calls.take()

    assert summary(project.cli("up", "--yes", "--skip-preview")) == "+ 2 created"
    assert calls.take() == [("POST", "/12/config")]
    assert phones(emu, "12") == {"12": (HOOK, True)}
    outputs = json.loads(project.cli("stack", "output", "--json").stdout)
    assert outputs == {"webhook": HOOK}
