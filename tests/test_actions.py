"""Redeploy, FactoryReset and Logout through the real CLI (`pulumi preview`, `pulumi up` with its
preview, `destroy`) against the emulator: every row of the README's semantics table, for each of
the three, counted in the emulator's call log."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

import pytest

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from maytapi_pulumi import _actions
from tests.conftest import TOKEN, Calls, failed, install_provider_from_another_release, stack_outputs, summary

KINDS = [("Redeploy", "redeploy"), ("FactoryReset", "factoryreset"), ("Logout", "logout")]
HOOK = "https://hooks.example.com/maytapi"


def action_program(kind: str, phone_id: str = '"12"', revision: str = '"r1"', extra: str = "") -> str:
    return f"""
import pulumi
from maytapi_pulumi import {kind}
action = {kind}("action", phone_id={phone_id}, revision={revision}{extra})
for name in ("phone_id", "revision", "fired", "fired_at", "message"):
    pulumi.export(name, getattr(action, name))
"""


def all_kinds_program(phones: tuple[str, str, str] = ("12", "13", "14"), revision: str = "r1") -> str:
    """One resource of each kind, each on its own phone: one stack runs the three lifecycles."""
    lines = ["import pulumi", "from maytapi_pulumi import FactoryReset, Logout, Redeploy"]
    for (kind, _), phone in zip(KINDS, phones, strict=True):
        lines += [
            f'{kind.lower()} = {kind}("{kind.lower()}", phone_id="{phone}", revision="{revision}")',
            f'pulumi.export("{kind}", {{n: getattr({kind.lower()}, n) for n in ("phone_id", "revision", "fired", "fired_at")}})',
        ]
    return "\n".join(lines) + "\n"


def fired(phones: tuple[str, str, str]) -> list[tuple[str, str]]:
    return sorted(("GET", f"/{phone}/{endpoint}") for (_, endpoint), phone in zip(KINDS, phones, strict=True))


def test_each_kind_fires_on_create_and_on_each_revision_change_only(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    project = make_project(all_kinds_program())

    # create, fire_on_create defaults to True: one call each
    assert summary(project.cli("preview")) == "+ 4 to create"
    assert calls.take() == []
    project.cli("up", "--yes")
    assert sorted(calls.take()) == fired(("12", "13", "14"))
    for kind, _ in KINDS:
        out = stack_outputs(project)[kind]
        assert out["fired"] is True and out["revision"] == "r1"
        assert datetime.datetime.fromisoformat(str(out["fired_at"])).tzinfo is not None
        assert project.resources(f":{kind}")[0]["type"] == f"pulumi-python:dynamic/maytapi:{kind}"

    # revision unchanged: nothing, also when the package was upgraded in between
    assert summary(project.cli("up", "--yes")) == "4 unchanged"
    for kind, _ in KINDS:
        provider = getattr(_actions, f"{kind}Provider")()
        install_provider_from_another_release(project, f"pulumi-python:dynamic/maytapi:{kind}", provider)
    assert summary(project.cli("up", "--yes")) == "4 unchanged"
    assert calls.take() == []

    # revision changed: preview --diff shows an update because of `revision`; up fires once each
    project.write_program(all_kinds_program(revision="r2"))
    preview = project.cli("preview", "--diff")
    assert summary(preview) == "~ 3 to update 1 unchanged"
    for kind, _ in KINDS:
        # from this resource's URN to the next resource's: its own properties
        shown = preview.stdout.split(f"maytapi:{kind}: (update)", 1)[1].split("::pulumi-python:", 2)[1]
        assert "~ revision" in shown and '"r1" => "r2"' in shown
    assert calls.take() == []
    assert summary(project.cli("up", "--yes")) == "~ 3 updated 1 unchanged"
    assert sorted(calls.take()) == fired(("12", "13", "14"))
    assert {stack_outputs(project)[kind]["revision"] for kind, _ in KINDS} == {"r2"}

    # phone_id changed: fires on the new phone
    project.write_program(all_kinds_program(phones=("13", "14", "12"), revision="r2"))
    assert summary(project.cli("up", "--yes")) == "~ 3 updated 1 unchanged"
    assert sorted(calls.take()) == fired(("13", "14", "12"))

    # destroy: an action cannot be undone, nothing is called
    assert summary(project.cli("destroy", "--yes")) == "- 4 deleted"
    assert calls.take() == []


@pytest.mark.parametrize(("kind", "endpoint"), KINDS)
def test_fire_on_create_false_records_the_revision_without_a_call(
    make_project: Callable[..., Project], calls: Calls, kind: str, endpoint: str
) -> None:
    project = make_project(action_program(kind, revision="1", extra=", fire_on_create=False"))
    project.cli("up", "--yes")
    assert calls.take() == []
    out = stack_outputs(project)
    assert out["fired"] is False and out["fired_at"] == "" and out["revision"] == 1
    project.write_program(action_program(kind, revision="2", extra=", fire_on_create=False"))
    project.cli("up", "--yes")
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    assert stack_outputs(project)["fired"] is True and stack_outputs(project)["revision"] == 2


def linked_program(kind: str, webhook: str) -> str:
    return f"""
