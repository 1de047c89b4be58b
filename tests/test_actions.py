"""Redeploy, FactoryReset and Logout through the real engine against the emulator: every row of
the README's semantics table, for each of the three, counted in the emulator's call log."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

import pytest
from pulumi import automation as auto

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from maytapi_pulumi import _actions
from tests.conftest import TOKEN, Calls, install_provider_from_another_release

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


def outputs(result: auto.UpResult) -> dict[str, object]:
    return {k: v.value for k, v in result.outputs.items()}


@pytest.mark.parametrize(("kind", "endpoint"), KINDS)
def test_fires_on_create_and_on_each_revision_change_only(
    make_project: Callable[..., Project], calls: Calls, kind: str, endpoint: str
) -> None:
    project = make_project(action_program(kind))

    # create, fire_on_create defaults to True: one call
    up = project.up()
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    out = outputs(up)
    assert out["fired"] is True and out["revision"] == "r1" and out["phone_id"] == "12"
    assert datetime.datetime.fromisoformat(str(out["fired_at"])).tzinfo is not None
    assert project.resources(f":{kind}")[0]["type"] == f"pulumi-python:dynamic/maytapi:{kind}"

    # revision unchanged: nothing, also when the package was upgraded in between
    assert project.up().summary.resource_changes == {"same": 2}
    install_provider_from_another_release(
        project, f"pulumi-python:dynamic/maytapi:{kind}", getattr(_actions, f"{kind}Provider")()
    )
    assert project.up().summary.resource_changes == {"same": 2}
    assert calls.take() == []

    # revision changed: preview --diff shows an update because of `revision`; up fires once
    project.write_program(action_program(kind, revision='"r2"'))
    preview = project.preview(diff=True)
    assert preview.change_summary == {"same": 1, "update": 1}
    assert "~ revision" in preview.stdout and '"r1" => "r2"' in preview.stdout
    assert calls.take() == []
    up = project.up()
    assert up.summary.resource_changes == {"same": 1, "update": 1}
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    assert outputs(up)["revision"] == "r2"

    # phone_id changed: fires on the new phone
    project.write_program(action_program(kind, phone_id="13", revision='"r2"'))
    assert project.up().summary.resource_changes == {"same": 1, "update": 1}
    assert calls.take() == [("GET", f"/13/{endpoint}")]

    # destroy: an action cannot be undone, nothing is called
    assert project.destroy().summary.resource_changes == {"delete": 2}
    assert calls.take() == []


@pytest.mark.parametrize(("kind", "endpoint"), KINDS)
def test_fire_on_create_false_records_the_revision_without_a_call(
    make_project: Callable[..., Project], calls: Calls, kind: str, endpoint: str
) -> None:
    project = make_project(action_program(kind, revision="1", extra=", fire_on_create=False"))
    up = project.up()
    assert calls.take() == []
    assert (
        outputs(up)["fired"] is False and outputs(up).get("fired_at") is None and outputs(up)["revision"] == 1
    )
    project.write_program(action_program(kind, revision="2", extra=", fire_on_create=False"))
    up = project.up()
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    assert outputs(up)["fired"] is True and outputs(up)["revision"] == 2


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
    project.up()
    assert calls.take() == [("POST", "/12/config"), ("GET", f"/12/{endpoint}")]
    project.write_program(linked_program(kind, HOOK + "/v2"))
    preview = project.preview(diff=True)
    # the action's revision is the config's output, unknown until the config is updated
    assert preview.change_summary == {"same": 1, "update": 2}
    assert f"maytapi:{kind}: (update)" in preview.stdout and "revision" in preview.stdout
    assert calls.take() == []
    project.up()
    assert calls.take() == [("POST", "/12/config"), ("GET", f"/12/{endpoint}")]


@pytest.mark.parametrize(("kind", "endpoint"), KINDS)
def test_a_failed_call_fails_the_up_and_the_next_up_fires_again(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, kind: str, endpoint: str
) -> None:
    project = make_project(action_program(kind))
    project.up()
    calls.take()
    project.write_program(action_program(kind, revision='"r2"'))
    emu.fault(path=f"/12/{endpoint}$", success_false="Instance is busy, try again later")
    with pytest.raises(auto.CommandError) as failure:
        project.up()
    message = str(failure.value)
    assert "Instance is busy, try again later" in message and "phone 12" in message and TOKEN not in message
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    # not recorded as fired: the state still holds the old revision, so the next up fires again
    assert project.resources(f":{kind}")[0]["outputs"]["revision"] == "r1"
    up = project.up()
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    assert outputs(up)["revision"] == "r2"


@pytest.mark.parametrize(("kind", "endpoint"), KINDS)
def test_a_failed_first_fire_leaves_nothing_and_the_next_up_fires(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, kind: str, endpoint: str
) -> None:
    emu.fault(path=f"/12/{endpoint}$", status=500, body={"success": False, "message": "Internal error"})
    project = make_project(action_program(kind))
    with pytest.raises(auto.CommandError) as failure:
        project.up()
    assert "Internal error" in str(failure.value)
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    assert project.resources(f":{kind}") == []
    project.up()
    assert calls.take() == [("GET", f"/12/{endpoint}")]


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
    with pytest.raises(auto.CommandError) as failure:
        project.up()
    assert "may or may not have happened" in str(failure.value)
    assert "MAYTAPI_UNCERTAIN_ACTIONS=happened pulumi up --target" in str(failure.value)
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
    project.up()
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
    with pytest.raises(auto.CommandError) as failure:
        project.up()
    assert "was redeployed but was not ready within 1s" in str(failure.value)
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
    project.up()
    assert calls.take() == [("POST", "/12/config")]
    project.write_program(reset_program(2))
    preview = project.preview()
    assert preview.change_summary == {"same": 1, "update": 2}
    assert calls.take() == []
    project.up()
    # the reset clears the phone's config; the config resource sends it again right after
    assert calls.take() == [("GET", "/12/factoryreset"), ("POST", "/12/config")]
    assert emu.phone("12")["webhook"] == HOOK and emu.phone("12")["ack_delivery"] is True
    assert project.up().summary.resource_changes == {"same": 3}
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


@pytest.mark.parametrize(("args", "expected"), BAD_ACTION_INPUTS)
def test_bad_action_inputs_fail_at_preview_without_a_call(
    make_project: Callable[..., Project], calls: Calls, args: str, expected: str
) -> None:
    project = make_project(f'from maytapi_pulumi import Redeploy\nRedeploy("r", {args})\n')
    with pytest.raises(auto.CommandError) as failure:
        project.preview()
    assert expected in str(failure.value)
    assert calls.take() == []
