"""MaytapiClient: every operation of Maytapi's session-controlling API, over one requests.Session."""

from __future__ import annotations

import contextlib
import email.utils
import heapq
import itertools
import json as jsonlib
import logging
import random
import socket
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from pydantic import TypeAdapter, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.poolmanager import PoolManager

from . import _validation
from ._endpoints import Action
from ._errors import (
    MAX_QUOTE,
    ApiError,
    AuthenticationError,
    MaytapiError,
    PhoneNotFoundError,
    RateLimitedError,
    TransportError,
    redact,
    scrub,
    shown,
)
from ._models import (
    BackupSuccess,
    ConfigRequest,
    DeleteSuccess,
    JustSuccess,
    Phone,
    PhoneConfig,
    RedeployResponse,
    StatusResponse,
)
from ._settings import Settings
from ._version import __version__

_T = TypeVar("_T")
_PHONES = TypeAdapter(list[Phone])
USER_AGENT = f"maytapi-pulumi/{__version__} python-requests/{requests.__version__}"
_NOT_A_PHONE = "is not a valid phone instance id"
_log = logging.getLogger("maytapi_pulumi")
MAX_ANSWER_BYTES = 1 << 20
MAX_RETRY_AFTER = 60.0  # a server asking for longer gets that long, no more: an hour's wait is a failure
MAX_BACKOFF = 8.0
DEFAULT_CALL_TIMEOUT = 120.0
_REFUSED = (429, 503)  # the server refused the request: it did not act
_GATEWAY = (502, 504)  # a proxy may have forwarded the request before failing


