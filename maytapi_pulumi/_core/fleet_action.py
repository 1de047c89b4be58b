"""Fleet actions' rules: one action (redeploy, factoryreset, logout) over a set of phones with
one revision, in one resource. Each phone follows the single action's rule (`action.decide`:
when it fires) and makes the single action's record (`action.act`); this module only spreads
them over the set, 8 calls at a time (the Fleet's pool), and keeps each phone's record.

A revision change fires the action once on every phone of the set; a phone added fires only
with fire_on_create; a phone removed fires nothing (its record is dropped). A phone whose call
failed keeps its last record, so the next `up` fires it again, and only it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._endpoints import Action
from .._errors import MaytapiError
from . import action
from .action import UNCERTAIN_ENV, Answers, Step
from .common import UNKNOWN, Failure, Props, changed, check_inputs, is_unknown
from .fleet import by_phone, each_phone, failure_message, over_cap, phone_id_once

if TYPE_CHECKING:
    from .._client import MaytapiClient

OUTPUTS = ("phone_ids", "revision", "phones", "failed")


def path(index: int) -> str:
    """How one phone of the set is named in check failures: `phone_ids[2]`."""
    return f"phone_ids[{index}]"


def check(action_: Action, news: Mapping[str, Any], env: Mapping[str, str]) -> tuple[Props, list[Failure]]:
    """`phone_ids` (a list of phone ids, each once) and `revision` are required; the other
    inputs are the single action's. Unknown phone ids pass through, checked once known."""
    rules = {"phone_ids": lambda v: v, **action.how_rules(action_)}
    inputs, failures = check_inputs(news, rules, required=("phone_ids", "revision"))
    phone_ids = inputs.get("phone_ids")
    if phone_ids is not None and phone_ids is not UNKNOWN:
        if isinstance(phone_ids, (list, tuple)):
            if too_many := over_cap(len(phone_ids), "a fleet action", "fleet actions"):
                return inputs, [*failures, Failure("phone_ids", too_many)]
            inputs["phone_ids"] = _phone_ids(phone_ids, failures)
        else:
            failures.append(Failure("phone_ids", f"{phone_ids!r} is not a list of phone ids"))
    return inputs, failures + action.answer_failures(env)


def _phone_ids(values: list[Any] | tuple[Any, ...], failures: list[Failure]) -> list[Any]:
    checked: list[Any] = []
    seen: set[str] = set()
    for index, value in enumerate(values):
        if is_unknown(value):
            checked.append(value)
        elif (phone_id := phone_id_once(value, path(index), seen, failures, "phone_ids")) is not None:
            checked.append(phone_id)
    return checked


@dataclass(frozen=True)
class Plan:
    """What an update does: each known phone of the set and its step (`action.decide`), the
    phones that leave the set, and whether some phones are not known yet (they may fire)."""

    steps: Mapping[str, Step]
    removed: tuple[str, ...] = ()
    unknown: bool = False

    def phones(self, *steps: Step) -> list[str]:
        return [phone_id for phone_id, step in self.steps.items() if step in steps]

    @property
    def changed(self) -> bool:
        return self.unknown or bool(self.removed) or any(s is not Step.KEEP for s in self.steps.values())


def plan(olds: Mapping[str, Any], news: Mapping[str, Any], given: Answers) -> Plan:
    """`olds` are the last outputs (each phone's record), `news` the checked inputs."""
    records: Mapping[str, Props] = olds.get("phones") or {}
    phone_ids = news.get("phone_ids")
    if not isinstance(phone_ids, list):  # not known yet
        return Plan({}, unknown=True)
    known = [phone_id for phone_id in phone_ids if isinstance(phone_id, str)]
    steps = {
        phone_id: action.decide(
            records.get(phone_id), news, fire_on_create=news.get("fire_on_create"), answer=given.of(phone_id)
        )
        for phone_id in known
    }
    before = [*(olds.get("phone_ids") or []), *records]
    removed = tuple(dict.fromkeys(phone_id for phone_id in before if phone_id not in steps))
    return Plan(steps, removed, unknown=len(known) < len(phone_ids))


