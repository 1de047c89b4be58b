"""PhoneConfig through the real CLI (`pulumi preview`, `pulumi up` with its preview, `refresh`,
`destroy`) against the emulator: each step states the API calls it must make, counted in the
emulator's call log, and the phones' final state."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from maytapi_pulumi._phone_config import PhoneConfigProvider
from tests.conftest import (
    DYNAMIC,
    PREVIEWED,
    TOKEN,
    WITH_YAML,
    Calls,
    Family,
    failed,
    install_provider_from_another_release,
    stack_outputs,
    summary,
    yaml_program,
)

TYPE = DYNAMIC.type_token("PhoneConfig")
HOOK = "https://hooks.example.com/maytapi"


def program(
    family: Family, phone_id: str = '"12"', webhook: str = f'"{HOOK}"', extra: str = "", opts: str = ""
) -> str:
    """A PhoneConfig "support-line" and its outputs; the arguments are Python expressions."""
    return f"""
import pulumi
{family.imports("PhoneConfig")}
cfg = PhoneConfig("support-line", phone_id={phone_id}, webhook={webhook}, ack_delivery=True{extra}
                  {", opts=" + opts if opts else ""})
pulumi.export("phone_id", cfg.phone_id)
pulumi.export("webhook", cfg.webhook)
pulumi.export("ack_delivery", cfg.ack_delivery)
"""


def test_lifecycle_create_noop_update_refresh_replace_destroy(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    project = make_project(program(family))
    post12, get12, post13 = ("POST", "/12/config"), ("GET", "/12/config"), ("POST", "/13/config")

    # preview: nothing called; create: one POST, outputs as the API reports them
    assert summary(project.cli("preview")) == "+ 2 to create"
    assert calls.take() == []
    assert summary(project.cli("up", *PREVIEWED)) == "+ 2 created"
    assert calls.take() == [post12]
    assert stack_outputs(project) == {"phone_id": "12", "webhook": HOOK, "ack_delivery": True}
    assert emu.phone("12")["webhook"] == HOOK and emu.phone("12")["ack_delivery"] is True
    assert [r["id"] for r in project.resources(":PhoneConfig")] == ["12"]
    assert project.resources(":PhoneConfig")[0]["type"] == family.type_token("PhoneConfig")

    # nothing changed: no update, no call
    assert summary(project.cli("up", "--yes")) == "2 unchanged"
    assert calls.take() == []

    # webhook changed: preview --diff names the field and calls nothing; up is one POST
    project.write_program(program(family, webhook='"https://hooks.example.com/v2"'))
    preview = project.cli("preview", "--diff")
    assert summary(preview) == "~ 1 to update 1 unchanged"
    assert "~ webhook" in preview.stdout and '=> "https://hooks.example.com/v2"' in preview.stdout
    assert calls.take() == []
    assert summary(project.cli("up", *PREVIEWED)) == "~ 1 updated 1 unchanged"
    assert calls.take() == [post12]

    # drift made outside Pulumi: refresh reads it (once in its preview, once for real) and
    # shows it; the next up converges
    emu.set_phone("12", webhook="https://drift.example.com/", ack_delivery=False)
    refresh = project.cli("refresh", "--yes")
    assert calls.take() == [get12, get12]
    assert summary(refresh) == "~ 1 updated 1 unchanged"
    state = project.resources(":PhoneConfig")[0]["outputs"]
    assert state["webhook"] == "https://drift.example.com/" and state[family.prop("ack_delivery")] is False
    drift_preview = project.cli("preview", "--diff")
    assert "~ webhook" in drift_preview.stdout and f"~ {family.prop('ack_delivery')}" in drift_preview.stdout
    assert summary(project.cli("up", *PREVIEWED)) == "~ 1 updated 1 unchanged"
    assert calls.take() == [post12]
    assert emu.phone("12")["webhook"] == "https://hooks.example.com/v2"

    # phone_id changed: replace, which its preview says phone_id causes; the new phone
    # configured, the old restored to the default
    project.write_program(program(family, phone_id='"13"', webhook='"https://hooks.example.com/v2"'))
    up = project.cli("up", "--yes", "--diff")
    assert re.search(rf"\+-.*{family.type_token('PhoneConfig')}: \(replace\)", up.stdout)
    assert re.search(rf'~ {family.prop("phone_id")}\s*: "12" => "13"', up.stdout)
    assert summary(up) == "+-1 replaced 1 unchanged"
    assert calls.take() == [post13, post12]
    assert emu.phone("12")["webhook"] == "" and emu.phone("12")["ack_delivery"] is False
    assert emu.phone("13")["webhook"] == "https://hooks.example.com/v2"

    # destroy: one POST restores the product default
    assert summary(project.cli("destroy", "--yes")) == "- 2 deleted"
    assert calls.take() == [post13]
    assert emu.phone("13")["webhook"] == "" and emu.phone("13")["ack_delivery"] is False
    assert [c["json"] for c in emu.api_calls()][-1] == {"webhook": "", "ack_delivery": False}


@pytest.mark.parametrize("family", WITH_YAML, ids=str)
def test_the_import_option(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    calls.take()
    if family.language == "yaml":
        props = {"phoneId": "12", "webhook": HOOK, "ackDelivery": True}
        source = yaml_program(("support-line", "PhoneConfig", props, {"import": "12"}))
    else:
        source = program(family, opts='pulumi.ResourceOptions(import_="12")')
    project = make_project(source, family=family)
    if not family.native:
        # The engine reads an imported resource before it has any state, so Pulumi's dynamic
        # provider host cannot tell which provider to run (pulumi#16175): this is the engine's
        # answer, and `adopt` the workaround (next test).
        assert "KeyError: '__provider'" in failed(project, "up", "--yes")
        assert calls.take() == []
        assert project.resources(":PhoneConfig") == []
        return
    # the native provider reads the phone: one GET in the preview, one for real; nothing
    # written, and the next up has nothing to do
    assert "= 1 imported" in summary(project.cli("up", "--yes"))
    assert calls.take() == [("GET", "/12/config"), ("GET", "/12/config")]
    assert summary(project.cli("up", "--yes")) == "2 unchanged"
    assert calls.take() == []
    assert emu.phone("12")["webhook"] == HOOK


def test_adopting_a_configured_phone_reads_it_and_writes_nothing(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    calls.take()
    project = make_project(program(family, extra=", adopt=True"))
    assert summary(project.cli("up", "--yes")) == "+ 2 created"
    assert calls.take() == [("GET", "/12/config")]
    assert stack_outputs(project) == {"phone_id": "12", "webhook": HOOK, "ack_delivery": True}
    # managed from now on: nothing to do, then a normal update writes
    assert summary(project.cli("up", "--yes")) == "2 unchanged"
    assert calls.take() == []
    project.write_program(program(family, webhook='"https://hooks.example.com/v2"', extra=", adopt=True"))
    assert summary(project.cli("up", "--yes")) == "~ 1 updated 1 unchanged"
    assert calls.take() == [("POST", "/12/config")]
    assert emu.phone("12")["webhook"] == "https://hooks.example.com/v2"


def test_adopting_a_phone_whose_config_differs_fails_without_writing(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    emu.set_phone("12", webhook="https://other.example.com/", ack_delivery=True)
    calls.take()
    project = make_project(program(family, extra=", adopt=True"))
    message = failed(project, "up", "--yes")
    assert "was not adopted, nothing was written" in message and "the webhook differs" in message
    assert "other.example.com" not in message  # a webhook may be secret: named, never shown
    assert calls.take() == [("GET", "/12/config")]
    assert emu.phone("12")["webhook"] == "https://other.example.com/"
    assert project.resources(":PhoneConfig") == []


def test_get_reads_an_existing_phone_without_managing_it(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    emu.set_phone("14", webhook=HOOK, ack_delivery=False)
    calls.take()
    project = make_project(f"""
