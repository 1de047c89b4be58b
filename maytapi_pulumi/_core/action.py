"""The rules of the operational actions (redeploy, factoryreset, logout): one implementation,
parametrised by the Action (endpoint and name).

"When to fire" is one rule, per phone (`decide`): a single action is its one-phone case, and a
fleet action (`fleet_action`) applies it to each phone of its set. Each phone's outcome is a
record (`RECORD_FIELDS`: the revision, whether and when it fired, Maytapi's message, whether its
answer was lost), made by `act`."""

from __future__ import annotations

import datetime
import enum
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import _validation
from .._endpoints import Action
from .._errors import InvalidInputError, MaytapiError, TransportError
from .common import Diff, Failure, Props, Rule, changed, check_inputs, is_unknown

if TYPE_CHECKING:
    from .._client import MaytapiClient

# A change of either fires the action again; every other input only shapes how it fires.
FIRING = ("phone_id", "revision")
# What the state keeps of one phone's action.
RECORD_FIELDS = ("revision", "fired", "fired_at", "message", "uncertain")
OUTPUTS = ("phone_id", *RECORD_FIELDS)

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


def how_rules(action: Action) -> dict[str, Rule]:
    """The rules of the inputs that say how an action fires, beside its phones: only Redeploy
    can wait for the phone to come back."""
    how: dict[str, Rule] = {
        "revision": _revision,
        "fire_on_create": _validation.flag("fire_on_create", default=True),
    }
    if action is Action.REDEPLOY:
        how |= {"wait_until_ready": _validation.flag("wait_until_ready"), "ready_timeout": _timeout}
    return how


def rules(action: Action) -> dict[str, Rule]:
    """Each input's rule."""
    return {"phone_id": _validation.phone_id, **how_rules(action)}


def check(action: Action, news: Mapping[str, Any], env: Mapping[str, str]) -> tuple[Props, list[Failure]]:
    """The inputs' rules, and the user's answer to uncertain actions (`env`), if one was given."""
    inputs, failures = check_inputs(news, rules(action), required=FIRING)
    return inputs, failures + answer_failures(env)


def answer_failures(env: Mapping[str, str]) -> list[Failure]:
    """A malformed answer in $MAYTAPI_UNCERTAIN_ACTIONS, as a check failure naming the fix."""
    try:
        answers(env)
    except InvalidInputError as exc:
        return [Failure("", str(exc))]
    return []