class MaytapiClient:
    """A client for one Maytapi product.

    Each call is bounded: an attempt must connect and read its whole answer (at most 1 MiB)
    within connect_timeout + read_timeout, and a call with its retries ends within
    call_timeout, whatever the server does (a watchdog cuts the connection at the deadline).
    Reads and the config POST (which sets, so repeating it is harmless) are
    retried on connection errors, 429, 502, 503 and 504. Actions are retried only when the
    request provably never reached Maytapi (the connection failed) or was refused with
    429/503: repeating a redeploy or a factory reset that did happen is not harmless.
    Redirects are never followed: the token would go along to wherever they point.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float | None = None,
        retries: int | None = None,
        backoff_factor: float = 0.5,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout or settings.read_timeout
        self.retries = settings.max_retries if retries is None else retries
        self.backoff_factor = backoff_factor
        self.call_timeout = call_timeout
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.headers["x-maytapi-key"] = settings.api_token.get_secret_value()
        # Retries are this class's own (_call): urllib3 makes one attempt and follows nothing.
        self._session.mount("http://", _WatchedAdapter(max_retries=0, pool_maxsize=8))
        self._session.mount("https://", _WatchedAdapter(max_retries=0, pool_maxsize=8))

    def __repr__(self) -> str:
        return f"MaytapiClient(product_url={self.settings.product_url!r})"

    def __enter__(self) -> MaytapiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    # -- the seed's operations ------------------------------------------------------------

    def get_config(self, phone_id: str | int) -> PhoneConfig:
        """GET /{phone_id}/config: the phone's own webhook and ack_delivery."""
        phone = _validation.phone_id(phone_id)
        return self._call(
            "get config",
            "GET",
            f"/{phone}/config",
            phone,
            _config_in,
        )

    def set_config(self, phone_id: str | int, webhook: str | None, ack_delivery: bool = False) -> PhoneConfig:
        """POST /{phone_id}/config. `webhook` None or "" hands delivery back to the product's webhook.

        Returns the config as Maytapi reports it; a field the answer leaves out is taken as sent,
        and so is the whole config when the answer is a bare {"success": true}.
        """
        phone = _validation.phone_id(phone_id)
        request = ConfigRequest(webhook=_validation.webhook(webhook), ack_delivery=ack_delivery)
        sent = request.model_dump()

        def reported(body: Any) -> PhoneConfig:
            if isinstance(body, dict) and body.get("success") is True and PhoneConfig.from_body(body) is None:
                return PhoneConfig.model_validate(sent)
            config = _config_in(body)
            return PhoneConfig.model_validate({**sent, **config.model_dump(include=config.model_fields_set)})

        return self._call("set config", "POST", f"/{phone}/config", phone, reported, json=sent)

    def run_action(self, action: Action, phone_id: str | int) -> JustSuccess:
        """GET /{phone_id}/{redeploy|factoryreset|logout}; never repeated once it may have reached Maytapi."""
        phone = _validation.phone_id(phone_id)
        return self._call(
            action.value, "GET", f"/{phone}/{action.value}", phone, JustSuccess.model_validate, action=True
        )

    def redeploy(self, phone_id: str | int) -> RedeployResponse:
        """Redeploy (reboot) the phone's container."""
        phone = _validation.phone_id(phone_id)
        return self._call(
            "redeploy", "GET", f"/{phone}/redeploy", phone, RedeployResponse.model_validate, action=True
        )

    def factory_reset(self, phone_id: str | int) -> JustSuccess:
        """Return the instance to a freshly created state; its config is cleared."""
        return self.run_action(Action.FACTORY_RESET, phone_id)

    def logout(self, phone_id: str | int) -> JustSuccess:
        """Log the number out; the phone shows a QR code again."""
        return self.run_action(Action.LOGOUT, phone_id)

    def backup(self, phone_id: str | int) -> BackupSuccess:
        """Deprecated: multi-device phones cannot be backed up."""
        _deprecated("backup", None)
        phone = _validation.phone_id(phone_id)
        return self._call("backup", "GET", f"/{phone}/backup", phone, BackupSuccess.model_validate)

    def restore(self, phone_id: str | int, data: dict[str, Any]) -> JustSuccess:
        """Deprecated: multi-device phones cannot be restored."""
        _deprecated("restore", None)
        phone = _validation.phone_id(phone_id)
        return self._call(
            "restore",
            "POST",
            f"/{phone}/restore",
            phone,
            JustSuccess.model_validate,
            json=data,
            acknowledged=True,
        )

    def delete(self, phone_id: str | int) -> DeleteSuccess:
        """Deprecated: use factory_reset."""
        _deprecated("delete", "factory_reset")
        phone = _validation.phone_id(phone_id)
        return self._call(
            "delete", "GET", f"/{phone}/delete", phone, DeleteSuccess.model_validate, action=True
        )

    def restart(self, phone_id: str | int) -> JustSuccess:
        """Deprecated: use redeploy."""
        _deprecated("restart", "redeploy")
        phone = _validation.phone_id(phone_id)
        return self._call(
            "restart", "GET", f"/{phone}/restart", phone, JustSuccess.model_validate, action=True
        )

    # -- beside the seed ------------------------------------------------------------------

    def list_phones(self) -> list[Phone]:
        """GET /listPhones: every phone of the product."""
        return self._call("list phones", "GET", "/listPhones", None, _PHONES.validate_python)

    def status(self, phone_id: str | int) -> StatusResponse:
        """GET /{phone_id}/status: the phone's session state."""
        phone = _validation.phone_id(phone_id)
        return self._call("status", "GET", f"/{phone}/status", phone, StatusResponse.model_validate)

    # -- the wire ---------------------------------------------------------------------------

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        phone_id: str | None,
        parse: Callable[[Any], _T],
        *,
        json: Any = None,
        action: bool = False,
        acknowledged: bool = False,
    ) -> _T:
        """One operation with its retries; every error it raises has the token scrubbed."""
        try:
            body = self._answer(operation, method, path, phone_id, json, action)
            if (action or acknowledged) and body.body.get("success") is not True:
                detail = body.said or f"no success: true in the answer {body.text[:100]!r}"
                raise ApiError(operation, phone_id, body.status, detail)
            try:
                return parse(body.json)
            except ValidationError as exc:
                problem = f"{exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}"
                raise ApiError(operation, phone_id, body.status, f"unexpected answer: {problem}") from None
            except ValueError as exc:
                raise ApiError(operation, phone_id, body.status, f"unexpected answer: {exc}") from None
        except MaytapiError as exc:
            exc.__context__ = exc.__cause__ = None
            raise scrub(exc, self._token) from None

    @property
    def _token(self) -> str:
        return self.settings.api_token.get_secret_value()

    def _answer(
        self, operation: str, method: str, path: str, phone_id: str | None, json: Any, action: bool
    ) -> _Parsed:
        url = self.settings.product_url + path
        started = time.monotonic()
        ends = started + self.call_timeout
        for attempt in range(1, self.retries + 2):
            try:
                answer = self._exchange(method, url, json, min(self.attempt_timeout, ends - time.monotonic()))
            except _Unanswered as exc:
                error: MaytapiError = TransportError(
                    operation,
                    phone_id,
                    redact(exc.detail, self._token),
                    may_have_happened=action and exc.sent,
                )
                retry = not (action and exc.sent)
                asked: float | None = None
            else:
                parsed = _parse(operation, phone_id, answer, self._token)
                status = answer.status
                if not (status in _REFUSED or (status in _GATEWAY and not action)):
                    return parsed.result()
                error, retry, asked = parsed.error(), True, _retry_after(answer.headers)
            if not retry:
                raise error
            wait = asked if asked is not None else self._backoff(attempt)
            left = ends - time.monotonic()
            if attempt > self.retries or wait >= left:
                raise _gave_up(error, attempt, time.monotonic() - started, self, wait >= left)
            said = shown(str(error), self._token)
            _log.info("Retrying in %.2f s (attempt %d of %d): %s", wait, attempt + 1, self.retries + 1, said)
            time.sleep(wait)
        raise AssertionError("unreachable: the last attempt raises")

    @property
    def attempt_timeout(self) -> float:
        """The bound on one attempt: connecting, then the whole answer."""
        return self.connect_timeout + self.read_timeout

    def _backoff(self, attempt: int) -> float:
        # Exponential, capped, with jitter so that a fleet's retries do not arrive in step.
        return min(MAX_BACKOFF, self.backoff_factor * 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)

    def _exchange(self, method: str, url: str, json: Any, bound: float) -> _Answer:
        """One attempt, ended by its watchdog `bound` seconds from now wherever it is blocked."""
        bound = max(bound, 0.001)
        with _Watchdog(time.monotonic() + bound) as watchdog:
            try:
                response = self._session.request(
                    method,
                    url,
                    json=json,
                    timeout=(min(self.connect_timeout, bound), min(self.read_timeout, bound)),
                    allow_redirects=False,
                    stream=True,
                )
                watchdog.stage = "body"
                try:
                    content = _read(response, watchdog)
                except BaseException:
                    response.close()
                    raise
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                raise watchdog.late(bound) or _unanswered(exc, watchdog.stage) from None
            late = watchdog.late(bound)
            # A connection whose answer was read whole in time goes back to the pool; any other is closed.
            if late is not None or content is _TOO_LARGE:
                response.close()
            else:
                response.raw.release_conn()
            if late is not None:
                # Headers or a body without a length "end" when the watchdog cuts them: not an answer.
                raise late
            return _Answer(url, response.status_code, response.reason or "", response.headers, content)


