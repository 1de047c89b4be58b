"""The native provider's SDKs (sdk/): exactly what Pulumi's generators make of the schema the
plugin serves, and each compiles with its own language's tools against the pinned Pulumi, with
a program using it (examples/typescript, examples/go) and the reference's examples
(examples/reference/<kind>/index.ts, main.go)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devtools.engine import ENGINE_VERSION
from devtools.sdk import LANGUAGES, SDK_DIR, generate
from devtools.stack import ROOT
from tests.conftest import version

NODE_PINS = ROOT / "devtools" / "node"
# The Go SDK is checked against the Pulumi of the generator and the engine; the TypeScript SDK
# against the newest @pulumi/pulumi npm serves that is not newer (constraints.txt says why).
PULUMI_VERSION = ENGINE_VERSION


@contextmanager
def timed(capsys: pytest.CaptureFixture[str], what: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    with capsys.disabled():  # figures shown in every run
        print(f"\n[sdk] {what}: {time.monotonic() - started:.1f}s", end="")


def tree(directory: Path) -> dict[str, bytes]:
    return {f.relative_to(directory).as_posix(): f.read_bytes() for f in directory.rglob("*") if f.is_file()}


def kept(language: str) -> dict[str, bytes]:
    """sdk/<language> as the repository holds it: what git does not ignore (an editable install
    leaves its egg-info there)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", f"sdk/{language}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    base = SDK_DIR / language
    return {(ROOT / n).relative_to(base).as_posix(): (ROOT / n).read_bytes() for n in listed.split("\0") if n}


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"`{' '.join(map(str, args))}` failed:\n{done.stdout}\n{done.stderr}"


def test_the_sdks_are_what_the_generators_make_of_the_plugins_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with timed(capsys, "schema from the plugin + 3 SDKs generated"):
        counts = generate(tmp_path)
    for language in LANGUAGES:
        fresh, repository = tree(tmp_path / language), kept(language)
        assert counts[language] == len(fresh) > 0
        drift = sorted(n for n in fresh.keys() | repository.keys() if fresh.get(n) != repository.get(n))
        assert drift == [], f"sdk/{language} differs from the generators' output in {drift}: run ./dev sdk"


def test_the_python_sdk_is_installed_from_sdk_python_with_snake_case_arguments() -> None:
    import pulumi_maytapi

    assert Path(pulumi_maytapi.__file__).is_relative_to(SDK_DIR / "python")
    assert importlib.metadata.version("pulumi_maytapi") == importlib.metadata.version("maytapi-pulumi")
    args = inspect.signature(pulumi_maytapi.PhoneConfigArgs.__init__).parameters
    assert {"phone_id", "webhook", "ack_delivery", "allow_insecure_http", "adopt", "reapply_trigger"} <= set(
        args
    )
    redeploy = inspect.signature(pulumi_maytapi.RedeployArgs.__init__).parameters
    assert {"phone_id", "revision", "fire_on_create", "wait_until_ready", "ready_timeout"} <= set(redeploy)
    provider = inspect.signature(pulumi_maytapi.ProviderArgs.__init__).parameters
    assert {"product_id", "api_token", "base_url", "read_timeout"} <= set(provider)


def node_modules() -> Path:
    """@pulumi/pulumi, TypeScript and Node's types at the versions devtools/node pins, installed
    once per lock file under .work/ (npm's registry)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH: install Node.js >= 18 (https://nodejs.org) to type-check sdk/nodejs")
    lock = (NODE_PINS / "package-lock.json").read_bytes()
    home = ROOT / ".work" / "node" / hashlib.sha256(lock).hexdigest()[:12]
    if not (home / ".installed").exists():
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(NODE_PINS / name, home)
        run(npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", cwd=home)
        (home / ".installed").touch()
    return home / "node_modules"


def test_the_typescript_sdk_and_example_type_check_with_tsc_against_pulumi_from_npm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pins = json.loads((NODE_PINS / "package.json").read_text())["devDependencies"]
    pinned, engine_version = version(pins["@pulumi/pulumi"]), version(PULUMI_VERSION)
    assert pinned[0] == engine_version[0] and pinned <= engine_version, pins["@pulumi/pulumi"]
    with timed(capsys, "npm ci (cached under .work/node)"):
        modules = node_modules()
    tsc = modules / ".bin" / "tsc"
    sdk = tmp_path / "nodejs"
    shutil.copytree(SDK_DIR / "nodejs", sdk)
    (sdk / "node_modules").symlink_to(modules)
    with timed(capsys, "tsc of sdk/nodejs"):
        run(tsc, "--project", ".", cwd=sdk)
    # the package as npm would publish it: the compiled bin/ with its package.json
    shutil.copy(sdk / "package.json", sdk / "bin")

    # examples/typescript and the reference's examples (an index.ts per kind), type-checked in one
    # tsc run with the example's settings, pulumi-maytapi resolved to that package
    examples = tmp_path / "examples"
    for name in ("typescript", "reference"):
        shutil.copytree(
            ROOT / "examples" / name, examples / name, ignore=shutil.ignore_patterns("*.py", "*.go")
        )
    settings = json.loads((ROOT / "examples/typescript/tsconfig.json").read_text())
    settings["files"] = sorted(p.relative_to(examples).as_posix() for p in examples.glob("**/index.ts"))
    (examples / "tsconfig.json").write_text(json.dumps(settings))
    (examples / "node_modules").mkdir()
    for entry in modules.iterdir():
        (examples / "node_modules" / entry.name).symlink_to(entry)
    (examples / "node_modules" / "pulumi-maytapi").symlink_to(sdk / "bin")
    with timed(capsys, "tsc --noEmit of examples/typescript and examples/reference/*/index.ts"):
        run(tsc, "--project", ".", "--noEmit", cwd=examples)


def test_the_go_sdk_and_example_build_and_vet_against_the_served_sdk_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    go = shutil.which("go")
    if go is None:
        pytest.fail("go is not on PATH: install Go >= 1.26 (https://go.dev/doc/install) to build sdk/go")
    sdk = tmp_path / "go"
    shutil.copytree(SDK_DIR / "go", sdk)
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOWORK": "off"}
    with timed(capsys, f"go build + go vet of sdk/go on github.com/pulumi/pulumi/sdk/v3 v{PULUMI_VERSION}"):
        # The generated go.mod asks for at least the generator's SDK; build on the pinned one.
        run(
            go, "mod", "edit", f"-require=github.com/pulumi/pulumi/sdk/v3@v{PULUMI_VERSION}", cwd=sdk, env=env
        )
        run(go, "mod", "tidy", cwd=sdk, env=env)
        run(go, "build", "./...", cwd=sdk, env=env)
        run(go, "vet", "./...", cwd=sdk, env=env)
    # examples/go, built and vetted; the reference's examples (a main package per kind, in a
    # module like it) vetted, which type-checks each file without linking ten programs
    for name, steps in (("go", ("build", "vet")), ("reference", ("vet",))):
        example = tmp_path / "examples" / name
        shutil.copytree(
            ROOT / "examples" / name, example, ignore=shutil.ignore_patterns("*.py", "*.ts", "*.yaml")
        )
        if name == "reference":
            shutil.copy(ROOT / "examples/go/go.mod", example)
        with timed(capsys, f"go {' + go '.join(steps)} of examples/{name}"):
            module = "github.com/maytapi-pulumi/maytapi-pulumi/sdk/go"
            run(go, "mod", "edit", f"-replace={module}={sdk}", cwd=example, env=env)
            run(go, "mod", "tidy", cwd=example, env=env)
            for step in steps:
                run(go, step, "./...", cwd=example, env=env)
