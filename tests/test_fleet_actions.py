"""FleetRedeploy, FleetFactoryReset and FleetLogout: one action over many phones. The core's one
rule of when an action fires on a phone and the user's answers, as plain functions; a fleet
action's apply against the emulator; then one stack per family walked through ordered steps with
the real CLI (create under faults, revision bump, partial failure with waitUntilReady, retry with
a phone added and one removed, lost answers and the per-phone answer, destroy), and the other two
kinds in YAML, each step's calls counted per phone by the emulator."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devtools import docs_blocks
from devtools.bench import most_in_flight
from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, Project
from maytapi_pulumi import InvalidInputError, MaytapiClient, MaytapiError, Settings, review
from maytapi_pulumi._core import action, fleet_action
from maytapi_pulumi._core.action import Answers, Step
from maytapi_pulumi._core.common import UNKNOWN
from maytapi_pulumi._endpoints import Action
from tests.conftest import PREVIEWED, TOKEN, YAML, Calls, Family, failed, summary, yaml_program

ENV = action.UNCERTAIN_ENV


def client(emu: RunningEmulator) -> MaytapiClient:
    config = {**emu.stack_config, "maytapi:apiToken": emu.token, "maytapi:readTimeout": "30"}
    return MaytapiClient(Settings.from_sources(config, {}))


def redeploys(calls: list[tuple[str, str]]) -> list[str]:
    """The phones of the redeploy calls among `calls`, sorted."""
    return sorted(path.split("/")[1] for method, path in calls if path.endswith("/redeploy"))


# -- the core's rules -----------------------------------------------------------------------


def test_one_rule_decides_when_an_action_fires_on_a_phone() -> None:
    fired = {"revision": "r1", "uncertain": False}
    doubt = {"revision": "r1", "uncertain": True}
    r1, r2 = {"revision": "r1"}, {"revision": "r2"}

    def decide(
        old: dict[str, Any] | None, new: dict[str, Any], create: object = True, answer: bool | None = None
    ) -> Step:
        return action.decide(old, new, fire_on_create=create, answer=answer)

    # new to the action: fires only with fire_on_create; "it happened" records it without a call
    assert (decide(None, r1), decide(None, r1, create=False), decide(None, r1, answer=True)) == (
        Step.FIRE, Step.RECORD, Step.HAPPENED
    )  # fmt: skip
    assert decide(None, r1, create=UNKNOWN) is Step.FIRE  # may fire: known at the up
    # a new (or unknown) revision fires; the same one does not, whatever the answer
    assert (decide(fired, r2), decide(fired, {"revision": UNKNOWN}), decide(fired, r1)) == (
        Step.FIRE, Step.FIRE, Step.KEEP
    )  # fmt: skip
    assert decide(fired, r1, answer=False) is Step.KEEP and decide(fired, r1, answer=True) is Step.KEEP
    # uncertain at this revision: nothing until answered; a new revision is no repeat
    assert (decide(doubt, r1), decide(doubt, r1, answer=True), decide(doubt, r1, answer=False)) == (
        Step.UNANSWERED, Step.HAPPENED, Step.FIRE
    )  # fmt: skip
    assert decide(doubt, r2) is Step.FIRE
    # numbers cross the wire as doubles: revision 1 stored, 1.0 declared, is the same
    assert decide({"revision": 1, "uncertain": False}, {"revision": 1.0}) is Step.KEEP
    # the single action is the one-phone case, where its phone is a firing key too
    single = {"phone_id": "12", "revision": "r1", "uncertain": False}
    assert action.decide(single, {"phone_id": "13", "revision": "r1"}, fire_on_create=False, answer=None,
                         keys=action.FIRING) is Step.FIRE  # fmt: skip


def test_answers_name_every_action_or_phones_and_a_malformed_one_names_the_fix() -> None:
    assert action.answers({}) == Answers() and action.answers({ENV: " "}) == Answers()
    assert action.answers({ENV: "happened"}) == Answers(every=True)
    assert action.answers({ENV: "Not-Happened"}) == Answers(every=False)
    given = action.answers({ENV: "happened:12,013 ; not-happened:14  not-happened"})
    assert given == Answers(every=False, phones={"12": True, "13": True, "14": False})
    assert (given.of("12"), given.of("14"), given.of("15"), given.of(UNKNOWN)) == (True, False, False, False)
    for bad, problem in [
        ("maybe", "'maybe' is not an answer"),
        ("happened:", "'happened:' is not an answer"),
        ("happened:12,x", "'x' in 'happened:12,x' is not a phone id"),
        ("happened:12 not-happened:12", "answers phone 12 twice"),
        ("happened not-happened", "answers every action twice"),
    ]:
        with pytest.raises(InvalidInputError) as raised:
            action.answers({ENV: bad})
        assert str(raised.value).startswith(f"{ENV}: {problem}; use happened or not-happened"), bad
        assert "happened:12,13 not-happened:14" in str(raised.value)
    # at check, as a failure of the provider's settings: every action kind refuses it
    assert [f.reason for f in fleet_action.check(Action.LOGOUT, {"phone_ids": ["12"], "revision": 1}, {ENV: "x"})[1]] == [
        f"{ENV}: 'x' is not an answer; {action._ANSWER_FIX}"
    ]  # fmt: skip
    assert action.check(Action.LOGOUT, {"phone_id": "12", "revision": 1}, {ENV: "x"})[1][0].property == ""


def test_check_names_each_bad_or_repeated_phone_and_passes_unknowns_through() -> None:
    inputs, failures = fleet_action.check(Action.REDEPLOY, {"phone_ids": ["012", 13], "revision": "r1"}, {})
    assert failures == [] and inputs == {
        "phone_ids": ["12", "13"], "revision": "r1", "fire_on_create": True,
        "wait_until_ready": False, "ready_timeout": 300.0,
    }  # fmt: skip
    _, failures = fleet_action.check(Action.LOGOUT, {"phone_ids": ["12", "x", "12", -1], "revision": ""}, {})
    assert [(f.property, f.reason.split(";")[0]) for f in failures] == [
        ("revision", "'' is not a non-empty string or an integer"),
        ("phone_ids[1]", "'x' is not a non-negative whole number"),
        ("phone_ids[2]", "phone 12 is listed twice"),
        ("phone_ids[3]", "'-1' is not a non-negative whole number"),
    ]
    assert [f.property for f in fleet_action.check(Action.LOGOUT, {"revision": 1, "wait_until_ready": True}, {})[1]] == [
        "wait_until_ready", "phone_ids"
    ]  # fmt: skip
    assert (
        fleet_action.check(Action.LOGOUT, {"phone_ids": "12", "revision": 1}, {})[1][0].property
        == "phone_ids"
    )
    inputs, failures = fleet_action.check(
        Action.LOGOUT, {"phone_ids": ["12", UNKNOWN], "revision": UNKNOWN}, {}
    )
    assert failures == [] and inputs["phone_ids"] == ["12", UNKNOWN] and inputs["revision"] is UNKNOWN
    assert (
        fleet_action.check(Action.LOGOUT, {"phone_ids": UNKNOWN, "revision": 1}, {})[0]["phone_ids"]
        is UNKNOWN
    )


def test_plan_applies_the_rule_to_each_phone_and_refuses_unanswered_doubts() -> None:
    records = {
        "12": {"revision": "r1", "uncertain": False},
        "13": {
            "revision": "r1",
            "uncertain": True,
            "message": "Maytapi redeploy on phone 13 failed: dropped",
        },
        "14": {"revision": "r0", "uncertain": False},  # failed at r1
    }
    olds = {"phone_ids": ["12", "13", "14", "15"], "revision": "r0", "phones": records}
    news = {"phone_ids": ["12", "13", "14", "16"], "revision": "r1", "fire_on_create": True}
    plan = fleet_action.plan(olds, news, Answers(phones={"13": False}))
    assert dict(plan.steps) == {"12": Step.KEEP, "13": Step.FIRE, "14": Step.FIRE, "16": Step.FIRE}
    assert plan.removed == ("15",) and plan.changed and not plan.unknown
    assert fleet_action.plan(olds, {**news, "fire_on_create": False}, Answers()).steps["16"] is Step.RECORD
    assert fleet_action.plan(olds, {**news, "phone_ids": ["12", UNKNOWN]}, Answers()).unknown
    assert fleet_action.plan(olds, {**news, "phone_ids": UNKNOWN}, Answers()) == fleet_action.Plan(
        {}, unknown=True
    )
    # phone 13 not answered: the preview fails, naming it, the revision and both answers
    with pytest.raises(MaytapiError) as raised:
        fleet_action.diff(olds, news, Answers(phones={"14": True}), "FleetRedeploy 'all'")
    message = str(raised.value)
    assert message.startswith(
        "FleetRedeploy 'all' may or may not have happened on 1 phone(s), revision 'r1':\n"
    )
    assert "  phone 13: Maytapi redeploy on phone 13 failed: dropped\n" in message
    assert f"{ENV}='happened:13' pulumi up" in message and f"{ENV}='not-happened:13' pulumi up" in message


def test_apply_fires_8_at_a_time_keeps_each_phones_record_and_next_fires_only_the_failed(
    emu: RunningEmulator, calls: Calls
) -> None:
    phones = [str(p) for p in range(20, 36)]
    emu.reset(phones=phones)
    emu.fault(path="/35/redeploy$", success_false="Instance is busy", times=1)
    emu.fault(rate=1.0, latency_ms=100)  # every other call: slow enough to overlap
    maytapi = client(emu)
    news = {"phone_ids": phones, "revision": 1, "fire_on_create": True}
    outs = fleet_action.apply(Action.REDEPLOY, maytapi, {}, news, Answers(), "FleetRedeploy 'f'")
    assert redeploys(calls.take()) == phones
    assert most_in_flight(emu.api_calls()) == 8  # the Fleet's pool: 8 calls at a time, no more
    assert list(outs["failed"]) == ["35"] and "Instance is busy" in outs["failed"]["35"]
    assert "35" not in outs["phones"] and outs["revision"] == ""  # not every phone reached it
    assert {r["revision"] for r in outs["phones"].values()} == {1} and len(outs["phones"]) == 15
    message = fleet_action.failure("FleetRedeploy 'f'", outs)
    assert message is not None and "1 phone(s) failed:\n  phone 35: Maytapi redeploy on phone 35" in message
    again = fleet_action.apply(Action.REDEPLOY, maytapi, outs, news, Answers(), "FleetRedeploy 'f'")
    assert redeploys(calls.take()) == ["35"]
    assert again["failed"] == {} and again["revision"] == 1 and fleet_action.failure("f", again) is None
    assert fleet_action.apply(Action.REDEPLOY, maytapi, again, news, Answers(), "f") == again
    assert calls.take() == []


def test_wait_until_ready_has_one_deadline_for_all_and_names_the_phones_not_ready(
    emu: RunningEmulator, calls: Calls
) -> None:
    phones = [str(p) for p in range(20, 36)]
    emu.reset(phones=phones)
    # every redeploy is answered after 1.2 s: the first 8 phones come back after the deadline,
    # and the turn of the 8 others comes after it
    emu.fault(path="/redeploy$", rate=1.0, latency_ms=1200)
    news = {"phone_ids": phones, "revision": 1, "wait_until_ready": True, "ready_timeout": 1.0}
    started = time.monotonic()
    outs = fleet_action.apply(Action.REDEPLOY, client(emu), {}, news, Answers(), "FleetRedeploy 'f'")
    assert time.monotonic() - started < 2.0  # one deadline for all, not one per phone or batch
    assert redeploys(calls.take()) == phones[:8]
    assert outs["phones"] == {} and sorted(outs["failed"]) == phones
    for phone in phones[:8]:
        assert outs["failed"][phone].startswith(f"phone {phone} was redeployed but was not ready within 1s")
    for phone in phones[8:]:
        assert outs["failed"][phone].startswith(
            f"phone {phone} was not redeployed: the ready_timeout of 1s was spent waiting for the phones before it"
        )


# -- through the CLI ------------------------------------------------------------------------

PHONES = [str(p) for p in range(12, 20)]


def program(family: Family) -> str:
    """A FleetRedeploy whose set, revision and wait are read from spec.json: each step only
    rewrites that file."""
    return (
        "import json\nimport pulumi\n"
        + family.imports("FleetRedeploy")
        + 'spec = json.load(open("spec.json"))\n'
        + 'fleet = FleetRedeploy("all", phone_ids=spec["phones"], revision=spec["revision"],\n'
        + '                      wait_until_ready=spec.get("wait", False), ready_timeout=1.5)\n'
        + 'pulumi.export("revision", fleet.revision)\n'
    )


def write_spec(project: Project, phones: list[str], revision: str, wait: bool = False) -> None:
    (project.directory / "spec.json").write_text(
        json.dumps({"phones": phones, "revision": revision, "wait": wait})
    )


def state(project: Project) -> dict[str, Any]:
    """The FleetRedeploy's outputs in the state."""
    (resource,) = project.resources(":FleetRedeploy")
    outputs: dict[str, Any] = resource["outputs"]
    return outputs