class _Watchdog:
    """Ends one attempt at its deadline: from then on it shuts down every socket the attempt
    uses, so whatever blocks on one (the TLS handshake, the headers, the body) returns at once.
    A socket timeout cannot do this: it bounds each read, and a server sending a byte just
    within it keeps a read going for as long as it likes."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        # What the attempt waits for: "connecting" while a TLS pool opens its connection (nothing
        # is sent before that ends), "headers", then "body" once the attempt has the headers.
        self.stage = "headers"
        self._cut_in: str | None = None  # the stage the deadline cut
        self._done = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []

    def __enter__(self) -> _Watchdog:
        _attempt.watchdog = self
        _deadlines.add(self, self.deadline)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _attempt.watchdog = None
        with self._lock:
            self._done = True
            for sock in self._sockets:
                sock.close()

    @property
    def expired(self) -> bool:
        # By the clock too: a socket timeout ending at the deadline may beat the watchdog's thread.
        return self._cut_in is not None or time.monotonic() >= self.deadline

    def watch(self, sock: socket.socket) -> None:
        # A duplicate: it stays usable when TLS takes the socket over (the original is detached),
        # and shutting it down shuts the connection down.
        duplicate = socket.fromfd(sock.fileno(), sock.family, sock.type)
        with self._lock:
            self._sockets.append(duplicate)

    def late(self, bound: float) -> _Unanswered | None:
        """The attempt's error when it ran out of time, else None."""
        if not self.expired:
            return None
        seconds = f"{round(bound, 2):g} s"
        stage = self._cut_in or self.stage
        if stage == "connecting":
            return _Unanswered(
                f"no connection within {seconds} (the TLS handshake did not finish)", sent=False
            )
        arriving = "the headers were" if stage == "headers" else "the body was"
        return _Unanswered(f"no complete answer within {seconds} ({arriving} still arriving)", sent=True)

    def cut(self) -> bool:
        """Shut the attempt's sockets down; False once the attempt is over."""
        with self._lock:
            if self._done:
                return False
            self._cut_in = self._cut_in or self.stage
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            return True


