"""PhoneConfig through the real engine against the emulator: each step states the API calls
it must make, counted in the emulator's call log."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from pulumi import automation as auto

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from maytapi_pulumi._phone_config import PhoneConfigProvider
from tests.conftest import TOKEN, Calls, install_provider_from_another_release

TYPE = "pulumi-python:dynamic/maytapi:PhoneConfig"
HOOK = "https://hooks.example.com/maytapi"


def program(phone_id: str = '"12"', webhook: str = f'"{HOOK}"', extra: str = "", opts: str = "") -> str:
    return f"""
import pulumi
from maytapi_pulumi import PhoneConfig
cfg = PhoneConfig("support-line", phone_id={phone_id}, webhook={webhook}, ack_delivery=True{extra}
                  {", opts=" + opts if opts else ""})
pulumi.export("phone_id", cfg.phone_id)
pulumi.export("webhook", cfg.webhook)
pulumi.export("ack_delivery", cfg.ack_delivery)
"""


def outputs(result: auto.UpResult | auto.RefreshResult) -> dict[str, object]:
    return {k: v.value for k, v in getattr(result, "outputs", {}).items()}


def test_lifecycle_create_noop_update_refresh_replace_destroy(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project(program())
    post12, get12, post13 = ("POST", "/12/config"), ("GET", "/12/config"), ("POST", "/13/config")

    # create: one POST, outputs as the API reports them, the type token in state
    up = project.up()
    assert up.summary.resource_changes == {"create": 2}
    assert calls.take() == [post12]
    assert outputs(up) == {"phone_id": "12", "webhook": HOOK, "ack_delivery": True}
    assert emu.phone("12")["webhook"] == HOOK and emu.phone("12")["ack_delivery"] is True
    assert [r["id"] for r in project.resources(":PhoneConfig")] == ["12"]
    assert project.resources(":PhoneConfig")[0]["type"] == TYPE

    # nothing changed: no update, no call
    assert project.up().summary.resource_changes == {"same": 2}
    assert calls.take() == []

    # webhook changed: preview --diff names the field and calls nothing; up is one POST
    project.write_program(program(webhook='"https://hooks.example.com/v2"'))
    preview = project.preview(diff=True)
    assert preview.change_summary == {"same": 1, "update": 1}
    assert "~ webhook" in preview.stdout and '=> "https://hooks.example.com/v2"' in preview.stdout
    assert calls.take() == []
    assert project.up().summary.resource_changes == {"same": 1, "update": 1}
    assert calls.take() == [post12]

    # drift made outside Pulumi: refresh is one GET and shows it; the next up converges
    emu.set_phone("12", webhook="https://drift.example.com/", ack_delivery=False)
    refresh = project.refresh()
    assert calls.take() == [get12]
    assert refresh.summary.resource_changes == {"same": 1, "update": 1}
    state = project.resources(":PhoneConfig")[0]["outputs"]
    assert state["webhook"] == "https://drift.example.com/" and state["ack_delivery"] is False
    drift_preview = project.preview(diff=True)
    assert "~ webhook" in drift_preview.stdout and "ack_delivery" in drift_preview.stdout
    assert project.up().summary.resource_changes == {"same": 1, "update": 1}
    assert calls.take() == [post12]
    assert emu.phone("12")["webhook"] == "https://hooks.example.com/v2"

    # phone_id changed: replace; the new phone configured, the old restored to the default
    project.write_program(program(phone_id='"13"', webhook='"https://hooks.example.com/v2"'))
    up = project.up()
    assert up.summary.resource_changes == {"same": 1, "replace": 1}
    assert calls.take() == [post13, post12]
    assert emu.phone("12")["webhook"] == "" and emu.phone("12")["ack_delivery"] is False
    assert emu.phone("13")["webhook"] == "https://hooks.example.com/v2"

    # destroy: one POST restores the product default
    assert project.destroy().summary.resource_changes == {"delete": 2}
    assert calls.take() == [post13]
    assert emu.phone("13")["webhook"] == "" and emu.phone("13")["ack_delivery"] is False
    assert [c["json"] for c in emu.api_calls()][-1] == {"webhook": "", "ack_delivery": False}


def test_destroy_with_retain_on_delete_leaves_the_phone_untouched(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project(program(opts="pulumi.ResourceOptions(retain_on_delete=True)"))
    project.up()
    calls.take()
    assert project.destroy().summary.resource_changes == {"delete": 2}
    assert calls.take() == []
    assert emu.phone("12")["webhook"] == HOOK


def test_the_import_option_is_refused_by_the_engine_for_dynamic_resources(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    # The engine reads an imported resource before it has any state, so Pulumi's dynamic
    # provider host cannot tell which provider to run. This is the engine's answer; `adopt`
    # is the workaround (next test).
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    calls.take()
    project = make_project(program(opts='pulumi.ResourceOptions(import_="12")'))
    with pytest.raises(auto.CommandError) as failure:
        project.up()
    assert "KeyError: '__provider'" in str(failure.value)
    assert calls.take() == []
    assert project.resources(":PhoneConfig") == []


def test_adopting_a_configured_phone_reads_it_and_writes_nothing(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    calls.take()
    project = make_project(program(extra=", adopt=True"))
    up = project.up()
    assert up.summary.resource_changes == {"create": 2}
    assert calls.take() == [("GET", "/12/config")]
    assert outputs(up) == {"phone_id": "12", "webhook": HOOK, "ack_delivery": True}
    # managed from now on: nothing to do, then a normal update writes
    assert project.up().summary.resource_changes == {"same": 2}
    assert calls.take() == []
    project.write_program(program(webhook='"https://hooks.example.com/v2"', extra=", adopt=True"))
    assert project.up().summary.resource_changes == {"same": 1, "update": 1}
    assert calls.take() == [("POST", "/12/config")]


def test_adopting_a_phone_whose_config_differs_fails_without_writing(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    emu.set_phone("12", webhook="https://other.example.com/", ack_delivery=True)
    calls.take()
    project = make_project(program(extra=", adopt=True"))
    with pytest.raises(auto.CommandError) as failure:
        project.up()
    message = str(failure.value)
    assert "was not adopted, nothing was written" in message and "the webhook differs" in message
    assert "other.example.com" not in message  # a webhook may be secret: named, never shown
    assert calls.take() == [("GET", "/12/config")]
    assert emu.phone("12")["webhook"] == "https://other.example.com/"
    assert project.resources(":PhoneConfig") == []


def test_get_reads_an_existing_phone_without_managing_it(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    emu.set_phone("14", webhook=HOOK, ack_delivery=False)
    calls.take()
    project = make_project("""