import pulumi
{family.imports("PhoneConfig")}
existing = PhoneConfig.get("existing", "14")
pulumi.export("webhook", existing.webhook)
pulumi.export("ack_delivery", existing.ack_delivery)
""")
    project.cli("up", "--yes")
    # read once in the preview, once in the update
    assert calls.take() == [("GET", "/14/config")] * 2
    assert stack_outputs(project) == {"webhook": HOOK, "ack_delivery": False}
    assert project.resources(":PhoneConfig")[0]["external"] is True
    project.cli("destroy", "--yes")
    assert calls.take() == []
    assert emu.phone("14")["webhook"] == HOOK


BAD_INPUTS = [
    ("phone_id", '"abc"', "", "not a non-negative whole number"),
    ("phone_id", '"-5"', "", "not a non-negative whole number"),
    ("phone_id", "-5", "", "not a non-negative whole number"),
    ("phone_id", "1.5", "", "not a number"),
    ("phone_id", '""', "", "phone_id"),
    ("phone_id", '"   "', "", "is empty"),
    ("webhook", '"not a url"', "", "whitespace"),
    ("webhook", '"hooks.example.com/maytapi"', "", "scheme"),
    ("webhook", '"https://"', "", "has no host"),
    ("webhook", '"ftp://hooks.example.com/x"', "", "only http(s)"),
    ("webhook", '"https://hooks.example.com/a b"', "", "whitespace"),
    ("webhook", '"https://hooks.example.com/a\\x07"', "", "control characters"),
    ("webhook", '"https://hooks.example.com/" + "a" * 2100', "", "over 2048"),
    ("webhook", '"http://hooks.example.com/maytapi"', "", "allow_insecure_http=True"),
    ("ack_delivery", '"12"', ', ack_delivery="yes"', "is not a boolean"),
    ("webhok", '"12"', ', webhok="https://x.example.com"', "did you mean 'webhook'"),
]


def test_bad_inputs_fail_at_preview_naming_the_property_and_calling_nothing(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    # Dynamic only: the generated SDK refuses some of these itself; the native provider's
    # answers to them are tests/test_native.py's check-level tests.
    project = make_project(program(DYNAMIC))  # one stack, one program per bad input
    for prop, phone_id, extra, expected in BAD_INPUTS:
        webhook = phone_id if prop == "webhook" else f'"{HOOK}"'
        phone = phone_id if prop == "phone_id" else '"12"'
        src = program(DYNAMIC, phone_id=phone, webhook=webhook)
        if prop in ("ack_delivery", "webhok"):
            src = src.replace(", ack_delivery=True", extra)
        project.write_program(src)
        message = failed(project, "preview")
        assert prop in message and expected in message, (prop, phone_id, message)
    assert calls.take() == []


def test_plain_http_to_loopback_is_allowed_and_elsewhere_needs_the_opt_in(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    project = make_project(f"""
{family.imports("PhoneConfig")}
PhoneConfig("local", phone_id="12", webhook="http://127.0.0.1:9/hook")
PhoneConfig("opted-in", phone_id="13", webhook="http://hooks.example.com/x", allow_insecure_http=True)
""")
    assert summary(project.cli("up", "--yes")) == "+ 3 created"
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config")]
    assert emu.phone("13")["webhook"] == "http://hooks.example.com/x"


def test_secrets_stay_secret_and_the_token_never_reaches_state(
    make_project: Callable[..., Project], calls: Calls, family: Family
) -> None:
    project = make_project(
        program(family, webhook="pulumi.Output.secret(pulumi.Config().require('hook'))"),
        secrets={"hook": HOOK},
    )
    project.cli("up", "--yes")
    calls.take()
    exported = json.dumps(project.export())
    assert TOKEN not in exported and HOOK not in exported
    resource = project.resources(":PhoneConfig")[0]
    for props in (resource["inputs"], resource["outputs"]):
        assert props["webhook"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
        # a dynamic resource's serialized provider captures nothing secret, so it is stored in
        # clear, and small; a native resource has none
        provider = props.get("__provider")
        assert (isinstance(provider, str) and len(provider) <= 512) if not family.native else provider is None
    assert project.stack.outputs()["webhook"].secret is True
    # no line the CLI printed in the whole run shows the token either
    assert all(TOKEN not in line for line in project.log)


def test_api_failure_surfaces_the_server_message_leaves_no_state_and_the_next_up_converges(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, family: Family
) -> None:
    emu.fault(method="POST", path="/12/config$", success_false="Phone is disabled: subscription suspended")
    project = make_project(program(family))
    message = failed(project, "up", "--yes")
    assert "Phone is disabled: subscription suspended" in message and "phone 12" in message
    assert TOKEN not in message and all(TOKEN not in line for line in project.log)
    assert calls.take() == [("POST", "/12/config")]
    assert project.resources(":PhoneConfig") == []
    assert summary(project.cli("up", "--yes")) == "+ 1 created 1 unchanged"
    assert calls.take() == [("POST", "/12/config")]


def test_unknown_phone_is_reported_with_the_servers_message(
    make_project: Callable[..., Project], calls: Calls, family: Family
) -> None:
    project = make_project(program(family, phone_id='"999"'))
    assert "[999] is not a valid phone instance id" in failed(project, "up", "--yes")
    assert calls.take() == [("POST", "/999/config")]


def test_a_new_serialized_provider_alone_causes_no_update_and_no_call(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    project = make_project(program(DYNAMIC))
    project.cli("up", "--yes")
    calls.take()
    install_provider_from_another_release(project, TYPE, PhoneConfigProvider())
    assert summary(project.cli("up", "--yes")) == "2 unchanged"
    assert calls.take() == []


def test_a_bad_secret_webhook_is_named_in_the_error_but_never_shown(
    make_project: Callable[..., Project], calls: Calls, family: Family
) -> None:
    project = make_project(
        program(family, webhook="pulumi.Output.secret(pulumi.Config().require('hook'))"),
        secrets={"hook": "https://hooks.example.com/SECRET-PATH with a space"},
    )
    message = failed(project, "preview")
    assert "webhook" in message and "whitespace" in message
    assert "SECRET-PATH" not in message and all("SECRET-PATH" not in line for line in project.log)
    assert calls.take() == []