def carried_out(emu: RunningEmulator) -> Counter[str]:
    """Redeploys Maytapi carried out, per phone: answered 200 without a fault, or late (a call
    whose client gave up is still carried out)."""
    return Counter(
        c["path"].split("/")[-2]
        for c in emu.api_calls(path="/redeploy$")
        if c["status"] == 200 and c["fault"] in (None, "latency_ms")
    )


def test_a_fleet_redeploy_walked_through_its_lifecycle(
    family: Family, make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    emu.reset(phones=[*PHONES, "20"])
    project = make_project(program(family), config={"maytapi:readTimeout": "1"})
    token = family.type_token("FleetRedeploy")

    # 1. create under 30 % transient errors on the action calls (refused: 503): one up converges,
    # each phone redeployed exactly once (the client retries what Maytapi refused)
    write_spec(project, PHONES, "r1")
    assert summary(project.cli("preview")) == "+ 2 to create" and calls.take() == []
    emu.fault(path="/redeploy$", rate=0.3, seed=5, status=503)
    assert summary(project.cli("up", *PREVIEWED)) == "+ 2 created"
    log = calls.take()
    assert len(redeploys(log)) > len(PHONES), "no fault was met"
    assert carried_out(emu) == dict.fromkeys(PHONES, 1)
    emu.clear_faults()
    outs = state(project)
    assert outs["revision"] == "r1" and outs[family.prop("phone_ids")] == PHONES and outs["failed"] == {}
    assert {
        p: (r["revision"], r["fired"], r["uncertain"]) for p, r in outs["phones"].items()
    } == dict.fromkeys(PHONES, ("r1", True, False))

    # 2. the revision changes: the review says it in one line; one up fires once on each phone
    write_spec(project, PHONES, "r2")
    preview = json.loads(project.cli("preview", "--json").stdout)
    assert review.render(review.summarise(preview), "text") == (
        "Maytapi: 0 config changes · 8 actions will fire\n"
        "fleet actions\n"
        "  ! FleetRedeploy all: Redeploy will fire on 8 phones (12, 13, … 19) (revision: r1 → r2)\n"
    )
    if family.native:  # the detailed diff names the revision, not the 8 phones
        (step,) = [s for s in preview["steps"] if s["urn"].endswith("::all")]
        assert set(step["detailedDiff"]) == {"revision"}
    assert summary(project.cli("up", *PREVIEWED)) == "~ 1 updated 1 unchanged"
    assert redeploys(calls.take()) == PHONES

    # 3. partial failure, waiting until each phone is ready: 13 refuses, 14 never comes back
    # (QR code); the up fails naming both with their errors, the state keeps the 6 others
    emu.fault(path="/13/redeploy$", success_false="Instance is busy, try again later", times=1)
    emu.set_phone("14", status="qr-code")
    write_spec(project, PHONES, "r3", wait=True)
    message = failed(project, "up", "--yes")
    assert (
        "FleetRedeploy 'all' did not fire on every phone (the state keeps those it did): 2 phone(s) failed:"
        in message
    )
    assert (
        "phone 13: Maytapi redeploy on phone 13 failed: HTTP 200: Instance is busy, try again later"
        in message
    )
    assert "phone 14: phone 14 was redeployed but was not ready within 1.5s" in message
    assert (
        "The next `pulumi up` fires these phones again, and only these." in message and TOKEN not in message
    )
    log = calls.take()
    assert redeploys(log) == PHONES
    polled = {path.split("/")[1] for _, path in log if path.endswith("/status")}
    assert polled == set(PHONES) - {"13"}  # each phone redeployed was waited for
    outs = state(project)
    assert sorted(outs["failed"]) == ["13", "14"] and outs["revision"] == "r2"
    assert {p: r["revision"] for p, r in outs["phones"].items()} == {
        p: "r2" if p in ("13", "14") else "r3" for p in PHONES
    }

    # 4. the next up fires only the failed ones, and, in the same run, a phone added (20) fires
    # and a phone removed (18) fires nothing; the native diff names just those phones
    emu.set_phone("14", status="active")
    later = [p for p in PHONES if p != "18"] + ["20"]
    write_spec(project, later, "r3", wait=True)
    if family.native:
        shown = project.cli("preview", "--diff").stdout.split("--outputs:--")[0]
        lines = [line.strip() for line in shown.splitlines() if re.match(r"\s+[-+~] ", line)]
        assert lines == [
            f"~ {token}: (update)", "~ phoneIds: [", '~ [1]: "13" => "13"', '~ [2]: "14" => "14"',
            '- [6]: "18"', '+ [7]: "20"', '~ revision: "r2" => "r3"',
        ], shown  # fmt: skip
        project.cli("up", *PREVIEWED)
    else:
        project.cli("up", "--yes")
    log = calls.take()
    assert redeploys(log) == ["13", "14", "20"]
    assert {path.split("/")[1] for _, path in log if path.endswith("/status")} == {"13", "14", "20"}
    outs = state(project)
    assert outs["failed"] == {} and outs["revision"] == "r3" and sorted(outs["phones"]) == sorted(later)

    # 5. two answers lost: 15's arrives too late (Maytapi redeployed), 16's connection drops (it
    # did not); the up fails naming exactly those two, recorded as uncertain
    emu.fault(path="/15/redeploy$", latency_ms=2000)
    emu.fault(path="/16/redeploy$", drop=True)
    write_spec(project, later, "r4")
    message = failed(project, "up", "--yes")
    assert redeploys(calls.take()) == sorted(later)
    (urn,) = [r["urn"] for r in project.resources(":FleetRedeploy")]
    assert "FleetRedeploy 'all' may or may not have happened on 2 phone(s), revision 'r4':" in message
    assert f"{ENV}='happened:15,16' pulumi up --target '{urn}'" in message
    assert f"{ENV}='not-happened:15,16' pulumi up --target '{urn}'" in message
    outs = state(project)
    assert sorted(p for p, r in outs["phones"].items() if r["uncertain"]) == ["15", "16"]
    assert outs["revision"] == "r3" and outs["failed"] == {}

    # 6. until answered, the preview refuses, naming both phones; a malformed answer names the fix
    refused = failed(project, "preview")
    assert "may or may not have happened on 2 phone(s)" in refused and "phone 15: " in refused
    if not family.native:
        malformed = project.cli("preview", env={ENV: "maybe:15"}, check=False)
        assert malformed.returncode != 0
        assert f"{ENV}: 'maybe:15' is not an answer; use happened or not-happened" in malformed.output
    assert calls.take() == []

    # 7. one answer per phone: 15 happened (recorded, no call), 16 did not (fired once)
    project.cli("up", "--yes", env={ENV: "happened:15 not-happened:16"})
    assert calls.take() == [("GET", "/16/redeploy")]
    project.cli("up", "--yes", "--expect-no-changes")
    assert calls.take() == []
    assert state(project)["revision"] == "r4"
    # no phone redeployed twice for one revision unasked: r1 to r4 on each phone of the set, 20
    # from r3; 14 twice at r3, as the single Redeploy's rule says of a phone not ready in time
    # (it did happen, is not recorded, and the next up redeploys it again)
    expected = {p: 4 for p in PHONES if p != "18"} | {"14": 5, "18": 3, "20": 2}
    assert carried_out(emu) == expected

    # 8. destroy: an action cannot be undone, nothing is called
    project.cli("destroy", "--yes")
    assert calls.take() == []


def test_a_yaml_fleet_reset_and_logout_fire_per_phone_and_the_review_counts_them_destructive(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, tmp_path: Path
) -> None:
    pool = [str(p) for p in range(12, 17)]

    def write(revision: int, reset: list[Any], logout: list[Any]) -> None:
        YAML.write(project, yaml_program(
            ("pool-reset", "FleetFactoryReset", {"phoneIds": reset, "revision": revision, "fireOnCreate": False}, {}),
            ("retired-numbers", "FleetLogout", {"phoneIds": logout, "revision": revision, "fireOnCreate": False}, {}),
        ))  # fmt: skip

    emu.reset(phones=pool)
    project = make_project("", family=YAML)
    # bad phones fail the preview naming each, before any call
    write(1, pool, ["12", "twelve", "12"])
    message = failed(project, "preview")
    assert "phoneIds[1]" in message and "'twelve' is not a non-negative whole number" in message
    assert "phoneIds[2]" in message and "phone 12 is listed twice" in message

    write(1, pool, ["12", "13"])
    project.cli("up", "--yes")
    assert calls.take() == []
    write(2, pool, ["12", "13"])
    raw = project.cli("preview", "--json").stdout
    # the pull request's comment: one line per fleet action, destructive ones counted per phone,
    # as docs/guides/review.md shows it
    markdown = review.render(review.summarise(json.loads(raw)), "markdown")
    [shown] = [
        block.body
        for block in docs_blocks.blocks(ROOT / "docs/guides/review.md")
        if block.tested_by == "tests/test_fleet_actions.py"
    ]
    assert markdown == shown
    (tmp_path / "preview.json").write_text(raw)
    assert review.main([str(tmp_path / "preview.json"), "--fail-on-destructive"]) == 1
    project.cli("up", *PREVIEWED)
    assert sorted(calls.take()) == sorted(
        [("GET", f"/{p}/factoryreset") for p in pool] + [("GET", "/12/logout"), ("GET", "/13/logout")]
    )
    assert {emu.phone(p)["status"] for p in pool} == {"qr-code"}
    project.cli("destroy", "--yes")
    assert calls.take() == []
