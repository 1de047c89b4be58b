"""Fleet's rules: many phones' configs in one resource. Each phone follows PhoneConfig's rules
(`phone_config`: its check, its diff, its calls and claims); this module only spreads them over
a map of phones, in parallel, and keeps what each phone's call did.

A fleet is one step of the engine however many phones it holds: the engine rewrites the whole
state after every step, so N resources cost O(N²) while one Fleet of N phones costs O(N)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _validation
from .._errors import InvalidInputError, MaytapiError
from . import phone_config
from .common import UNKNOWN, Diff, Failure, Props, check_inputs, is_unknown
from .hands import Claims

if TYPE_CHECKING:
    from .._client import MaytapiClient

T = TypeVar("T")

FIELDS = ("webhook", "ack_delivery")
INPUTS = ("phones",)
OUTPUTS = ("phones", "failed")

# As many calls in flight as the client keeps connections (HTTPAdapter pool_maxsize); one pool
# for every fleet of the process, so two fleets updating at once stay within it.
WORKERS = 8
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="maytapi-fleet")

Phones = dict[str, Props]  # phone id → {"webhook", "ack_delivery"}

# The most phones one Fleet, or one fleet action, holds. Pulumi's engine (v3.277) copies a
# resource's map once per key each time it reports a step, so a step costs O(N²) in the size of
# `phones` (a fleet action's output map too): a no-op `up` of a
# 10,000-phone Fleet took about 70 CPU-seconds (under 4 with that copy made once), and twice the
# phones cost four times that. Several Fleets of at most this size cost the sum of their own.
MAX_PHONES = 10_000


def over_cap(count: int, one: str, several: str) -> str | None:
    """Why `count` phones are too many for one resource (`one`: "a Fleet"), and how to split
    them; None within MAX_PHONES."""
    if count <= MAX_PHONES:
        return None
    return (
        f"{count:,} phones; {one} holds at most {MAX_PHONES:,} (the engine's work on one resource "
        f"grows with the square of its size); split them into several {several} of at most {MAX_PHONES:,} "
        "phones each, e.g. by ranges of phone ids, each phone in one of them"
    )


def path(phone_id: str, field: str | None = None) -> str:
    """How a phone (or one of its fields) is named in diffs and errors: `phones["12"].webhook`."""
    return f'phones["{phone_id}"]' + (f".{field}" if field else "")


def phone_id_once(
    value: Any, where: str, seen: set[str], failures: list[Failure], field: str = "phone_id"
) -> str | None:
    """`value` as a phone id the first time a set lists it (added to `seen`); None, with a
    failure at `where`, when it is not a phone id or was listed before."""
    try:
        phone_id = _validation.phone_id(value, field)
    except InvalidInputError as exc:
        failures.append(Failure(where, f"{exc.problem}; {exc.fix}"))
        return None
    if phone_id in seen:
        failures.append(Failure(where, f"phone {phone_id} is listed twice"))
        return None
    seen.add(phone_id)
    return phone_id


def check(news: Mapping[str, Any]) -> tuple[Props, list[Failure]]:
    """`phones` is required: a map of phone id → {webhook, ack_delivery}, each checked by
    PhoneConfig's rules. Unknown parts pass through, checked once known."""
    inputs, failures = check_inputs(news, {"phones": lambda v: v}, required=("phones",))
    phones = inputs.get("phones")
    if phones is None or phones is UNKNOWN:
        return inputs, failures
    if not isinstance(phones, Mapping):
        return inputs, [*failures, Failure("phones", "phones is not a map of phone id to config")]
    if too_many := over_cap(len(phones), "a Fleet", "Fleets"):
        return inputs, [*failures, Failure("phones", too_many)]
    checked: Phones = {}
    seen: set[str] = set()
    for key, entry in phones.items():
        phone_id = phone_id_once(key, path(str(key)), seen, failures)
        if phone_id is None:
            continue
        entry = {} if entry is None else entry
        if is_unknown(entry) and not isinstance(entry, Mapping):
            checked[phone_id] = entry
            continue
        if not isinstance(entry, Mapping):
            failures.append(Failure(path(phone_id), "is not a map with webhook and ack_delivery"))
            continue
        one, problems = phone_config.check({"phone_id": phone_id, **_fields_only(entry, phone_id, failures)})
        failures += [Failure(path(phone_id, f.property), f.reason) for f in problems]
        checked[phone_id] = {key: one.get(key) for key in FIELDS}
    return {**inputs, "phones": checked}, failures


def _fields_only(entry: Mapping[str, Any], phone_id: str, failures: list[Failure]) -> Props:
    """A phone's fields; any other key is refused (a fleet's phones have no per-phone options)."""
    for key in entry:
        if key not in FIELDS:
            failures.append(
                Failure(path(phone_id, key), f"unknown property {key!r}; a phone has {' and '.join(FIELDS)}")
            )
    return {key: entry[key] for key in FIELDS if key in entry}


