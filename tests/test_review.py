"""The review summary (maytapi_pulumi.review) on the JSON of real previews, through the engine.

Each test drives `pulumi preview --json` as a user types it and asserts the exact rendered text.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, VENV, Project
from maytapi_pulumi import review
from tests.conftest import Calls, Family
from tests.test_examples import example, quickstart_change  # noqa: F401 (a fixture)


def summary(preview: dict[str, Any], fmt: review.Format = "text") -> str:
    return review.render(review.summarise(preview), fmt)


def preview_json(project: Project, *args: str, check: bool = True) -> dict[str, Any]:
    run = project.cli("preview", "--json", *args, check=check)
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def cli(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    """The console script as CI runs it."""
    return subprocess.run(
        [str(VENV / "bin" / "maytapi-review"), *args], input=stdin, capture_output=True, text=True, timeout=60
    )


REVIEW_GUIDE = ROOT / "docs/guides/review.md"
QUICKSTART_MARKDOWN = """\
### Maytapi: 1 config change · 1 action will fire

| phone | config | actions |
| --- | --- | --- |
| `12` | PhoneConfig `support-line`: webhook: `https://hooks.example.com/maytapi/support` → `https://hooks.example.com/maytapi/v2` | **Redeploy `support-line-redeploy` will fire (revision: `2026-11-25` → `2026-12-01`)** |
"""


def test_quickstart_create_no_change_drift_change_and_the_documented_sample(
    example: Callable[..., Project],  # noqa: F811
    emu: RunningEmulator,
    calls: Calls,
) -> None:
    project = example("quickstart")
    created = preview_json(project)
    assert summary(created) == (
        "Maytapi: 1 config change · 1 action will fire\n"
        "phone 12\n"
        "  ~ PhoneConfig support-line is set: webhook https://hooks.example.com/maytapi/support, ack_delivery true\n"
        "  ! Redeploy support-line-redeploy will fire (new, revision 2026-11-25)\n"
    )
    project.cli("up", "--yes")
    assert preview_json(project)["steps"][0]["op"] == "same"
    assert summary(preview_json(project)) == "Maytapi: 0 config changes · 0 actions will fire\n"
    assert summary(preview_json(project), "markdown") == (
        "### Maytapi: 0 config changes · 0 actions will fire\n\nNo Maytapi phone changes.\n"
    )
    # drift: the phone changed behind Pulumi's back; the scheduled job's preview finds it
    emu.set_phone("12", webhook="https://drifted.example.com/hook", ack_delivery=False)
    calls.take()
    drift = project.cli("preview", "--refresh", "--expect-no-changes", "--json", check=False)
    assert drift.returncode != 0 and calls.take() == [("GET", "/12/config")]
    assert summary(json.loads(drift.stdout)) == (
        "Maytapi: 1 config change · 0 actions will fire\n"
        "phone 12\n"
        "  ~ PhoneConfig support-line: webhook: https://drifted.example.com/hook → "
        "https://hooks.example.com/maytapi/support; ack_delivery: false → true\n"
    )
    quickstart_change(project)  # the plain preview diffs against the state, not the drifted phone
    changed = preview_json(project)
    assert summary(changed, "markdown") == QUICKSTART_MARKDOWN
    assert calls.take() == []  # the summary reads JSON only
    # the review guide shows this very rendering
    assert QUICKSTART_MARKDOWN in REVIEW_GUIDE.read_text()
    # the console script, from stdin, as the workflow runs it; nothing destructive: exit 0
    done = cli("--format", "markdown", "--fail-on-destructive", stdin=json.dumps(changed))
    assert (done.returncode, done.stdout, done.stderr) == (0, QUICKSTART_MARKDOWN, "")


def test_fleet_create_then_one_bumped_revision(example: Callable[..., Project]) -> None:  # noqa: F811
    project = example("fleet")
    assert summary(preview_json(project)) == (
        "Maytapi: 3 config changes · 0 actions will fire\n"
        "phone 12\n"
        "  ~ PhoneConfig phone-12 is set: webhook https://hooks.example.com/maytapi/sales, ack_delivery true\n"
        "  - Redeploy phone-12-redeploy: recorded at revision 1, not fired (fire_on_create=false)\n"
        "phone 13\n"
        "  ~ PhoneConfig phone-13 is set: webhook https://hooks.example.com/maytapi/support, ack_delivery false\n"
        "  - Redeploy phone-13-redeploy: recorded at revision 1, not fired (fire_on_create=false)\n"
        "phone 14\n"
        "  ~ PhoneConfig phone-14 is set: webhook (product webhook), ack_delivery false\n"
    )
    project.cli("up", "--yes")
    fleet = project.directory / "fleet.yaml"
    fleet.write_text(
        fleet.read_text()
        .replace("redeploy_revision: 1\n  - phone_id: 13", "redeploy_revision: 2\n  - phone_id: 13")
        .replace("maytapi/support\n    ack_delivery: false", "maytapi/support\n    ack_delivery: true")
    )
    assert summary(preview_json(project)) == (
        "Maytapi: 1 config change · 1 action will fire\n"
        "phone 12\n"
        "  ! Redeploy phone-12-redeploy will fire (revision: 1 → 2)\n"
        "phone 13\n"
        "  ~ PhoneConfig phone-13: ack_delivery: false → true\n"
    )
    # a preview that fails has no summary: the errors instead, and exit 2 (a CI step fails)
    fleet.write_text(fleet.read_text() + "  - phone_id: 15\n    webhook: not-a-url\n")
    failed = project.cli("preview", "--json", check=False)
    assert failed.returncode != 0
    done = cli(stdin=failed.stdout)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(
        "maytapi-review: -: the preview failed, so there is no summary:\n"
        "  error: pulumi-python:dynamic/maytapi:PhoneConfig resource 'phone-15': property webhook value"
    )


# Phones: 12 is reset and its config tied to the reset; 13's config moves to 15 and 13 is
# logged out; 14's webhook is a secret; 16 gets a new config and a reset not tied to it;
# 17's config and a redeploy leave the program, and PhoneConfig "heir" takes phone 17 over; 18's
# config leaves, retained; a Noop stands for another provider.
PROGRAM = """\
import pulumi
from devtools.noop import Noop
from maytapi_pulumi import FactoryReset, Logout, PhoneConfig, Redeploy