# -- the user's answers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    """What the user said, for this run, about actions that may or may not have happened: for
    every action (`every`: a bare `happened` or `not-happened`) and per phone (`phones`).
    True: it happened, record it without a call; False: it did not, fire it."""

    every: bool | None = None
    phones: Mapping[str, bool] = field(default_factory=dict)

    def of(self, phone_id: object) -> bool | None:
        """The answer for the actions of one phone (one not known yet: the answer for every one)."""
        if is_unknown(phone_id) or not isinstance(phone_id, str):
            return self.every
        return self.phones.get(phone_id, self.every)


_ANSWER_FIX = (
    f"use {HAPPENED} or {NOT_HAPPENED}, alone for every action of the run or naming phones, "
    f"e.g. {UNCERTAIN_ENV}='{HAPPENED}:12,13 {NOT_HAPPENED}:14'"
)


def answers(env: Mapping[str, str]) -> Answers:
    """The user's answers in $MAYTAPI_UNCERTAIN_ACTIONS: words separated by spaces or `;`, each
    `happened` or `not-happened` (every action this run would fire), or either followed by `:`
    and phone ids separated by commas (the actions of those phones, single or fleet-wide).
    A phone named by one overrides a bare one. Raises naming the variable and the fix."""
    every: bool | None = None
    phones: dict[str, bool] = {}
    for word in re.split(r"[\s;]+", env.get(UNCERTAIN_ENV, "").strip().lower()):
        if not word:
            continue
        said, colon, ids = word.partition(":")
        if said not in (HAPPENED, NOT_HAPPENED) or (colon and not ids):
            raise InvalidInputError(UNCERTAIN_ENV, f"{word!r} is not an answer", _ANSWER_FIX)
        happened = said == HAPPENED
        if not colon:
            if every is not None:
                raise InvalidInputError(UNCERTAIN_ENV, "answers every action twice", _ANSWER_FIX)
            every = happened
            continue
        for raw in ids.split(","):
            try:
                phone_id = _validation.phone_id(raw)
            except InvalidInputError:
                raise InvalidInputError(
                    UNCERTAIN_ENV, f"{raw!r} in {word!r} is not a phone id", _ANSWER_FIX
                ) from None
            if phone_id in phones:
                raise InvalidInputError(UNCERTAIN_ENV, f"answers phone {phone_id} twice", _ANSWER_FIX)
            phones[phone_id] = happened
    return Answers(every, phones)


# -- when to fire ------------------------------------------------------------------------------


class Step(enum.Enum):
    """What an action does on one phone in this run."""

    KEEP = "keep"  # nothing: its record stands
    RECORD = "record"  # a new phone with fire_on_create false: the revision recorded, no call
    FIRE = "fire"  # one call
    HAPPENED = "happened"  # the user said it happened: recorded as fired, no call
    UNANSWERED = "unanswered"  # its last call may or may not have happened: fire nothing until answered


def decide(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    *,
    fire_on_create: object,
    answer: bool | None,
    keys: tuple[str, ...] = ("revision",),
) -> Step:
    """The one rule of when an action fires on a phone. `old` is the phone's record in the state
    (None: the action is new to this phone), `new` the inputs, `keys` those whose change fires
    it again (a single action's phone and revision; a fleet action's revision).

    New: it fires only with fire_on_create (the record is made either way). A changed key fires
    it. A record left uncertain at these inputs (its answer was lost) fires nothing until the
    user answers: it happened (recorded, no call) or it did not (it fires). The user's "it
    happened" also stands for any other firing of the run. A phone that leaves an action's set
    is no phone of it: nothing is called."""
    if old is None:
        if fire_on_create is False:
            return Step.RECORD
    elif not any(changed(old, new, key) for key in keys):
        if not old.get("uncertain"):
            return Step.KEEP
        if answer is None:
            return Step.UNANSWERED
    return Step.HAPPENED if answer is True else Step.FIRE


@dataclass(frozen=True)
class Wait:
    """Waiting for a redeployed phone to be ready: until `deadline` (time.monotonic()), the end
    of `timeout` seconds, which the message names."""

    timeout: float
    deadline: float

    @classmethod
    def starting_now(cls, timeout: float) -> Wait:
        return cls(timeout, time.monotonic() + timeout)

    @property
    def spent(self) -> bool:
        return time.monotonic() >= self.deadline


def act(
    action: Action,
    client: MaytapiClient,
    phone_id: str,
    step: Step,
    revision: object,
    wait: Wait | None = None,
) -> Props:
    """The phone's new record for `step`: 1 call to fire (then, with `wait`, polls of /status
    until the phone is ready); none otherwise.

    A call that may have reached Maytapi without its answer coming back is recorded, not
    raised: the record then says "uncertain" at this revision, so the next run does not fire it
    again unasked (the adapter fails the up once the record is saved). Any other failure raises,
    and nothing is recorded: the next run fires again."""
    if step is Step.RECORD:
        return record(revision, fired=False)
    if step is Step.HAPPENED:
        return record(revision, fired=True, message=f"recorded as happened ({UNCERTAIN_ENV}), not called")
    if step is not Step.FIRE:
        raise ValueError(f"no record to make for {step}")
    try:
        answered = client.run_action(action, phone_id)
    except TransportError as exc:
        if not exc.may_have_happened:
            raise
        return {**record(revision, fired=False, message=str(exc)), "uncertain": True}
    if wait is not None:
        _wait_until_ready(client, phone_id, wait)
    return record(revision, fired=True, message=answered.message)


def record(revision: object, *, fired: bool, message: str | None = None) -> Props:
    # "" rather than None until it fires: the Python SDK previews a None output as unknown, so a
    # PhoneConfig with reapply_trigger=reset.fired_at would show a change in every preview.
    fired_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds") if fired else ""
    return {
        "revision": revision,
        "fired": fired,
        "fired_at": fired_at,
        "message": message or "",
        "uncertain": False,
    }


def _wait_until_ready(client: MaytapiClient, phone_id: str, wait: Wait) -> None:
    delay = _POLL_FIRST
    while True:
        status = client.status(phone_id).status
        if status.ready:
            return
        if time.monotonic() + delay > wait.deadline:
            raise MaytapiError(
                f"phone {phone_id} was redeployed but was not ready within {wait.timeout:g}s "
                f"(last status: {status.message or status.state}); raise ready_timeout, "
                "or check the phone in the Maytapi console"
            )
        time.sleep(delay)
        delay = min(delay * 2, _POLL_MAX)


def wait_of(props: Mapping[str, Any]) -> Wait | None:
    """The wait a Redeploy's inputs ask for, starting now (None without wait_until_ready)."""
    if not props.get("wait_until_ready"):
        return None
    return Wait.starting_now(props.get("ready_timeout") or DEFAULT_READY_TIMEOUT)


# -- a single action: the one-phone case -------------------------------------------------------


def diff(olds: Mapping[str, Any], news: Mapping[str, Any], given: Answers | None = None) -> Diff:
    """An update, not a replace: the resource stays one record of "this action, at this
    revision", and fire_on_create=False must not stop a later revision from firing.

    An action recorded as uncertain at its current revision is never fired again unasked:
    without an answer the preview fails, saying how to give one; with one it is an update."""
    step = _step(olds, news, given or Answers())
    if step is Step.KEEP:
        return Diff()
    return Diff(tuple(key for key in FIRING if changed(olds, news, key)) or ("uncertain",))


def _step(olds: Mapping[str, Any] | None, news: Mapping[str, Any], given: Answers) -> Step:
    """`decide` for the action's one phone; an unanswered doubt raises, saying how to answer."""
    answer = given.of(news.get("phone_id"))
    step = decide(olds, news, fire_on_create=news.get("fire_on_create"), answer=answer, keys=FIRING)
    if step is Step.UNANSWERED and olds is not None:
        raise MaytapiError(uncertain_message(olds.get("phone_id"), olds.get("revision"), olds.get("message")))
    return step


def failure(outs: Mapping[str, Any], urn: str | None = None) -> str | None:
    """Why an action's step fails: its answer was lost, and it is recorded as uncertain; None
    when it was not."""
    if not outs.get("uncertain"):
        return None
    return uncertain_message(outs["phone_id"], outs["revision"], outs["message"], urn)


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
    action: Action, client: MaytapiClient, props: Mapping[str, Any], given: Answers | None = None
) -> tuple[str, Props]:
    """Fires (1 call) unless fire_on_create is false (0 calls). The id is random: the record
    is "this action on this phone"."""
    return uuid.uuid4().hex, fire(action, client, None, props, given)


def fire(
    action: Action,
    client: MaytapiClient,
    olds: Mapping[str, Any] | None,
    news: Mapping[str, Any],
    given: Answers | None = None,
) -> Props:
    """Create (`olds` None) or update: what `decide` says, on the action's phone."""
    step = _step(olds, news, given or Answers())
    if step is Step.KEEP:
        return {**news, **{key: (olds or {}).get(key) for key in RECORD_FIELDS}}
    return {**news, **act(action, client, news["phone_id"], step, news["revision"], wait_of(news))}
