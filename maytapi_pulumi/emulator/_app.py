"""HTTP side of the emulator: the Maytapi routes under /api and the control API under /_emulator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from .._errors import REDACTED, printable, redact
from ._state import (
    DEFAULT_PHONES,
    DEFAULT_PRODUCT_ID,
    DEFAULT_TOKEN,
    EmulatorState,
    FaultSpec,
    Phone,
    PhoneSpec,
    ResetSpec,
    Settings,
    canonical_phone_id,
)

STATE = web.AppKey("state", EmulatorState)
KEY_HEADER = "x-maytapi-key"
# Names under which a client might send a key, in a header or the query: never recorded.
KEY_NAMES = frozenset({KEY_HEADER, "key", "apikey", "api_key", "api-key", "token", "authorization"})
MAX_BODY = 1 << 20  # aiohttp's own limit (client_max_size), answered 413
MAX_JSON_DEPTH = 64
UNSUPPORTED_BACKUP = "Multi-device does not support backup and restore"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Spec = TypeVar("Spec", bound=BaseModel)


class ApiFailure(Exception):
    """Answered as {"success": false, "message": ...} with the given HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _failure(status: int, message: str) -> web.Response:
    return web.json_response({"success": False, "message": message}, status=status)


def _json_or_none(raw: bytes) -> Any:
    """The body as JSON, or None when it is absent, not JSON, or nested deeper than anything
    Maytapi takes (so no recursion limit is ever reached here or when the log is served)."""
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, RecursionError):
        return None
    return body if _depth(body) <= MAX_JSON_DEPTH else None


def _depth(value: Any) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            todo += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            todo += [(v, depth + 1) for v in item]
    return deepest


def _logged(value: Any, token: str) -> Any:
    """A value for the call log: the emulator's token redacted wherever it appears, and every
    string printable, so that what a client sends cannot forge a line (a newline) or drive the
    terminal (an ANSI escape) of whoever reads the log."""
    if isinstance(value, str):
        return printable(redact(value, token))
    if isinstance(value, dict):
        return {_logged(k, token): _logged(v, token) for k, v in value.items()}
    if isinstance(value, list):
        return [_logged(v, token) for v in value]
    return value


@web.middleware
async def _api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path != "/api" and not request.path.startswith("/api/"):
        return await handler(request)
    state = request.app[STATE]
    token = state.settings.token
    call = state.record(
        method=request.method,
        path=_logged(request.path, token),
        query=_logged(
            {k: REDACTED if k.lower() in KEY_NAMES else v for k, v in request.query.items()}, token
        ),
        json=None,
        headers=_logged({k: v for k, v in request.headers.items() if k.lower() not in KEY_NAMES}, token),
        key_sent=KEY_HEADER in request.headers,
    )
    # Each way a request can go wrong still ends in the log, with the status it was answered.
    try:
        call["json"] = _logged(_json_or_none(await request.read()), token)
    except web.HTTPRequestEntityTooLarge:
        call["status"], call["error"] = 413, "body too large"
        return _failure(413, f"Request body larger than {MAX_BODY >> 20} MiB")
    except (ConnectionError, asyncio.IncompleteReadError, web.HTTPException, OSError) as exc:
        call["status"], call["error"] = 400, f"body cut short ({type(exc).__name__})"
        return _failure(400, "Request body cut short")
    try:
        response = await _answer(request, handler, state, call)
    except Exception as exc:  # a bug here must neither lose the call nor show a traceback
        call["status"], call["error"] = 500, f"emulator error ({type(exc).__name__})"
        return _failure(500, f"Emulator error: {type(exc).__name__}")
    call["status"] = None if call["fault"] == "drop" else response.status
    # With "time", when each call was in flight: how many a client keeps going at once.
    call["ended"] = datetime.now(timezone.utc).isoformat()
    return response


