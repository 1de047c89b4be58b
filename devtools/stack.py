"""Real Pulumi stacks, offline: the environment every command of the project runs the engine
in, and a small wrapper over the Automation API that tests, the demo and the benchmark share."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


def engine_env(state_dir: Path) -> dict[str, str]:
    """Variables that keep the engine local and quiet: a file backend (never the cloud login,
    which recent CLIs start on their own in automated environments), an isolated
    PULUMI_HOME, a passphrase secrets provider, no update check, no plugin download."""
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "backend").mkdir(exist_ok=True)
    return {
        "PULUMI_HOME": str(state_dir / "home"),
        "PULUMI_BACKEND_URL": f"file://{state_dir / 'backend'}",
        "PULUMI_CONFIG_PASSPHRASE": "",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "false",
        # .venv/bin holds the CLI, the language host and the dynamic-provider launcher;
        # ROOT makes devtools (benchmark and smoke-test providers) importable in programs.
        "PATH": f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
    }


def write_project(directory: Path, name: str, program: str | None) -> None:
    """A project directory whose Pulumi.yaml runs `program` (or the __main__.py already there)
    in the project's virtualenv, wherever the directory is."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {VENV}\n"
    )
    if program is not None:
        (directory / "__main__.py").write_text(textwrap.dedent(program))


@functools.cache
def pulumi_command() -> auto.PulumiCommand:
    """The project's CLI for the Automation API. Making one runs `pulumi version` (and checks
    it), so a process makes it once, not once per stack."""
    return auto.PulumiCommand(root=str(VENV))


@dataclass(frozen=True)
class SecretsProvider:
    """A stack's secrets provider other than the passphrase: its `--secrets-provider` URL, and
    what every command on the stack needs in its environment to reach it."""

    url: str
    env: Mapping[str, str]


@dataclass(frozen=True)
class CliRun:
    """What one `pulumi` command printed and how it exited."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Project:
    """One stack of one project directory, driven through the Automation API."""

    directory: Path
    stack: auto.Stack
    log: list[str] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        directory: Path,
        state_dir: Path,
        program: str,
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        name: str = "maytapi-test",
        secrets_provider: SecretsProvider | None = None,
    ) -> Project:
        """A new project directory running `program`, with one stack."""
        write_project(directory, name, program)
        return cls.open(
            directory, state_dir, config=config, secrets=secrets, secrets_provider=secrets_provider
        )

    @classmethod
    def copy_of(
        cls,
        source: Path,
        directory: Path,
        state_dir: Path,
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> Project:
        """A copy of an existing project directory (an example), run in the project's virtualenv."""
        shutil.copytree(source, directory)
        name = re.search(r"^name:\s*(\S+)", (source / "Pulumi.yaml").read_text(), re.M)
        write_project(directory, name.group(1) if name else source.name, None)
        return cls.open(directory, state_dir, config=config, secrets=secrets)

    @classmethod
    def open(
        cls,
        directory: Path,
        state_dir: Path,
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        stack_name: str = "dev",
        env: Mapping[str, str] | None = None,
        secrets_provider: SecretsProvider | None = None,
    ) -> Project:
        """The stack `stack_name` of the project in `directory`, created if new (with
        `secrets_provider`'s key, else the passphrase provider's)."""
        env_vars = {
            **engine_env(state_dir),
            **(env or {}),
            **(secrets_provider.env if secrets_provider else {}),
        }
        workspace_opts = auto.LocalWorkspaceOptions(
            work_dir=str(directory),
            env_vars=env_vars,
            pulumi_home=env_vars["PULUMI_HOME"],
            pulumi_command=pulumi_command(),
            secrets_provider=secrets_provider.url if secrets_provider else None,
        )
        stack = auto.create_or_select_stack(stack_name, work_dir=str(directory), opts=workspace_opts)
        values = {k: auto.ConfigValue(v) for k, v in (config or {}).items()}
        values |= {k: auto.ConfigValue(v, secret=True) for k, v in (secrets or {}).items()}
        if values:
            stack.set_all_config(values)
        return cls(directory, stack)

    def cli(
        self,
        *args: str,
        check: bool = True,
        timeout: float = 300,
        env: Mapping[str, str] | None = None,
        record: bool = True,
    ) -> CliRun:
        """`pulumi <args>` as a user types it, on this stack (selected in the workspace), with
        `--non-interactive --color never` added; `up`, `refresh` and `destroy` preview first
        unless `--skip-preview` is among `args`. `env` adds variables for this command, as
        `VAR=value pulumi ...` does. `check` fails on a non-zero exit, showing both streams.
        `record=False` keeps the output out of `log` (the benchmark's JSON event streams run
        to megabytes)."""
        command = [str(VENV / "bin" / "pulumi"), *args, "--non-interactive", "--color", "never"]
        done = subprocess.run(
            command,
            cwd=self.directory,
            env={**os.environ, **self.stack.workspace.env_vars, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        run = CliRun(args, done.returncode, done.stdout, done.stderr)
        prefix = "".join(f"{k}={v} " for k, v in (env or {}).items())
        self.log.extend([f"$ {prefix}pulumi {' '.join(args)}", *((run.stdout, run.stderr) if record else ())])
        if check and run.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} exited {run.returncode}:\n{run.output}")
        return run

    def write_program(self, program: str) -> None:
        (self.directory / "__main__.py").write_text(textwrap.dedent(program))

    def _out(self, line: str) -> None:
        self.log.append(line)

    def up(self, **kwargs: Any) -> auto.UpResult:
        return self.stack.up(on_output=self._out, color="never", **kwargs)

    def preview(self, **kwargs: Any) -> auto.PreviewResult:
        return self.stack.preview(on_output=self._out, color="never", **kwargs)

    def refresh(self, **kwargs: Any) -> auto.RefreshResult:
        return self.stack.refresh(on_output=self._out, color="never", **kwargs)

    def destroy(self, **kwargs: Any) -> auto.DestroyResult:
        return self.stack.destroy(on_output=self._out, color="never", **kwargs)

    def export(self) -> dict[str, Any]:
        """The stack's state exactly as `pulumi stack export` prints it (secrets encrypted;
        the Automation API's own export asks for them in clear)."""
        done = subprocess.run(
            [
                str(VENV / "bin" / "pulumi"),
                "stack",
                "export",
                "--stack",
                self.stack.name,
                "--non-interactive",
            ],
            cwd=self.directory,
            env={**os.environ, **self.stack.workspace.env_vars},
            capture_output=True,
            text=True,
            check=True,
        )
        deployment: dict[str, Any] = json.loads(done.stdout)["deployment"]
        return deployment

    def resources(self, type_suffix: str = "") -> list[dict[str, Any]]:
        return [r for r in self.export().get("resources", []) if r["type"].endswith(type_suffix)]
