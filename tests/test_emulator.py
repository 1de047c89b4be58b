"""The emulator over loopback, with raw requests, through a RunningEmulator subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.emulator import ROOT, RunningEmulator
from maytapi_pulumi._errors import printable

TOKEN = f"tok-{uuid.uuid4().hex}"
PRODUCT = str(uuid.uuid4())
REDEPLOY_SECONDS = 0.5


@pytest.fixture(scope="module")
def emu() -> Iterator[RunningEmulator]:
    with RunningEmulator(product_id=PRODUCT, token=TOKEN, redeploy_seconds=REDEPLOY_SECONDS) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def fresh(emu: RunningEmulator) -> None:
    emu.reset()


def api(
    emu: RunningEmulator, method: str, path: str, *, key: str | None = TOKEN, **kw: Any
) -> requests.Response:
    headers = {} if key is None else {"x-maytapi-key": key}
    return requests.request(method, emu.api_url + path, headers=headers, timeout=10, **kw)


def body(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def config(webhook: str, ack_delivery: bool) -> dict[str, Any]:
    return {"success": True, "status": {"webhook": webhook, "ack_delivery": ack_delivery}}


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


# --- the Maytapi endpoints ---


def test_urls(emu: RunningEmulator) -> None:
    assert emu.base_url.startswith("http://127.0.0.1:")
    assert emu.base_url.endswith("/api")
    assert emu.api_url == f"{emu.base_url}/{PRODUCT}"
    assert (emu.product_id, emu.token) == (PRODUCT, TOKEN)


def test_list_phones_is_a_bare_array_with_integer_ids(emu: RunningEmulator) -> None:
    phones = body(api(emu, "GET", "/listPhones"))
    assert phones == [
        {"id": 12, "number": "905550000012", "status": "active"},
        {"id": 13, "number": "905550000013", "status": "active"},
    ]


def test_config_starts_empty(emu: RunningEmulator) -> None:
    assert body(api(emu, "GET", "/12/config")) == config("", False)


@pytest.mark.parametrize(
    "request_body",
    [
        {"webhook": "https://hooks.example/a", "ack_delivery": True},
        {"webhook": {"webhook": "https://hooks.example/a"}, "ack_delivery": True},
    ],
    ids=["flat", "nested"],
)
def test_config_post_accepts_both_forms_and_persists(emu: RunningEmulator, request_body: Any) -> None:
    assert body(api(emu, "POST", "/12/config", json=request_body)) == config("https://hooks.example/a", True)
    assert body(api(emu, "GET", "/12/config")) == config("https://hooks.example/a", True)
    assert body(api(emu, "GET", "/13/config")) == config("", False)
    assert emu.phone("12")["webhook"] == "https://hooks.example/a"


@pytest.mark.parametrize(
    "request_body",
    [{"webhook": None}, {"webhook": ""}, {}, {"webhook": {"webhook": None}}],
    ids=["null", "empty-string", "missing", "nested-null"],
)
def test_config_empty_webhook_forms_and_missing_ack(emu: RunningEmulator, request_body: Any) -> None:
    emu.set_phone("12", webhook="https://old.example", ack_delivery=True)
    assert body(api(emu, "POST", "/12/config", json=request_body)) == config("", False)
    assert body(api(emu, "GET", "/12/config")) == config("", False)


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "",
        "[]",
        '"https://hooks.example"',
        '{"webhook": 5}',
        '{"webhook": ["https://hooks.example"]}',
        '{"webhook": {"webhook": 5}}',
        '{"webhook": "https://hooks.example", "ack_delivery": "yes"}',
        '{"ack_delivery": null}',
    ],
)
def test_config_post_rejects_bad_bodies(emu: RunningEmulator, raw: str) -> None:
    emu.set_phone("12", webhook="https://kept.example", ack_delivery=True)
    refused = body(api(emu, "POST", "/12/config", data=raw), 400)
    assert refused["success"] is False
    assert refused["message"]
    assert body(api(emu, "GET", "/12/config")) == config("https://kept.example", True)


def status_of(emu: RunningEmulator, phone_id: str) -> str:
    status: str = emu.phone(phone_id)["status"]
    return status


@pytest.mark.parametrize(
    ("action", "answer"),
    [("redeploy", {"success": True, "message": "Redeploy started"}), ("restart", {"success": True})],
)
def test_redeploy_and_restart_load_then_come_back(emu: RunningEmulator, action: str, answer: Any) -> None:
    emu.set_phone("12", webhook="https://kept.example")
    started = time.monotonic()
    assert body(api(emu, "GET", f"/12/{action}")) == answer
    assert body(api(emu, "GET", "/listPhones"))[0]["status"] == "loading"
    session = body(api(emu, "GET", "/12/status"))["status"]
    assert (session["loading"], session["loggedIn"], session["state"]) == (
        True,
        False,
        {"state": "OPENING", "canSend": False},
    )
    wait_for(lambda: status_of(emu, "12") == "active")
    assert time.monotonic() - started >= REDEPLOY_SECONDS * 0.9
    assert emu.phone("12")["webhook"] == "https://kept.example"
    assert status_of(emu, "13") == "active"


def test_redeploy_of_an_unscanned_phone_returns_to_the_qr_code(emu: RunningEmulator) -> None:
    emu.set_phone("12", status="qr-code")
    body(api(emu, "GET", "/12/redeploy"))
    body(api(emu, "GET", "/12/redeploy"))  # a second redeploy while loading keeps the target
    assert status_of(emu, "12") == "loading"
    wait_for(lambda: status_of(emu, "12") == "qr-code")


def test_logout_during_redeploy_wins(emu: RunningEmulator) -> None:
    body(api(emu, "GET", "/12/redeploy"))
    body(api(emu, "GET", "/12/logout"))
    time.sleep(REDEPLOY_SECONDS * 1.5)
    assert status_of(emu, "12") == "qr-code"


def test_factoryreset_clears_config_and_needs_a_new_scan(emu: RunningEmulator) -> None:
    emu.set_phone("12", webhook="https://hooks.example", ack_delivery=True)
    assert body(api(emu, "GET", "/12/factoryreset")) == {"success": True}
    assert body(api(emu, "GET", "/12/config")) == config("", False)
    session = body(api(emu, "GET", "/12/status"))["status"]
    assert (session["isQr"], session["loggedIn"], session["state"]["state"]) == (True, False, "UNPAIRED")
    assert status_of(emu, "13") == "active"


def test_delete_acts_as_factoryreset(emu: RunningEmulator) -> None:
    emu.set_phone("12", webhook="https://hooks.example", ack_delivery=True)
    assert body(api(emu, "GET", "/12/delete")) == {
        "success": True,
        "type": "deleted",
        "pid": PRODUCT,
        "phone_id": "12",
    }
    phone = emu.phone("12")
    assert (phone["status"], phone["webhook"], phone["ack_delivery"]) == ("qr-code", "", False)
    assert body(api(emu, "GET", "/listPhones"))[0]["id"] == 12  # phones are never really deleted


def test_logout_keeps_config(emu: RunningEmulator) -> None:
    emu.set_phone("12", webhook="https://hooks.example", ack_delivery=True)
    assert body(api(emu, "GET", "/12/logout")) == {"success": True}
    assert status_of(emu, "12") == "qr-code"
    assert body(api(emu, "GET", "/12/config")) == config("https://hooks.example", True)


@pytest.mark.parametrize(("method", "action"), [("GET", "backup"), ("POST", "restore")])
def test_backup_and_restore_are_unsupported(emu: RunningEmulator, method: str, action: str) -> None:
    answer = body(api(emu, method, f"/12/{action}", json={"WABrowserId": "x"}))
    assert answer == {"success": False, "message": "Multi-device does not support backup and restore"}
    assert emu.phone("12")["status"] == "active"


@pytest.mark.parametrize(
    ("status", "logged_in", "is_qr", "loading", "state"),
    [
        ("active", True, False, False, "CONNECTED"),
        ("qr-code", False, True, False, "UNPAIRED"),
        ("loading", False, False, True, "OPENING"),
        ("phone-error", True, False, False, "TIMEOUT"),
        ("idle", True, False, False, "CONFLICT"),
        ("disabled", False, False, False, "UNLAUNCHED"),
    ],
)
def test_status_follows_the_phone(
    emu: RunningEmulator, status: str, logged_in: bool, is_qr: bool, loading: bool, state: str
) -> None:
    emu.set_phone("13", status=status, number="905551112233")
    answer = body(api(emu, "GET", "/13/status"))
    assert answer["success"] is True
    assert answer["status"] == {
        "loggedIn": logged_in,
        "isQr": is_qr,
        "loading": loading,
        "connRetry": False,
        "message": answer["status"]["message"],
        "state": {"state": state, "canSend": state == "CONNECTED"},
        "number": "905551112233",
        "multidevice": True,
    }
    assert isinstance(answer["status"]["message"], str)
    assert body(api(emu, "GET", "/listPhones"))[1] == {"id": 13, "number": "905551112233", "status": status}


PHONE_ENDPOINTS = [
    ("GET", "config"),
    ("POST", "config"),
    ("GET", "redeploy"),
    ("GET", "factoryreset"),
    ("GET", "logout"),
    ("GET", "backup"),
    ("POST", "restore"),
    ("GET", "delete"),
    ("GET", "restart"),
    ("GET", "status"),
]


@pytest.mark.parametrize("phone_id", ["12345", "abc"])
@pytest.mark.parametrize(("method", "action"), PHONE_ENDPOINTS)
def test_unknown_phone(emu: RunningEmulator, phone_id: str, method: str, action: str) -> None:
    answer = body(api(emu, method, f"/{phone_id}/{action}", json={"webhook": "https://x.example"}))
    assert answer == {"success": False, "message": f"[{phone_id}] is not a valid phone instance id"}
    assert [p["id"] for p in emu.phones()] == ["12", "13"]


@pytest.mark.parametrize("key", [None, "wrong-key", ""])
@pytest.mark.parametrize(("method", "action"), [*PHONE_ENDPOINTS, ("GET", "listPhones")])
def test_refused_without_the_right_key(
    emu: RunningEmulator, key: str | None, method: str, action: str
) -> None:
    path = "/listPhones" if action == "listPhones" else f"/12/{action}"
    answer = body(api(emu, method, path, key=key, json={"webhook": "https://x.example"}), 401)
    assert answer == {"success": False, "message": "Invalid or missing x-maytapi-key"}
    assert emu.phone("12") == {
        "id": "12",
        "number": "905550000012",
        "status": "active",
        "webhook": "",
        "ack_delivery": False,
    }
    [call] = emu.calls()
    assert (call["status"], call["key_sent"]) == (401, key is not None)
    if key:
        assert key not in json.dumps(call)


def test_unknown_product(emu: RunningEmulator) -> None:
    response = requests.get(
        f"{emu.base_url}/{uuid.uuid4()}/12/config", headers={"x-maytapi-key": TOKEN}, timeout=10
    )
    answer = body(response, 404)
    assert answer["success"] is False
    assert "not found" in answer["message"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/12/nothing", 404),
        ("POST", "/12/redeploy", 405),
        ("GET", "/12/restore", 405),
        ("GET", "", 404),
    ],
)
def test_unknown_routes_answer_json(emu: RunningEmulator, method: str, path: str, status: int) -> None:
    assert body(api(emu, method, path), status)["success"] is False
    assert emu.calls()[-1]["status"] == status


# --- faults ---


def test_status_fault_with_retry_after_then_normal(emu: RunningEmulator) -> None:
    fault_id = emu.fault(method="POST", path="/12/config$", status=503, retry_after=7)
    assert emu.faults() == [
        {
            "id": fault_id,
            "remaining": 1,
            "method": "POST",
            "path": "/12/config$",
            "status": 503,
            "retry_after": 7,
        }
    ]
    response = api(emu, "POST", "/12/config", json={"webhook": "https://x.example"})
    assert response.headers["Retry-After"] == "7"
    assert body(response, 503)["success"] is False
    assert emu.phone("12")["webhook"] == ""  # a faulted call changes nothing
    assert emu.faults() == []
    assert body(api(emu, "POST", "/12/config", json={"webhook": "https://x.example"}))["success"] is True
    assert [(c["status"], c["fault"]) for c in emu.calls()] == [(503, "status"), (200, None)]


def test_status_fault_with_custom_body(emu: RunningEmulator) -> None:
    emu.fault(path="/config$", status=200, body={"data": {"webhook": "odd"}})
    response = api(emu, "GET", "/13/config")
    assert "Retry-After" not in response.headers
    assert body(response) == {"data": {"webhook": "odd"}}


def test_success_false_fault(emu: RunningEmulator) -> None:
    emu.fault(path="/redeploy$", success_false="Phone is busy")
    assert body(api(emu, "GET", "/12/redeploy")) == {"success": False, "message": "Phone is busy"}
    assert status_of(emu, "12") == "active"
    assert emu.calls()[0]["fault"] == "success_false"


def test_latency_fault_then_normal_answer(emu: RunningEmulator) -> None:
    emu.fault(method="POST", path="/12/config$", latency_ms=400)
    started = time.monotonic()
    response = api(emu, "POST", "/12/config", json={"webhook": "https://slow.example"})
    assert time.monotonic() - started >= 0.4
    assert body(response) == config("https://slow.example", False)
    assert emu.phone("12")["webhook"] == "https://slow.example"
    assert (emu.calls()[0]["status"], emu.calls()[0]["fault"]) == (200, "latency_ms")


def test_drop_fault_closes_the_connection(emu: RunningEmulator) -> None:
    emu.fault(method="POST", path="/12/config$", drop=True)
    with pytest.raises(requests.ConnectionError):
        api(emu, "POST", "/12/config", json={"webhook": "https://x.example"})
    assert emu.phone("12")["webhook"] == ""
    assert body(api(emu, "POST", "/12/config", json={"webhook": "https://x.example"}))["success"] is True
    assert [(c["status"], c["fault"]) for c in emu.calls()] == [(None, "drop"), (200, None)]


def test_times_method_path_and_order(emu: RunningEmulator) -> None:
    emu.fault(method="get", path="/12/status$", times=2, status=500)
    emu.fault(path="/12/status$", success_false="second")
    assert body(api(emu, "POST", "/12/config", json={}))["success"] is True  # other path
    assert body(api(emu, "GET", "/13/status"))["success"] is True  # other phone
    assert body(api(emu, "GET", "/12/status"), 500)["success"] is False
    assert body(api(emu, "GET", "/12/status"), 500)["success"] is False
    assert body(api(emu, "GET", "/12/status"))["message"] == "second"  # one fault per call, in order
    assert body(api(emu, "GET", "/12/status"))["success"] is True
    assert [c["fault"] for c in emu.calls()] == [None, None, "status", "status", "success_false", None]


def test_rate_faults(emu: RunningEmulator) -> None:
    def pattern() -> list[int]:
        emu.fault(path="/listPhones$", rate=0.5, seed=42, status=503)
        return [api(emu, "GET", "/listPhones").status_code for _ in range(40)]

    first = pattern()
    assert 5 < first.count(503) < 35
    assert set(first) == {200, 503}
    emu.reset()
    assert pattern() == first  # the seed makes it reproducible
    assert len(emu.faults()) == 1  # rate faults are never used up
    emu.clear_faults()
    emu.fault(path="/listPhones$", rate=1, status=502)
    emu.fault(path="/listPhones$", rate=0, status=501)
    assert {api(emu, "GET", "/listPhones").status_code for _ in range(10)} == {502}
    emu.clear_faults()
    emu.fault(path="/listPhones$", rate=0, status=501)
    assert {api(emu, "GET", "/listPhones").status_code for _ in range(10)} == {200}


def test_fault_spec_validation(emu: RunningEmulator) -> None:
    control = f"{emu.control_url}/faults"
    for spec in [
        {"status": 503, "drop": True},
        {"path": "/12/config$"},
        {"path": "(", "status": 503},
        {"status": 503, "times": 2, "rate": 0.5},
        {"status": 503, "times": 0},
        {"status": 503, "rate": 1.5},
        {"success_false": "x", "retry_after": 3},
        {"status": 503, "colour": "red"},
        {"drop": False},
    ]:
        response = requests.post(control, json=spec, timeout=10)
        assert response.status_code == 400, spec
        assert response.json()["error"]
    assert emu.faults() == []


def test_clear_faults(emu: RunningEmulator) -> None:
    emu.fault(status=500)
    emu.fault(drop=True, times=3)
    assert requests.delete(f"{emu.control_url}/faults", timeout=10).json() == {"cleared": 2}
    assert body(api(emu, "GET", "/listPhones"))


# --- call log, reset, phone control ---


def test_call_log(emu: RunningEmulator) -> None:
    before = time.time()
    api(emu, "POST", "/12/config?trace=1", json={"webhook": "https://hooks.example", "ack_delivery": True})
    api(emu, "GET", "/listPhones", key="not-the-token")
    emu.phones()  # control calls are not recorded
    first, second = emu.calls()
    assert first["seq"] == 1
    assert second["seq"] == 2
    assert first["method"] == "POST"
    assert first["path"] == f"/api/{PRODUCT}/12/config"
    assert first["query"] == {"trace": "1"}
    assert first["json"] == {"webhook": "https://hooks.example", "ack_delivery": True}
    assert first["headers"]["Content-Type"] == "application/json"
    assert not any(name.lower() == "x-maytapi-key" for name in first["headers"])
    assert (first["key_sent"], first["status"], first["fault"]) == (True, 200, None)
    assert (second["json"], second["status"], second["key_sent"]) == (None, 401, True)
    assert datetime.fromisoformat(first["time"]).timestamp() >= before - 1
    logged = json.dumps(emu.calls())
    assert TOKEN not in logged
    assert "not-the-token" not in logged
    assert emu.api_calls(method="POST") == [first]
    assert emu.api_calls(path="/listPhones$") == [second]


def test_reset(emu: RunningEmulator) -> None:
    body(api(emu, "POST", "/12/config", json={"webhook": "https://hooks.example"}))
    body(api(emu, "GET", "/13/logout"))
    emu.set_phone("77")
    emu.fault(status=500)
    emu.reset()
    assert emu.calls() == []
    assert emu.faults() == []
    assert [(p["id"], p["status"], p["webhook"]) for p in emu.phones()] == [
        ("12", "active", ""),
        ("13", "active", ""),
    ]
    emu.reset(phones=["5", "40"])
    assert [p["id"] for p in body(api(emu, "GET", "/listPhones"))] == [5, 40]
    emu.reset()
    assert [p["id"] for p in emu.phones()] == ["12", "13"]
    refused = requests.post(f"{emu.control_url}/reset", json={"phones": ["x1"]}, timeout=10)
    assert refused.status_code == 400


def test_reset_cancels_redeploys(emu: RunningEmulator) -> None:
    emu.set_phone("12", status="qr-code")
    body(api(emu, "GET", "/12/redeploy"))
    emu.reset()
    emu.set_phone("12", status="disabled")
    time.sleep(REDEPLOY_SECONDS * 1.5)
    assert status_of(emu, "12") == "disabled"


def test_phone_control(emu: RunningEmulator) -> None:
    created = emu.set_phone(77, status="qr-code", webhook="https://drift.example", ack_delivery=True)
    assert created == {
        "id": "77",
        "number": "905550000077",
        "status": "qr-code",
        "webhook": "https://drift.example",
        "ack_delivery": True,
    }
    assert emu.set_phone("77", number="15550001") == {**created, "number": "15550001"}
    assert emu.phone(77) == {**created, "number": "15550001"}
    assert body(api(emu, "GET", "/77/config")) == config("https://drift.example", True)
    assert [p["id"] for p in body(api(emu, "GET", "/listPhones"))] == [12, 13, 77]
    for phone_id, fields in [("77", {"status": "sleeping"}), ("77", {"ack_delivery": "yes"}), ("x", {})]:
        assert (
            requests.put(f"{emu.control_url}/phones/{phone_id}", json=fields, timeout=10).status_code == 400
        )
    emu.remove_phone("77")
    assert requests.get(f"{emu.control_url}/phones/77", timeout=10).status_code == 404
    assert body(api(emu, "GET", "/77/config"))["message"] == "[77] is not a valid phone instance id"


def test_concurrent_posts_are_all_recorded_and_consistent(emu: RunningEmulator) -> None:
    phone_ids = [str(100 + i) for i in range(50)]
    emu.reset(phones=phone_ids)
    emu.fault(rate=1.0, latency_ms=50)  # hold every call so they overlap in the server

    def post(n: int) -> int:
        phone_id = phone_ids[n % 50]
        answer = api(emu, "POST", f"/{phone_id}/config", json={"webhook": f"https://h.example/{n}"})
        return answer.status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(post, range(100)))  # two writers per phone
    assert statuses == [200] * 100
    calls = emu.calls()
    assert sorted(c["seq"] for c in calls) == list(range(1, 101))
    assert all(c["status"] == 200 for c in calls)
    phones = {p["id"]: p["webhook"] for p in emu.phones()}
    for i, phone_id in enumerate(phone_ids):
        assert phones[phone_id] in {f"https://h.example/{i}", f"https://h.example/{i + 50}"}


# --- process ---


def test_sigterm_stops_cleanly() -> None:
    emulator = RunningEmulator(redeploy_seconds=30)
    requests.get(f"{emulator.api_url}/12/redeploy", headers={"x-maytapi-key": emulator.token}, timeout=10)
    assert emulator.stop() == 0
    assert emulator.stop() == 0


def test_env_fallbacks_latency_flag_and_sigint() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MAYTAPI_EMULATOR_PORT": "0",
        "MAYTAPI_PRODUCT_ID": "env-product",
        "MAYTAPI_API_TOKEN": "env-token",
        "MAYTAPI_EMULATOR_PHONES": "7, 8,9",
    }
    command = [sys.executable, "-m", "maytapi_pulumi.emulator", "--latency-ms", "300"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("maytapi emulator ready: http://127.0.0.1:")
        url = line.split(": ", 1)[1].strip()
        assert url.endswith("/api/env-product")
        started = time.monotonic()
        phones = requests.get(f"{url}/listPhones", headers={"x-maytapi-key": "env-token"}, timeout=10).json()
        assert time.monotonic() - started >= 0.3
        assert [p["id"] for p in phones] == [7, 8, 9]
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
        assert process.stdout.read() == ""  # exactly one line on stdout
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# -- hostile input: every request gets a JSON answer and a log entry, no key is ever recorded ----


def logged(emu: RunningEmulator) -> dict[str, Any]:
    [call] = emu.calls()
    return call


def test_deeply_nested_json_is_a_400_and_is_logged(emu: RunningEmulator) -> None:
    answer = api(emu, "POST", "/12/config", data=b"[" * 100_000)
    assert body(answer, 400) == {"success": False, "message": "Body must be a JSON object"}
    call = logged(emu)
    assert (call["status"], call["json"], call["error"]) == (400, None, None)
    assert emu.phone("12")["webhook"] == ""


def test_a_valid_but_absurdly_deep_body_is_not_json_to_the_emulator(emu: RunningEmulator) -> None:
    deep = "[" * 500 + "]" * 500
    assert body(api(emu, "POST", "/12/config", data=deep), 400)["message"] == "Body must be a JSON object"
    assert logged(emu)["json"] is None  # the log stays servable: nothing deeper than 64 levels


def test_oversized_body_is_a_413_and_is_logged(emu: RunningEmulator) -> None:
    answer = api(emu, "POST", "/12/config", data=b"x" * (2 << 20))
    assert body(answer, 413) == {"success": False, "message": "Request body larger than 1 MiB"}
    call = logged(emu)
    assert (call["method"], call["status"], call["error"]) == ("POST", 413, "body too large")


def test_a_body_cut_short_is_logged(emu: RunningEmulator) -> None:
    host, port = emu.root_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        head = f"POST /api/{PRODUCT}/12/config HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
        sock.sendall(head.encode() + b'{"webhook": "https://')
    wait_for(lambda: bool(emu.calls()) and emu.calls()[0]["status"] is not None)
    call = logged(emu)
    assert call["status"] == 400 and call["error"].startswith("body cut short")
    assert emu.phone("12")["webhook"] == ""


def test_no_key_is_recorded_from_headers_query_path_or_body(emu: RunningEmulator) -> None:
    query = {"x-maytapi-key": TOKEN, "apikey": "another-key-value", "trace": f"id-{TOKEN}"}
    headers = {"x-maytapi-key": TOKEN, "Authorization": f"Bearer {TOKEN}", "X-Echo": f"k={TOKEN}"}
    requests.post(
        f"{emu.api_url}/12/config", params=query, headers=headers, json={"webhook": TOKEN}, timeout=10
    )
    requests.get(f"{emu.base_url}/{TOKEN}/listPhones", headers=headers, timeout=10)
    log = json.dumps(emu.calls())
    assert TOKEN not in log and "another-key-value" not in log
    first = emu.calls()[0]
    assert first["query"] == {"x-maytapi-key": "[redacted]", "apikey": "[redacted]", "trace": "id-[redacted]"}
    assert "Authorization" not in first["headers"] and first["headers"]["X-Echo"] == "k=[redacted]"
    assert first["key_sent"] is True


# What a client may put in a request to forge a line of the log or drive its reader's terminal.
FORGERIES = ["\n", "\r\n", "\x1b[31m", "\x1b[2J", "\x1b]8;;https://evil.example\x07", "\x00", "\x7f", "\x9b"]
FORGERIES += ["\u202e", "\u2028", "\t", "|", "`", "<b>", "@admin", "\\x1b"]
hostile_text = st.lists(st.one_of(st.sampled_from(FORGERIES), st.text(max_size=8)), max_size=8).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_text)
def test_what_a_client_sends_is_logged_printable(emu: RunningEmulator, text: str) -> None:
    """The path, query, header values and body strings of a call are logged with every character
    that is not printable escaped (`\\x1b`, `\\n`): one line each, with no escape sequence left."""
    emu.reset()
    # Header values cannot carry control characters (aiohttp refuses those requests: see below).
    note = "\u202e" + "".join(c for c in text if c.isprintable() or ord(c) > 0x7F).strip()
    requests.post(
        f"{emu.api_url}/{quote(text, safe='')}/config",
        params={"q": text, f"k{text}": "v"},
        headers={"x-maytapi-key": TOKEN, "X-Note": note.encode()},
        json={"webhook": text, f"k{text}": [text]},
        timeout=10,
    )
    [call] = emu.calls()
    strings = list(_strings(call))
    assert all(s.isprintable() for s in strings), [s for s in strings if not s.isprintable()]
    assert call["query"]["q"] == printable(text) and call["json"]["webhook"] == printable(text)
    assert call["headers"]["X-Note"] == printable(note)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("alias", ["0012", "012"])
def test_a_phone_id_with_leading_zeros_is_the_same_phone(emu: RunningEmulator, alias: str) -> None:
    body(api(emu, "POST", f"/{alias}/config", json={"webhook": "https://a.example"}))
    assert emu.phone("12")["webhook"] == "https://a.example"
    assert emu.set_phone(alias, ack_delivery=True)["id"] == "12"
    assert [p["id"] for p in body(api(emu, "GET", "/listPhones"))] == [12, 13]


@pytest.mark.parametrize("bad", ["١٢", "\uff11\uff12", "12a", "+12"])
def test_a_phone_id_that_is_not_ascii_digits_is_no_phone(emu: RunningEmulator, bad: str) -> None:
    answer = body(api(emu, "GET", f"/{bad}/config"))
    assert answer == {"success": False, "message": f"[{bad}] is not a valid phone instance id"}
    with pytest.raises(RuntimeError, match=r"HTTP 400: .*ASCII digit strings"):
        emu.set_phone(bad, webhook="https://b.example")
    with pytest.raises(RuntimeError, match="HTTP 400"):
        emu.reset([bad])
    assert [p["id"] for p in body(api(emu, "GET", "/listPhones"))] == [12, 13]


def test_a_request_aiohttp_cannot_parse_is_logged_on_one_printable_line() -> None:
    """aiohttp's own errors quote the bytes of the request (which never reaches the call log):
    on stderr each is one printable line, whatever control characters the request carried."""
    command = [sys.executable, "-m", "maytapi_pulumi.emulator", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    port = int(process.stdout.readline().split(":")[3].split("/")[0])
    bad = [
        b"GET /api/x/config HTTP/1.1\r\nHost: x\r\nX-Note: \x1b[31mred\r\n\r\n",
        b"GET /api/\x1b[2J\rforged: HTTP/1.1\r\n\r\n",
    ]
    for request in bad:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(request)
            head = sock.recv(1000)
            assert head.startswith(b"HTTP/1.0 400 Bad Request") and b"Content-Type: text/plain" in head
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    lines = stderr.splitlines()
    assert len(lines) == len(bad), stderr
    assert all(
        line.startswith("Error handling request from 127.0.0.1: ") and line.isprintable() for line in lines
    )
    assert "\\x1b[31mred" in lines[0] and "\\x1b[2J" in lines[1]


def test_the_phones_flag_canonicalises_or_refuses() -> None:
    command = [sys.executable, "-m", "maytapi_pulumi.emulator", "--port", "0", "--phones", "12,١٢"]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert refused.returncode == 2 and "'١٢' is not" in refused.stderr
    with RunningEmulator(phones=("0012", "13")) as emulator:
        assert [p["id"] for p in emulator.phones()] == ["12", "13"]