from maytapi_pulumi import PhoneConfig, {kind}
cfg = PhoneConfig("cfg", phone_id="12", webhook="{webhook}")
{kind}("action", phone_id=cfg.phone_id, revision=cfg.webhook)
"""


@pytest.mark.parametrize(("kind", "endpoint"), KINDS)
def test_a_revision_unknown_at_preview_may_fire_and_fires_after_what_it_depends_on(
    make_project: Callable[..., Project], calls: Calls, kind: str, endpoint: str
) -> None:
    project = make_project(linked_program(kind, HOOK))
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/12/config"), ("GET", f"/12/{endpoint}")]
    project.write_program(linked_program(kind, HOOK + "/v2"))
    preview = project.cli("preview", "--diff")
    # the action's revision is the config's output, unknown until the config is updated
    assert summary(preview) == "~ 2 to update 1 unchanged"
    assert f"maytapi:{kind}: (update)" in preview.stdout and "revision" in preview.stdout
    assert calls.take() == []
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/12/config"), ("GET", f"/12/{endpoint}")]


@pytest.mark.parametrize(("kind", "endpoint"), KINDS)
def test_a_failed_call_fails_the_up_and_the_next_up_fires_again(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, kind: str, endpoint: str
) -> None:
    # the first fire fails: nothing is recorded, and the next up fires
    emu.fault(
        path=f"/12/{endpoint}$", status=500, body={"success": False, "message": "Internal error"}, times=1
    )
    project = make_project(action_program(kind))
    assert "Internal error" in failed(project, "up", "--yes")
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    assert project.resources(f":{kind}") == []
    project.cli("up", "--yes")
    assert calls.take() == [("GET", f"/12/{endpoint}")]

    # a later fire fails: the state keeps the old revision, so the next up fires again
    project.write_program(action_program(kind, revision='"r2"'))
    emu.fault(path=f"/12/{endpoint}$", success_false="Instance is busy, try again later", times=1)
    message = failed(project, "up", "--yes")
    assert "Instance is busy, try again later" in message and "phone 12" in message and TOKEN not in message
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    assert project.resources(f":{kind}")[0]["outputs"]["revision"] == "r1"
    project.cli("up", "--yes")
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    assert stack_outputs(project)["revision"] == "r2"


def _settled(emu: RunningEmulator) -> dict[str, object]:
    """The last API call once the emulator has answered it (a call whose client gave up is
    still carried out, late)."""
    deadline = time.monotonic() + 10
    while emu.api_calls()[-1]["status"] is None and emu.api_calls()[-1]["fault"] != "drop":
        assert time.monotonic() < deadline, "the emulator never answered"
        time.sleep(0.1)
    return emu.api_calls()[-1]


@pytest.mark.parametrize(("kind", "endpoint"), KINDS)
def test_a_lost_answer_is_not_retried_and_is_recorded_as_uncertain(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, kind: str, endpoint: str
) -> None:
    emu.fault(path=f"/12/{endpoint}$", latency_ms=3000)
    project = make_project(action_program(kind), config={"maytapi:readTimeout": "0.5"})
    message = failed(project, "up", "--yes")
    assert "may or may not have happened" in message and "the action may have happened" in message
    assert "MAYTAPI_UNCERTAIN_ACTIONS=happened pulumi up --target" in message
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    assert _settled(emu)["status"] == 200  # it did happen, late
    (record,) = project.resources(f":{kind}")
    assert record["outputs"]["uncertain"] is True and record["outputs"]["revision"] == "r1"
    assert TOKEN not in str(record)


def test_an_uncertain_redeploy_fires_again_only_when_told_it_did_not_happen(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project(action_program("Redeploy"), config={"maytapi:readTimeout": "0.5"})

    def up_answering(answer: str, *args: str) -> None:
        project.cli("up", "--yes", *args, env={"MAYTAPI_UNCERTAIN_ACTIONS": answer})

    # r1: Maytapi redeploys but its answer comes too late; the up fails, the doubt is recorded
    emu.fault(path="/12/redeploy$", latency_ms=3000)
    failed = project.cli("up", "--yes", check=False)
    assert failed.returncode != 0 and "may or may not have happened" in failed.output
    assert calls.take() == [("GET", "/12/redeploy")] and _settled(emu)["status"] == 200
    (urn,) = [r["urn"] for r in project.resources(":Redeploy")]
    assert f"MAYTAPI_UNCERTAIN_ACTIONS=happened pulumi up --target '{urn}'" in failed.output

    # a plain preview or up refuses to fire it again, naming both answers; no call
    for args in (("preview",), ("up", "--yes")):
        refused = project.cli(*args, check=False)
        assert refused.returncode != 0
        assert "MAYTAPI_UNCERTAIN_ACTIONS=happened" in refused.output
        assert "MAYTAPI_UNCERTAIN_ACTIONS=not-happened" in refused.output
    assert calls.take() == []

    # "it happened": recorded without a call, and the next up has nothing to do
    up_answering("happened", "--target", urn)
    assert calls.take() == []
    (record,) = project.resources(":Redeploy")
    assert record["outputs"]["uncertain"] is False and record["outputs"]["fired"] is True
    project.cli("up", "--yes", "--expect-no-changes")
    assert calls.take() == []

    # r2: the connection drops before Maytapi acts; the client cannot tell, so: uncertain
    project.write_program(action_program("Redeploy", revision='"r2"'))
    emu.fault(path="/12/redeploy$", drop=True)
    assert project.cli("up", "--yes", check=False).returncode != 0
    assert calls.take() == [("GET", "/12/redeploy")] and _settled(emu)["fault"] == "drop"

    # "it did not happen": fired once, and only then
    up_answering("not-happened")
    assert calls.take() == [("GET", "/12/redeploy")]
    project.cli("up", "--yes", "--expect-no-changes")
    assert calls.take() == []
    # one redeploy carried out per revision
    assert [c["status"] for c in emu.api_calls(path="/12/redeploy$")] == [200, None, 200]


def test_redeploy_waits_until_the_phone_is_ready_again(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project("""
from maytapi_pulumi import PhoneConfig, Redeploy
r = Redeploy("r", phone_id="12", revision="1", wait_until_ready=True, ready_timeout=30)
PhoneConfig("after", phone_id="13", webhook="https://hooks.example.com/after", opts=__import__("pulumi").ResourceOptions(depends_on=[r]))
""")
    project.cli("up", "--yes")
    log = calls.take()
    assert log[0] == ("GET", "/12/redeploy") and log[-1] == ("POST", "/13/config")
    polls = log[1:-1]
    assert polls and set(polls) == {("GET", "/12/status")}
    assert emu.phone("12")["status"] == "active"
    statuses = [c for c in emu.api_calls(path="/12/status$")]
    assert statuses  # the emulator answered each poll; the last one saw the phone active


def test_redeploy_that_never_becomes_ready_fails_after_its_timeout(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    emu.set_phone("12", status="qr-code")  # a phone waiting for its QR code is never ready
    project = make_project(
        'from maytapi_pulumi import Redeploy\nRedeploy("r", phone_id="12", revision="1", wait_until_ready=True, ready_timeout=1)\n'
    )
    assert "was redeployed but was not ready within 1s" in failed(project, "up", "--yes")
    log = calls.take()
    assert log[0] == ("GET", "/12/redeploy") and set(log[1:]) == {("GET", "/12/status")}


def reset_program(revision: int) -> str:
    return f"""
