"""The native provider's SDKs (sdk/): exactly what Pulumi's generators make of the schema the
plugin serves, and each compiles with its own language's tools against the pinned Pulumi, with
a program using it (examples/typescript, examples/go) and the reference's examples
(examples/reference/<kind>/index.ts, main.go)."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devtools import nodejs
from devtools.engine import ENGINE_VERSION
from devtools.sdk import LANGUAGES, SDK_DIR, generate
from devtools.stack import ROOT
from tests.conftest import version

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


def test_the_typescript_sdk_packs_as_published_and_the_examples_type_check_against_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """sdk/nodejs compiled by `tsc` against the @pulumi/pulumi devtools/node pins and packed by
    `npm pack` as the package is published (devtools/nodejs.py, made once per content), then
    installed as the languages guide installs it into examples/typescript; the example and the
    reference's examples (an index.ts per kind) type-checked against it in one tsc run with the
    example's settings. The example runs in tests/test_languages.py."""
    pins = nodejs.pinned()
    pinned, engine_version = version(pins["@pulumi/pulumi"]), version(PULUMI_VERSION)
    assert pinned[0] == engine_version[0] and pinned <= engine_version, pins["@pulumi/pulumi"]
    with timed(capsys, "tsc + npm pack of sdk/nodejs, and npm install of the tarball (cached by content)"):
        tarball = nodejs.sdk_tarball()
        modules = nodejs.installed(ROOT / "examples/typescript/package.json", str(tarball))
    with tarfile.open(tarball) as packed:
        names = set(packed.getnames())
        member = packed.extractfile("package/package.json")
        assert member is not None
        package = json.load(member)
    assert {"package/index.js", "package/index.d.ts", "package/types/input.d.ts"} <= names
    assert not [n for n in names if n.endswith(".ts") and not n.endswith(".d.ts")], names
    assert package["pulumi"] == {"resource": True, "name": "maytapi", "version": package["version"]}
    assert package["version"] == importlib.metadata.version("maytapi-pulumi")

    examples = tmp_path / "examples"
    for name in ("typescript", "reference"):
        shutil.copytree(
            ROOT / "examples" / name, examples / name, ignore=shutil.ignore_patterns("*.py", "*.go")
        )
    settings = json.loads((ROOT / "examples/typescript/tsconfig.json").read_text())
    settings["files"] = sorted(p.relative_to(examples).as_posix() for p in examples.glob("**/index.ts"))
    (examples / "tsconfig.json").write_text(json.dumps(settings))
    (examples / "node_modules").symlink_to(modules)
    with timed(capsys, "tsc --noEmit of examples/typescript and examples/reference/*/index.ts"):
        run(modules / ".bin" / "tsc", "--project", ".", "--noEmit", cwd=examples)


def test_the_go_sdk_builds_and_it_and_the_examples_vet_against_the_served_sdk_module(
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
    # examples/go (which tests/test_languages.py builds and runs) and the reference's examples (a
    # main package per kind, in a module like it) vetted, which type-checks each file without
    # linking ten programs
    for name in ("go", "reference"):
        example = tmp_path / "examples" / name
        shutil.copytree(
            ROOT / "examples" / name, example, ignore=shutil.ignore_patterns("*.py", "*.ts", "*.yaml")
        )
        if name == "reference":
            shutil.copy(ROOT / "examples/go/go.mod", example)
        with timed(capsys, f"go vet of examples/{name}"):
            module = "github.com/maytapi-pulumi/maytapi-pulumi/sdk/go"
            run(go, "mod", "edit", f"-replace={module}={sdk}", cwd=example, env=env)
            run(go, "mod", "tidy", cwd=example, env=env)
            run(go, "vet", "./...", cwd=example, env=env)