async def _answer(
    request: web.Request, handler: Handler, state: EmulatorState, call: dict[str, Any]
) -> web.StreamResponse:
    settings = state.settings
    if settings.latency_ms:
        await asyncio.sleep(settings.latency_ms / 1000)
    parts = request.path.split("/", 3)  # "", "api", product id, the rest
    product_id = parts[2] if len(parts) > 2 else ""
    fault = state.take_fault(request.method, "/" + parts[3] if len(parts) > 3 else "")
    if fault is not None:
        call["fault"] = fault.effect
        spec = fault.spec
        if spec.drop:
            if request.transport is not None:
                request.transport.close()
            return web.Response()  # never reaches the client: the connection is gone
        if spec.status is not None:
            body = spec.body if spec.body is not None else {"success": False, "message": "Emulated fault"}
            headers = {} if spec.retry_after is None else {"Retry-After": str(spec.retry_after)}
            return web.json_response(body, status=spec.status, headers=headers)
        if spec.success_false is not None:
            return _failure(200, spec.success_false)
        await asyncio.sleep((spec.latency_ms or 0.0) / 1000)
    if request.headers.get(KEY_HEADER) != settings.token:
        return _failure(401, "Invalid or missing x-maytapi-key")
    if product_id != settings.product_id:
        return _failure(404, f"Product {product_id} not found")
    try:
        return await handler(request)
    except ApiFailure as exc:
        return _failure(exc.status, exc.message)
    except web.HTTPException as exc:  # no such route or method
        return _failure(exc.status, exc.reason)


def _phone(request: web.Request) -> Phone:
    phone_id = request.match_info["phone_id"]
    phone = request.app[STATE].phones.get(canonical_phone_id(phone_id) or "")
    if phone is None:
        raise ApiFailure(200, f"[{phone_id}] is not a valid phone instance id")
    return phone


def _parse_config(raw: bytes) -> tuple[str, bool]:
    body = _json_or_none(raw)
    if not isinstance(body, dict):
        raise ApiFailure(400, "Body must be a JSON object")
    webhook = body.get("webhook")
    if isinstance(webhook, dict):  # the nested form a generated client sends
        webhook = webhook.get("webhook")
    if webhook is None:
        webhook = ""
    if not isinstance(webhook, str):
        raise ApiFailure(400, "webhook must be a URL string")
    ack_delivery = body.get("ack_delivery", False)
    if not isinstance(ack_delivery, bool):
        raise ApiFailure(400, "ack_delivery must be a boolean")
    return webhook, ack_delivery


async def get_config(request: web.Request) -> web.Response:
    return web.json_response({"success": True, "status": _phone(request).config()})


async def post_config(request: web.Request) -> web.Response:
    raw = await request.read()
    phone = _phone(request)
    phone.webhook, phone.ack_delivery = _parse_config(raw)
    return web.json_response({"success": True, "status": phone.config()})


async def redeploy(request: web.Request) -> web.Response:
    request.app[STATE].redeploy(_phone(request))
    return web.json_response({"success": True, "message": "Redeploy started"})


async def restart(request: web.Request) -> web.Response:
    request.app[STATE].redeploy(_phone(request))
    return web.json_response({"success": True})


async def factory_reset(request: web.Request) -> web.Response:
    request.app[STATE].factory_reset(_phone(request))
    return web.json_response({"success": True})


async def delete(request: web.Request) -> web.Response:
    phone = _phone(request)
    request.app[STATE].factory_reset(phone)
    product_id = request.app[STATE].settings.product_id
    return web.json_response({"success": True, "type": "deleted", "pid": product_id, "phone_id": phone.id})


async def logout(request: web.Request) -> web.Response:
    request.app[STATE].logout(_phone(request))
    return web.json_response({"success": True})


async def backup_or_restore(request: web.Request) -> web.Response:
    _phone(request)
    return _failure(200, UNSUPPORTED_BACKUP)


async def status(request: web.Request) -> web.Response:
    return web.json_response({"success": True, "status": _phone(request).session()})


async def list_phones(request: web.Request) -> web.Response:
    phones = sorted(request.app[STATE].phones.values(), key=lambda p: int(p.id))
    return web.json_response([p.listing() for p in phones])


def _control_error(error: type[web.HTTPException], message: str) -> web.HTTPException:
    return error(text=json.dumps({"error": message}), content_type="application/json")