class _Deadlines:
    """One thread for the deadlines of every attempt of the process: a thread started per
    attempt cost more CPU than the call itself, and a Fleet makes thousands, 8 at a time."""

    RECUT = 0.05  # a cut attempt is cut again until it is over: a connection still opening has no socket yet

    def __init__(self) -> None:
        self._due: list[tuple[float, int, _Watchdog]] = []  # a heap; attempts over are dropped when due
        self._changed = threading.Condition()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, watchdog: _Watchdog, when: float) -> None:
        with self._changed:
            heapq.heappush(self._due, (when, next(self._order), watchdog))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="maytapi-deadlines", daemon=True)
                self._thread.start()
            if self._due[0][2] is watchdog:
                self._changed.notify()

    def _run(self) -> None:
        while True:
            watchdog = self._next()
            if watchdog.cut():
                self.add(watchdog, time.monotonic() + self.RECUT)

    def _next(self) -> _Watchdog:
        """The attempt whose deadline comes first, once it has come."""
        with self._changed:
            while True:
                wait = self._due[0][0] - time.monotonic() if self._due else None
                if wait is not None and wait <= 0:
                    return heapq.heappop(self._due)[2]
                self._changed.wait(wait)


_deadlines = _Deadlines()
_attempt = threading.local()  # the watchdog of the attempt this thread is making


def _watchdog() -> _Watchdog | None:
    return getattr(_attempt, "watchdog", None)


class _WatchedAdapter(HTTPAdapter):
    """An adapter whose connection pools show each socket they use to the attempt's watchdog."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        return _watch_pools(super().proxy_manager_for(proxy, **proxy_kwargs))


def _watch_pools(manager: PoolManager) -> PoolManager:
    manager.pool_classes_by_scheme = {
        scheme: _watched_pool(pool) for scheme, pool in manager.pool_classes_by_scheme.items()
    }
    return manager


class _WatchedPool(HTTPConnectionPool):
    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)
        sock = getattr(connection, "sock", None)  # a connection kept open by the pool (new ones have none)
        if sock is not None and (watchdog := _watchdog()) is not None:
            watchdog.watch(sock)
        return connection

    def _validate_conn(self, conn: Any) -> None:
        # Where a TLS pool opens a new connection, handshake included, before sending anything.
        watchdog = _watchdog()
        if watchdog is not None:
            watchdog.stage = "connecting"
        super()._validate_conn(conn)
        if watchdog is not None:
            watchdog.stage = "headers"


class _WatchedConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        if (watchdog := _watchdog()) is not None:
            watchdog.watch(sock)
        return sock


@cache
def _watched_pool(pool: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    # Any pool class a manager uses (plain, TLS, SOCKS), its connection class watched too; each
    # named as the class it extends, since urllib3's messages name them.
    if issubclass(pool, _WatchedPool):
        return pool
    connection = pool.ConnectionCls
    watched = type(connection.__name__, (_WatchedConnection, connection), {})
    return type(pool.__name__, (_WatchedPool, pool), {"ConnectionCls": watched})


@dataclass(frozen=True)
class _Answer:
    url: str
    status: int
    reason: str
    headers: Mapping[str, str]
    content: bytes


class _Unanswered(Exception):
    """No complete answer: `sent` when the request may have reached the server."""

    def __init__(self, detail: str, *, sent: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.sent = sent


_NOT_JSON = object()


@dataclass(frozen=True)
class _Parsed:
    """An answer, read: its JSON (or _NOT_JSON), the server's message, and the error it is if it is one."""

    status: int
    json: Any
    text: str
    said: str  # the body's own "message", if any
    failure: MaytapiError | None

    @property
    def body(self) -> dict[str, Any]:
        return self.json if isinstance(self.json, dict) else {}

    def result(self) -> _Parsed:
        if self.failure is not None:
            raise self.failure
        return self

    def error(self) -> MaytapiError:
        assert self.failure is not None, "only failed answers are retried"
        return self.failure


