"""The examples and the pull-request flow, through the real CLI (`pulumi preview`, `pulumi up`
with its preview, `destroy`) against the emulator, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from devtools import engine
from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, VENV, Project
from tests.conftest import PREVIEWED, Calls, failed, phones, stack_outputs, summary

EXAMPLES = ROOT / "examples"
WORKFLOW = EXAMPLES / "github-workflow" / "pulumi-maytapi.yml"


@pytest.fixture
def example(tmp_path: Path, emu: RunningEmulator) -> Callable[..., Project]:
    def copy(name: str) -> Project:
        return Project.copy_of(
            EXAMPLES / name,
            tmp_path / name,
            tmp_path / "state",
            config=emu.stack_config,
            secrets={"maytapi:apiToken": emu.token},
        )

    return copy


def test_quickstart_preview_up_noop_destroy(example: Callable[..., Project], calls: Calls) -> None:
    project = example("quickstart")
    assert summary(project.cli("preview")) == "+ 3 to create"
    assert calls.take() == []
    assert summary(project.cli("up", *PREVIEWED)) == "+ 3 created"
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/redeploy")]
    assert summary(project.cli("up", "--yes")) == "3 unchanged"
    assert calls.take() == []
    assert summary(project.cli("destroy", "--yes")) == "- 3 deleted"
    assert calls.take() == [("POST", "/12/config")]


def test_fleet_preview_up_noop_destroy(
    example: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = example("fleet")
    assert summary(project.cli("preview")) == "+ 6 to create"
    assert calls.take() == []
    assert summary(project.cli("up", *PREVIEWED)) == "+ 6 created"
    # three configs written, and no redeploy: the fleet's actions record their revision only
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config"), ("POST", "/14/config")]
    assert emu.phone("12")["webhook"] == "https://hooks.example.com/maytapi/sales"
    assert emu.phone("13")["ack_delivery"] is False and emu.phone("14")["webhook"] == ""
    assert summary(project.cli("up", "--yes")) == "6 unchanged"
    assert calls.take() == []
    # a bumped revision in the data file redeploys that phone only
    fleet = project.directory / "fleet.yaml"
    fleet.write_text(
        fleet.read_text().replace(
            "redeploy_revision: 1\n  - phone_id: 13", "redeploy_revision: 2\n  - phone_id: 13"
        )
    )
    assert summary(project.cli("up", "--yes")) == "~ 1 updated 5 unchanged"
    assert calls.take() == [("GET", "/12/redeploy")]
    assert summary(project.cli("destroy", "--yes")) == "- 6 deleted"
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config"), ("POST", "/14/config")]


def test_product_fleet_follows_the_products_phones_read_by_get_phones(
    example: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    """One `GET /listPhones` each time the program runs (a preview; an up runs it twice, for its
    preview and for the update); the configs follow the phones the product has."""
    hook = "https://hooks.example.com/maytapi/fleet"
    project = example("product-fleet")
    assert summary(project.cli("preview")) == "+ 4 to create"
    assert calls.take() == [("GET", "/listPhones")]
    assert summary(project.cli("up", *PREVIEWED)) == "+ 4 created"
    assert sorted(calls.take()) == [("GET", "/listPhones")] + [
        ("POST", f"/{p}/config") for p in ("12", "13", "14")
    ]
    assert phones(emu, "12", "13", "14") == dict.fromkeys(("12", "13", "14"), (hook, True))
    assert stack_outputs(project)["phones"]["13"] == {"number": "905550000013", "status": "active"}
    assert summary(project.cli("up", "--yes")) == "4 unchanged"
    assert calls.take() == [("GET", "/listPhones")] * 2
    # a phone added to the product gets the webhook; one gone from it leaves the program
    emu.set_phone("15", status="qr-code")
    emu.remove_phone("12")
    calls.take()
    assert summary(project.cli("up", "--yes")) == "+ 1 created - 1 deleted 2 changes. 3 unchanged"
    # the deleted config's reset finds no phone: it is a call, and no change
    assert sorted(calls.take()) == [("GET", "/listPhones")] * 2 + [
        ("POST", "/12/config"),
        ("POST", "/15/config"),
    ]
    assert emu.phone("15")["webhook"] == hook and emu.phone("15")["ack_delivery"] is True
    assert summary(project.cli("destroy", "--yes")) == "- 4 deleted"
    assert sorted(calls.take()) == [("POST", "/13/config"), ("POST", "/14/config"), ("POST", "/15/config")]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("  - phone_id: 15\n    webhook: not-a-url\n", ["phone-15", "webhook"]),
        (
            "  - phone_id: 15\n    ack_delivery: yes-please\n",
            ["phone-15", "ack_delivery", "is not a boolean"],
        ),
        (
            "  - phone_id: 15\n    webhok: https://x.example.com\n",
            ["phone-15", "webhok", "did you mean 'webhook'"],
        ),
        ("  - phone_id: abc\n", ["phone-abc", "phone_id"]),
        ("  - webhook: https://x.example.com\n", ["row 4", "phone_id"]),
        ("  - phone_id: 12\n", ["row 4", "phone_id 12 appears twice"]),
    ],
)
def test_fleet_rows_that_are_not_valid_fail_at_preview_naming_the_row_and_field(
    example: Callable[..., Project], calls: Calls, row: str, expected: list[str]
) -> None:
    project = example("fleet")
    fleet = project.directory / "fleet.yaml"
    fleet.write_text(fleet.read_text() + row)
    message = failed(project, "preview")
    assert all(text in message for text in expected)
    assert calls.take() == []


def test_adopt_brings_configured_phones_under_management_without_a_write(
    example: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    emu.set_phone("12", webhook="https://hooks.example.com/maytapi/sales", ack_delivery=True)
    emu.set_phone("13", webhook="https://hooks.example.com/maytapi/support", ack_delivery=True)
    emu.set_phone("14", webhook="https://hooks.example.com/maytapi/lobby")
    calls.take()
    project = example("adopt")
    project.cli("preview")
    assert calls.take() == [("GET", "/14/config")]  # the read-only lobby phone is read at preview too
    # the update adopts 12 and 13 and reads 14 again
    project.cli("up", *PREVIEWED)
    assert stack_outputs(project)["lobby_webhook"] == "https://hooks.example.com/maytapi/lobby"
    assert sorted(calls.take()) == [("GET", "/12/config"), ("GET", "/13/config"), ("GET", "/14/config")]
    assert summary(project.cli("up", "--yes")) == "5 unchanged"
    assert calls.take() == [("GET", "/14/config")] * 2
    # destroying the adopted configs restores the product default; the lobby phone is not touched
    project.cli("destroy", "--yes")
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config")]
    assert emu.phone("14")["webhook"] == "https://hooks.example.com/maytapi/lobby"


def quickstart_change(project: Project) -> None:
    project.cli("config", "set", "webhook", "https://hooks.example.com/maytapi/v2")
    project.cli("config", "set", "redeployRevision", "2026-12-01")


def test_the_preview_a_reviewer_reads_names_kinds_fields_and_the_actions_that_fire(
    example: Callable[..., Project], calls: Calls
) -> None:
    project = example("quickstart")
    project.cli("up", "--yes")
    calls.take()
    quickstart_change(project)
    text = project.cli("preview", "--diff").stdout
    assert "~ pulumi-python:dynamic/maytapi:PhoneConfig: (update)" in text
    assert "~ pulumi-python:dynamic/maytapi:Redeploy: (update)" in text  # the redeploy will fire
    assert (
        '~ webhook            : "https://hooks.example.com/maytapi/support" => "https://hooks.example.com/maytapi/v2"'
        in text
    )
    assert '~ revision        : "2026-11-25" => "2026-12-01"' in text
    assert calls.take() == []


@pytest.fixture
def reviewed(example: Callable[..., Project], tmp_path: Path, calls: Calls) -> tuple[Project, str]:
    """The quickstart, changed, with the plan of its `preview --save-plan` (what a reviewer saw)."""
    project = example("quickstart")
    project.cli("up", "--yes")
    calls.take()
    quickstart_change(project)
    plan = tmp_path / "plan.json"
    project.cli("preview", "--save-plan", str(plan))
    assert plan.exists() and calls.take() == []
    return project, str(plan)


def test_a_saved_plan_applies_exactly_what_was_reviewed(reviewed: tuple[Project, str], calls: Calls) -> None:
    project, plan = reviewed
    assert summary(project.cli("up", "--yes", "--plan", plan)) == "~ 2 updated 1 unchanged"
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/redeploy")]


def test_an_up_whose_program_changed_after_the_review_is_refused(
    reviewed: tuple[Project, str], calls: Calls
) -> None:
    project, plan = reviewed
    # after the review, someone changes the webhook again
    project.cli("config", "set", "webhook", "https://evil.example.com/")
    assert "webhook" in failed(project, "up", "--yes", "--plan", plan)
    assert calls.take() == []


def by_hand_steps() -> str:
    """The getting-started page's lines for running an example by hand, exactly as printed there."""
    page = (ROOT / "docs" / "getting-started.md").read_text()
    block = re.search(r"<!-- block: tested by tests/test_examples.py -->\n```bash\n(.*?)```", page, re.S)
    assert block is not None, "docs/getting-started.md has no bash block tested by tests/test_examples.py"
    return block.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize(
    ("name", "created", "phones"),
    [
        ("quickstart", 3, {"12": ("https://hooks.example.com/maytapi/support", True)}),
        (
            "fleet",
            6,
            {
                "12": ("https://hooks.example.com/maytapi/sales", True),
                "13": ("https://hooks.example.com/maytapi/support", False),
                "14": ("", False),
            },
        ),
        ("adopt", 5, {"14": ("https://hooks.example.com/maytapi/lobby", False)}),
        ("yaml", 3, {"12": ("https://hooks.example.com/maytapi", True)}),
        (
            "product-fleet",
            4,
            {p: ("https://hooks.example.com/maytapi/fleet", True) for p in ("12", "13", "14")},
        ),
    ],
)
def test_the_documented_steps_run_each_example_by_hand(
    tmp_path: Path, name: str, created: int, phones: dict[str, tuple[str, bool]]
) -> None:
    # A checkout of its own (examples and the virtualenv), so .work/ is the test's; a free
    # port instead of 8808, which belongs to `./dev up`, chosen anew for each run (another
    # process may take a port between the runs). Nothing else of the lines changes.
    if name == "yaml":
        engine.require("yaml")  # built when first needed
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    (tmp_path / ".venv").symlink_to(VENV)
    steps = by_hand_steps().replace("example=fleet", f"example={name}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "MAYTAPI_", "VIRTUAL_ENV"))}

    def run() -> str:
        script = f"set -euo pipefail\ntrap 'kill %1 2>/dev/null; wait' EXIT\n{steps.replace('8808', str(free_port()))}"
        done = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert f"+ {created} created" in run()
    # the emulator saved the phones as the up left them
    saved = json.loads((tmp_path / ".work" / "by-hand" / name / "phones.json").read_text())["phones"]
    views = {p["id"]: (p["webhook"], p["ack_delivery"]) for p in saved}
    assert {k: views[k] for k in phones} == phones
    # the same lines again: a new emulator, the phones as they were, nothing to do
    assert f"{created} unchanged" in run()


def test_the_example_workflow_passes_actionlint_and_the_workflow_schema() -> None:
    if shutil.which("go"):
        engine.require("actionlint")  # built when first needed; only Go's module proxy serves it
    if (VENV / "bin" / "actionlint").exists():
        lint = subprocess.run(
            [str(VENV / "bin" / "actionlint"), "-no-color", str(WORKFLOW)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert (lint.returncode, lint.stdout) == (0, ""), lint.stdout + lint.stderr
    schema = subprocess.run(
        [str(VENV / "bin" / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_a_broken_workflow_is_caught(tmp_path: Path) -> None:
    """The check above can fail: an unknown key in a job is refused by the schema (and by
    actionlint when it is built)."""
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs-onn: ubuntu-latest", 1))
    schema = subprocess.run(
        [str(VENV / "bin" / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert schema.returncode != 0
    if (VENV / "bin" / "actionlint").exists():
        lint = subprocess.run([str(VENV / "bin" / "actionlint"), str(broken)], capture_output=True, text=True)
        assert lint.returncode != 0 and "runs-onn" in lint.stdout
