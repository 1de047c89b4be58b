"""Redeploy, FactoryReset and Logout through the real CLI (`pulumi preview`, `pulumi up` with its
preview, `destroy`) against the emulator: every row of the actions' reference table, for each of
the three, counted in the emulator's call log."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from maytapi_pulumi import _actions
from tests.conftest import (
    DYNAMIC,
    PREVIEWED,
    TOKEN,
    Calls,
    Family,
    failed,
    install_provider_from_another_release,
    stack_outputs,
    summary,
)

KINDS = [("Redeploy", "redeploy"), ("FactoryReset", "factoryreset"), ("Logout", "logout")]
HOOK = "https://hooks.example.com/maytapi"


def action_program(
    family: Family, kind: str, phone_id: str = '"12"', revision: str = '"r1"', extra: str = ""
) -> str:
    return f"""
import pulumi
{family.imports(kind)}
action = {kind}("action", phone_id={phone_id}, revision={revision}{extra})
for name in ("phone_id", "revision", "fired", "fired_at", "message"):
    pulumi.export(name, getattr(action, name))
"""


def all_kinds_program(
    family: Family, phones: tuple[str, str, str] = ("12", "13", "14"), revision: str = '"r1"', extra: str = ""
) -> str:
    """One resource of each kind, each on its own phone: one stack runs the three lifecycles
    (`revision` and `extra` are Python expressions)."""
    lines = ["import pulumi", family.imports("FactoryReset", "Logout", "Redeploy")]
    for (kind, _), phone in zip(KINDS, phones, strict=True):
        lines += [
            f'{kind.lower()} = {kind}("{kind.lower()}", phone_id="{phone}", revision={revision}{extra})',
            f'pulumi.export("{kind}", {{n: getattr({kind.lower()}, n) for n in ("phone_id", "revision", "fired", "fired_at")}})',
        ]
    return "\n".join(lines) + "\n"


def fired(phones: tuple[str, str, str]) -> list[tuple[str, str]]:
    return sorted(("GET", f"/{phone}/{endpoint}") for (_, endpoint), phone in zip(KINDS, phones, strict=True))


def test_each_kind_fires_on_create_and_on_each_revision_change_only(
    make_project: Callable[..., Project], calls: Calls, family: Family
) -> None:
    project = make_project(all_kinds_program(family))

    # create, fire_on_create defaults to True: one call each
    assert summary(project.cli("preview")) == "+ 4 to create"
    assert calls.take() == []
    project.cli("up", *PREVIEWED)
    assert sorted(calls.take()) == fired(("12", "13", "14"))
    outputs, resources = stack_outputs(project), project.resources()
    for kind, _ in KINDS:
        out = outputs[kind]
        assert out["fired"] is True and out["revision"] == "r1"
        assert datetime.datetime.fromisoformat(str(out["fired_at"])).tzinfo is not None
        assert [r["type"] for r in resources if r["type"].endswith(f":{kind}")] == [family.type_token(kind)]

    # revision unchanged: nothing, also (dynamic resources) when the package was upgraded in
    # between, which changes the provider pickled into each resource's state
    assert summary(project.cli("up", "--yes")) == "4 unchanged"
    if not family.native:
        for kind, _ in KINDS:
            provider = getattr(_actions, f"{kind}Provider")()
            install_provider_from_another_release(project, family.type_token(kind), provider)
        assert summary(project.cli("up", "--yes")) == "4 unchanged"
    assert calls.take() == []

    # revision changed: preview --diff shows an update because of `revision`; up fires once each
    project.write_program(all_kinds_program(family, revision='"r2"'))
    preview = project.cli("preview", "--diff")
    assert summary(preview) == "~ 3 to update 1 unchanged"
    for kind, _ in KINDS:
        # from this resource's URN to the next resource's: its own properties
        shown = preview.stdout.split(f"{family.type_token(kind)}: (update)", 1)[1]
        shown = shown.split(f"::{family.type_prefix}", 2)[1]
        assert "~ revision" in shown and '"r1" => "r2"' in shown
    assert calls.take() == []
    assert summary(project.cli("up", *PREVIEWED)) == "~ 3 updated 1 unchanged"
    assert sorted(calls.take()) == fired(("12", "13", "14"))
    assert {stack_outputs(project)[kind]["revision"] for kind, _ in KINDS} == {"r2"}

    # phone_id changed: fires on the new phone
    project.write_program(all_kinds_program(family, phones=("13", "14", "12"), revision='"r2"'))
    assert summary(project.cli("up", "--yes")) == "~ 3 updated 1 unchanged"
    assert sorted(calls.take()) == fired(("13", "14", "12"))

    # destroy: an action cannot be undone, nothing is called
    assert summary(project.cli("destroy", "--yes")) == "- 4 deleted"
    assert calls.take() == []


def test_fire_on_create_false_records_the_revision_without_a_call(
    make_project: Callable[..., Project], calls: Calls, family: Family
) -> None:
    project = make_project(all_kinds_program(family, revision="1", extra=", fire_on_create=False"))
    project.cli("up", "--yes")
    assert calls.take() == []
    outputs = stack_outputs(project)
    for kind, _ in KINDS:
        out = outputs[kind]
        assert out["fired"] is False and out["fired_at"] == "" and out["revision"] == 1
    project.write_program(all_kinds_program(family, revision="2", extra=", fire_on_create=False"))
    project.cli("up", "--yes")
    assert sorted(calls.take()) == fired(("12", "13", "14"))
    outputs = stack_outputs(project)
    for kind, _ in KINDS:
        assert outputs[kind]["fired"] is True and outputs[kind]["revision"] == 2


def linked_program(family: Family, webhook: str) -> str:
    """A PhoneConfig, and an action of each kind whose revision is its webhook."""
    kinds = [kind for kind, _ in KINDS]
    return (
        family.imports("PhoneConfig", *kinds)
        + f'cfg = PhoneConfig("cfg", phone_id="12", webhook="{webhook}")\n'
        + "".join(
            f'{kind}("{kind.lower()}", phone_id=cfg.phone_id, revision=cfg.webhook)\n' for kind in kinds
        )
    )


def test_a_revision_unknown_at_preview_may_fire_and_fires_after_what_it_depends_on(
    make_project: Callable[..., Project], calls: Calls, family: Family
) -> None:
    project = make_project(linked_program(family, HOOK))
    project.cli("up", "--yes")
    log = calls.take()
    assert log[0] == ("POST", "/12/config") and sorted(log[1:]) == fired(("12", "12", "12"))
    project.write_program(linked_program(family, HOOK + "/v2"))
    preview = project.cli("preview", "--diff")
    # the actions' revision is the config's output, unknown until the config is updated
    assert summary(preview) == "~ 4 to update 1 unchanged"
    for kind, _ in KINDS:
        shown = preview.stdout.split(f"{family.type_token(kind)}: (update)", 1)[1]
        assert "~ revision" in shown.split(f"::{family.type_prefix}", 2)[1]
    assert calls.take() == []
    project.cli("up", *PREVIEWED)
    log = calls.take()
    assert log[0] == ("POST", "/12/config") and sorted(log[1:]) == fired(("12", "12", "12"))


def test_a_failed_call_fails_the_up_and_the_next_up_fires_again(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    phones = ("12", "13", "14")
    # the first fire of each fails: nothing is recorded, and the next up fires
    for (_, endpoint), phone in zip(KINDS, phones, strict=True):
        emu.fault(
            path=f"/{phone}/{endpoint}$",
            status=500,
            body={"success": False, "message": "Internal error"},
            times=1,
        )
    project = make_project(all_kinds_program(family))
    # the engine starts no new resource after a failure unless told to go on: each kind fires
    assert "Internal error" in failed(project, "up", "--yes", "--continue-on-error")
    assert sorted(calls.take()) == fired(phones)
    assert [r for r in project.resources() if r["type"] in {family.type_token(k) for k, _ in KINDS}] == []
    project.cli("up", "--yes")
    assert sorted(calls.take()) == fired(phones)

    # a later fire fails: the state keeps the old revision, so the next up fires again
    project.write_program(all_kinds_program(family, revision='"r2"'))
    for (_, endpoint), phone in zip(KINDS, phones, strict=True):
        emu.fault(path=f"/{phone}/{endpoint}$", success_false="Instance is busy, try again later", times=1)
    message = failed(project, "up", "--yes", "--continue-on-error")
    assert "Instance is busy, try again later" in message and TOKEN not in message
    assert all(f"phone {phone}" in message for phone in phones)
    assert sorted(calls.take()) == fired(phones)
    resources = project.resources()
    for kind, _ in KINDS:
        (record,) = [r for r in resources if r["type"] == family.type_token(kind)]
        assert record["outputs"]["revision"] == "r1"
    project.cli("up", "--yes")
    assert sorted(calls.take()) == fired(phones)
    assert {stack_outputs(project)[kind]["revision"] for kind, _ in KINDS} == {"r2"}


def _settled(emu: RunningEmulator) -> list[dict[str, object]]:
    """The API calls once the emulator has answered each (a call whose client gave up is
    still carried out, late)."""
    deadline = time.monotonic() + 10
    while any(c["status"] is None and c["fault"] != "drop" for c in emu.api_calls()):
        assert time.monotonic() < deadline, "the emulator never answered"
        time.sleep(0.1)
    return emu.api_calls()


def test_a_lost_answer_is_not_retried_and_is_recorded_as_uncertain(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    phones = ("12", "13", "14")
    for (_, endpoint), phone in zip(KINDS, phones, strict=True):
        emu.fault(path=f"/{phone}/{endpoint}$", latency_ms=3000)
    project = make_project(all_kinds_program(family), config={"maytapi:readTimeout": "0.5"})
    message = failed(project, "up", "--yes")
    assert "may or may not have happened" in message and "the action may have happened" in message
    assert "MAYTAPI_UNCERTAIN_ACTIONS=happened pulumi up --target" in message
    assert sorted(calls.take()) == fired(phones)
    assert [c["status"] for c in _settled(emu)] == [200] * 3  # each did happen, late
    resources = project.resources()
    for kind, _ in KINDS:
        (record,) = [r for r in resources if r["type"] == family.type_token(kind)]
        assert record["outputs"]["uncertain"] is True and record["outputs"]["revision"] == "r1"
        assert TOKEN not in str(record)


def test_an_uncertain_redeploy_fires_again_only_when_told_it_did_not_happen(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    project = make_project(action_program(family, "Redeploy"), config={"maytapi:readTimeout": "0.5"})

    def up_answering(answer: str, *args: str) -> None:
        project.cli("up", "--yes", *args, env={"MAYTAPI_UNCERTAIN_ACTIONS": answer})

    # r1: Maytapi redeploys but its answer comes too late; the up fails, the doubt is recorded
    emu.fault(path="/12/redeploy$", latency_ms=3000)
    failed = project.cli("up", "--yes", check=False)
    assert failed.returncode != 0 and "may or may not have happened" in failed.output
    assert calls.take() == [("GET", "/12/redeploy")] and _settled(emu)[-1]["status"] == 200
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
    project.write_program(action_program(family, "Redeploy", revision='"r2"'))
    emu.fault(path="/12/redeploy$", drop=True)
    assert project.cli("up", "--yes", check=False).returncode != 0
    assert calls.take() == [("GET", "/12/redeploy")] and _settled(emu)[-1]["fault"] == "drop"

    # "it did not happen": fired once, and only then
    up_answering("not-happened")
    assert calls.take() == [("GET", "/12/redeploy")]
    project.cli("up", "--yes", "--expect-no-changes")
    assert calls.take() == []
    # one redeploy carried out per revision
    assert [c["status"] for c in emu.api_calls(path="/12/redeploy$")] == [200, None, 200]


def test_redeploy_waits_until_the_phone_is_ready_again(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    project = make_project(f"""
import pulumi
{family.imports("PhoneConfig", "Redeploy")}
r = Redeploy("r", phone_id="12", revision="1", wait_until_ready=True, ready_timeout=30)
PhoneConfig("after", phone_id="13", webhook="https://hooks.example.com/after", opts=pulumi.ResourceOptions(depends_on=[r]))
""")
    project.cli("up", "--yes")
    log = calls.take()
    assert log[0] == ("GET", "/12/redeploy") and log[-1] == ("POST", "/13/config")
    polls = log[1:-1]
    assert polls and set(polls) == {("GET", "/12/status")}
    assert emu.phone("12")["status"] == "active"


def test_redeploy_that_never_becomes_ready_fails_after_its_timeout(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    emu.set_phone("12", status="qr-code")  # a phone waiting for its QR code is never ready
    project = make_project(
        family.imports("Redeploy")
        + 'Redeploy("r", phone_id="12", revision="1", wait_until_ready=True, ready_timeout=1)\n'
    )
    assert "was redeployed but was not ready within 1s" in failed(project, "up", "--yes")
    log = calls.take()
    assert log[0] == ("GET", "/12/redeploy") and set(log[1:]) == {("GET", "/12/status")}


def reset_program(family: Family, revision: int) -> str:
    return f"""
{family.imports("FactoryReset", "PhoneConfig")}
reset = FactoryReset("reset", phone_id="12", revision={revision}, fire_on_create=False)
PhoneConfig("cfg", phone_id="12", webhook="{HOOK}", ack_delivery=True, reapply_trigger=reset.fired_at)
"""


def test_a_factory_reset_is_followed_by_the_config_in_the_same_up(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    project = make_project(reset_program(family, 1))
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/12/config")]
    project.write_program(reset_program(family, 2))
    preview = project.cli("preview")
    assert summary(preview) == "~ 2 to update 1 unchanged"
    assert calls.take() == []
    project.cli("up", *PREVIEWED)
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
    # Dynamic only: the generated SDK refuses some of these itself; the native provider's
    # answers to them are tests/test_native.py's check-level tests.
    project = make_project("import pulumi\n")  # one stack, one program per bad input
    for args, expected in BAD_ACTION_INPUTS:
        project.write_program(f'{DYNAMIC.imports("Redeploy")}Redeploy("r", {args})\n')
        assert expected in failed(project, "preview"), args
    assert calls.take() == []
