"""Fixtures shared by the test suite: one emulator per session (state reset for each test) and
real Pulumi stacks on the project's engine, each in its own directory, backend and PULUMI_HOME."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dill
import pytest
import yaml
from pulumi import automation as auto
from pulumi.dynamic import ResourceProvider

from devtools.emulator import RunningEmulator
from devtools.s3 import CREDENTIALS, RunningS3
from devtools.stack import CliRun, Project, SecretsProvider, write_project
from maytapi_pulumi._native.schema import camel

TOKEN = "tok-SECRET-4f1c9e-do-not-leak"


@dataclass(frozen=True)
class Family:
    """One of the ways a user program can be written: on the dynamic resources
    (`maytapi_pulumi`), on the native provider through its generated Python SDK
    (`pulumi_maytapi`), or on the native provider in YAML (no SDK). The two Python families'
    classes share names and arguments, so one program text serves both."""

    name: str
    module: str
    type_prefix: str
    language: str = "python"

    def imports(self, *names: str) -> str:
        return f"from {self.module} import {', '.join(names)}\n"

    def __str__(self) -> str:
        return self.name

    def type_token(self, kind: str) -> str:
        return f"{self.type_prefix}{kind}"

    @property
    def native(self) -> bool:
        return self is not DYNAMIC

    def prop(self, name: str) -> str:
        """A property as the state and `preview --diff` name it: the native provider's
        schema spells it in camelCase; a dynamic resource keeps the Python name."""
        return camel(name) if self.native else name

    def write(self, project: Project, source: str) -> None:
        """The project's program from now on: Python's __main__.py, or YAML's Pulumi.yaml."""
        if self.language == "yaml":
            (project.directory / "Pulumi.yaml").write_text(source)
        else:
            project.write_program(source)


DYNAMIC = Family("dynamic", "maytapi_pulumi", "pulumi-python:dynamic/maytapi:")
NATIVE = Family("native", "pulumi_maytapi", "maytapi:index:")
FAMILIES = (DYNAMIC, NATIVE)
YAML = Family("yaml", "", "maytapi:index:", language="yaml")
WITH_YAML = (DYNAMIC, NATIVE, YAML)
"""For `@pytest.mark.parametrize("family", WITH_YAML, ids=str)` where the program is plain
declarations that YAML can write."""


PREVIEWED = ("--yes", "--skip-preview")
"""The flags of an `up` run right after a `pulumi preview` of the same program, state, config
and phones, whose output and calls the test has just asserted: the up's own preview would run
that same program and the same provider checks again (a second program and provider process,
about a CPU-second), so it skips it. Every other `up` previews first, as a user's does."""


@pytest.fixture(params=FAMILIES, ids=str)
def family(request: pytest.FixtureRequest) -> Family:
    """Each user-program test runs once per family."""
    family: Family = request.param
    return family


