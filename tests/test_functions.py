"""The provider functions (getPhones, getPhoneConfig, getPhoneStatus): the core's parsing of
Maytapi's answers, then the same program in three forms through the real CLI against the
emulator: the native provider from Python (generated SDK, `pulumi_maytapi`) and from YAML
(`fn::invoke`), and the dynamic family (`maytapi_pulumi.get_phones()`, Outputs computed in the
program). Each command's API calls are counted in the emulator's log.

A function runs each time the program runs: `pulumi preview` runs it once, `pulumi up` twice
(its preview, then the update), `pulumi up --skip-preview` once; `refresh` and `destroy` do not
run the program, so they make no call."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from maytapi_pulumi import MaytapiClient, MaytapiError, Phone
from maytapi_pulumi._core import functions
from tests.conftest import DYNAMIC, PREVIEWED, TOKEN, YAML, Calls, Family, failed, stack_outputs
from tests.test_client import emulator_client

HOOK = "https://hooks.example.com/maytapi"


@pytest.fixture
def client(emu: RunningEmulator) -> Iterator[MaytapiClient]:
    with emulator_client(emu) as c:
        yield c


# -- the core: what each function reads, and how it parses the answers the reference allows ----


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # the reference's shape: a bare array, integer ids
        (
            [{"id": 1150, "number": "905321234567", "status": "active"}],
            [{"id": "1150", "number": "905321234567", "status": "active"}],
        ),
        # the OpenAPI example's string id, a null number, a missing status, keys Maytapi may add
        (
            [
                {"id": "90126", "number": None, "pid": "x", "multi_device": True},
                {"id": 7, "status": "qr-code"},
            ],
            [{"id": "90126", "number": "", "status": ""}, {"id": "7", "number": "", "status": "qr-code"}],
        ),
        # a status the reference does not list is passed on as Maytapi says it
        (
            [{"id": 3, "number": "1", "status": "suspended"}],
            [{"id": "3", "number": "1", "status": "suspended"}],
        ),
        ([], []),
    ],
)
def test_get_phones_reads_list_phones_rows_in_every_shape_the_reference_allows(
    emu: RunningEmulator, client: MaytapiClient, calls: Calls, rows: list[Any], expected: list[Any]
) -> None:
    emu.fault(path="^/listPhones$", status=200, body=rows)
    assert functions.call(functions.GET_PHONES, client, {}) == {"phones": expected}
    assert calls.take() == [("GET", "/listPhones")]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"success": False, "message": "Product suspended"}, "Product suspended"),
        ({"success": True, "data": []}, "unexpected answer"),
        ([{"number": "1"}], "unexpected answer"),  # a row without its id
        ([{"id": "twelve"}], "unexpected answer"),
    ],
)
def test_get_phones_fails_with_the_servers_message_or_the_unexpected_answer(
    emu: RunningEmulator, client: MaytapiClient, body: Any, error: str
) -> None:
    emu.fault(path="^/listPhones$", status=200, body=body)
    with pytest.raises(MaytapiError, match=error):
        functions.call(functions.GET_PHONES, client, {})


def test_get_phones_lists_the_emulators_phones(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.set_phone("13", status="qr-code")
    phones = functions.call(functions.GET_PHONES, client, {})["phones"]
    assert phones == [
        {"id": "12", "number": "905550000012", "status": "active"},
        {"id": "13", "number": "905550000013", "status": "qr-code"},
        {"id": "14", "number": "905550000014", "status": "active"},
    ]


@pytest.mark.parametrize(
    ("session", "expected"),
    [
        # the reference's body
        (
            {
                "loggedIn": True,
                "isQr": False,
                "state": {"state": "CONNECTED", "canSend": True},
                "number": "905",
            },
            {"logged_in": True, "state": "CONNECTED", "number": "905"},
        ),
        # the OpenAPI document's subStatus: no state, no number
        (
            {"loggedIn": False, "isQr": True, "message": "scan"},
            {"logged_in": False, "state": "", "number": ""},
        ),
        # loggedIn not reported: the state says it
        ({"state": {"state": "CONNECTED"}}, {"logged_in": True, "state": "CONNECTED", "number": ""}),
        (
            {"state": {"state": "TIMEOUT"}, "number": None},
            {"logged_in": False, "state": "TIMEOUT", "number": ""},
        ),
        ({}, {"logged_in": False, "state": "", "number": ""}),
    ],
)
def test_get_phone_status_reads_the_session_in_every_shape_the_reference_allows(
    emu: RunningEmulator, client: MaytapiClient, calls: Calls, session: Any, expected: dict[str, Any]
) -> None:
    emu.fault(path="^/12/status$", status=200, body={"success": True, "status": session})
    assert functions.call(functions.GET_PHONE_STATUS, client, {"phone_id": 12}) == {
        "phone_id": "12",
        **expected,
    }
    assert calls.take() == [("GET", "/12/status")]


def test_get_phone_config_reads_the_phones_own_config(
    emu: RunningEmulator, client: MaytapiClient, calls: Calls
) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    calls.take()
    assert functions.call(functions.GET_PHONE_CONFIG, client, {"phone_id": "012"}) == {
        "phone_id": "12",
        "webhook": HOOK,
        "ack_delivery": True,
    }
    assert calls.take() == [("GET", "/12/config")]


@pytest.mark.parametrize("function", [functions.GET_PHONE_CONFIG, functions.GET_PHONE_STATUS])
def test_a_phone_missing_from_the_product_is_named(
    client: MaytapiClient, function: functions.Function
) -> None:
    with pytest.raises(
        MaytapiError, match=r"phone 99 does not exist in this Maytapi product \(\[99\] is not"
    ):
        functions.call(function, client, {"phone_id": "99"})


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"phone_id": "abc"}, "phone_id: 'abc' is not a non-negative whole number"),
        ({"phone_id": True}, "phone_id: True is not a number"),
        ({}, "phone_id: phone_id is required"),
        ({"phone_id": "12", "phone": "13"}, "phone: unknown property 'phone'; did you mean 'phone_id'"),
    ],
)
@pytest.mark.parametrize("function", [functions.GET_PHONE_CONFIG, functions.GET_PHONE_STATUS])
def test_bad_arguments_are_refused_naming_them_before_any_call(
    client: MaytapiClient, calls: Calls, function: functions.Function, args: dict[str, Any], error: str
) -> None:
    with pytest.raises(MaytapiError, match=error):
        functions.call(function, client, args)
    assert calls.take() == []


class _NoCalls:
    """A client that fails any call: the checks must refuse before one."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"called {name}")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.floats(), st.booleans(), st.none(), st.lists(st.integers(), max_size=2)))