def _read(response: requests.Response, watchdog: _Watchdog) -> bytes:
    """The whole body, decoded, within MAX_ANSWER_BYTES, until the watchdog's deadline: it wakes a
    read that waits; one that never waits (data keeps coming) stops at the check between reads."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        return _TOO_LARGE
    content = bytearray()
    while not watchdog.expired and (chunk := response.raw.read1(65536, decode_content=True)):
        content += chunk
        if len(content) > MAX_ANSWER_BYTES:
            return _TOO_LARGE
    return bytes(content)


_TOO_LARGE = b"\0too large"  # a sentinel no JSON answer can be


def _describe(exc: BaseException) -> str:
    # str(exc) names the URL and the cause, never the headers that carry the token.
    return f"{type(exc).__name__}: {exc}"


def _unanswered(exc: BaseException, stage: str) -> _Unanswered:
    """The failure, and whether the request may have reached the server: not if the connection
    (TCP or TLS) failed, since nothing is sent before it is open."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    opening = stage == "connecting" or isinstance(exc, requests.ConnectTimeout)
    return _Unanswered(_describe(exc), sent=not opening and not isinstance(reason, NewConnectionError))


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), capped; None when absent or unreadable."""
    text = (headers.get("Retry-After") or "").strip()
    if text.isascii() and text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return min(max((when - datetime.now(timezone.utc)).total_seconds(), 0.0), MAX_RETRY_AFTER)


def _gave_up(
    error: MaytapiError, attempts: int, seconds: float, client: MaytapiClient, out_of_time: bool
) -> MaytapiError:
    """The last attempt's error, saying how long the client tried and which setting gives more."""
    if out_of_time:
        why = f"the next attempt would pass the call's time bound of {client.call_timeout:g} s"
    else:
        why = f"maytapi:maxRetries is {client.retries}"
    if attempts > 1 or out_of_time:
        error.args = (f"{error.args[0]} (gave up after {attempts} attempt(s) in {seconds:.1f} s: {why})",)
    return error


def _config_in(body: Any) -> PhoneConfig:
    config = PhoneConfig.from_body(body)
    if config is None:
        raise ValueError("no config in it (neither under status, data nor at the top level)")
    return config


def _parse(operation: str, phone_id: str | None, answer: _Answer, token: str) -> _Parsed:
    status = answer.status
    text = redact(answer.content.decode("utf-8", "replace"), token)
    if answer.content is _TOO_LARGE:
        detail = f"the answer is larger than {MAX_ANSWER_BYTES >> 20} MiB; stopped reading it"
        return _Parsed(status, None, "", "", ApiError(operation, phone_id, status, detail))
    try:
        body: Any = jsonlib.loads(answer.content)
    except (ValueError, RecursionError):
        body = _NOT_JSON
    said = body.get("message") if isinstance(body, dict) else None
    said = shown(said if isinstance(said, str) else jsonlib.dumps(said), token, MAX_QUOTE) if said else ""
    # The text is redacted already: cutting it first spares escaping a whole page.
    message = said or shown(text.strip()[:MAX_QUOTE] or answer.reason or "no message", token, MAX_QUOTE)
    if 300 <= status < 400:
        return _Parsed(status, body, text, said, _redirect(operation, phone_id, answer))
    failed = status >= 400 or (isinstance(body, dict) and "success" in body and body["success"] is not True)
    if not failed:
        error = None
        if body is _NOT_JSON or not 200 <= status < 300:
            error = ApiError(operation, phone_id, status, f"expected JSON, got {text[:100]!r}")
        return _Parsed(status, body, text, said, error)
    if status in (401, 403):
        error = AuthenticationError(operation, phone_id, status, message)
    elif status == 429:
        error = RateLimitedError(operation, phone_id, status, message, answer.headers.get("Retry-After"))
    elif _NOT_A_PHONE in message or (status == 404 and phone_id is not None and "phone" in message.lower()):
        error = PhoneNotFoundError(operation, phone_id, status, message)
    else:
        error = ApiError(operation, phone_id, status, message)
    return _Parsed(status, body, text, said, error)


def _redirect(operation: str, phone_id: str | None, answer: _Answer) -> ApiError:
    location = answer.headers.get("Location")
    target = urlsplit(urljoin(answer.url, location)) if location else None
    host = f"{target.scheme}://{target.netloc.rpartition('@')[2]}" if target and target.netloc else "nowhere"
    detail = (
        f"redirected to {host}, not followed (redirects are never followed: the API token would go "
        "along); check maytapi:baseUrl"
    )
    return ApiError(operation, phone_id, answer.status, detail)


def _deprecated(name: str, replacement: str | None) -> None:
    advice = f"use {replacement}() instead" if replacement else "multi-device phones do not support it"
    warnings.warn(f"Maytapi's {name} is deprecated: {advice}", DeprecationWarning, stacklevel=3)