c = pulumi.Config()
changed = c.get_bool("changed") or False
reset = FactoryReset("support-reset", phone_id="12", revision=c.get("reset") or "1", fire_on_create=False)
PhoneConfig("support", phone_id="12", webhook="https://hooks.example.com/support", reapply_trigger=reset.fired_at)
PhoneConfig("sales", phone_id="15" if changed else "13", webhook="https://hooks.example.com/sales")
Logout("sales-logout", phone_id="13", revision=2 if changed else 1, fire_on_create=False)
lobby = PhoneConfig("lobby", phone_id="14", webhook=c.require_secret("lobbyWebhook"), ack_delivery=True)
Noop("other", value=2 if changed else 1)
if changed:
    PhoneConfig("spare", phone_id="16", webhook="https://hooks.example.com/spare")
    PhoneConfig("heir", phone_id="17", webhook="https://hooks.example.com/heir")
    spare_reset = FactoryReset("spare-reset", phone_id="16", revision="2026-12-01")
    Redeploy("lobby-redeploy", phone_id="14", revision=spare_reset.fired_at, fire_on_create=False)
else:
    Redeploy("lobby-redeploy", phone_id="14", revision="1", fire_on_create=False)
    PhoneConfig("retired", phone_id="17", webhook="https://hooks.example.com/retired")
    PhoneConfig("kept", phone_id="18", opts=pulumi.ResourceOptions(retain_on_delete=True))
    Redeploy("retired-redeploy", phone_id="17", revision="1", fire_on_create=False)
