"""The rules of the operational actions (redeploy, factoryreset, logout): one implementation,
parametrised by the Action (endpoint and name)."""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import _validation
from .._endpoints import Action
from .._errors import InvalidInputError, MaytapiError, TransportError
from .common import Diff, Failure, Props, Rule, changed, check_inputs

if TYPE_CHECKING:
    from .._client import MaytapiClient

# A change of either fires the action again; every other input only shapes how it fires.
FIRING = ("phone_id", "revision")
OUTPUTS = ("phone_id", "revision", "fired", "fired_at", "message", "uncertain")

# The user's answer, for one run, about actions that may or may not have happened.
UNCERTAIN_ENV = "MAYTAPI_UNCERTAIN_ACTIONS"
HAPPENED, NOT_HAPPENED = "happened", "not-happened"
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


def check(action: Action, news: Mapping[str, Any], env: Mapping[str, str]) -> tuple[Props, list[Failure]]:
    """The inputs' rules, and the user's answer to uncertain actions (`env`), if one was given."""
    inputs, failures = check_inputs(news, rules(action), required=FIRING)
    try:
        resolution(env)
    except InvalidInputError as exc:
        failures.append(Failure("", str(exc)))
    return inputs, failures


def resolution(env: Mapping[str, str]) -> str | None:
    """The user's answer in $MAYTAPI_UNCERTAIN_ACTIONS, if any: `happened` records every action
    this run would fire without calling Maytapi; `not-happened` lets uncertain ones fire."""
    value = env.get(UNCERTAIN_ENV, "").strip().lower()
    if value in ("", HAPPENED, NOT_HAPPENED):
        return value or None
    raise InvalidInputError(UNCERTAIN_ENV, f"{value!r} is not an answer", f"use {HAPPENED} or {NOT_HAPPENED}")


def diff(olds: Mapping[str, Any], news: Mapping[str, Any], answer: str | None = None) -> Diff:
    """An update, not a replace: the resource stays one record of "this action, at this
    revision", and fire_on_create=False must not stop a later revision from firing.

    An action recorded as uncertain at its current revision is never fired again unasked:
    without an answer the preview fails, saying how to give one; with one it is an update."""
    changes = tuple(key for key in FIRING if changed(olds, news, key))
    if changes or not olds.get("uncertain"):
        return Diff(changes)
    if answer is None:
        raise MaytapiError(uncertain_message(olds.get("phone_id"), olds.get("revision"), olds.get("message")))
    return Diff(("uncertain",))


def uncertain_message(phone_id: object, revision: object, detail: object, urn: str | None = None) -> str:
    """What happened and the two one-liners that settle it (scoped to `urn` when known)."""
    target = f" --target '{urn}'" if urn else ""
    return (
        f"the action on phone {phone_id} for revision {revision!r} may or may not have happened "
        f"({detail}). Check the phone in the Maytapi console, then run one of:\n"
        f"  {UNCERTAIN_ENV}={HAPPENED} pulumi up{target}       # it happened: record it, no call\n"
        f"  {UNCERTAIN_ENV}={NOT_HAPPENED} pulumi up{target}   # it did not: fire it"
    )


def create(
    action: Action, client: MaytapiClient, props: Mapping[str, Any], answer: str | None = None
) -> tuple[str, Props]:
    """Fires (1 call) unless fire_on_create is false (0 calls). The id is random: the record
    is "this action on this phone"."""
    outs = fire(action, client, props, answer) if props["fire_on_create"] else _outputs(props, fired=False)
    return uuid.uuid4().hex, outs


def fire(action: Action, client: MaytapiClient, props: Mapping[str, Any], answer: str | None = None) -> Props:
    """1 call, then with wait_until_ready polls of /status until the phone is ready; none when
    the user answered that it happened.

    A call that may have reached Maytapi without its answer coming back is recorded, not
    raised: the state then says "uncertain" at this revision, so the next run does not fire
    it again unasked (the resource fails the program, see the adapter)."""
    if answer == HAPPENED:
        return _outputs(
            props, fired=True, message=f"recorded as happened ({UNCERTAIN_ENV}={HAPPENED}), not called"
        )
    try:
        answer_body = client.run_action(action, props["phone_id"])
    except TransportError as exc:
        if not exc.may_have_happened:
            raise
        return {**_outputs(props, fired=False, message=str(exc)), "uncertain": True}
    if props.get("wait_until_ready"):
        _wait_until_ready(client, props["phone_id"], props["ready_timeout"])
    return _outputs(props, fired=True, message=answer_body.message)


def _outputs(props: Mapping[str, Any], *, fired: bool, message: str | None = None) -> Props:
    # "" rather than None until it fires: the Python SDK previews a None output as unknown, so a
    # PhoneConfig with reapply_trigger=reset.fired_at would show a change in every preview.
    fired_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds") if fired else ""
    return {**props, "fired": fired, "fired_at": fired_at, "message": message or "", "uncertain": False}


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
