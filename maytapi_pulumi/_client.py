"""MaytapiClient: every operation of Maytapi's session-controlling API, over one requests.Session."""

from __future__ import annotations

import enum
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from pydantic import TypeAdapter, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.util.retry import Retry

from . import _validation
from ._errors import (
    ApiError,
    AuthenticationError,
    PhoneNotFoundError,
    RateLimitedError,
    TransportError,
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


class Action(enum.Enum):
    """An operational action: its endpoint, and its name in messages and type tokens."""

    REDEPLOY = "redeploy"
    FACTORY_RESET = "factoryreset"
    LOGOUT = "logout"


class _Retry(Retry):
    """urllib3's Retry, with a server's Retry-After capped: an hour's wait is a failure, not a retry."""

    MAX_RETRY_AFTER = 60.0

    def get_retry_after(self, response: Any) -> float | None:
        after = super().get_retry_after(response)
        return None if after is None else min(after, self.MAX_RETRY_AFTER)


class MaytapiClient:
    """A client for one Maytapi product.

    Reads and the config POST (which sets, so repeating it is harmless) are retried on
    connection errors, 429, 502, 503 and 504. Actions are retried only when the request
    provably never reached Maytapi (the connection failed) or was refused with 429/503:
    repeating a redeploy or a factory reset that did happen is not harmless.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float | None = None,
        retries: int = 3,
        backoff_factor: float = 0.5,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.timeout = (connect_timeout, read_timeout or settings.read_timeout)
        common: dict[str, Any] = {
            "total": retries,
            "backoff_factor": backoff_factor,
            "backoff_jitter": backoff_factor / 2,
            "respect_retry_after_header": True,
            "raise_on_status": False,  # the last answer is parsed for the server's message
            "redirect": 0,
            "other": 0,
        }
        safe = _Retry(
            connect=retries,
            read=retries,
            status=retries,
            status_forcelist=(429, 502, 503, 504),
            allowed_methods=("GET", "POST"),
            **common,
        )
        unsafe = _Retry(
            connect=retries,
            read=0,
            status=retries,
            status_forcelist=(429, 503),
            allowed_methods=("GET",),
            **common,
        )
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.headers["x-maytapi-key"] = settings.api_token.get_secret_value()
        # Both adapters belong to the one session; actions are sent through theirs explicitly.
        self._session.mount("http://", HTTPAdapter(max_retries=safe, pool_maxsize=8))
        self._session.mount("https://", HTTPAdapter(max_retries=safe, pool_maxsize=8))
        self._action_adapter = HTTPAdapter(max_retries=unsafe, pool_maxsize=8)

    def __repr__(self) -> str:
        return f"MaytapiClient(product_url={self.settings.product_url!r})"

    def __enter__(self) -> MaytapiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()
        self._action_adapter.close()

    # -- the seed's operations ------------------------------------------------------------

    def get_config(self, phone_id: str | int) -> PhoneConfig:
        """GET /{phone_id}/config: the phone's own webhook and ack_delivery."""
        phone = _validation.phone_id(phone_id)
        return self._call(
            "get config",
            "GET",
            f"/{phone}/config",
            phone,
            lambda body: PhoneConfig.from_body(body) or PhoneConfig(),
        )

    def set_config(self, phone_id: str | int, webhook: str | None, ack_delivery: bool = False) -> PhoneConfig:
        """POST /{phone_id}/config. `webhook` None or "" hands delivery back to the product's webhook.

        Returns the config as Maytapi reports it; a field the answer leaves out is taken as sent.
        """
        phone = _validation.phone_id(phone_id)
        request = ConfigRequest(webhook=_validation.webhook(webhook), ack_delivery=ack_delivery)
        sent = request.model_dump()

        def reported(body: Any) -> PhoneConfig:
            config = PhoneConfig.from_body(body)
            given = config.model_dump(include=config.model_fields_set & set(sent)) if config else {}
            return PhoneConfig.model_validate({**sent, **given})

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
            "restore", "POST", f"/{phone}/restore", phone, JustSuccess.model_validate, json=data
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
    ) -> _T:
        url = self.settings.product_url + path
        try:
            if action:
                prepared = self._session.prepare_request(requests.Request(method, url, json=json))
                # Sent past the session, so the session's proxy, CA and cert settings are applied here.
                env = self._session.merge_environment_settings(url, {}, None, None, None)
                response = self._action_adapter.send(
                    prepared,
                    timeout=self.timeout,
                    proxies=env["proxies"],
                    verify=True if env["verify"] is None else env["verify"],
                    cert=env["cert"],
                )
            else:
                response = self._session.request(method, url, json=json, timeout=self.timeout)
            response.content  # noqa: B018 - a body cut short fails here, inside the try
        except requests.ConnectTimeout as exc:
            raise TransportError(operation, phone_id, _describe(exc), may_have_happened=False) from None
        except requests.RequestException as exc:
            raise TransportError(
                operation, phone_id, _describe(exc), may_have_happened=action and _sent(exc)
            ) from None
        body = _parse(operation, phone_id, response)
        try:
            return parse(body)
        except ValidationError as exc:
            detail = f"unexpected answer: {exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}"
            raise ApiError(operation, phone_id, response.status_code, detail) from None


def _describe(exc: requests.RequestException) -> str:
    # str(exc) names the URL and the cause, never the headers that carry the token.
    return f"{type(exc).__name__}: {exc}"


def _sent(exc: requests.RequestException) -> bool:
    """Whether the request may have reached the server: anything but a failed connection."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return not isinstance(reason, NewConnectionError)


def _parse(operation: str, phone_id: str | None, response: requests.Response) -> Any:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    message = str(message) if message else (response.text[:300].strip() or response.reason or "no message")
    status = response.status_code
    failed = status >= 400 or (isinstance(body, dict) and body.get("success") is False)
    if not failed:
        if body is None:
            raise ApiError(operation, phone_id, status, f"expected JSON, got {response.text[:100]!r}")
        return body
    if status in (401, 403):
        raise AuthenticationError(operation, phone_id, status, message)
    if status == 429:
        raise RateLimitedError(operation, phone_id, status, message, response.headers.get("Retry-After"))
    if _NOT_A_PHONE in message or (status == 404 and phone_id is not None and "phone" in message.lower()):
        raise PhoneNotFoundError(operation, phone_id, status, message)
    raise ApiError(operation, phone_id, status, message)


def _deprecated(name: str, replacement: str | None) -> None:
    advice = f"use {replacement}() instead" if replacement else "multi-device phones do not support it"
    warnings.warn(f"Maytapi's {name} is deprecated: {advice}", DeprecationWarning, stacklevel=3)