"""

CHANGE_TEXT = """\
Maytapi: 7 config changes · 3 actions will fire (3 destructive) · 1 may fire · 1 other resource changes
phone 12
  ~ PhoneConfig support: config may be sent again, reapply_trigger: (none) → (known after apply)
  !! FactoryReset support-reset will fire (revision: 1 → 2): DESTRUCTIVE, logs the phone out and clears its config (webhook, ack_delivery); re-applied after the reset by PhoneConfig support
phone 13
  ~ PhoneConfig sales moves to phone 15: the phone goes back to the product default (webhook and ack_delivery)
  !! Logout sales-logout will fire (revision: 1 → 2): DESTRUCTIVE, logs the phone out: it must be paired again (QR code)
phone 14
  ~ PhoneConfig lobby: webhook: [secret] → [secret]
  ? Redeploy lobby-redeploy may fire (revision: 1 → (known after apply))
phone 15
  ~ PhoneConfig sales is set (moves here from phone 13): webhook https://hooks.example.com/sales, ack_delivery false
phone 16
  ~ PhoneConfig spare is set: webhook https://hooks.example.com/spare, ack_delivery false
  !! FactoryReset spare-reset will fire (new, revision 2026-12-01): DESTRUCTIVE, logs the phone out and clears its config (webhook, ack_delivery); PhoneConfig spare is sent in this run but not tied to the reset (reapply_trigger=reset.fired_at), so it may be sent first and cleared
phone 17
  ~ PhoneConfig heir is set: webhook https://hooks.example.com/heir, ack_delivery false
  ~ PhoneConfig retired: removed, the phone stays with PhoneConfig heir (no reset)
  - Redeploy retired-redeploy: removed from the program; nothing is called (an action cannot be undone)
phone 18
  ~ PhoneConfig kept: removed from the program, the phone is left as it is (retain_on_delete)