import pulumi
from maytapi_pulumi import PhoneConfig
existing = PhoneConfig.get("existing", "14")
pulumi.export("webhook", existing.webhook)
pulumi.export("ack_delivery", existing.ack_delivery)
""")
    up = project.up()
    assert outputs(up) == {"webhook": HOOK, "ack_delivery": False}
    assert calls.take() == [("GET", "/14/config")]
    assert project.resources(":PhoneConfig")[0]["external"] is True
    project.destroy()
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


@pytest.mark.parametrize(
    ("prop", "phone_id", "extra", "expected"),
    BAD_INPUTS,
    ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_INPUTS)],
)
def test_bad_inputs_fail_at_preview_naming_the_property_and_calling_nothing(
    make_project: Callable[..., Project], calls: Calls, prop: str, phone_id: str, extra: str, expected: str
) -> None:
    webhook = phone_id if prop == "webhook" else f'"{HOOK}"'
    phone = phone_id if prop == "phone_id" else '"12"'
    src = program(phone_id=phone, webhook=webhook)
    if prop in ("ack_delivery", "webhok"):
        src = src.replace(", ack_delivery=True", extra)
    project = make_project(src)
    with pytest.raises(auto.CommandError) as failure:
        project.preview()
    message = str(failure.value)
    assert prop in message and expected in message
    assert calls.take() == []


def test_plain_http_to_loopback_is_allowed_and_elsewhere_needs_the_opt_in(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project("""
from maytapi_pulumi import PhoneConfig
PhoneConfig("local", phone_id="12", webhook="http://127.0.0.1:9/hook")
PhoneConfig("opted-in", phone_id="13", webhook="http://hooks.example.com/x", allow_insecure_http=True)
""")
    assert project.up().summary.resource_changes == {"create": 3}
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config")]


def test_missing_settings_fail_at_preview_with_the_config_commands(
    make_project: Callable[..., Project], calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("MAYTAPI_PRODUCT_ID", "MAYTAPI_API_TOKEN", "MAYTAPI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    project = make_project(program(), settings=False)
    with pytest.raises(auto.CommandError) as failure:
        project.preview()
    message = str(failure.value)
    assert "pulumi config set maytapi:productId" in message
    assert "pulumi config set --secret maytapi:apiToken" in message
    assert calls.take() == []


def test_settings_fall_back_to_the_environment(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAYTAPI_PRODUCT_ID", emu.product_id)
    monkeypatch.setenv("MAYTAPI_API_TOKEN", emu.token)
    monkeypatch.setenv("MAYTAPI_BASE_URL", emu.base_url)
    project = make_project(program(), settings=False)
    assert project.up().summary.resource_changes == {"create": 2}
    assert calls.take() == [("POST", "/12/config")]


def test_secrets_stay_secret_and_the_token_never_reaches_state(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    project = make_project(
        program(webhook="pulumi.Output.secret(pulumi.Config().require('hook'))"), secrets={"hook": HOOK}
    )
    project.up()
    calls.take()
    exported = json.dumps(project.export())
    assert TOKEN not in exported and HOOK not in exported
    resource = project.resources(":PhoneConfig")[0]
    for props in (resource["inputs"], resource["outputs"]):
        assert props["webhook"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
        # the serialized provider captures nothing secret, so it is stored in clear, and small
        assert isinstance(props["__provider"], str) and len(props["__provider"]) <= 512
    assert project.stack.outputs()["webhook"].secret is True
    # no log line of the whole run shows the token either
    assert all(TOKEN not in line for line in project.log)


def test_api_failure_surfaces_the_server_message_leaves_no_state_and_the_next_up_converges(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    emu.fault(method="POST", path="/12/config$", success_false="Phone is disabled: subscription suspended")
    project = make_project(program())
    with pytest.raises(auto.CommandError) as failure:
        project.up()
    message = str(failure.value)
    assert "Phone is disabled: subscription suspended" in message and "phone 12" in message
    assert TOKEN not in message and all(TOKEN not in line for line in project.log)
    assert calls.take() == [("POST", "/12/config")]
    assert project.resources(":PhoneConfig") == []
    assert project.up().summary.resource_changes == {"create": 1, "same": 1}
    assert calls.take() == [("POST", "/12/config")]


def test_unknown_phone_is_reported_with_the_servers_message(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    project = make_project(program(phone_id='"999"'))
    with pytest.raises(auto.CommandError) as failure:
        project.up()
    assert "[999] is not a valid phone instance id" in str(failure.value)
    assert calls.take() == [("POST", "/999/config")]


def test_a_new_serialized_provider_alone_causes_no_update_and_no_call(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    project = make_project(program())
    project.up()
    calls.take()
    install_provider_from_another_release(project, TYPE, PhoneConfigProvider())
    assert project.up().summary.resource_changes == {"same": 2}
    assert calls.take() == []


def test_a_bad_secret_webhook_is_named_in_the_error_but_never_shown(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    project = make_project(
        program(webhook="pulumi.Output.secret(pulumi.Config().require('hook'))"),
        secrets={"hook": "https://hooks.example.com/SECRET-PATH with a space"},
    )
    with pytest.raises(auto.CommandError) as failure:
        project.preview()
    message = str(failure.value)
    assert "webhook" in message and "whitespace" in message
    assert "SECRET-PATH" not in message and all("SECRET-PATH" not in line for line in project.log)
    assert calls.take() == []
