"""Fleet: many phones' configs in one resource, on PhoneConfig's rules. The core's rules as plain
functions against the emulator, then the lifecycle through the real CLI on both families (and
YAML), with the exact API calls and the emulator's phone state after each step."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devtools.bench import most_in_flight
from devtools.emulator import RunningEmulator
from devtools.stack import Project
from maytapi_pulumi import MaytapiClient, MaytapiError, Settings
from maytapi_pulumi._core import fleet, fleet_action
from maytapi_pulumi._core.common import UNKNOWN, Failure
from maytapi_pulumi._core.hands import Claims
from maytapi_pulumi._endpoints import Action
from tests.conftest import PREVIEWED, Calls, Family, phones, summary

A, B, C = "https://a.example.com/hook", "https://b.example.com/hook", "https://c.example.com/hook"
DEFAULT = ("", False)
POST = {p: ("POST", f"/{p}/config") for p in ("12", "13", "14")}
GET = {p: ("GET", f"/{p}/config") for p in ("12", "13", "14")}


def client(emu: RunningEmulator, max_retries: int = 0) -> MaytapiClient:
    return MaytapiClient(
        Settings.from_sources(
            {**emu.stack_config, "maytapi:apiToken": emu.token, "maytapi:maxRetries": str(max_retries)},
            {},
        )
    )


# -- the core's rules -----------------------------------------------------------------------


def test_check_applies_phone_configs_rules_to_each_phone_and_names_the_bad_ones() -> None:
    inputs, failures = fleet.check({"phones": {"012": {"webhook": A}, "13": {"ack_delivery": True}}})
    assert failures == []
    assert inputs == {
        "phones": {"12": {"webhook": A, "ack_delivery": False}, "13": {"webhook": "", "ack_delivery": True}}
    }

    _, failures = fleet.check(
        {"phones": {"x": {}, "12": {"webhook": "ftp://a"}, "13": {"ack": True}, "14": "on", "012": {}}}
    )
    assert [f.property for f in failures] == [
        'phones["x"]', 'phones["12"].webhook', 'phones["13"].ack', 'phones["14"]', 'phones["012"]'
    ]  # fmt: skip
    assert "listed twice" in failures[-1].reason
    assert [f.property for f in fleet.check({})[1]] == ["phones"]


def test_check_refuses_more_phones_than_a_fleet_holds_and_says_how_to_split_them() -> None:
    assert fleet.check({"phones": {str(i): {} for i in range(fleet.MAX_PHONES)}})[1] == []
    _, failures = fleet.check({"phones": {str(i): {} for i in range(fleet.MAX_PHONES + 1)}})
    assert [f.property for f in failures] == ["phones"]
    assert failures[0].reason.startswith("10,001 phones; a Fleet holds at most 10,000")
    assert "split them into several Fleets of at most 10,000 phones each" in failures[0].reason


def test_a_fleet_action_is_capped_as_a_fleet_is() -> None:
    # its per-phone records are one map in the state, which the engine copies as a Fleet's phones
    def check(n: int) -> list[Failure]:
        news = {"phone_ids": [str(i) for i in range(n)], "revision": "1"}
        return fleet_action.check(Action.REDEPLOY, news, {})[1]

    assert check(fleet.MAX_PHONES) == []
    [failure] = check(fleet.MAX_PHONES + 1)
    assert failure.property == "phone_ids"
    assert failure.reason.startswith("10,001 phones; a fleet action holds at most 10,000")
    assert "split them into several fleet actions of at most 10,000 phones each" in failure.reason


def test_check_passes_unknowns_through() -> None:
    assert fleet.check({"phones": UNKNOWN}) == ({"phones": UNKNOWN}, [])
    inputs, failures = fleet.check({"phones": {"12": UNKNOWN, "13": {"webhook": UNKNOWN}}})
    assert failures == [] and inputs["phones"]["12"] is UNKNOWN
    assert inputs["phones"]["13"] == {"webhook": UNKNOWN, "ack_delivery": False}


def test_diff_names_only_the_changed_phones_and_fields() -> None:
    olds = {"phones": {"12": {"webhook": A, "ack_delivery": True}, "13": {"webhook": B, "ack_delivery": False},
                       "14": {"webhook": "", "ack_delivery": False}}, "failed": {}}  # fmt: skip
    news = {"phones": {"12": {"webhook": A, "ack_delivery": True}, "13": {"webhook": C, "ack_delivery": True},
                       "15": {"webhook": A, "ack_delivery": False}}}  # fmt: skip
    assert fleet.diff(olds, news).changes == (
        'phones["13"].webhook', 'phones["13"].ack_delivery', 'phones["15"]', 'phones["14"]'
    )  # fmt: skip
    assert not fleet.diff(olds, {"phones": olds["phones"]}).changed
    # a phone whose last write failed is sent again even if the program now matches the state
    assert fleet.diff({**olds, "failed": {"12": "boom"}}, {"phones": olds["phones"]}).changes == (
        'phones["12"]',
    )
    # unknowns: the phone, or all of them
    assert fleet.diff(olds, {"phones": {**olds["phones"], "12": UNKNOWN}}).changes == (
        'phones["12"].webhook', 'phones["12"].ack_delivery'
    )  # fmt: skip
    assert fleet.diff(olds, {"phones": UNKNOWN}).changes == ("phones",)


def test_apply_sends_one_post_per_changed_phone_and_keeps_what_was_applied(
    emu: RunningEmulator, calls: Calls, tmp_path: Path
) -> None:
    maytapi, claims = client(emu), Claims(tmp_path)
    news = {
        "phones": {"12": {"webhook": A, "ack_delivery": True}, "13": {"webhook": B, "ack_delivery": False}}
    }
    outs = fleet.apply(maytapi, {}, news, claims=claims)
    assert outs == {**news, "failed": {}}
    assert sorted(calls.take()) == [POST["12"], POST["13"]]
    assert fleet.apply(maytapi, outs, news, claims=claims) == outs and calls.take() == []

    # 13 changes and fails, 14 is added, 12 is removed (restored unless claimed: it is, by this
    # deployment's earlier write, so no call)
    emu.fault(method="POST", path="/13/config$", status=500, times=1)
    changed = {
        "phones": {"13": {"webhook": C, "ack_delivery": True}, "14": {"webhook": A, "ack_delivery": False}}
    }
    after = fleet.apply(maytapi, outs, changed, claims=claims)
    assert sorted(calls.take()) == [POST["13"], POST["14"]]
    assert after["phones"] == {"13": news["phones"]["13"], "14": changed["phones"]["14"]}
    assert list(after["failed"]) == ["13"] and "500" in after["failed"]["13"]
    assert phones(emu, "12", "13", "14") == {"12": (A, True), "13": (B, False), "14": (A, False)}
    message = fleet.failure("Fleet 'f'", after)
    assert message is not None
    assert "phone 13:" in message and "sends these phones again, and only these" in message

    # the next apply sends only the failed phone
    again = fleet.apply(maytapi, after, changed, claims=claims)
    assert calls.take() == [POST["13"]]
    assert again == {**changed, "failed": {}}


def test_every_operation_keeps_8_calls_in_flight_under_latency(tmp_path: Path) -> None:
    ids = [str(100 + i) for i in range(3 * fleet.WORKERS)]
    with RunningEmulator(phones=ids, latency_ms=50) as slow:
        maytapi, seen = client(slow), 0

        def in_flight() -> tuple[int, int]:
            nonlocal seen
            calls = slow.api_calls()
            new, seen = calls[seen:], len(calls)
            return len(new), most_in_flight(new)

        config = {"phones": {p: {"webhook": A, "ack_delivery": True} for p in ids}}
        created = fleet.apply(maytapi, {}, config, claims=Claims(tmp_path / "up"))
        assert in_flight() == (len(ids), fleet.WORKERS)
        changed = {"phones": {p: {"webhook": B, "ack_delivery": True} for p in ids}}
        updated = fleet.apply(maytapi, created, changed, claims=Claims(tmp_path / "up"))
        assert in_flight() == (len(ids), fleet.WORKERS)
        fleet.read(maytapi, updated)
        assert in_flight() == (len(ids), fleet.WORKERS)
        fleet.import_product(maytapi, slow.product_id)
        assert in_flight() == (len(ids) + 1, fleet.WORKERS)  # GET /listPhones, then the phones
        fleet.delete(maytapi, updated, claims=Claims(tmp_path / "destroy"))
        assert in_flight() == (len(ids), fleet.WORKERS)


def test_read_drops_a_vanished_phone_and_import_lists_the_product(emu: RunningEmulator, calls: Calls) -> None:
    maytapi = client(emu)
    emu.set_phone("12", webhook=A, ack_delivery=True)
    emu.remove_phone("14")
    outs, gone = fleet.read(maytapi, {"phones": {"12": {}, "14": {}}})
    assert outs == {"phones": {"12": {"webhook": A, "ack_delivery": True}}, "failed": {}}
    assert len(gone) == 1 and "phone 14 no longer exists" in gone[0]
    assert sorted(calls.take()) == [GET["12"], GET["14"]]

    assert fleet.import_product(maytapi, emu.product_id)["phones"] == {
        "12": {"webhook": A, "ack_delivery": True}, "13": {"webhook": "", "ack_delivery": False}
    }  # fmt: skip
    assert sorted(calls.take()) == [GET["12"], GET["13"], ("GET", "/listPhones")]
    with pytest.raises(MaytapiError, match="is not this provider's product"):
        fleet.import_product(maytapi, "00000000-0000-4000-8000-000000000009")
    assert calls.take() == []


# -- through the CLI ------------------------------------------------------------------------


def program(family: Family, extra: str = "") -> str:
    """A Fleet whose phones are read from phones.json, so each step only rewrites that file."""
    return (
        "import json\nimport pulumi\n"
        + family.imports("Fleet", "PhoneConfig")
        + 'fleet = Fleet("fleet", phones=json.load(open("phones.json")))\n'
        + 'pulumi.export("phones", fleet.phones)\n'
        + extra
    )


def set_phones(project: Project, config: dict[str, Any]) -> None:
    (project.directory / "phones.json").write_text(json.dumps(config))


def diff_lines(output: str) -> list[str]:
    """The lines of `preview --diff` that mark a phone or a field as changed (`~`, `+`, `-`).
    The native provider's detailed diff shows only those; for a dynamic Fleet the engine shows
    the whole `phones` input, unchanged phones unmarked."""
    shown = output.split("--outputs:--", 1)[0].splitlines()
    return [
        line.strip()
        for line in shown
        if re.match(r"\s*[-+~]+ .*(1[2-4]|webhook|ack)", line) and "Fleet" not in line
    ]


def test_fleet_lifecycle_through_the_cli(
    family: Family, make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project(program(family), config={"maytapi:maxRetries": "1"})
    set_phones(project, {"12": {"webhook": A, "ack_delivery": True}, "13": {"webhook": B}})

    # create: one POST per phone, in one step
    assert "+ 2 to create" in project.cli("preview").stdout and calls.take() == []
    assert summary(project.cli("up", *PREVIEWED)) == "+ 2 created"
    assert sorted(calls.take()) == [POST["12"], POST["13"]]
    assert phones(emu, "12", "13", "14") == {"12": (A, True), "13": (B, False), "14": DEFAULT}
    [resource] = project.resources(":Fleet")
    assert resource["type"] == family.type_token("Fleet") and resource["id"] == emu.product_id

    # no change: no call
    assert summary(project.cli("up", "--yes")) == "2 unchanged" and calls.take() == []

    # one phone's webhook changes: the diff names that phone and field only; one POST
    set_phones(project, {"12": {"webhook": A, "ack_delivery": True}, "13": {"webhook": C}})
    shown = diff_lines(project.cli("preview", "--diff").stdout)
    assert any("13" in line for line in shown) and any(B in line and C in line for line in shown), shown
    assert not any("12" in line or A in line for line in shown), shown
    assert summary(project.cli("up", *PREVIEWED)) == "~ 1 updated 1 unchanged"
    assert calls.take() == [POST["13"]]
    assert phones(emu, "12", "13") == {"12": (A, True), "13": (C, False)}

    # drift on phone 12: refresh reads each phone (its preview, then for real); the next diff
    # shows phone 12 alone; up sends only it
    emu.set_phone("12", webhook="https://drift.example.com/", ack_delivery=True)
    project.cli("refresh", "--yes")
    assert sorted(calls.take()) == [GET["12"], GET["12"], GET["13"], GET["13"]]
    shown = diff_lines(project.cli("preview", "--diff").stdout)
    assert any("drift.example.com" in line for line in shown), shown
    assert not any("13" in line or C in line for line in shown), shown
    project.cli("up", *PREVIEWED)
    assert calls.take() == [POST["12"]]
    assert phones(emu, "12") == {"12": (A, True)}

    # partial failure: 13's POSTs fail (first try and its retry); 12 and 14 are applied; the up
    # fails naming 13 and its error; the state keeps what was applied
    emu.fault(method="POST", path="/13/config$", status=502, times=2)
    target = {"12": {"webhook": B, "ack_delivery": True}, "13": {"webhook": A}, "14": {"webhook": C}}
    set_phones(project, target)
    run = project.cli("up", "--yes", check=False)
    assert run.returncode != 0
    assert "Fleet 'fleet' was not fully applied" in run.output and "phone 13: " in run.output, run.output
    assert sorted(calls.take()) == [POST["12"], POST["13"], POST["13"], POST["14"]]
    assert phones(emu, "12", "13", "14") == {"12": (B, True), "13": (C, False), "14": (C, False)}
    [resource] = project.resources(":Fleet")
    assert set(resource["outputs"]["phones"]) == {"12", "13", "14"}
    assert resource["outputs"]["phones"]["13"]["webhook"] == C and list(resource["outputs"]["failed"]) == [
        "13"
    ]
    # the next up sends only 13
    assert summary(project.cli("up", "--yes")) == "~ 1 updated 1 unchanged"
    assert calls.take() == [POST["13"]]
    assert phones(emu, "13") == {"13": (A, False)}
    assert summary(project.cli("up", "--yes")) == "2 unchanged" and calls.take() == []

    # a phone declared twice (another Fleet, a PhoneConfig): refused naming both, no call
    for other, name in (
        (f'Fleet("other", phones={{"13": {{"webhook": "{B}"}}}})\n', "Fleet 'other'"),
        (f'PhoneConfig("single", phone_id="14", webhook="{B}")\n', "PhoneConfig 'single'"),
    ):
        project.write_program(program(family, other))
        for command in (("preview",), ("up", "--yes")):
            run = project.cli(*command, check=False)
            assert run.returncode != 0
            assert re.search(
                rf"phone 1[34] is declared by both (Fleet 'fleet' and {name}|{name} and Fleet 'fleet')",
                run.output,
            ), run.output
    assert calls.take() == []
    assert phones(emu, "12", "13", "14") == {"12": (B, True), "13": (A, False), "14": (C, False)}
    project.write_program(program(family))

    # more phones than a Fleet holds: refused at preview, saying how to split them; no call
    set_phones(project, {str(1000 + i): {} for i in range(fleet.MAX_PHONES + 1)})
    run = project.cli("preview", check=False)
    assert run.returncode != 0 and "10,001 phones; a Fleet holds at most 10,000" in run.output, run.output[
        -3000:
    ]
    assert "split them into several Fleets" in run.output and calls.take() == []

    # destroy: each phone restored to the default
    project.cli("destroy", "--yes")
    assert sorted(calls.take()) == [POST["12"], POST["13"], POST["14"]]
    assert phones(emu, "12", "13", "14") == {"12": DEFAULT, "13": DEFAULT, "14": DEFAULT}


def test_pulumi_import_brings_a_whole_product_and_its_generated_code_reproduces_it(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    emu.set_phone("12", webhook=A, ack_delivery=True)
    emu.set_phone("14", webhook=B)
    project = make_project("import pulumi\n")
    calls.take()

    run = project.cli("import", "maytapi:index:Fleet", "all", emu.product_id, "--yes", "--skip-preview")
    assert "= 1 imported" in run.stdout
    assert sorted(calls.take()) == [GET["12"], GET["13"], GET["14"], ("GET", "/listPhones")]
    [resource] = project.resources(":Fleet")
    assert resource["id"] == emu.product_id
    assert resource["inputs"]["phones"] == {
        "12": {"webhook": A, "ackDelivery": True},
        "13": {"webhook": "", "ackDelivery": False},
        "14": {"webhook": B, "ackDelivery": False},
    }

    # the code the import printed, as the program: nothing to do, no call
    code = "import pulumi\n" + run.stdout.split("\nimport pulumi\n", 1)[1]
    assert "maytapi.Fleet(" in code and A in code and B in code, code
    project.write_program(code + "\n")
    assert summary(project.cli("up", "--yes")) == "2 unchanged"
    assert calls.take() == []
    assert phones(emu, "12", "13", "14") == {"12": (A, True), "13": DEFAULT, "14": (B, False)}


YAML = """name: maytapi-test
runtime: yaml
resources:
  fleet:
    type: maytapi:index:Fleet
    properties:
      phones: {phones}
