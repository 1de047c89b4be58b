"""TypeScript and Go programs through the real CLI, on the project's own Node.js and Go language
hosts (engine/pulumi-language-nodejs, engine/pulumi-language-go), with the generated SDKs
installed as their users install them: the npm package packed from sdk/nodejs, @pulumi/pulumi from
npm; the Go module through its path, with a `replace` to sdk/go.

Each language walks one stack through ordered steps, each stating the API calls it makes in both
products (the stack config's, and a second one an explicit provider instance reaches): first the
example (examples/typescript, examples/go) installed by the lines docs/guides/languages.md gives,
then the program of
tests/programs/<language> in the same project, which declares every resource kind, the three
functions in both forms, the second product (directly and through a component) and a secret,
all fed by config; then what goes wrong (a Maytapi error, a compiler's error, packages not
installed, a CLI killed), destroy, and `pulumi import` of a phone and of a Fleet, whose printed
code is the next program."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from devtools import docs_blocks, engine, nodejs
from devtools.emulator import RunningEmulator
from devtools.interrupt import interrupted
from devtools.stack import ROOT, Project
from tests.conftest import TOKEN, Calls, phones, stack_outputs, summary
from tests.test_failure_lines import diagnostics

HOOK, HOOK2, DRIFT = (f"https://hooks.example.com/{name}" for name in ("maytapi", "v2", "drift"))
FLEET, FLEET2 = "https://hooks.example.com/fleet", "https://hooks.example.com/fleet-v2"
SECRET = "https://hidden.example.com/only-in-ciphertext"
OTHER_TOKEN = "tok-OTHER-PRODUCT-do-not-leak"
# What the program's actions fire when created or when their revision changes: the single ones
# (Redeploy, Logout, FactoryReset) and the ones across a set of phones
SINGLE = [("GET", "/12/redeploy"), ("GET", "/14/logout"), ("GET", "/15/factoryreset")]
ACROSS = [
    ("GET", "/12/redeploy"),
    ("GET", "/13/redeploy"),
    ("GET", "/14/logout"),
    ("GET", "/15/factoryreset"),
]
DEFAULT = ("", False)
GUIDE = ROOT / "docs" / "guides" / "languages.md"


@dataclass(frozen=True)
class Language:
    """A language, its host, how docs/guides/languages.md installs a project, and what breaks it."""

    name: str
    tool: str  # the devtools.engine tool of its language host
    source: str  # the program's file
    # a change to the program that its compiler refuses, and what the compiler says of it
    bad_edit: tuple[str, str]
    compiler_says: str
    # the install step taken back, and what the host then says to run
    not_installed: str
    fix: str
    # how the program `pulumi import` prints begins
    printed_from: str

    def install_lines(self) -> list[str]:
        """This language's install lines in docs/guides/languages.md, as a user types them."""
        [block] = [
            block
            for block in docs_blocks.blocks(GUIDE)
            if block.tested_by == "tests/test_languages.py" and f"examples/{self.name} " in block.body
        ]
        return [line for line in block.body.splitlines() if line.strip()]

    def setup(self, directory: Path) -> None:
        """The install lines' first two, in a test: the host (and the packed SDK), and a copy of
        the example."""
        assert self.install_lines()[:2] == [
            f"./dev setup {self.tool}",
            f"cp -r examples/{self.name} ~/phones && cd ~/phones",
        ]
        engine.require(self.tool)
        if self.tool == "nodejs":
            nodejs.sdk_tarball()
        shutil.copytree(ROOT / "examples" / self.name, directory)

    def install(self, directory: Path) -> None:
        """The install lines' others, in `directory`: once after the copy, and again when the
        program's imports change. npm's runs once per content of package.json and the packed
        SDK, the programs sharing its node_modules."""
        for line in self.install_lines()[2:]:
            args = shlex.split(line.replace("<checkout>", str(ROOT)))
            if args[:2] == ["npm", "install"]:
                if not (directory / "node_modules").exists():
                    (directory / "node_modules").symlink_to(
                        nodejs.installed(directory / "package.json", *args[2:])
                    )
            else:
                subprocess.run(args, cwd=directory, check=True, capture_output=True, timeout=600)

    def printed(self, stdout: str) -> str:
        """The program `pulumi import` printed, which follows its instructions."""
        return stdout[stdout.index(self.printed_from) :]

    @contextmanager
    def uninstalled(self, directory: Path) -> Iterator[None]:
        """The project as it is before its install step (no node_modules; no go.sum)."""
        installed = directory / self.not_installed
        installed.rename(directory / ".aside")
        try:
            yield
        finally:
            (directory / ".aside").rename(installed)