from maytapi_pulumi import FactoryReset, PhoneConfig
reset = FactoryReset("reset", phone_id="12", revision={revision}, fire_on_create=False)
PhoneConfig("cfg", phone_id="12", webhook="{HOOK}", ack_delivery=True, reapply_trigger=reset.fired_at)
"""


def test_a_factory_reset_is_followed_by_the_config_in_the_same_up(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project(reset_program(1))
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/12/config")]
    project.write_program(reset_program(2))
    preview = project.cli("preview")
    assert summary(preview) == "~ 2 to update 1 unchanged"
    assert calls.take() == []
    project.cli("up", "--yes")
    # the reset clears the phone's config; the config resource sends it again right after
    assert calls.take() == [("GET", "/12/factoryreset"), ("POST", "/12/config")]
    assert emu.phone("12")["webhook"] == HOOK and emu.phone("12")["ack_delivery"] is True
    assert summary(project.cli("up", "--yes")) == "3 unchanged"
    assert calls.take() == []


BAD_ACTION_INPUTS = [
    ('phone_id="x", revision="1"', "phone_id"),
    ('phone_id="12", revision=""', "revision"),
    ('phone_id="12", revision=True', "revision"),
    ('phone_id="12"', "revision is required"),
    ('phone_id="12", revision="1", fire_on_create="no"', "fire_on_create"),
    ('phone_id="12", revision="1", wait_until_ready=True, ready_timeout=-1', "ready_timeout"),
    ('phone_id="12", revision="1", revison="2"', "did you mean 'revision'"),
]


def test_bad_action_inputs_fail_at_preview_without_a_call(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    project = make_project("import pulumi\n")  # one stack, one program per bad input
    for args, expected in BAD_ACTION_INPUTS:
        project.write_program(f'from maytapi_pulumi import Redeploy\nRedeploy("r", {args})\n')
        assert expected in failed(project, "preview"), args
    assert calls.take() == []