async def _control_spec(request: web.Request, model: type[Spec]) -> Spec:
    raw = await request.read()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        problems = (f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise _control_error(web.HTTPBadRequest, "; ".join(problems)) from exc


def _phone_views(state: EmulatorState) -> dict[str, Any]:
    return {"phones": [p.view() for p in sorted(state.phones.values(), key=lambda p: int(p.id))]}


async def control_calls(request: web.Request) -> web.Response:
    return web.json_response({"calls": request.app[STATE].calls})


async def control_reset(request: web.Request) -> web.Response:
    spec = await _control_spec(request, ResetSpec)
    state = request.app[STATE]
    state.reset(spec.phones)
    return web.json_response(_phone_views(state))


async def control_add_fault(request: web.Request) -> web.Response:
    spec = await _control_spec(request, FaultSpec)
    return web.json_response({"id": request.app[STATE].arm(spec).id})


async def control_faults(request: web.Request) -> web.Response:
    return web.json_response({"faults": [f.view() for f in request.app[STATE].faults]})


async def control_clear_faults(request: web.Request) -> web.Response:
    faults = request.app[STATE].faults
    cleared = len(faults)
    faults.clear()
    return web.json_response({"cleared": cleared})


async def control_phones(request: web.Request) -> web.Response:
    return web.json_response(_phone_views(request.app[STATE]))


def _control_phone_id(request: web.Request) -> str:
    phone_id = canonical_phone_id(request.match_info["phone_id"])
    if phone_id is None:
        raise _control_error(web.HTTPBadRequest, "phone ids are ASCII digit strings")
    return phone_id


async def control_phone(request: web.Request) -> web.Response:
    phone = request.app[STATE].phones.get(_control_phone_id(request))
    if phone is None:
        raise _control_error(web.HTTPNotFound, "no such phone")
    return web.json_response(phone.view())


async def control_put_phone(request: web.Request) -> web.Response:
    phone_id = _control_phone_id(request)
    spec = await _control_spec(request, PhoneSpec)
    return web.json_response(request.app[STATE].put_phone(phone_id, spec).view())


async def control_delete_phone(request: web.Request) -> web.Response:
    phone_id = _control_phone_id(request)
    if not request.app[STATE].remove_phone(phone_id):
        raise _control_error(web.HTTPNotFound, "no such phone")
    return web.json_response({"deleted": phone_id})


def create_app(
    *,
    product_id: str = DEFAULT_PRODUCT_ID,
    token: str = DEFAULT_TOKEN,
    phones: Sequence[str] = DEFAULT_PHONES,
    latency_ms: float = 0.0,
    redeploy_seconds: float = 0.5,
) -> web.Application:
    """The emulator as an aiohttp application, with its state in ``app[STATE]``."""
    app = web.Application(middlewares=[_api_middleware])
    app[STATE] = EmulatorState(Settings(product_id, token, tuple(phones), latency_ms, redeploy_seconds))
    api = "/api/{product_id}/{phone_id}"
    app.router.add_get(api + "/config", get_config)
    app.router.add_post(api + "/config", post_config)
    app.router.add_get(api + "/redeploy", redeploy)
    app.router.add_get(api + "/factoryreset", factory_reset)
    app.router.add_get(api + "/logout", logout)
    app.router.add_get(api + "/backup", backup_or_restore)
    app.router.add_post(api + "/restore", backup_or_restore)
    app.router.add_get(api + "/delete", delete)
    app.router.add_get(api + "/restart", restart)
    app.router.add_get(api + "/status", status)
    app.router.add_get("/api/{product_id}/listPhones", list_phones)
    app.router.add_get("/_emulator/calls", control_calls)
    app.router.add_post("/_emulator/reset", control_reset)
    app.router.add_get("/_emulator/faults", control_faults)
    app.router.add_post("/_emulator/faults", control_add_fault)
    app.router.add_delete("/_emulator/faults", control_clear_faults)
    app.router.add_get("/_emulator/phones", control_phones)
    app.router.add_get("/_emulator/phones/{phone_id}", control_phone)
    app.router.add_put("/_emulator/phones/{phone_id}", control_put_phone)
    app.router.add_delete("/_emulator/phones/{phone_id}", control_delete_phone)
    return app