# `./dev test` gives each worker whole files (`--dist loadfile --no-loadscope-reorder`), in
# collection order: the files that take longest (a clean run's --durations, 2026-12-02) start
# first, so that none of them is the run's tail.
LONGEST_FIRST = (
    "test_actions.py",
    "test_bench.py",
    "test_languages.py",
    "test_compositions.py",
    "test_phone_config.py",
    "test_resource_options.py",
    "test_sdk.py",
    "test_templates.py",
    "test_examples.py",
    "test_components.py",
    "test_workflow.py",
    "test_fleet.py",
    "test_fleet_actions.py",
    "test_interpreters.py",
    "test_interruptions.py",
    "test_functions.py",
    "test_floor.py",
    "test_review.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator(token=TOKEN, phones=("12", "13", "14"), redeploy_seconds=0.3) as emu:
        yield emu


@pytest.fixture
def emu(emulator: RunningEmulator) -> RunningEmulator:
    emulator.reset()
    return emulator


class Calls:
    """The API calls the emulator logged since the last `take()`."""

    def __init__(self, emu: RunningEmulator) -> None:
        self.emu = emu
        self.seen = len(emu.api_calls())

    def take(self) -> list[tuple[str, str]]:
        calls = self.emu.api_calls()
        new, self.seen = calls[self.seen :], len(calls)
        prefix = f"/api/{self.emu.product_id}"
        return [(c["method"], c["path"].removeprefix(prefix)) for c in new]


@pytest.fixture
def calls(emu: RunningEmulator) -> Calls:
    return Calls(emu)


_names = itertools.count()


@dataclass(frozen=True)
class StackTemplate:
    """A stack the CLI made once per worker (`pulumi stack init`, then the emulator's settings
    and the token, encrypted, by `pulumi config set-all`), before any update. A test's stack
    starts as a copy of its two files, which saves it two of the three CLI runs a new stack
    costs; only `pulumi stack select` remains (the workspace then knows the stack)."""

    project: Project
    state_dir: Path
    secrets_provider: SecretsProvider

    def copy(self, directory: Path, state_dir: Path, program: str, config: Mapping[str, str]) -> Project:
        """A new project directory running `program` whose stack `dev` is a copy of the
        template's, with `config` (plain values) added to its settings."""
        write_project(directory, "maytapi-test", program)
        settings = yaml.safe_load((self.project.directory / "Pulumi.dev.yaml").read_text())
        # a key without a namespace is the project's, as `pulumi config set` reads it
        settings["config"] |= {key if ":" in key else f"maytapi-test:{key}": v for key, v in config.items()}
        (directory / "Pulumi.dev.yaml").write_text(yaml.safe_dump(settings))
        state_dir.mkdir(parents=True)
        shutil.copytree(self.state_dir / "backend", state_dir / "backend")
        return Project.open(directory, state_dir, secrets_provider=self.secrets_provider)


@pytest.fixture(scope="session")
def s3() -> Iterator[RunningS3]:
    """An S3- and KMS-compatible server on loopback (moto), one per worker: the KMS key of the
    suite's stacks, and the review workflow's shared backend (a bucket per test)."""
    with RunningS3() as server:
        yield server


@pytest.fixture(scope="session")
def secrets_provider(s3: RunningS3) -> SecretsProvider:
    """The secrets provider of the suite's stacks: a KMS key of the worker's `s3` server. The
    passphrase provider derives its key with 1,000,000 PBKDF2 iterations in every command that
    opens a stack, about 0.2 CPU-seconds, a fifth of a `pulumi preview` of one resource, paid by
    some 700 of the suite's commands; a KMS key costs one call to the server. What the project
    says of secrets holds for either provider, and the passphrase provider users start with still
    runs where its commands are the subject: the quickstart, the examples run by hand, the
    templates, the review workflow and the benchmark."""
    return SecretsProvider(s3.kms_key(), CREDENTIALS)


@pytest.fixture(scope="session")
def stack_template(
    tmp_path_factory: pytest.TempPathFactory, emulator: RunningEmulator, secrets_provider: SecretsProvider
) -> StackTemplate:
    base = tmp_path_factory.mktemp("stack-template")
    project = Project.create(
        base / "project",
        base / "state",
        "",
        config=emulator.stack_config,
        secrets={"maytapi:apiToken": emulator.token},
        secrets_provider=secrets_provider,
    )
    return StackTemplate(project, base / "state", secrets_provider)


@pytest.fixture
def make_project(
    tmp_path: Path, emu: RunningEmulator, stack_template: StackTemplate
) -> Callable[..., Project]:
    """A real stack running `program` against the emulator; settings from stack config."""

    def make(
        program: str,
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        settings: bool = True,
        family: Family = DYNAMIC,
    ) -> Project:
        """`family` says the program's language: a YAML program replaces Pulumi.yaml."""
        n = next(_names)
        directory, state_dir = tmp_path / f"project{n}", tmp_path / f"state{n}"
        source = "" if family.language == "yaml" else program
        if settings and not secrets:
            project = stack_template.copy(directory, state_dir, source, config or {})
        else:
            # other secrets are encrypted by the CLI, as a user's `pulumi config set --secret`
            base: dict[str, Any] = {}
            token: dict[str, str] = {}
            if settings:
                base = emu.stack_config
                token = {"maytapi:apiToken": emu.token}
            project = Project.create(
                directory,
                state_dir,
                source,
                config={**base, **(config or {})},
                secrets={**token, **(secrets or {})},
                secrets_provider=stack_template.secrets_provider,
            )
        if family.language == "yaml":
            family.write(project, program)
        return project

    return make


def install_provider_from_another_release(
    project: Project, type_token: str, provider: ResourceProvider
) -> None:
    """Put another pickle of the provider into the state of every resource of `type_token`, as
    an upgrade of the package leaves it: the next `up` sees only `__provider` differ."""
    provider.__dict__["from_another_release"] = True
    blob = base64.b64encode(dill.dumps(provider, recurse=True)).decode()
    deployment = project.export()
    for resource in deployment["resources"]:
        if resource["type"] == type_token:
            resource["inputs"]["__provider"] = resource["outputs"]["__provider"] = blob
    project.stack.import_stack(auto.Deployment(version=3, deployment=deployment))


def summary(run: CliRun) -> str:
    """The resource counts a command printed last (an `up` prints its preview's first), on one
    line: e.g. "~ 1 updated 1 unchanged"."""
    return " ".join(run.stdout.rsplit("Resources:", 1)[1].split("Duration:")[0].split())


def failed(project: Project, *args: str) -> str:
    """What `pulumi <args>` printed, asserting that it failed."""
    run = project.cli(*args, check=False)
    assert run.returncode != 0, run.output
    return run.output


def stack_outputs(project: Project) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(project.cli("stack", "output", "--json", "--show-secrets").stdout)
    return shown


def yaml_program(*resources: tuple[str, str, Mapping[str, Any], Mapping[str, Any]]) -> str:
    """A YAML program declaring `(name, kind, properties, options)` resources of the native
    provider (the values in JSON, which YAML reads as its flow style)."""
    lines = ["name: maytapi-test", "runtime: yaml"] + ["resources:"] * bool(resources)
    for name, kind, props, opts in resources:
        lines += [f"  {name}:", f"    type: {YAML.type_token(kind)}", f"    properties: {json.dumps(props)}"]
        lines += [f"    options: {json.dumps(opts)}"] if opts else []
    return "\n".join(lines) + "\n"


def version(text: str) -> tuple[int, ...]:
    """A release number ("3.277.0") as a tuple that compares as versions do."""
    return tuple(int(n) for n in text.split("."))


def phones(emu: RunningEmulator, *ids: str) -> dict[str, tuple[str, bool]]:
    """Each phone's webhook and ack_delivery as the emulator holds them."""
    return {p: (emu.phone(p)["webhook"], emu.phone(p)["ack_delivery"]) for p in ids}
