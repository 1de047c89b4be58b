"""Leave a working Pulumi engine in the project's virtualenv (``.venv/bin``).

``python -m devtools.engine [TOOL ...]`` provides what the quickstart runs, the engine: the
``pulumi`` CLI of ``ENGINE_VERSION`` (pinned in ``engine/go.mod``, see constraints.txt), the
Python language host and its program shim. The other tools are provided only when asked for,
by the command that first needs them (``./dev test``, ``./dev sdk``, :func:`require`):

- ``yaml``: Pulumi's YAML language host (``engine/yaml``, a wrapper module of its own);
- ``nodejs``: the project's Node.js language host (``engine/pulumi-language-nodejs``), and the
  TypeScript SDK packed as npm would serve it (devtools/nodejs.py);
- ``go``: the project's Go language host (``engine/pulumi-language-go``);
- ``sdkgen``: Pulumi's SDK generators (``engine/sdkgen``), for ``./dev sdk``;
- ``actionlint``: the GitHub workflow linter the example workflow is checked with.

The engine comes from a ``pulumi`` CLI of ``ENGINE_VERSION`` on PATH, with the language hosts
its distribution ships beside it, or else is built from the Go module proxy (``engine/`` is
the wrapper module; the three language hosts built there share ``engine/langhost``). Each build is cached in the user cache directory, keyed by the content of
the sources it is built from; missing builds run side by side, each step reporting its elapsed
time, with a progress line every 15 s.

The two launchers the engine runs for Python (the program shim and the dynamic-provider host)
are written into ``.venv/bin``; ``pip install`` puts the native provider's plugin,
``pulumi-resource-maytapi``, there too.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from devtools import nodejs
from devtools.cache import digest, user_cache

ROOT = Path(__file__).resolve().parent.parent
# The project's virtualenv, which `./dev` creates while this module, run by the system's python3,
# builds the engine.
VENV_BIN = ROOT / ".venv" / "bin"
MODULE = ROOT / "engine"
_started = time.monotonic()


def _required(go_mod: Path, module: str) -> str:
    found = re.search(rf"^\s*(?:require\s+)?{re.escape(module)} v(\S+)", go_mod.read_text(), re.M)
    if found is None:
        raise RuntimeError(f"{go_mod} requires no {module}")
    return found.group(1)


# The engine's one pin: the CLI, the Python host and pulumi-sdkgen build on this pkg/sdk version.
ENGINE_VERSION = _required(MODULE / "go.mod", "github.com/pulumi/pulumi/pkg/v3")
ACTIONLINT = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
PROGRESS_EVERY = 15.0
# Only the code the engine runs here is optimized: the standard library, gRPC, protobuf and
# Pulumi's own modules (ours too) but for the CLI's command definitions. The CLI links ~1200
# other packages (the cloud state backends and KMS clients, an OpenAPI library for `pulumi
# cloud`, git, telemetry) of which this project runs only the package initializers: compiled
# without optimization or inlining (-N -l). No package gets DWARF, which the link strips anyway
# (-ldflags=-w). Together a fifth less CPU (491 -> 394 CPU-seconds): 47 s off the build on 2 cores.
_OPTIMIZED = ("std", "github.com/pulumi/...", "google.golang.org/grpc/...", "google.golang.org/protobuf/...",
              "maytapi-pulumi/engine/...")  # fmt: skip
GCFLAGS = (
    "-gcflags=all=-N -l -dwarf=false",
    *(f"-gcflags={pattern}=-dwarf=false" for pattern in _OPTIMIZED),
    "-gcflags=github.com/pulumi/pulumi/pkg/v3/cmd/...=-N -l -dwarf=false",
)


class SetupError(Exception):
    """The engine could not be provided; the message says what to do."""


def step(message: str) -> None:
    print(f"[engine {time.monotonic() - _started:6.1f}s] {message}", flush=True)


@dataclass(frozen=True)
class Tool:
    """Executables built together from one set of sources, and cached as one directory."""

    name: str
    what: str
    executables: tuple[str, ...]
    sources: tuple[str, ...]  # under engine/, hashed into the cache key

    def cache_dir(self) -> Path:
        """Keyed by the content of its sources (go.mod holds the versions), so editing the
        language host or a pin builds anew while an unchanged checkout reuses the build."""
        seed = (ACTIONLINT if self.name == "actionlint" else " ".join(GCFLAGS)).encode()
        key = digest([MODULE / source for source in self.sources], seed)
        return user_cache() / "engine" / f"{self.name}-{key[:12]}"


_GO_MODULE = ("go.mod", "go.sum")
ENGINE = Tool(
    "engine",
    "the CLI and the Python language host",
    ("pulumi", "pulumi-language-python", "pulumi-language-python-exec"),
    (*_GO_MODULE, "tools.go", "langhost", "pulumi-language-python"),
)
TOOLS = {
    tool.name: tool
    for tool in (
        Tool("yaml", "the YAML language host", ("pulumi-language-yaml",), ("yaml",)),
        Tool(
            "nodejs",
            "the Node.js language host",
            ("pulumi-language-nodejs",),
            (*_GO_MODULE, "langhost", "pulumi-language-nodejs"),
        ),
        Tool(
            "go",
            "the Go language host",
            ("pulumi-language-go",),
            (*_GO_MODULE, "langhost", "pulumi-language-go"),
        ),
        Tool("sdkgen", "the SDK generator", ("pulumi-sdkgen",), (*_GO_MODULE, "sdkgen")),
        Tool("actionlint", "actionlint", ("actionlint",), ()),
    )
}


def cli_version(pulumi: Path | str) -> str | None:
    try:
        out = subprocess.run(
            [str(pulumi), "version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().removeprefix("v")


def installed_cli() -> Path | None:
    """A pulumi CLI of ENGINE_VERSION on PATH, outside our own virtualenv."""
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p).resolve() != VENV_BIN.resolve()
    )
    found = shutil.which("pulumi", path=path)
    if found and cli_version(found) == ENGINE_VERSION:
        return Path(found)
    return None


class Progress:
    """What is being built, for how long, and what is left: one line every PROGRESS_EVERY s."""

    def __init__(self, tools: list[Tool]) -> None:
        self.waiting = {t.name: t.what for t in tools}
        self.running: dict[str, tuple[float, str]] = {}
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._report, daemon=True)

    def __enter__(self) -> Progress:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        self.thread.join()

    def start(self, tool: Tool) -> None:
        with self.lock:
            self.waiting.pop(tool.name, None)
            self.running[tool.name] = (time.monotonic(), tool.what)

    def note(self, tool: Tool, what: str) -> None:
        with self.lock:
            self.running[tool.name] = (self.running[tool.name][0], what)

    def finish(self, tool: Tool) -> None:
        with self.lock:
            started, _ = self.running.pop(tool.name)
        step(f"built {tool.what} in {time.monotonic() - started:.0f}s")

    def _report(self) -> None:
        while not self.done.wait(PROGRESS_EVERY):
            with self.lock:
                now = time.monotonic()
                running = "; ".join(f"{what} ({now - t0:.0f}s)" for t0, what in self.running.values())
                left = ", ".join(self.waiting.values()) or "nothing"
            step(f"building {running}; left after it: {left}")


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise SetupError(
            f"No Pulumi CLI v{ENGINE_VERSION} on PATH and no Go toolchain to build one.\n"
            f"Install the Pulumi CLI v{ENGINE_VERSION} (https://www.pulumi.com/docs/install/) "
            "or Go >= 1.26 (https://go.dev/doc/install), then run ./dev setup again."
        )
    return go


def _go_run(
    progress: Progress, tool: Tool, *args: str, module: Path = MODULE, env: dict[str, str] | None = None
) -> str:
    """`go <args>` in `module`; `go build -v` names each package it compiles, which the
    progress line counts."""
    step(f"{tool.name}: go {' '.join(args)}")
    env = {**os.environ, "GOFLAGS": "-mod=readonly", "GOWORK": "off", **(env or {})}
    process = subprocess.Popen(
        [_go(), *args], cwd=module, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    errors: list[str] = []

    def read_stderr() -> None:
        assert process.stderr is not None
        compiled = 0
        for line in process.stderr:
            if "-v" in args and " " not in line.strip() and not line.startswith("#"):
                compiled += 1
                progress.note(tool, f"{tool.what}: {compiled} packages compiled")
            else:
                errors.append(line)

    reader = threading.Thread(target=read_stderr)
    reader.start()
    assert process.stdout is not None
    out = process.stdout.read()
    reader.join()
    if process.wait() != 0:
        raise SetupError(
            f"`go {' '.join(args)}` failed:\n{''.join(errors).strip()}\n"
            f"The Go module proxy must serve the versions engine/go.mod pins (pulumi v{ENGINE_VERSION})."
        )
    return out


def _build(progress: Progress, tool: Tool) -> Path:
    """Build `tool` into its cache directory, atomically: a half-built cache is never
    mistaken for a whole one."""
    target = tool.cache_dir()
    staging = target.with_name(target.name + f".staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    progress.start(tool)
    # No symbol table and no DWARF: the binaries are run, never debugged, and linking is faster.
    stamp = f"-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v{ENGINE_VERSION}"
    common = ["build", "-v", "-trimpath", "-tags", "osusergo,grpcnotrace", *GCFLAGS]
    if tool is ENGINE:
        # One `go build` for both: the host's packages are a subset of the CLI's.
        _go_run(progress, tool, *common, "-ldflags", stamp, "-o", str(staging),
                "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", "./pulumi-language-python")  # fmt: skip
        # The SDK module ships the program shim that matches this version; our host runs it.
        sdk_dir = _go_run(progress, tool, "list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi/sdk/v3")
        shutil.copy(Path(sdk_dir.strip()) / "python" / "cmd" / "pulumi-language-python-exec", staging)
    elif tool.name in ("nodejs", "go"):
        _go_run(
            progress, tool, *common, "-ldflags", stamp, "-o", str(staging), f"./pulumi-language-{tool.name}"
        )
    elif tool.name == "sdkgen":
        _go_run(progress, tool, *common, "-ldflags", stamp, "-o", str(staging / "pulumi-sdkgen"), "./sdkgen")
    elif tool.name == "yaml":
        # The YAML host builds in its own module, on the Pulumi version pulumi-yaml requires.
        yaml = "github.com/pulumi/pulumi-yaml"
        version = "v" + _required(MODULE / "yaml" / "go.mod", yaml)
        _go_run(progress, tool, *common, "-ldflags", f"-s -w -X {yaml}/pkg/version.Version={version}",
                "-o", str(staging / "pulumi-language-yaml"), f"{yaml}/cmd/pulumi-language-yaml",
                module=MODULE / "yaml")  # fmt: skip
    else:
        _go_run(progress, tool, "install", "-v", "-trimpath", "-ldflags", "-s -w", ACTIONLINT,
                env={"GOBIN": str(staging), "GOFLAGS": ""})  # fmt: skip
    for f in staging.iterdir():
        f.chmod(0o755)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    progress.finish(tool)
    return target


def install(source: Path, name: str) -> None:
    """Hard-link (or copy) rather than symlink: the engine looks for its bundled plugins beside
    the resolved `pulumi` executable and warns on every run when PATH finds them elsewhere."""
    dest = VENV_BIN / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_symlink() or dest.exists():
        dest.unlink()
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def _complete(tool: Tool, directory: Path) -> bool:
    if not all((directory / name).exists() for name in tool.executables):
        return False
    return tool is not ENGINE or cli_version(directory / "pulumi") == ENGINE_VERSION


def provide(tools: list[Tool]) -> None:
    """Link each tool into .venv/bin: from the CLI's distribution on PATH when it ships it,
    else from its cache, building the missing ones side by side (the download and link steps
    of one overlap the compiling of another)."""
    existing = installed_cli()
    sources: dict[str, Path] = {}
    if existing is not None:
        step(f"using the installed CLI {existing}")
        shipped = existing.resolve().parent
        for tool in tools:
            if all((shipped / name).exists() for name in tool.executables):
                sources[tool.name] = shipped
    missing: list[Tool] = []
    for tool in tools:
        if tool.name in sources:
            continue
        if _complete(tool, tool.cache_dir()):
            sources[tool.name] = tool.cache_dir()
            step(f"reusing {tool.what} in {tool.cache_dir()}")
        else:
            missing.append(tool)
    if missing:
        _go()
        step("building " + ", ".join(t.what for t in missing) + " (a cold build takes minutes)")
        with Progress(missing) as progress, ThreadPoolExecutor(len(missing)) as pool:
            build: Callable[[Tool], Path] = lambda tool: _build(progress, tool)  # noqa: E731
            sources |= {
                tool.name: built for tool, built in zip(missing, pool.map(build, missing), strict=True)
            }
    for tool in tools:
        for name in tool.executables:
            if not (sources[tool.name] / name).exists():
                raise SetupError(
                    f"{sources[tool.name] / name} is missing; remove it and run ./dev setup again."
                )
            install(sources[tool.name] / name, name)


def require(*names: str) -> None:
    """Provide the named tools (see TOOLS) when they are not in .venv/bin yet: what a test or a
    command needs is built when first needed."""
    wanted = [TOOLS[n] for n in names if not all((VENV_BIN / e).exists() for e in TOOLS[n].executables)]
    if wanted:
        provide(wanted)


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
    launcher.parent.mkdir(parents=True, exist_ok=True)
    launcher.write_text(_LAUNCHER.format(fallback=VENV_BIN / "python", watch=_WATCH_ENGINE.strip()))
    launcher.chmod(0o755)


def _pack_nodejs_sdk() -> Path:
    try:
        return nodejs.sdk_tarball()
    except RuntimeError as exc:
        raise SetupError(f"could not pack sdk/nodejs: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.engine", description=__doc__)
    parser.add_argument(
        "tools", nargs="*", help=f"tools to provide beside the engine: {', '.join(TOOLS)} or all"
    )
    names = parser.parse_args(argv).tools
    if unknown := set(names) - {*TOOLS, "all"}:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))}")
    tools = [ENGINE, *(t for n, t in TOOLS.items() if n in names or "all" in names)]
    step(f"engine v{ENGINE_VERSION}; wanted: " + ", ".join(t.what for t in tools))
    try:
        provide(tools)
        write_provider_launcher()
        if TOOLS["nodejs"] in tools:
            step(f"the TypeScript SDK, packed as npm would serve it: {_pack_nodejs_sdk()}")
    except SetupError as exc:
        print(f"engine setup failed: {exc}", file=sys.stderr)
        return 1
    step(f"ready: {VENV_BIN / 'pulumi'} reports v{cli_version(VENV_BIN / 'pulumi')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