LANGUAGES = (
    Language(
        "typescript",
        "nodejs",
        "index.ts",
        ("ackDelivery: true,", 'ackDelivery: "yes",'),
        "error TS2322: Type 'string' is not assignable to type 'Input<boolean | undefined>'.",
        "node_modules",
        "run `npm install` (or `pulumi install`) in",
        "import * as pulumi",
    ),
    Language(
        "go",
        "go",
        "main.go",
        ("AckDelivery: pulumi.Bool(true),", 'AckDelivery: pulumi.String("yes"),'),
        'cannot use pulumi.String("yes")',
        "go.sum",
        "run `go mod tidy` (or `pulumi install`) in",
        "package main",
    ),
)


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[RunningEmulator]:
    """A second Maytapi product, which the programs reach through an explicit provider instance."""
    with RunningEmulator(
        product_id="00000000-0000-4000-8000-000000000002", token=OTHER_TOKEN, phones=("7", "8")
    ) as other:
        yield other


def post(*phones_: str) -> list[tuple[str, str]]:
    return sorted(("POST", f"/{p}/config") for p in phones_)


def get(*phones_: str) -> list[tuple[str, str]]:
    return sorted(("GET", f"/{p}/config") for p in phones_)


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.name)
def test_a_program_walks_every_kind_function_product_secret_failure_and_import_through_the_cli(
    language: Language, tmp_path: Path, emu: RunningEmulator, elsewhere: RunningEmulator, calls: Calls
) -> None:
    emu.reset(phones=("12", "13", "14", "15"))
    elsewhere.reset()
    other_calls = Calls(elsewhere)

    def took() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """Both products' calls since the last look, each sorted."""
        return sorted(calls.take()), sorted(other_calls.take())

    directory = tmp_path / language.name
    language.setup(directory)
    language.install(directory)
    project = Project.open(
        directory,
        tmp_path / "state",
        config={
            **emu.stack_config,
            "webhook": HOOK,
            "revision": "2026-11-25",
            "fleetHook": FLEET,
            "otherProduct": elsewhere.product_id,
            "otherUrl": elsewhere.base_url,
        },
        secrets={"maytapi:apiToken": emu.token, "secretHook": SECRET, "otherToken": OTHER_TOKEN},
    )
    calls.take()

    # the example as the README gives it: the quickstart's calls, as in Python
    assert summary(project.cli("up", "--yes", "--skip-preview")) == "+ 3 created"
    assert took() == ([("GET", "/12/redeploy"), ("POST", "/12/config")], [])
    assert phones(emu, "12") == {"12": (HOOK, True)}

    # the whole program: each kind created in its product; the example's two unchanged
    program = directory / language.source
    program.write_text((ROOT / "tests" / "programs" / language.name / language.source).read_text())
    language.install(directory)
    up = project.cli("up", "--yes", "--skip-preview")
    assert summary(up) == "+ 10 created 3 unchanged"
    # (the example's Redeploy exists already: it does not fire)
    assert took() == (sorted([*SINGLE[1:], *ACROSS, *post("13", "14")]), post("7", "8"))
    assert phones(emu, "12", "13", "14") == {"12": (HOOK, True), "13": (SECRET, False), "14": (FLEET, True)}
    assert phones(elsewhere, "7", "8") == {"7": (HOOK, False), "8": (HOOK, False)}
    # the secret webhook and both tokens are nowhere in clear; the Fleet's phones output is secret
    state = json.dumps(project.export())
    for hidden in (SECRET, TOKEN, OTHER_TOKEN):
        assert hidden not in state and hidden not in up.output
    assert json.loads(project.cli("stack", "output", "--json").stdout)["fleetPhones"] == "[secret]"
    outputs = stack_outputs(project)
    assert outputs["webhook"] == HOOK and outputs["fleetPhones"]["13"]["webhook"] == SECRET
    assert outputs.get("read") is None

    # nothing changed: nothing to do, nothing called
    assert summary(project.cli("preview")) == "13 unchanged"
    assert took() == ([], [])

    # new webhooks, one Fleet phone's among them, and a revision bump: one write per changed
    # phone, and each action fires once
    project.cli("config", "set-all", "--plaintext", f"webhook={HOOK2}", "--plaintext", f"fleetHook={FLEET2}",
                "--plaintext", "revision=r2")  # fmt: skip
    diff = project.cli("up", "--yes", "--diff")
    assert f'~ webhook: "{HOOK}" => "{HOOK2}"' in diff.stdout and '"2026-11-25" => "r2"' in diff.stdout
    assert summary(diff) == "~ 10 updated 3 unchanged"
    assert took() == (sorted([*SINGLE, *ACROSS, *post("12", "14")]), post("7", "8"))
    assert phones(emu, "12", "14") == {"12": (HOOK2, True), "14": (FLEET2, True)}

    # drift in both products: refresh reads every phone (its preview, then for real) and records it
    for emulator, phone in ((emu, "12"), (emu, "13"), (elsewhere, "7")):
        emulator.set_phone(phone, webhook=DRIFT)
    assert summary(project.cli("refresh", "--yes")) == "~ 3 updated 10 unchanged"
    assert took() == (get("12", "12", "13", "13", "14", "14"), get("7", "7", "8", "8"))

    # the next up puts the phones back, but Maytapi refuses phone 12: the same one line as in
    # Python (tests/test_failure_lines.py), no traceback, nothing of the host; as there, the
    # other writes go on (--continue-on-error), so that which ones start does not depend on timing
    emu.fault(method="POST", path="^/12/config$", status=401, times=1,
              body={"success": False, "message": "Invalid or missing x-maytapi-key"})  # fmt: skip
    failed = project.cli("up", "--yes", "--skip-preview", "--continue-on-error", check=False)
    assert failed.returncode != 0
    assert diagnostics(failed.output)["maytapi:index:PhoneConfig (support-line)"] == [
        "error: Maytapi set config on phone 12 failed: HTTP 401: Invalid or missing x-maytapi-key"
    ], failed.output
    assert "Traceback" not in failed.output and "pulumi-language" not in failed.output
    assert took() == (post("12", "13"), post("7"))

    # the functions, plain and Output forms, read the product as it is; phone 12 written again
    project.cli("config", "set", "functions", "true")
    assert summary(project.cli("up", "--yes", "--skip-preview")) == "~ 1 updated 12 unchanged"
    each_read = [("GET", "/13/status"), ("GET", "/14/config"), ("GET", "/listPhones")]
    assert took() == (sorted([*each_read, *each_read, *post("12")]), [])
    assert phones(emu, "12", "13") == {"12": (HOOK2, True), "13": (SECRET, False)}
    read = {"phones": ["12", "13", "14", "15"], "webhook": FLEET2, "state": "CONNECTED"}
    assert stack_outputs(project)["read"] == {"plain": read, "output": read}

    # a CLI killed while its program waits on Maytapi takes the program (node, or the Go binary)
    # and every other process it started with it
    emu.fault(path="^/listPhones$", latency_ms=20_000, times=1)
    listed = len(emu.api_calls(path="^/listPhones$"))
    waiting = lambda: len(emu.api_calls(path="^/listPhones$")) > listed  # noqa: E731
    killed = interrupted(project, signal.SIGKILL, waiting, args=("preview",))
    assert killed.left_running == [] and killed.gone_after < 3, killed
    calls.take()

    # a program its compiler refuses: the compiler's message, and nothing called
    good = program.read_text()
    program.write_text(good.replace(*language.bad_edit))
    refused = project.cli("preview", check=False)
    assert refused.returncode != 0 and language.compiler_says in refused.output, refused.output
    program.write_text(good)
    # the packages not installed: which command to run, and where
    with language.uninstalled(directory):
        missing = project.cli("preview", check=False)
    assert missing.returncode != 0 and f"{language.fix} {directory}" in missing.output, missing.output
    assert took() == ([], [])

    # destroy: each phone back to its product's default; an action cannot be undone
    assert summary(project.cli("destroy", "--yes")) == "- 13 deleted"
    assert took() == (post("12", "13", "14"), post("7", "8"))
    assert phones(emu, "12", "13", "14") == dict.fromkeys(("12", "13", "14"), DEFAULT)
    assert phones(elsewhere, "7", "8") == dict.fromkeys(("7", "8"), DEFAULT)

    # pulumi import of a phone, then of the whole product as a Fleet: each reads, prints the
    # program in this language, and that program, as the project's, makes no call
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    emu.set_phone("14", webhook=FLEET)
    calls.take()
    urn = None
    for kind, name, id_, reads in (
        ("PhoneConfig", "support-line", "12", get("12")),
        ("Fleet", "product", emu.product_id, sorted([*get("12", "13", "14", "15"), ("GET", "/listPhones")])),
    ):
        if urn is not None:  # the phone leaves the state (imports are protected): the Fleet holds it now
            project.cli("state", "delete", urn, "--force", "--yes")
        imported = project.cli("import", f"maytapi:index:{kind}", name, id_, "--yes", "--skip-preview")
        assert "= 1 imported" in imported.stdout
        assert took() == (reads, [])
        program.write_text(language.printed(imported.stdout))
        assert summary(project.cli("preview")) == "2 unchanged"
        assert took() == ([], [])
        urn = next(r["urn"] for r in project.resources(f":{kind}"))
    assert phones(emu, "12", "13", "14") == {"12": (HOOK, True), "13": DEFAULT, "14": (FLEET, False)}