outputs:
  phones: ${{fleet.phones}}
"""


def test_a_yaml_fleet_creates_updates_one_phone_and_destroys(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project("")

    def write(phones_: dict[str, Any]) -> None:
        (project.directory / "Pulumi.yaml").write_text(YAML.format(phones=json.dumps(phones_)))

    write({"12": {"webhook": A, "ackDelivery": True}, "13": {"webhook": B}})
    project.cli("up", "--yes")
    assert sorted(calls.take()) == [POST["12"], POST["13"]]
    assert phones(emu, "12", "13") == {"12": (A, True), "13": (B, False)}

    write({"12": {"webhook": A, "ackDelivery": True}, "13": {"webhook": C, "ackDelivery": True}})
    # the native detailed diff: phone 13's fields; phone 12 is not even shown
    diff = project.cli("preview", "--diff").stdout.split("--outputs:--", 1)[0]
    assert diff_lines(diff) == [
        "~ 13: {",
        "~ ackDelivery: false => true",
        f'~ webhook    : "{B}" => "{C}"',
    ], diff
    assert A not in diff and "12" not in diff.split("phones", 1)[1], diff
    project.cli("up", *PREVIEWED)
    assert calls.take() == [POST["13"]]
    assert phones(emu, "12", "13") == {"12": (A, True), "13": (C, True)}

    # more phones than a Fleet holds: refused at preview, saying how to split them; no call
    write({str(1000 + i): {} for i in range(fleet.MAX_PHONES + 1)})
    run = project.cli("preview", check=False)
    assert run.returncode != 0 and "10,001 phones; a Fleet holds at most 10,000" in run.output, run.output[
        -3000:
    ]
    assert calls.take() == []

    project.cli("destroy", "--yes")
    assert sorted(calls.take()) == [POST["12"], POST["13"]]
    assert phones(emu, "12", "13") == {"12": DEFAULT, "13": DEFAULT}


def test_a_secret_webhook_inside_phones_stays_secret_in_the_state(
    family: Family, make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    # One phone's webhook is a secret in the program: nothing of it may reach the state or the
    # output in clear (the native provider marks the whole `phones` secret, the core rebuilding
    # the outputs knows nothing of secrets).
    hidden = "https://hidden.example.com/only-in-ciphertext"
    project = make_project(
        "import pulumi\n"
        + family.imports("Fleet")
        + f'Fleet("fleet", phones={{"12": {{"webhook": pulumi.Output.secret("{hidden}")}}, "13": {{"webhook": "{A}"}}}})\n'
    )
    up = project.cli("up", "--yes")
    assert sorted(calls.take()) == [POST["12"], POST["13"]]
    assert phones(emu, "12", "13") == {"12": (hidden, False), "13": (A, False)}
    assert hidden not in json.dumps(project.export()) and hidden not in up.output
    assert summary(project.cli("up", "--yes")) == "2 unchanged" and calls.take() == []