def diff(olds: Mapping[str, Any], news: Mapping[str, Any], given: Answers, name: str) -> Plan:
    """The plan of an update; a phone left uncertain and not answered fails the preview, naming
    every such phone and the answers that settle them."""
    planned = plan(olds, news, given)
    unanswered = planned.phones(Step.UNANSWERED)
    if unanswered:
        records: Mapping[str, Props] = olds["phones"]
        raise MaytapiError(uncertain_message(name, {p: records[p] for p in unanswered}))
    return planned


def create(
    action_: Action, client: MaytapiClient, props: Mapping[str, Any], given: Answers, name: str
) -> tuple[str, Props]:
    """`apply` to a new set. The id is random: the record is "this action on these phones"."""
    return uuid.uuid4().hex, apply(action_, client, {}, props, given, name)


def apply(
    action_: Action,
    client: MaytapiClient,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    given: Answers,
    name: str,
) -> Props:
    """Create (`olds` empty) or update: the action fires on each phone whose step says so, 8 at a
    time; with wait_until_ready each such phone is then waited for, within one ready_timeout
    for them all (a phone whose turn comes after it is spent is not fired).

    The outputs keep each phone's record: a phone that failed keeps its last one (none, if new)
    and is listed in `failed` with its error; a phone whose answer was lost is recorded as
    uncertain. `revision` is the revision every phone of the set has reached (the last one, while
    some phone is failed or uncertain). The adapter fails the step when a phone failed or is
    uncertain, once the outputs are saved."""
    planned = diff(olds, news, given, name)
    records: dict[str, Props] = {p: r for p, r in (olds.get("phones") or {}).items() if p in planned.steps}
    todo = {p: s for p, s in planned.steps.items() if s is not Step.KEEP}
    wait = action.wait_of(news)
    revision = news["revision"]

    def one(phone_id: str) -> Props:
        if wait is not None and wait.spent and todo[phone_id] is Step.FIRE:
            raise MaytapiError(
                f"phone {phone_id} was not redeployed: the ready_timeout of {wait.timeout:g}s was spent "
                "waiting for the phones before it; the next `pulumi up` redeploys it"
            )
        return action.act(action_, client, phone_id, todo[phone_id], revision, wait)

    done, failed = each_phone(one, todo)
    records |= done
    reached = all(
        p in records and not changed(records[p], news, "revision") and not records[p]["uncertain"]
        for p in planned.steps
    )
    return {
        "phone_ids": list(planned.steps),
        "revision": revision if reached else olds.get("revision", ""),
        "phones": by_phone(records),
        "failed": failed,
    }


def failure(name: str, outs: Mapping[str, Any], urn: str | None = None) -> str | None:
    """Why an apply failed (phones that failed, phones left uncertain) and what comes next; None
    when every phone is done."""
    records: Mapping[str, Props] = outs.get("phones") or {}
    uncertain = {p: r for p, r in records.items() if r.get("uncertain")}
    failed: Mapping[str, str] = outs.get("failed") or {}
    parts = []
    if failed:
        parts.append(
            failure_message(
                f"{name} did not fire on every phone (the state keeps those it did)",
                failed,
                "The next `pulumi up` fires these phones again, and only these.",
            )
        )
    if uncertain:
        parts.append(uncertain_message(name, uncertain, urn))
    return "\n".join(parts) or None


def uncertain_message(name: str, records: Mapping[str, Props], urn: str | None = None) -> str:
    """The phones whose answer was lost, each with its error, and the answers that settle them
    (scoped to `urn` when known)."""
    phones = list(by_phone(records))
    ids = ",".join(phones)
    target = f" --target '{urn}'" if urn else ""
    revision = records[phones[0]].get("revision")
    return "\n".join(
        [
            f"{name} may or may not have happened on {len(phones)} phone(s), revision {revision!r}:",
            *(f"  phone {p}: {records[p].get('message')}" for p in phones),
            "Check each phone in the Maytapi console, then answer for each one, for example:",
            f"  {UNCERTAIN_ENV}='{action.HAPPENED}:{ids}' pulumi up{target}       # they happened: recorded, no call",
            f"  {UNCERTAIN_ENV}='{action.NOT_HAPPENED}:{ids}' pulumi up{target}   # they did not: fired",
            f"  (phone by phone: '{action.HAPPENED}:{phones[0]} {action.NOT_HAPPENED}:<other ids>')",
        ]
    )