other resources: 1 to update (pulumi-python:dynamic/devtools:Noop)
"""

SECRET_WEBHOOKS = ("https://hooks.example.com/lobby-SECRET-1", "https://hooks.example.com/lobby-SECRET-2")


@pytest.fixture
def every_kind(make_project: Callable[..., Project], emu: RunningEmulator) -> Project:
    for phone in ("15", "16", "17", "18"):
        emu.set_phone(phone)
    project = make_project(PROGRAM, secrets={"lobbyWebhook": SECRET_WEBHOOKS[0]})
    project.cli("up", "--yes")
    return project


def test_every_kind_of_change_in_one_preview(every_kind: Project, calls: Calls, tmp_path: Path) -> None:
    project = every_kind
    calls.take()
    project.cli("config", "set", "changed", "true")
    project.cli("config", "set", "reset", "2")
    project.cli("config", "set", "--secret", "lobbyWebhook", SECRET_WEBHOOKS[1])
    raw = project.cli("preview", "--json").stdout
    assert not any(secret in raw for secret in SECRET_WEBHOOKS)  # the engine masks it: `[secret]`
    changed = json.loads(raw)
    assert summary(changed) == CHANGE_TEXT
    assert f"```text\n{CHANGE_TEXT}```" in REVIEW_GUIDE.read_text()  # the review guide's sample
    assert calls.take() == []
    markdown = summary(changed, "markdown")
    assert markdown.splitlines()[:5] == [
        "### Maytapi: 7 config changes · 3 actions will fire (3 destructive) · 1 may fire · 1 other resource changes",
        "",
        "| phone | config | actions |",
        "| --- | --- | --- |",
        "| `12` | PhoneConfig `support`: config may be sent again, reapply_trigger: `(none)` → `(known after apply)` | "
        "⚠️ **FactoryReset `support-reset` will fire (revision: `1` → `2`): DESTRUCTIVE, logs the phone out and "
        "clears its config (webhook, ack_delivery); re-applied after the reset by PhoneConfig `support`** |",
    ]
    assert markdown.splitlines()[-1] == "Other resources: 1 to update (`pulumi-python:dynamic/devtools:Noop`)"
    # the CI gate: a destructive action fails it, from a file as from stdin
    (tmp_path / "preview.json").write_text(raw)
    done = subprocess.run(
        [sys.executable, "-m", "maytapi_pulumi.review", str(tmp_path / "preview.json"), "--format", "text",
         "--fail-on-destructive"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (1, CHANGE_TEXT)
    assert done.stderr == "maytapi-review: a destructive action would fire (--fail-on-destructive)\n"
    assert cli("--format", "text", stdin=raw).returncode == 0  # without the flag, a summary only

    # the native provider's family (maytapi:index:*, camelCase) reads the same
    assert summary(as_native(changed)) == CHANGE_TEXT


def test_input_that_is_not_a_preview_is_refused() -> None:
    done = cli(stdin='{"config": {}}')
    assert done.returncode == 2
    assert (
        done.stderr
        == "maytapi-review: -: not the output of `pulumi preview --json`: it has no `steps` list\n"
    )


def as_native(preview: dict[str, Any]) -> dict[str, Any]:
    """The same preview as the native provider writes it: `maytapi:index:<Kind>` tokens and
    camelCase property names."""

    def camel(value: Any) -> Any:
        if isinstance(value, dict):
            return {re.sub(r"_(\w)", lambda m: m.group(1).upper(), k): camel(v) for k, v in value.items()}
        return value

    text = re.sub(r"pulumi-python:dynamic/maytapi:(\w+)", r"maytapi:index:\1", json.dumps(preview))
    native = json.loads(text)
    for step in native["steps"]:
        for side in ("oldState", "newState"):
            for part in ("inputs", "outputs", "propertyDependencies"):
                if (step.get(side) or {}).get(part):
                    step[side][part] = camel(step[side][part])
    assert "maytapi:index:FactoryReset" in text
    return native


def test_a_fleet_shows_its_changes_per_phone_like_separate_phone_configs(
    family: Family, make_project: Callable[..., Project]
) -> None:
    a, b, c = "https://a.example.com/hook", "https://b.example.com/hook", "https://c.example.com/hook"
    project = make_project(
        "import json\n" + family.imports("Fleet") + 'Fleet("fleet", phones=json.load(open("phones.json")))\n'
    )
    phones_file = project.directory / "phones.json"
    phones_file.write_text(
        json.dumps({"12": {"webhook": a, "ack_delivery": True}, "13": {"webhook": b}, "14": {"webhook": c}})
    )
    assert summary(preview_json(project)) == (
        "Maytapi: 3 config changes · 0 actions will fire\n"
        "phone 12\n"
        f"  ~ Fleet fleet is set: webhook {a}, ack_delivery true\n"
        "phone 13\n"
        f"  ~ Fleet fleet is set: webhook {b}, ack_delivery false\n"
        "phone 14\n"
        f"  ~ Fleet fleet is set: webhook {c}, ack_delivery false\n"
    )
    project.cli("up", "--yes")
    assert summary(preview_json(project)) == "Maytapi: 0 config changes · 0 actions will fire\n"

    # 12 leaves the fleet, 13 changes, 14 stays as it is, 15 joins: a row for each phone that
    # changes, none for 14
    phones_file.write_text(
        json.dumps({"13": {"webhook": c}, "14": {"webhook": c}, "15": {"ack_delivery": True}})
    )
    assert summary(preview_json(project), "markdown") == (
        "### Maytapi: 3 config changes · 0 actions will fire\n\n"
        "| phone | config | actions |\n"
        "| --- | --- | --- |\n"
        "| `12` | Fleet `fleet`: removed, the phone goes back to the product default (webhook and ack_delivery) |  |\n"
        f"| `13` | Fleet `fleet`: webhook: `{b}` → `{c}` |  |\n"
        "| `15` | Fleet `fleet` is set: webhook `(product webhook)`, ack_delivery `true` |  |\n"
    )