def test_any_phone_id_that_is_not_digits_is_refused_naming_it_before_any_call(value: object) -> None:
    assume(not (isinstance(value, str) and re.fullmatch(r"[0-9]{1,20}", value)))
    assume(not (isinstance(value, float) and value.is_integer() and 0 <= value < 1e20))
    for function in (functions.GET_PHONE_CONFIG, functions.GET_PHONE_STATUS):
        with pytest.raises(functions.InvalidArgument, match=r"^phone_id: "):
            functions.call(function, cast(MaytapiClient, _NoCalls()), {"phone_id": value})


_ROWS = st.lists(
    st.fixed_dictionaries(
        {"id": st.one_of(st.integers(0, 10**12), st.integers(0, 10**12).map(str))},
        optional={"number": st.one_of(st.none(), st.text()), "status": st.one_of(st.none(), st.text())},
    ),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(_ROWS)
def test_every_list_phones_row_is_given_with_its_id_as_digits_and_no_null(rows: list[dict[str, Any]]) -> None:
    class Listing:
        def list_phones(self) -> list[Phone]:
            return TypeAdapter(list[Phone]).validate_python(rows)

    phones = functions.call(functions.GET_PHONES, cast(MaytapiClient, Listing()), {})["phones"]
    assert [p["id"] for p in phones] == [str(int(r["id"])) for r in rows]
    assert [(p["number"], p["status"]) for p in phones] == [
        (r.get("number") or "", r.get("status") or "") for r in rows
    ]


# -- through the CLI: native from Python and YAML, and the dynamic family ----------------------

PROGRAMS = {
    "python": """
import pulumi
import pulumi_maytapi as maytapi

phones = maytapi.get_phones().phones
config = maytapi.get_phone_config(phone_id="12")
status = maytapi.get_phone_status_output(phone_id=13)
pulumi.export("phones", [{"id": p.id, "number": p.number, "status": p.status} for p in phones])
pulumi.export("config", {"phoneId": config.phone_id, "webhook": config.webhook, "ackDelivery": config.ack_delivery})
pulumi.export("status", status.apply(
    lambda s: {"phoneId": s.phone_id, "loggedIn": s.logged_in, "state": s.state, "number": s.number}))
""",
    "yaml": """name: maytapi-test
runtime: yaml
variables:
  phones:
    fn::invoke:
      function: maytapi:index:getPhones
      return: phones
  config:
    fn::invoke:
      function: maytapi:index:getPhoneConfig
      arguments:
        phoneId: "12"
  status:
    fn::invoke:
      function: maytapi:index:getPhoneStatus
      arguments:
        phoneId: 13
outputs:
  phones: ${phones}
  config: ${config}
  status: ${status}
""",
    "dynamic": """
import pulumi
from maytapi_pulumi import get_phone_config, get_phone_status, get_phones

config = get_phone_config(phone_id="12")
pulumi.export("phones", get_phones())
pulumi.export("config", {"phoneId": config["phone_id"], "webhook": config["webhook"],
                         "ackDelivery": config["ack_delivery"]})
pulumi.export("status", get_phone_status(phone_id=13).apply(
    lambda s: {"phoneId": s["phone_id"], "loggedIn": s["logged_in"], "state": s["state"], "number": s["number"]}))
""",
}
FORMS = tuple(PROGRAMS)


def project_of(make_project: Callable[..., Project], form: str, source: str) -> Project:
    return make_project(source, family=YAML if form == "yaml" else DYNAMIC)


EACH_RUN = sorted([("GET", "/listPhones"), ("GET", "/12/config"), ("GET", "/13/status")])


@pytest.mark.parametrize("form", FORMS)
def test_the_three_functions_at_preview_and_up_with_the_calls_of_each_command(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, form: str
) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    emu.set_phone("13", status="qr-code")
    project = project_of(make_project, form, PROGRAMS[form])
    calls.take()

    # preview runs the program once: one call per function, and the values are known
    preview = project.cli("preview")
    assert sorted(calls.take()) == EACH_RUN
    assert "UNPAIRED" in preview.stdout and "905550000014" in preview.stdout

    # up runs it twice (its preview, then the update)
    up = project.cli("up", "--yes")
    assert sorted(calls.take()) == sorted(EACH_RUN * 2)
    assert stack_outputs(project) == {
        "phones": [
            {"id": "12", "number": "905550000012", "status": "active"},
            {"id": "13", "number": "905550000013", "status": "qr-code"},
            {"id": "14", "number": "905550000014", "status": "active"},
        ],
        "config": {"phoneId": "12", "webhook": HOOK, "ackDelivery": True},
        "status": {"phoneId": "13", "loggedIn": False, "state": "UNPAIRED", "number": "905550000013"},
    }

    # the functions read the product as it is now
    emu.set_phone("12", webhook="")
    emu.set_phone("13", status="active")
    emu.remove_phone("14")
    calls.take()
    project.cli("up", "--yes", "--skip-preview")
    assert sorted(calls.take()) == EACH_RUN
    outputs = stack_outputs(project)
    assert [p["id"] for p in outputs["phones"]] == ["12", "13"]
    assert outputs["config"]["webhook"] == ""
    assert outputs["status"]["loggedIn"] is True and outputs["status"]["state"] == "CONNECTED"

    # refresh and destroy do not run the program
    project.cli("refresh", "--yes")
    project.cli("destroy", "--yes")
    assert calls.take() == []

    # the token is in no state and no output
    printed = "".join(project.log)
    assert TOKEN not in printed and TOKEN not in json.dumps(project.export())
    assert TOKEN not in preview.output + up.output


BAD = {
    "python": ("import pulumi_maytapi as maytapi\nmaytapi.{fn}(phone_id={arg})\n", "phoneId"),
    "yaml": (
        "name: maytapi-test\nruntime: yaml\nvariables:\n  x:\n    fn::invoke:\n"
        "      function: maytapi:index:{token}\n      arguments:\n        phoneId: {arg}\n"
        "outputs:\n  x: ${{x}}\n",
        "phoneId",
    ),
    "dynamic": (
        "import pulumi\nfrom maytapi_pulumi import {fn}\npulumi.export('x', {fn}(phone_id={arg}))\n",
        "phone_id",
    ),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("fn", "token"), [("get_phone_config", "getPhoneConfig"), ("get_phone_status", "getPhoneStatus")]
)
def test_a_bad_phone_id_fails_the_preview_naming_the_argument_before_any_call(
    make_project: Callable[..., Project], calls: Calls, form: str, fn: str, token: str
) -> None:
    template, argument = BAD[form]
    project = project_of(make_project, form, template.format(fn=fn, token=token, arg='"abc"'))
    calls.take()
    output = failed(project, "preview")
    assert argument in output and "'abc' is not a non-negative whole number" in output, output
    assert calls.take() == []


@pytest.mark.parametrize("form", FORMS)
def test_a_missing_phone_is_named_and_an_api_error_carries_the_servers_message(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, form: str
) -> None:
    template, _ = BAD[form]
    project = project_of(
        make_project, form, template.format(fn="get_phone_config", token="getPhoneConfig", arg='"99"')
    )
    calls.take()
    output = failed(project, "preview")
    assert "phone 99 does not exist in this Maytapi product ([99] is not a valid phone instance id)" in output
    assert calls.take() == [("GET", "/99/config")]

    emu.fault(path="^/12/status$", success_false="Instance is being moved")
    (YAML if form == "yaml" else DYNAMIC).write(
        project, template.format(fn="get_phone_status", token="getPhoneStatus", arg='"12"')
    )
    output = failed(project, "preview")
    assert "Maytapi status on phone 12 failed: HTTP 200: Instance is being moved" in output
    assert TOKEN not in output


def test_a_function_fed_by_an_output_unknown_at_preview_waits_for_it_and_calls_after_it(
    make_project: Callable[..., Project], family: Family
) -> None:
    """The redeploy's fired_at is unknown until it fires: the preview makes no call, and the
    up reads the status after the redeploy (the emulator's phone is then loading)."""
    function = "get_phone_status_output" if family.name == "native" else "get_phone_status"
    # A phone of its own that loads for a minute after a redeploy: the session emulator's
    # phones are ready again after 0.3 s, which a loaded machine can spend between two calls.
    with RunningEmulator(token=TOKEN, phones=("12",), redeploy_seconds=60) as slow:
        project = make_project(
            family.imports("Redeploy", function)
            + f"""
import pulumi

redeploy = Redeploy("restart", phone_id="12", revision="r1")
status = {function}(phone_id=redeploy.fired_at.apply(lambda _: "12"))
pulumi.export("state", status.apply(lambda s: s["state"] if isinstance(s, dict) else s.state))
""",
            config=slow.stack_config,
        )
        calls = Calls(slow)
        project.cli("preview")
        assert calls.take() == []
        project.cli("up", *PREVIEWED)
        assert calls.take() == [("GET", "/12/redeploy"), ("GET", "/12/status")]
        assert stack_outputs(project) == {"state": "OPENING"}


@pytest.mark.parametrize("form", ["python", "dynamic"])
def test_the_functions_read_the_settings_from_stack_config_else_the_environment(
    make_project: Callable[..., Project],
    emu: RunningEmulator,
    calls: Calls,
    monkeypatch: pytest.MonkeyPatch,
    form: str,
) -> None:
    source = PROGRAMS[form]
    for var in ("MAYTAPI_PRODUCT_ID", "MAYTAPI_API_TOKEN", "MAYTAPI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    project = make_project(source, settings=False)
    calls.take()
    output = failed(project, "preview")
    assert "pulumi config set maytapi:productId" in output
    assert "pulumi config set --secret maytapi:apiToken" in output
    assert calls.take() == []

    # the environment alone, and the stack config alone (the other tests), both serve
    env = {
        "MAYTAPI_PRODUCT_ID": emu.product_id,
        "MAYTAPI_API_TOKEN": emu.token,
        "MAYTAPI_BASE_URL": emu.base_url,
    }
    run = project.cli("preview", env=env)
    assert sorted(calls.take()) == EACH_RUN and TOKEN not in run.output


def test_native_functions_read_the_product_of_an_explicit_provider_instance(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    other_token = "tok-OTHER-PRODUCT-SECRET"
    with RunningEmulator(
        product_id="00000000-0000-4000-8000-000000000002", token=other_token, phones=("7",)
    ) as other:
        project = make_project(
            """
import pulumi
import pulumi_maytapi as maytapi

cfg = pulumi.Config()
other = maytapi.Provider("other", product_id=cfg.require("otherProduct"),
                         api_token=cfg.require_secret("otherToken"), base_url=cfg.require("otherUrl"))
pulumi.export("here", [p.id for p in maytapi.get_phones().phones])
pulumi.export("there", [p.id for p in maytapi.get_phones(opts=pulumi.InvokeOptions(provider=other)).phones])
""",
            config={"otherProduct": other.product_id, "otherUrl": other.base_url},
            secrets={"otherToken": other_token},
        )
        calls.take()
        run = project.cli("up", "--yes", "--skip-preview")
        assert calls.take() == [("GET", "/listPhones")]
        assert [(c["method"], c["path"].rsplit("/", 1)[-1]) for c in other.api_calls()] == [
            ("GET", "listPhones")
        ]
        assert stack_outputs(project) == {"here": ["12", "13", "14"], "there": ["7"]}
        exported = json.dumps(project.export())
        assert TOKEN not in exported and other_token not in exported and other_token not in run.output