def changes(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Each phone that needs a call and why: its changed fields (PhoneConfig's diff), or () for a
    phone added, removed, or whose last write failed. Unchanged phones are left out."""
    old: Mapping[str, Props] = olds.get("phones") or {}
    new: Mapping[str, Any] = news.get("phones") or {}
    failed: Mapping[str, str] = olds.get("failed") or {}
    found: dict[str, tuple[str, ...]] = {}
    for phone_id, config in new.items():
        if phone_id not in old or phone_id in failed:
            found[phone_id] = ()
        elif is_unknown(config):
            found[phone_id] = FIELDS
        else:
            diff = phone_config.diff(_one(phone_id, old[phone_id]), _one(phone_id, config))
            if diff.changed:
                found[phone_id] = diff.changes
    found |= {phone_id: () for phone_id in old if phone_id not in new}
    return found


def diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
    """The changed phones and fields, as paths (`phones["12"].webhook`; `phones["14"]` for a
    phone added or removed). `olds` are the last outputs: what Maytapi reported."""
    if news.get("phones") is UNKNOWN:
        return Diff(("phones",))
    return Diff(
        tuple(
            path_
            for phone_id, fields in changes(olds, news).items()
            for path_ in ([path(phone_id, f) for f in fields] if fields else [path(phone_id)])
        )
    )


def _one(phone_id: str, config: Mapping[str, Any]) -> Props:
    """A fleet's phone as PhoneConfig's rules see it."""
    return {"phone_id": phone_id, **{key: config.get(key) for key in FIELDS}}


def _fields(outs: Mapping[str, Any]) -> Props:
    return {key: outs[key] for key in FIELDS}


def each_phone(fn: Callable[[str], T], phone_ids: Iterable[str]) -> tuple[dict[str, T], dict[str, str]]:
    """`fn` on every phone, at most WORKERS at once: each phone's result, and each failed one's error."""
    ids = list(phone_ids)
    futures = {phone_id: _pool.submit(fn, phone_id) for phone_id in ids}
    done: dict[str, T] = {}
    errors: dict[str, str] = {}
    for phone_id, future in futures.items():
        try:
            done[phone_id] = future.result()
        except MaytapiError as exc:
            errors[phone_id] = str(exc)
    return done, errors


def apply(
    client: MaytapiClient, olds: Mapping[str, Any], news: Mapping[str, Any], *, claims: Claims
) -> Props:
    """Create or update: one POST per phone that changed or was added, one per phone removed
    (restoring its default, unless another resource took it over in this deployment, as
    PhoneConfig's delete does); none for the others.

    The outputs keep exactly what was applied: a phone whose call failed keeps its last known
    config (or stays out, if it never had one) and is listed in `failed` with the error, so the
    next update sends it again. The adapter fails the step when `failed` is not empty."""
    applied: Phones = {**(olds.get("phones") or {})}
    new: Mapping[str, Props] = news["phones"]
    todo = changes(olds, news)
    writes = [phone_id for phone_id in todo if phone_id in new]
    removed = [phone_id for phone_id in todo if phone_id not in new]

    def write(phone_id: str) -> Props:
        return _fields(phone_config.update(client, _one(phone_id, new[phone_id]), claims=claims))

    def reset(phone_id: str) -> None:
        phone_config.delete(client, {"phone_id": phone_id}, claims=claims)

    written, write_errors = each_phone(write, writes)
    reset_done, reset_errors = each_phone(reset, removed)
    applied |= written
    for phone_id in reset_done:
        del applied[phone_id]
    failed = {**write_errors, **reset_errors}
    return {"phones": by_phone(applied), "failed": failed}


def by_phone(phones: Mapping[str, T]) -> dict[str, T]:
    """`phones` ordered by phone id as a number, as the state and the messages list them."""
    return dict(sorted(phones.items(), key=lambda item: int(item[0])))


def failure_message(what: str, failed: Mapping[str, str], then: str = "") -> str:
    """What failed, naming each phone and its error, then what happens next."""
    lines = [f"{what}: {len(failed)} phone(s) failed:"]
    lines += [f"  phone {phone_id}: {error}" for phone_id, error in by_phone(failed).items()]
    return "\n".join([*lines, then] if then else lines)


def failure(name: str, outs: Mapping[str, Any]) -> str | None:
    """Why an apply failed (the phones whose write failed), and what the next `up` does about
    it; None when every phone was applied."""
    failed: Mapping[str, str] = outs.get("failed") or {}
    if not failed:
        return None
    return failure_message(
        f"{name} was not fully applied (the state keeps what was)",
        failed,
        "The next `pulumi up` sends these phones again, and only these.",
    )


def read(client: MaytapiClient, olds: Mapping[str, Any]) -> tuple[Props, list[str]]:
    """Refresh: one GET per phone in the state. A phone that no longer exists is dropped, with
    PhoneConfig's warning for it. Raises naming every phone whose read failed."""
    phone_ids = list(olds.get("phones") or {})
    found, errors = each_phone(
        lambda phone_id: phone_config.read(client, phone_id, {}, managed=True), phone_ids
    )
    if errors:
        raise MaytapiError(failure_message("reading the fleet", errors))
    live = {phone_id: _fields(outs) for phone_id, outs in found.items() if outs is not None}
    gone = [phone_config.vanished(phone_id) for phone_id, outs in found.items() if outs is None]
    return {"phones": live, "failed": {}}, gone


def import_product(client: MaytapiClient, product_id: str) -> Props:
    """Import: every phone of the product (one GET /listPhones), each read with one GET."""
    if product_id != client.settings.product_id:
        raise MaytapiError(
            f"a Fleet is imported by its product id: {product_id!r} is not this provider's product "
            f"({client.settings.product_id}); use `pulumi import maytapi:index:Fleet <name> "
            f"{client.settings.product_id}`"
        )
    phones: Phones = {str(phone.id): {} for phone in client.list_phones()}
    return read(client, {"phones": phones})[0]


def delete(client: MaytapiClient, props: Mapping[str, Any], *, claims: Claims) -> None:
    """One POST per phone restoring its default (PhoneConfig's delete: none for a phone another
    resource took over in this deployment, or one that no longer exists)."""
    _done, errors = each_phone(
        lambda phone_id: phone_config.delete(client, {"phone_id": phone_id}, claims=claims),
        props.get("phones") or {},
    )
    if errors:
        raise MaytapiError(failure_message("restoring the fleet's phones", errors))
