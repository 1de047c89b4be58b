"""Leave a working Pulumi engine in the project's virtualenv (``.venv/bin``).

Run with the virtualenv's interpreter (``./dev setup`` does): the engine's version is the
version of the ``pulumi`` Python SDK installed there, because the CLI and the SDK speak one
protocol. Two routes, in order:

1. a ``pulumi`` CLI of exactly that version already on PATH is linked, with the language hosts
   its distribution ships beside it;
2. otherwise the CLI, a Python language host (``engine/langhost``), Pulumi's YAML language host
   (``engine/yaml``, a wrapper module of its own) and the SDK generator (``engine/sdkgen``) are
   built from the Go module proxy (``engine/`` is the wrapper module), once per version and
   ``engine/`` content, into the user cache directory.

Either way the two launchers the engine runs for Python (the program shim and the
dynamic-provider host) are written into ``.venv/bin``; ``pip install`` puts the native
provider's plugin, ``pulumi-resource-maytapi``, there too.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.prefix) / "bin"
_started = time.monotonic()

# What the engine needs beside the CLI, whichever route provides it.
ENGINE = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-language-yaml")
# Built only from engine/ (route 2): Pulumi's SDK generators for `./dev sdk`.
SDKGEN = "pulumi-sdkgen"


class SetupError(Exception):
    """The engine could not be provided; the message says what to do."""


def step(message: str) -> None:
    print(f"[engine {time.monotonic() - _started:6.1f}s] {message}", flush=True)


def cache_dir(version: str) -> Path:
    """One directory per engine version and wrapper-module content, so editing the language
    host or the module's pins builds anew while an unchanged checkout reuses the build."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "engine").rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "maytapi-pulumi" / "engine" / f"v{version}-{digest.hexdigest()[:12]}"


def cli_version(pulumi: Path | str) -> str | None:
    try:
        out = subprocess.run(
            [str(pulumi), "version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().removeprefix("v")


def installed_cli(version: str) -> Path | None:
    """A pulumi CLI of `version` on PATH, outside our own virtualenv."""
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p).resolve() != VENV_BIN.resolve()
    )
    found = shutil.which("pulumi", path=path)
    if found and cli_version(found) == version:
        return Path(found)
    return None


def go_build(version: str, target: Path, *, with_engine: bool = True) -> None:
    """Build into `target`: the engine (CLI, both language hosts, the exec shim) and
    pulumi-sdkgen, or with `with_engine=False` pulumi-sdkgen alone (for a CLI found on PATH)."""
    go = shutil.which("go")
    if go is None:
        raise SetupError(
            f"No Pulumi CLI v{version} on PATH and no Go toolchain to build one.\n"
            f"Install the Pulumi CLI v{version} (https://www.pulumi.com/docs/install/) "
            "or Go >= 1.26 (https://go.dev/doc/install), then run ./dev setup again."
        )
    build = target.parent / "build"
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(ROOT / "engine", build)
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOWORK": "off"}

    def go_run(*args: str, module: Path = build) -> str:
        step("go " + " ".join(args))
        done = subprocess.run([go, *args], cwd=module, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SetupError(
                f"`go {' '.join(args)}` failed:\n{done.stderr.strip()}\n"
                f"The Go module proxy must serve github.com/pulumi/pulumi/pkg/v3@v{version}; "
                "pin the pulumi Python SDK to a version it serves (constraints.txt), "
                "or install the Pulumi CLI of the SDK's version."
            )
        return done.stdout

    go_run(
        "mod",
        "edit",
        f"-require=github.com/pulumi/pulumi/pkg/v3@v{version}",
        f"-require=github.com/pulumi/pulumi/sdk/v3@v{version}",
    )
    go_run("mod", "tidy")
    ldflags = f"-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v{version}"
    staging = target.parent / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    common = ["build", "-trimpath", "-tags", "osusergo,grpcnotrace", "-ldflags", ldflags]
    go_run(*common, "-o", str(staging / SDKGEN), "./sdkgen")
    if with_engine:
        go_run(*common, "-o", str(staging / "pulumi"), "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi")
        go_run(*common, "-o", str(staging / "pulumi-language-python"), "./langhost")
        # The YAML host builds in its own module, on the Pulumi version pulumi-yaml requires.
        yaml = "github.com/pulumi/pulumi-yaml"
        yaml_version = go_run("list", "-m", "-f", "{{.Version}}", yaml, module=build / "yaml").strip()
        yaml_flags = ["-ldflags", f"-X {yaml}/pkg/version.Version={yaml_version}"]
        go_run(*common[:4], *yaml_flags, "-o", str(staging / "pulumi-language-yaml"),
               f"{yaml}/cmd/pulumi-language-yaml", module=build / "yaml")  # fmt: skip
        # The SDK module ships the program shim that matches this version; our host runs it.
        sdk_dir = go_run("list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi/sdk/v3").strip()
        shutil.copy(Path(sdk_dir) / "python" / "cmd" / "pulumi-language-python-exec", staging)
    for f in staging.iterdir():
        f.chmod(0o755)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)  # atomic: a half-built cache is never mistaken for a whole one
    shutil.rmtree(build, ignore_errors=True)


