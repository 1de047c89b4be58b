"""MaytapiClient over loopback against the emulator (no mock of the API): each test reads the
number of attempts from the emulator's call log.

A bare loopback HTTP server stands in for what the emulator cannot answer (a proxy's HTML error
page, a body cut short, a forward proxy); a closed port stands in for a host that refuses.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from pulumi import automation as auto
from pydantic import SecretStr

from devtools.emulator import RunningEmulator
from maytapi_pulumi import (
    Action,
    ApiError,
    AuthenticationError,
    InvalidInputError,
    MaytapiClient,
    MaytapiError,
    PhoneConfigBody,
    PhoneNotFoundError,
    RateLimitedError,
    Settings,
    TransportError,
    __version__,
)
from tests.conftest import DYNAMIC, TOKEN, Family

RETRIES = 2
ATTEMPTS = RETRIES + 1
BACKOFF = 0.01
HOOK = "https://hooks.example.com/maytapi"
WRONG_TOKEN = "tok-WRONG-7d2a0b-do-not-leak"
NOT_A_PHONE = "[999] is not a valid phone instance id"


def make_client(base_url: str, product_id: str, token: str = TOKEN, **options: Any) -> MaytapiClient:
    options = {"retries": RETRIES, "backoff_factor": BACKOFF, **options}
    return MaytapiClient(Settings(product_id, SecretStr(token), base_url), **options)


def emulator_client(emu: RunningEmulator, token: str = TOKEN, **options: Any) -> MaytapiClient:
    return make_client(emu.base_url, emu.product_id, token, **options)


@pytest.fixture
def client(emu: RunningEmulator) -> Iterator[MaytapiClient]:
    with emulator_client(emu) as c:
        yield c


def attempts(emu: RunningEmulator, path: str, method: str | None = None) -> int:
    return len(emu.api_calls(method=method, path=path))


def quietly(call: Callable[[], Any]) -> Any:
    """Call a deprecated method without its DeprecationWarning (tested on its own below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return call()


def free_port() -> int:
    """A loopback port nothing listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def closed_port() -> int:
    return free_port()


class Loopback:
    """A bare HTTP server on 127.0.0.1: answers every request with the canned status, content
    type and raw body (optionally promising more bytes than it sends), and records each
    request's target (an absolute URL when it is used as a forward proxy)."""

    def __init__(self) -> None:
        self.status = 200
        self.content_type = "application/json"
        self.body = b"{}"
        self.declared_length: int | None = None
        self.targets: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.targets.append(self.path)
                self.send_response(outer.status)
                self.send_header("Content-Type", outer.content_type)
                self.send_header("Content-Length", str(outer.declared_length or len(outer.body)))
                if outer.declared_length:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(outer.body)

            do_GET = do_POST = answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.status, self.body, self.content_type = status, body, content_type


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    server = Loopback()
    yield server
    server.server.shutdown()
    server.server.server_close()


def loopback_client(loopback: Loopback, emu: RunningEmulator, **options: Any) -> MaytapiClient:
    return make_client(f"{loopback.url}/api", emu.product_id, **options)


# -- every endpoint ---------------------------------------------------------------------------


def test_get_config_returns_the_stored_webhook_and_ack_delivery_in_one_get(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    assert client.get_config(12) == PhoneConfigBody(webhook=HOOK, ack_delivery=True)
    assert [c["method"] for c in emu.api_calls()] == ["GET"]
    assert attempts(emu, "^/12/config$") == 1


def test_get_config_of_an_unconfigured_phone_is_empty(emu: RunningEmulator, client: MaytapiClient) -> None:
    assert client.get_config("13") == PhoneConfigBody(webhook="", ack_delivery=False)


def test_set_config_posts_exactly_the_flat_body(emu: RunningEmulator, client: MaytapiClient) -> None:
    result = client.set_config("12", HOOK, ack_delivery=True)
    [call] = emu.api_calls()
    assert (call["method"], call["json"]) == ("POST", {"webhook": HOOK, "ack_delivery": True})
    assert result == PhoneConfigBody(webhook=HOOK, ack_delivery=True)
    assert (emu.phone("12")["webhook"], emu.phone("12")["ack_delivery"]) == (HOOK, True)


@pytest.mark.parametrize("empty", [None, ""], ids=["none", "empty-string"])
def test_set_config_sends_an_empty_webhook_as_empty_string(
    emu: RunningEmulator, client: MaytapiClient, empty: str | None
) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    result = client.set_config(12, empty)
    [call] = emu.api_calls(method="POST", path="^/12/config$")
    assert call["json"] == {"webhook": "", "ack_delivery": False}
    assert result == PhoneConfigBody(webhook="", ack_delivery=False)
    assert emu.phone("12")["webhook"] == ""


@pytest.mark.parametrize("bad", ["abc", -1, True, 1.5, ""])
def test_invalid_phone_id_is_refused_before_any_request(
    emu: RunningEmulator, client: MaytapiClient, bad: object
) -> None:
    with pytest.raises(InvalidInputError) as info:
        client.get_config(bad)  # type: ignore[arg-type]
    assert info.value.field == "phone_id"
    assert emu.api_calls() == []


def test_invalid_webhook_is_refused_before_any_request(emu: RunningEmulator, client: MaytapiClient) -> None:
    with pytest.raises(InvalidInputError, match=r"^webhook: "):
        client.set_config(12, "ftp://hooks.example.com/x")
    assert emu.api_calls() == []


def test_redeploy_is_one_get_and_puts_the_phone_in_loading(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    result = client.redeploy(12)
    assert (result.success, result.message) == (True, "Redeploy started")
    assert [(c["method"], c["path"].rsplit("/", 2)[1:]) for c in emu.api_calls()] == [
        ("GET", ["12", "redeploy"])
    ]
    assert emu.phone("12")["status"] == "loading"


def test_factory_reset_is_one_get_and_clears_the_config(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    assert client.factory_reset("12").success is True
    assert attempts(emu, "^/12/factoryreset$", "GET") == len(emu.api_calls()) == 1
    phone = emu.phone("12")
    assert (phone["webhook"], phone["ack_delivery"], phone["status"]) == ("", False, "qr-code")


def test_logout_is_one_get_and_keeps_the_config(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.set_phone("12", webhook=HOOK)
    assert client.logout(12).success is True
    assert attempts(emu, "^/12/logout$", "GET") == len(emu.api_calls()) == 1
    assert (emu.phone("12")["status"], emu.phone("12")["webhook"]) == ("qr-code", HOOK)


def test_run_action_calls_the_actions_endpoint(emu: RunningEmulator, client: MaytapiClient) -> None:
    assert client.run_action(Action.LOGOUT, 13).success is True
    assert attempts(emu, "^/13/logout$", "GET") == len(emu.api_calls()) == 1


def test_delete_warns_to_use_factory_reset(client: MaytapiClient) -> None:
    with pytest.warns(DeprecationWarning, match=r"delete.*factory_reset\(\)"):
        client.delete(12)


def test_delete_is_one_get_answered_with_the_deleted_phone(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    result = quietly(lambda: client.delete(12))
    assert (result.type, result.pid, result.phone_id) == ("deleted", emu.product_id, "12")
    assert attempts(emu, "^/12/delete$", "GET") == len(emu.api_calls()) == 1


def test_restart_warns_to_use_redeploy(client: MaytapiClient) -> None:
    with pytest.warns(DeprecationWarning, match=r"restart.*redeploy\(\)"):
        client.restart(12)


def test_restart_is_one_get_and_puts_the_phone_in_loading(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    assert quietly(lambda: client.restart(12)).success is True
    assert attempts(emu, "^/12/restart$", "GET") == len(emu.api_calls()) == 1
    assert emu.phone("12")["status"] == "loading"


def test_deprecation_warning_points_at_the_callers_line(emu: RunningEmulator, client: MaytapiClient) -> None:
    with pytest.warns(DeprecationWarning) as record:
        client.restart(12)
    assert record[0].filename == __file__


def test_backup_warns_that_multi_device_does_not_support_it(client: MaytapiClient) -> None:
    with pytest.warns(DeprecationWarning, match="multi-device"), pytest.raises(ApiError):
        client.backup(12)


def test_backup_refused_by_maytapi_raises_its_message(emu: RunningEmulator, client: MaytapiClient) -> None:
    with pytest.raises(ApiError) as info:
        quietly(lambda: client.backup(12))
    assert info.value.server_message == "Multi-device does not support backup and restore"
    assert attempts(emu, "^/12/backup$", "GET") == 1


def test_backup_returns_the_data_when_maytapi_sends_it(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.fault(path="^/12/backup$", status=200, body={"success": True, "data": {"session": "abc"}})
    assert quietly(lambda: client.backup(12)).data == {"session": "abc"}


def test_restore_warns_that_multi_device_does_not_support_it(client: MaytapiClient) -> None:
    with pytest.warns(DeprecationWarning, match="multi-device"), pytest.raises(ApiError):
        client.restore(12, {"session": "abc"})


def test_restore_posts_the_backup_data_as_its_body(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.fault(path="^/12/restore$", status=200, body={"success": True})
    assert quietly(lambda: client.restore(12, {"session": "abc"})).success is True
    [call] = emu.api_calls()
    assert (call["method"], call["json"]) == ("POST", {"session": "abc"})


def test_list_phones_returns_every_phone_with_integer_ids(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    emu.set_phone("13", status="qr-code")
    phones = client.list_phones()
    assert [(p.id, p.number, p.status) for p in phones] == [
        (12, "905550000012", "active"),
        (13, "905550000013", "qr-code"),
        (14, "905550000014", "active"),
    ]
    assert attempts(emu, "^/listPhones$", "GET") == 1


def test_status_of_a_connected_phone_is_ready(emu: RunningEmulator, client: MaytapiClient) -> None:
    status = client.status(12).status
    assert (status.logged_in, status.state and status.state.state, status.ready) == (True, "CONNECTED", True)
    assert attempts(emu, "^/12/status$", "GET") == 1


def test_status_of_a_phone_on_the_qr_screen_is_not_ready(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.set_phone("13", status="qr-code")
    status = client.status("13").status
    assert (status.is_qr, status.logged_in, status.ready) == (True, False, False)


# -- config response shapes the emulator is made to answer ------------------------------------


def test_get_config_reads_a_config_under_data(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.fault(path="/12/config$", status=200, body={"success": True, "data": {"webhook": {"webhook": HOOK}}})
    assert client.get_config(12) == PhoneConfigBody(webhook=HOOK, ack_delivery=False)


def test_get_config_without_a_config_in_the_answer_is_an_unexpected_answer(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    # Not an empty config: a refresh would report drift that does not exist.
    emu.fault(path="/12/config$", status=200, body={"success": True})
    with pytest.raises(ApiError, match="HTTP 200: unexpected answer: no config in it"):
        client.get_config(12)


def test_set_config_without_a_config_in_the_answer_returns_what_was_sent(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    emu.fault(method="POST", path="/12/config$", status=200, body={"success": True})
    assert client.set_config(12, HOOK, True) == PhoneConfigBody(webhook=HOOK, ack_delivery=True)


@pytest.mark.parametrize(
    ("path", "body", "call"),
    [
        ("^/listPhones$", [{"number": "905550000012"}], lambda c: c.list_phones()),
        ("^/12/status$", {"success": True, "status": "weird"}, lambda c: c.status(12)),
        ("^/12/config$", {"success": True, "status": {"webhook": 5}}, lambda c: c.get_config(12)),
    ],
    ids=["list-phones-row-without-id", "status-not-an-object", "config-webhook-a-number"],
)
def test_answer_of_unexpected_shape_raises_api_error(
    emu: RunningEmulator, client: MaytapiClient, path: str, body: Any, call: Callable[[MaytapiClient], Any]
) -> None:
    emu.fault(path=path, status=200, body=body)
    with pytest.raises(ApiError):
        call(client)


# -- error shapes --------------------------------------------------------------------------------


def test_success_false_at_http_200_raises_api_error_with_the_server_message(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    emu.fault(path="/12/config$", success_false="Phone is busy")
    with pytest.raises(ApiError) as info:
        client.get_config(12)
    assert type(info.value) is ApiError
    assert (info.value.status_code, info.value.server_message) == (200, "Phone is busy")
    assert attempts(emu, "/12/config$") == 1


@pytest.mark.parametrize(
    ("operation", "call"),
    [("get config", lambda c: c.get_config(999)), ("redeploy", lambda c: c.redeploy(999))],
    ids=["config", "action"],
)
def test_unknown_phone_raises_phone_not_found_with_id_and_message(
    emu: RunningEmulator, client: MaytapiClient, operation: str, call: Callable[[MaytapiClient], Any]
) -> None:
    with pytest.raises(PhoneNotFoundError) as info:
        call(client)
    error = info.value
    assert (error.operation, error.phone_id, error.server_message) == (operation, "999", NOT_A_PHONE)
    assert len(emu.api_calls()) == 1


def test_wrong_token_raises_authentication_error_with_status_401(emu: RunningEmulator) -> None:
    with emulator_client(emu, WRONG_TOKEN) as client, pytest.raises(AuthenticationError) as info:
        client.get_config(12)
    assert (info.value.status_code, info.value.server_message) == (401, "Invalid or missing x-maytapi-key")
    assert len(emu.api_calls()) == 1


def test_unknown_product_raises_api_error_with_status_404(emu: RunningEmulator) -> None:
    other = "00000000-0000-4000-8000-0000000000ff"
    with make_client(emu.base_url, other) as client, pytest.raises(ApiError) as info:
        client.get_config(12)
    assert type(info.value) is ApiError
    assert (info.value.status_code, info.value.server_message) == (404, f"Product {other} not found")


def test_http_500_with_json_message_raises_api_error_without_retrying(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    emu.fault(path="/12/config$", status=500, body={"success": False, "message": "Internal kaboom"}, times=5)
    with pytest.raises(ApiError) as info:
        client.get_config(12)
    assert type(info.value) is ApiError
    assert (info.value.status_code, info.value.server_message) == (500, "Internal kaboom")
    assert attempts(emu, "/12/config$") == 1


def test_non_json_body_at_200_raises_api_error(emu: RunningEmulator, loopback: Loopback) -> None:
    loopback.answer(200, b"<html>hello</html>", "text/html")
    with loopback_client(loopback, emu) as client, pytest.raises(ApiError, match="expected JSON") as info:
        client.get_config(12)
    assert info.value.status_code == 200
    assert len(loopback.targets) == 1


def test_non_json_error_page_raises_api_error_quoting_the_page(
    emu: RunningEmulator, loopback: Loopback
) -> None:
    loopback.answer(500, b"<h1>Internal Server Error</h1>", "text/html")
    with loopback_client(loopback, emu) as client, pytest.raises(ApiError) as info:
        client.get_config(12)
    assert (info.value.status_code, info.value.server_message) == (500, "<h1>Internal Server Error</h1>")


ERRORS: dict[str, tuple[dict[str, Any], str, Callable[[MaytapiClient], Any], str, int, str]] = {
    # name: (fault armed, token, call, phone id, status, server message)
    "success-false": (
        {"path": "/12/config$", "success_false": "Phone is busy"},
        TOKEN,
        lambda c: c.get_config(12),
        "12",
        200,
        "Phone is busy",
    ),
    "unknown-phone": ({}, TOKEN, lambda c: c.logout(999), "999", 200, NOT_A_PHONE),
    "wrong-token": (
        {},
        WRONG_TOKEN,
        lambda c: c.set_config(13, HOOK),
        "13",
        401,
        "Invalid or missing x-maytapi-key",
    ),
    "server-error": (
        {"path": "/14/config$", "status": 500, "body": {"success": False, "message": "Internal kaboom"}},
        TOKEN,
        lambda c: c.get_config(14),
        "14",
        500,
        "Internal kaboom",
    ),
    "rate-limited": (
        {"path": "/12/redeploy$", "status": 429, "times": ATTEMPTS, "body": {"message": "Slow down"}},
        TOKEN,
        lambda c: c.redeploy(12),
        "12",
        429,
        "Slow down",
    ),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_error_message_names_operation_phone_status_and_server_message(
    emu: RunningEmulator, case: str
) -> None:
    fault, token, call, phone, status, message = ERRORS[case]
    if fault:
        emu.fault(**fault)
    with emulator_client(emu, token) as client, pytest.raises(ApiError) as info:
        call(client)
    error = info.value
    assert (error.phone_id, error.status_code, error.server_message) == (phone, status, message)
    gave_up = rf" \(gave up after {ATTEMPTS} attempt\(s\) in [\d.]+ s: maytapi:maxRetries is {RETRIES}\)"
    expected = re.escape(f"Maytapi {error.operation} on phone {phone} failed: HTTP {status}: {message}")
    assert re.fullmatch(expected + (gave_up if status == 429 else ""), str(error))
    assert error.operation in ("get config", "set config", "logout", "redeploy")


def test_list_phones_error_names_no_phone(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.fault(path="^/listPhones$", success_false="Product suspended")
    with pytest.raises(ApiError) as info:
        client.list_phones()
    assert info.value.phone_id is None
    assert str(info.value) == "Maytapi list phones failed: HTTP 200: Product suspended"


# -- retries: config calls ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_config_call_is_retried_on_status_then_succeeds(
    emu: RunningEmulator, client: MaytapiClient, method: str, status: int
) -> None:
    emu.fault(method=method, path="^/12/config$", status=status, times=RETRIES)
    result = client.get_config(12) if method == "GET" else client.set_config(12, HOOK, True)
    assert result == (
        PhoneConfigBody() if method == "GET" else PhoneConfigBody(webhook=HOOK, ack_delivery=True)
    )
    assert attempts(emu, "^/12/config$", method) == ATTEMPTS


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_config_call_is_retried_on_a_dropped_connection_then_succeeds(
    emu: RunningEmulator, client: MaytapiClient, method: str
) -> None:
    emu.fault(method=method, path="^/12/config$", drop=True, times=RETRIES)
    if method == "GET":
        client.get_config(12)
    else:
        client.set_config(12, HOOK)
    assert attempts(emu, "^/12/config$", method) == ATTEMPTS


def test_config_get_is_retried_after_a_read_timeout_then_succeeds(emu: RunningEmulator) -> None:
    emu.set_phone("12", webhook=HOOK)
    emu.fault(path="^/12/config$", latency_ms=1500)
    with emulator_client(emu, read_timeout=0.3) as client:
        assert client.get_config(12).webhook == HOOK
    assert attempts(emu, "^/12/config$") == 2


def test_retry_after_is_waited_before_the_next_attempt(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.fault(path="^/12/config$", status=503, retry_after=1)
    started = time.monotonic()
    client.get_config(12)
    assert time.monotonic() - started >= 0.95
    assert attempts(emu, "^/12/config$") == 2


def test_exhausted_retries_on_429_raise_rate_limited_with_retry_after(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    emu.fault(path="^/12/config$", status=429, retry_after=0, times=ATTEMPTS + 2)
    with pytest.raises(RateLimitedError) as info:
        client.get_config(12)
    assert (info.value.status_code, info.value.retry_after) == (429, "0")
    assert attempts(emu, "^/12/config$") == ATTEMPTS


def test_rate_limited_without_retry_after_carries_none(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.fault(method="POST", path="^/12/config$", status=429, times=ATTEMPTS)
    with pytest.raises(RateLimitedError) as info:
        client.set_config(12, HOOK)
    assert info.value.retry_after is None


@pytest.mark.parametrize("status", [502, 503, 504])
def test_exhausted_retries_on_a_gateway_error_raise_api_error_with_its_status(
    emu: RunningEmulator, client: MaytapiClient, status: int
) -> None:
    emu.fault(path="^/12/config$", status=status, times=ATTEMPTS + 2)
    with pytest.raises(ApiError) as info:
        client.get_config(12)
    assert info.value.status_code == status
    assert attempts(emu, "^/12/config$") == ATTEMPTS


def test_exhausted_retries_on_dropped_connections_raise_transport_error(
    emu: RunningEmulator, client: MaytapiClient
) -> None:
    emu.fault(method="POST", path="^/12/config$", drop=True, times=ATTEMPTS + 2)
    with pytest.raises(TransportError) as info:
        client.set_config(12, HOOK)
    assert info.value.may_have_happened is False
    assert attempts(emu, "^/12/config$") == ATTEMPTS


# -- retries: actions ---------------------------------------------------------------------------

ACTIONS: dict[str, tuple[str, Callable[[MaytapiClient, str], Any]]] = {
    "redeploy": ("redeploy", lambda c, p: c.redeploy(p)),
    "factory_reset": ("factoryreset", lambda c, p: c.factory_reset(p)),
    "logout": ("logout", lambda c, p: c.logout(p)),
}
DEPRECATED_ACTIONS: dict[str, tuple[str, Callable[[MaytapiClient, str], Any]]] = {
    "delete": ("delete", lambda c, p: quietly(lambda: c.delete(p))),
    "restart": ("restart", lambda c, p: quietly(lambda: c.restart(p))),
}


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("name", list(ACTIONS))
def test_action_is_retried_on_status_then_succeeds(
    emu: RunningEmulator, client: MaytapiClient, name: str, status: int
) -> None:
    endpoint, call = ACTIONS[name]
    emu.fault(path=f"^/12/{endpoint}$", status=status, times=RETRIES)
    assert call(client, "12").success is True
    assert attempts(emu, f"^/12/{endpoint}$") == ATTEMPTS


def test_action_exhausted_on_429_raises_rate_limited(emu: RunningEmulator, client: MaytapiClient) -> None:
    emu.fault(path="^/12/factoryreset$", status=429, retry_after=0, times=ATTEMPTS + 2)
    with pytest.raises(RateLimitedError) as info:
        client.factory_reset(12)
    assert info.value.retry_after == "0"
    assert attempts(emu, "^/12/factoryreset$") == ATTEMPTS


@pytest.mark.parametrize("status", [502, 504])
@pytest.mark.parametrize("name", [*ACTIONS, *DEPRECATED_ACTIONS])
def test_action_is_not_retried_on_a_gateway_error(
    emu: RunningEmulator, client: MaytapiClient, name: str, status: int
) -> None:
    endpoint, call = {**ACTIONS, **DEPRECATED_ACTIONS}[name]
    emu.fault(path=f"^/12/{endpoint}$", status=status, times=ATTEMPTS)
    with pytest.raises(ApiError) as info:
        call(client, "12")
    assert info.value.status_code == status
    assert attempts(emu, f"^/12/{endpoint}$") == 1


@pytest.mark.parametrize("name", [*ACTIONS, *DEPRECATED_ACTIONS])
def test_action_is_not_retried_on_a_dropped_connection_and_may_have_happened(
    emu: RunningEmulator, client: MaytapiClient, name: str
) -> None:
    endpoint, call = {**ACTIONS, **DEPRECATED_ACTIONS}[name]
    emu.fault(path=f"^/12/{endpoint}$", drop=True, times=ATTEMPTS)
    with pytest.raises(TransportError, match="the action may have happened") as info:
        call(client, "12")
    assert info.value.may_have_happened is True
    assert attempts(emu, f"^/12/{endpoint}$") == 1


@pytest.mark.parametrize("name", list(ACTIONS))
def test_action_read_timeout_is_one_attempt_and_may_have_happened(emu: RunningEmulator, name: str) -> None:
    # Phone 77 is removed by the next reset: the late answer changes no phone another test uses.
    endpoint, call = ACTIONS[name]
    emu.set_phone("77")
    emu.fault(path=f"^/77/{endpoint}$", latency_ms=1500, times=ATTEMPTS)
    with emulator_client(emu, read_timeout=0.3) as client, pytest.raises(TransportError) as info:
        call(client, "77")
    assert info.value.may_have_happened is True
    assert attempts(emu, f"^/77/{endpoint}$") == 1


# -- connection refused -------------------------------------------------------------------------


def test_connection_refused_raises_transport_error_that_did_not_happen(
    emu: RunningEmulator, closed_port: int
) -> None:
    client = make_client(f"http://127.0.0.1:{closed_port}/api", emu.product_id)
    with client, pytest.raises(TransportError) as info:
        client.get_config(12)
    assert info.value.may_have_happened is False
    assert "may have happened" not in str(info.value)


def test_action_connection_refused_is_retried_and_did_not_happen(
    emu: RunningEmulator, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="maytapi_pulumi")
    client = make_client(f"http://127.0.0.1:{closed_port}/api", emu.product_id)
    with client, pytest.raises(TransportError) as info:
        client.redeploy(12)
    assert info.value.may_have_happened is False
    # A closed port keeps no call log; the client logs each retry instead.
    retried = [r for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert len(retried) == RETRIES


# -- bugs found with a loopback server -------------------------------------------------------------


def test_action_goes_through_the_sessions_proxy_like_config_calls(
    emu: RunningEmulator, loopback: Loopback
) -> None:
    loopback.answer(200, b'{"success": true}')
    session = requests.Session()
    session.proxies = {"http": loopback.url}
    with emulator_client(emu, session=session) as client:
        client.logout(12)
    assert [t.rsplit("/", 2)[1:] for t in loopback.targets] == [["12", "logout"]]
    assert emu.api_calls() == []


def test_action_answer_cut_short_raises_transport_error_that_may_have_happened(
    emu: RunningEmulator, loopback: Loopback
) -> None:
    loopback.answer(200, b'{"success": true')
    loopback.declared_length = 100
    with loopback_client(loopback, emu) as client, pytest.raises(TransportError) as info:
        client.logout(12)
    assert info.value.may_have_happened is True


def test_config_answer_cut_short_raises_transport_error(emu: RunningEmulator, loopback: Loopback) -> None:
    loopback.answer(200, b'{"success": true')
    loopback.declared_length = 100
    with loopback_client(loopback, emu) as client, pytest.raises(TransportError):
        client.get_config(12)


def test_loopback_proxy_sees_config_calls(emu: RunningEmulator, loopback: Loopback) -> None:
    # The control for the proxy bug above: a config call does go through the session's proxy.
    loopback.answer(200, json.dumps({"success": True, "status": {"webhook": HOOK}}).encode())
    session = requests.Session()
    session.proxies = {"http": loopback.url}
    with emulator_client(emu, session=session) as client:
        assert client.get_config(12).webhook == HOOK
    assert [t.rsplit("/", 2)[1:] for t in loopback.targets] == [["12", "config"]]


# -- the token is never shown ---------------------------------------------------------------------


def test_client_repr_hides_the_token(client: MaytapiClient) -> None:
    assert TOKEN not in repr(client)
    assert client.settings.product_id in repr(client)


def test_settings_repr_and_str_hide_the_token(client: MaytapiClient) -> None:
    assert TOKEN not in repr(client.settings)
    assert TOKEN not in str(client.settings)
    assert "api_token" in repr(client.settings)


def everything_said_about(error: BaseException) -> str:
    """str, repr, args and formatted traceback of the error and of every exception it chains
    (cause, context even when suppressed, wrapped exceptions and urllib3 reasons)."""
    said: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        exc = todo.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        said += [str(exc), repr(exc), *map(repr, exc.args), *traceback.format_exception(exc)]
        linked = [exc.__cause__, exc.__context__, getattr(exc, "reason", None), *exc.args]
        todo += [e for e in linked if isinstance(e, BaseException)]
    return "\n".join(said)


def _closed_port_client(emu: RunningEmulator) -> MaytapiClient:
    return make_client(f"http://127.0.0.1:{free_port()}/api", emu.product_id)


FAILURES: dict[
    str, tuple[dict[str, Any], Callable[[RunningEmulator], MaytapiClient], Callable[[MaytapiClient], Any]]
] = {
    "wrong-token": ({}, lambda emu: emulator_client(emu, WRONG_TOKEN), lambda c: c.get_config(12)),
    "unknown-phone": ({}, emulator_client, lambda c: c.redeploy(999)),
    "server-error": (
        {"path": "/12/config$", "status": 500},
        emulator_client,
        lambda c: c.set_config(12, HOOK),
    ),
    "rate-limited": (
        {"path": "/12/config$", "status": 429, "times": ATTEMPTS},
        emulator_client,
        lambda c: c.get_config(12),
    ),
    "dropped-config": (
        {"path": "/12/config$", "drop": True, "times": ATTEMPTS},
        emulator_client,
        lambda c: c.get_config(12),
    ),
    "dropped-action": ({"path": "/12/logout$", "drop": True}, emulator_client, lambda c: c.logout(12)),
    "read-timeout": (
        {"path": "/14/status$", "latency_ms": 1500, "times": ATTEMPTS},
        lambda emu: emulator_client(emu, read_timeout=0.3, retries=0),
        lambda c: c.status(14),
    ),
    "connection-refused": ({}, _closed_port_client, lambda c: c.factory_reset(12)),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_token_is_absent_from_errors_and_their_tracebacks(emu: RunningEmulator, case: str) -> None:
    fault, make, call = FAILURES[case]
    if fault:
        emu.fault(**fault)
    with make(emu) as client, pytest.raises(MaytapiError) as info:
        call(client)
    said = everything_said_about(info.value)
    assert "Maytapi" in said and "Traceback" in said
    assert TOKEN not in said
    assert WRONG_TOKEN not in said


def test_token_is_absent_from_every_log_record(
    emu: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="urllib3")
    caplog.set_level(logging.DEBUG, logger="maytapi_pulumi")
    for fault, make, call in FAILURES.values():
        if fault:
            emu.fault(**fault)
        with make(emu) as client, pytest.raises(MaytapiError):
            call(client)
    with emulator_client(emu) as client:
        client.set_config(12, HOOK, True)
        client.get_config(12)
        client.redeploy(13)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert "Retrying" in logged and "GET /api/" in logged  # urllib3's DEBUG records were captured
    assert TOKEN not in logged
    assert WRONG_TOKEN not in logged


# -- User-Agent ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [lambda c: c.get_config(12), lambda c: c.set_config(12, HOOK), lambda c: c.logout(12)],
    ids=["get", "post", "action"],
)
def test_user_agent_names_the_package_and_its_version(
    emu: RunningEmulator, client: MaytapiClient, call: Callable[[MaytapiClient], Any]
) -> None:
    call(client)
    [logged] = emu.api_calls()
    assert logged["headers"]["User-Agent"].startswith(f"maytapi-pulumi/{__version__} ")


# -- convergence under transient faults, through the real CLI ---------------------------------------

FLEET_SIZE = 50
FAULT_RATE = 0.3
# Five seeded faults share the rate: each fires with probability r, so 1 - (1 - r)**5 = 0.3.
EACH = 1 - (1 - FAULT_RATE) ** (1 / 5)
TRANSIENT_FAULTS = [{"status": 503}, {"status": 502}, {"status": 504}, {"status": 429}, {"drop": True}]


def fleet_program(size: int, family: Family) -> str:
    return f"""
{family.imports("PhoneConfig")}
for n in range({size}):
    PhoneConfig(f"phone-{{n}}", phone_id=str(100 + n), webhook=f"https://hooks.example.com/{{n}}",
                ack_delivery=n % 2 == 0)
"""


def test_a_fleet_under_30_percent_transient_faults_converges_in_one_up(
    make_project: Callable[..., Any], emu: RunningEmulator, family: Family
) -> None:
    emu.reset([str(100 + n) for n in range(FLEET_SIZE)])
    for seed, effect in enumerate(TRANSIENT_FAULTS, start=1):
        emu.fault(rate=EACH, seed=seed, **effect)
    project = make_project(fleet_program(FLEET_SIZE, family))

    started = time.monotonic()
    up = project.cli("up", "--yes", check=False)
    took = time.monotonic() - started

    assert up.returncode == 0, up.output
    posts = emu.api_calls(method="POST", path=r"^/\d+/config$")
    faulted = [c for c in posts if c["fault"] is not None]
    per_phone = [
        len([c for c in posts if c["path"].endswith(f"/{100 + n}/config")]) for n in range(FLEET_SIZE)
    ]
    print(
        f"\n{FLEET_SIZE} phones, {FAULT_RATE:.0%} faults: one up converged in {took:.1f} s; "
        f"{len(posts)} config POSTs, {len(faulted)} faulted ({len(faulted) / len(posts):.0%}), "
        f"at most {max(per_phone)} attempts for one phone"
    )
    assert len(faulted) > 0.2 * len(posts)  # the faults did fire at about the rate asked
    assert len([c for c in posts if c["fault"] is None]) == FLEET_SIZE  # one success per phone
    for n in range(FLEET_SIZE):
        phone = emu.phone(str(100 + n))
        assert (phone["webhook"], phone["ack_delivery"]) == (f"https://hooks.example.com/{n}", n % 2 == 0)


def test_a_dead_api_fails_the_up_in_bounded_time_and_max_retries_is_checked(
    make_project: Callable[..., Any], closed_port: int
) -> None:
    dead = {"maytapi:baseUrl": f"http://127.0.0.1:{closed_port}/api", "maytapi:maxRetries": "lots"}
    project = make_project(fleet_program(1, DYNAMIC), config=dead)

    # an invalid budget fails the preview, naming the setting and its variable, before any call
    preview = project.cli("preview", check=False)
    assert preview.returncode != 0
    assert (
        "maytapi:maxRetries (MAYTAPI_MAX_RETRIES): 'lots' is not a whole number from 0 to 100"
        in preview.output
    )

    # with a budget of 2 retries, the up fails after 3 attempts, saying so
    project.stack.set_config("maytapi:maxRetries", auto.ConfigValue("2"))
    started = time.monotonic()
    up = project.cli("up", "--yes", check=False)
    took = time.monotonic() - started
    print(f"\ndead API: the up failed in {took:.1f} s")
    assert up.returncode != 0
    assert "Maytapi set config on phone 100 failed: ConnectionError: " in up.output
    assert "(gave up after 3 attempt(s) in " in up.output and "maytapi:maxRetries is 2)" in up.output
    assert TOKEN not in up.output
