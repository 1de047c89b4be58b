"""The rules of the operational actions (redeploy, factoryreset, logout): one implementation,
parametrised by the Action (endpoint and name)."""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Mapping
from typing import Any

from .. import _validation
from .._client import Action, MaytapiClient
from .._errors import InvalidInputError, MaytapiError
from .common import Diff, Failure, Props, Rule, changed, check_inputs

# A change of either fires the action again; every other input only shapes how it fires.
FIRING = ("phone_id", "revision")
OUTPUTS = ("phone_id", "revision", "fired", "fired_at", "message")
_POLL_FIRST, _POLL_MAX = 0.25, 5.0
DEFAULT_READY_TIMEOUT = 300.0


def _revision(value: object) -> str | int:
    value = _validation.whole_number(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise InvalidInputError(
            "revision",
            f"{value!r} is not a non-empty string or an integer",
            'use a date, a counter or a tag: "2026-11-25"',
        )
    return value


def _timeout(value: object) -> float:
    if value is None:
        return DEFAULT_READY_TIMEOUT
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise InvalidInputError(
            "ready_timeout", f"{value!r} is not a positive number of seconds", "use e.g. 300"
        )
    return float(value)


def rules(action: Action) -> dict[str, Rule]:
    """Each input's rule; only Redeploy can wait for the phone to come back."""
    common: dict[str, Rule] = {
        "phone_id": _validation.phone_id,
        "revision": _revision,
        "fire_on_create": _validation.flag("fire_on_create", default=True),
    }
    if action is Action.REDEPLOY:
        common |= {"wait_until_ready": _validation.flag("wait_until_ready"), "ready_timeout": _timeout}
    return common


def check(action: Action, news: Mapping[str, Any]) -> tuple[Props, list[Failure]]:
    return check_inputs(news, rules(action), required=FIRING)


def diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
    # An update, not a replace: the resource stays one record of "this action, at this
    # revision", and fire_on_create=False must not stop a later revision from firing.
    return Diff(tuple(key for key in FIRING if changed(olds, news, key)))


def create(action: Action, client: MaytapiClient, props: Mapping[str, Any]) -> tuple[str, Props]:
    """Fires (1 call) unless fire_on_create is false (0 calls). The id is random: the record
    is "this action on this phone"."""
    outs = fire(action, client, props) if props["fire_on_create"] else _outputs(props, fired=False)
    return uuid.uuid4().hex, outs


def fire(action: Action, client: MaytapiClient, props: Mapping[str, Any]) -> Props:
    """1 call, then with wait_until_ready polls of /status until the phone is ready."""
    answer = client.run_action(action, props["phone_id"])
    if props.get("wait_until_ready"):
        _wait_until_ready(client, props["phone_id"], props["ready_timeout"])
    return _outputs(props, fired=True, message=answer.message)


def _outputs(props: Mapping[str, Any], *, fired: bool, message: str | None = None) -> Props:
    fired_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds") if fired else None
    return {**props, "fired": fired, "fired_at": fired_at, "message": message}


def _wait_until_ready(client: MaytapiClient, phone_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = _POLL_FIRST
    while True:
        status = client.status(phone_id).status
        if status.ready:
            return
        if time.monotonic() + delay > deadline:
            raise MaytapiError(
                f"phone {phone_id} was redeployed but was not ready within {timeout:g}s "
                f"(last status: {status.message or status.state}); raise ready_timeout, "
                "or check the phone in the Maytapi console"
            )
        time.sleep(delay)
        delay = min(delay * 2, _POLL_MAX)