def install(source: Path, name: str) -> None:
    """Hard-link (or copy) rather than symlink: the engine looks for its bundled plugins beside
    the resolved `pulumi` executable and warns on every run when PATH finds them elsewhere."""
    dest = VENV_BIN / name
    if dest.is_symlink() or dest.exists():
        dest.unlink()
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


# The dynamic-provider host waits forever once started; the engine stops it with SIGINT. When
# the engine is gone without a word (SIGKILL), the host's parent changes: then it exits.
_WATCH_ENGINE = """
import os, runpy, threading, time
engine = os.getppid()
def watch():
    while os.getppid() == engine:
        time.sleep(0.5)
    os._exit(1)
threading.Thread(target=watch, daemon=True).start()
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
"""

# The engine starts every Python dynamic provider through this name, with the program's runtime
# options as PULUMI_RUNTIME_* variables. The provider must run with the program's interpreter
# and packages: its pickled provider classes come from there. Upstream's launcher takes the
# virtualenv relative to its working directory, the program's directory, which is not where
# Pulumi.yaml is when `main:` points elsewhere: here it is relative to the project directory,
# found as the CLI finds it, from the CLI's own working directory (the launcher's parent).
_LAUNCHER = """#!/bin/sh
# Written by devtools/engine.py: serve a Python dynamic provider with the program's interpreter.
# Order: Pulumi.yaml's runtime.options.virtualenv (relative to the project directory: the
# nearest one holding Pulumi.yaml at or above the CLI's working directory), else
# $PULUMI_PYTHON_CMD, else {fallback}.
python={fallback}
if [ -n "${{PULUMI_RUNTIME_VIRTUALENV:-}}" ]; then
  venv=${{PULUMI_RUNTIME_VIRTUALENV%/}}
  case $venv in
    /*) ;;
    *)
      project=$(readlink /proc/$PPID/cwd 2>/dev/null || echo "$PWD")
      while [ "$project" != / ] && [ ! -f "$project/Pulumi.yaml" ] && [ ! -f "$project/Pulumi.yml" ]; do
        project=$(dirname "$project")
      done
      venv=$project/$venv
      ;;
  esac
  if [ ! -x "$venv/bin/python" ]; then
    echo "The virtualenv of Pulumi.yaml (runtime.options.virtualenv: $PULUMI_RUNTIME_VIRTUALENV) has no $venv/bin/python; create it." >&2
    exit 1
  fi
  python=$venv/bin/python
elif [ -n "${{PULUMI_PYTHON_CMD:-}}" ]; then
  python=$PULUMI_PYTHON_CMD
fi
exec "$python" -u -c '{watch}' "$@"
"""


def write_provider_launcher() -> None:
    """The fallback, for programs that name no interpreter (Automation API inline programs), is
    this virtualenv, where the package and its pinned SDK are installed."""
    launcher = VENV_BIN / "pulumi-resource-pulumi-python"
    launcher.write_text(_LAUNCHER.format(fallback=VENV_BIN / "python", watch=_WATCH_ENGINE.strip()))
    launcher.chmod(0o755)


def main() -> int:
    version = importlib.metadata.version("pulumi")
    step(f"pulumi Python SDK {version}; engine wanted: v{version}")
    try:
        existing = installed_cli(version)
        if existing is not None:
            step(f"using the installed CLI {existing}")
            source_dir = existing.resolve().parent
            tools_dir = cache_dir(version) / "tools"
            if not (tools_dir / SDKGEN).exists() and shutil.which("go"):
                step(f"building {SDKGEN} into {tools_dir}")
                go_build(version, tools_dir, with_engine=False)
        else:
            source_dir = tools_dir = cache_dir(version) / "bin"
            complete = all((source_dir / name).exists() for name in (*ENGINE, SDKGEN))
            if complete and cli_version(source_dir / "pulumi") == version:
                step(f"reusing the cached engine in {source_dir}")
            else:
                step(f"building the engine into {source_dir} (a cold build takes several minutes)")
                go_build(version, source_dir)
        for name in ENGINE:
            if not (source_dir / name).exists():
                raise SetupError(
                    f"{source_dir / name} is missing; remove {source_dir} and run ./dev setup again."
                )
            install(source_dir / name, name)
        if (tools_dir / SDKGEN).exists():
            install(tools_dir / SDKGEN, SDKGEN)
        else:
            step(f"no Go toolchain to build {SDKGEN}: `./dev sdk` and tests/test_sdk.py need it")
        write_provider_launcher()
    except SetupError as exc:
        print(f"engine setup failed: {exc}", file=sys.stderr)
        return 1
    step(f"ready: {VENV_BIN / 'pulumi'} reports v{cli_version(VENV_BIN / 'pulumi')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
