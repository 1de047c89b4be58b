"""What the resource kinds share: the unknown marker, check failures, the input check and the
change test, settings problems, a change of product, and one client per product."""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from .. import _validation
from .._errors import InvalidInputError, MaytapiError, MissingSettingError, PhoneNotFoundError
from .._settings import SOURCES, Settings

if TYPE_CHECKING:
    from .._client import MaytapiClient


class _Unknown:
    """A value not known yet (another resource's output during a preview). Adapters turn
    their own forms of it into UNKNOWN on the way in and back on the way out."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()

Props = dict[str, Any]
Rule = Callable[[Any], Any]


def is_unknown(value: object) -> bool:
    """Whether the value is not known yet, or holds a part that is not (a list or a dict)."""
    if isinstance(value, Mapping):
        return any(is_unknown(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(is_unknown(item) for item in value)
    return value is UNKNOWN


@dataclass(frozen=True)
class Failure:
    """An input refused by check: the property ("" for the provider's settings) and why."""

    property: str
    reason: str


@dataclass(frozen=True)
class Diff:
    """What a change of inputs means: the properties that changed, and those of them that
    force a replace."""

    changes: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def check_inputs(
    news: Mapping[str, Any],
    rules: Mapping[str, Rule],
    required: tuple[str, ...],
    ignored: tuple[str, ...] = (),
) -> tuple[Props, list[Failure]]:
    """Apply each property's rule (None for an absent one gives its default); values that are
    or hold unknowns pass through untouched (checked once known). Properties without a rule are refused, naming the closest known one."""
    failures = [_unknown_property(key, rules) for key in news if key not in rules and key not in ignored]
    inputs: Props = {}
    for key, rule in rules.items():
        value = news.get(key)
        if value is None and key in required:
            failures.append(Failure(key, f"{key} is required"))
        elif is_unknown(value):
            inputs[key] = value
        else:
            try:
                inputs[key] = rule(value)
            except InvalidInputError as exc:
                failures.append(Failure(key, f"{exc.problem}; {exc.fix}"))
    return inputs, failures


def _unknown_property(key: str, rules: Mapping[str, object]) -> Failure:
    close = difflib.get_close_matches(key, list(rules), n=1)
    fix = f"did you mean {close[0]!r}?" if close else f"known properties: {', '.join(rules)}"
    return Failure(key, f"unknown property {key!r}; {fix}")


def changed(olds: Mapping[str, Any], news: Mapping[str, Any], key: str) -> bool:
    """Whether `key` differs between the last outputs and the checked inputs (or is unknown).

    Numbers cross Pulumi's wire as doubles, so an output stored as 1 comes back as 1.0.
    """
    new = news.get(key)
    return is_unknown(new) or _validation.whole_number(olds.get(key)) != _validation.whole_number(new)


def no_such_phone(phone_id: str, exc: PhoneNotFoundError) -> MaytapiError:
    """A read of a phone that is not in the product, as the user is told."""
    return MaytapiError(
        f"phone {phone_id} does not exist in this Maytapi product ({exc.server_message}); "
        "check the id against getPhones (/listPhones) or the Maytapi console"
    )


def settings_failures(config: Mapping[str, str], env: Mapping[str, str]) -> list[Failure]:
    """The settings' problem as a check failure naming the commands that fix it, if any."""
    try:
        Settings.from_sources(config, env)
    except MissingSettingError as exc:
        lines = ["Maytapi is not configured for this stack. Set:"]
        for name in exc.missing:
            source = SOURCES[name]
            secret = " --secret" if source.secret else ""
            lines.append(f"  pulumi config set{secret} {source.config_key} <value>   (or ${source.env_var})")
        return [Failure("", "\n".join(lines))]
    except InvalidInputError as exc:
        source = SOURCES[exc.field]
        return [Failure("", f"{source.config_key} ({source.env_var}): {exc.problem}; {exc.fix}")]
    return []


def product_changed(old: Mapping[str, Any], new: Mapping[str, Any], env: Mapping[str, str]) -> bool:
    """Whether new settings (keyed by config key, "maytapi:productId") name another Maytapi
    product than the old ones, or may (not known yet); an absent product id is the
    environment's. The resources of a provider whose product changes must be replaced (written
    in the new product, restored in the old): carried over, they would claim phones never
    written. A new token, URL, timeout or retry count reaches the same product."""
    source = SOURCES["product_id"]

    def product(config: Mapping[str, Any]) -> Any:
        value = config.get(source.config_key) or env.get(source.env_var) or ""
        if is_unknown(value):
            return value
        try:
            return _validation.product_id(value)
        except InvalidInputError:
            return value

    before, after = product(old), product(new)
    return is_unknown(before) or is_unknown(after) or before != after


_clients: dict[Settings, MaytapiClient] = {}
_clients_lock = threading.Lock()


def client_for(settings: Settings) -> MaytapiClient:
    """One client (one connection pool) per product and settings, shared by every resource."""
    # Imported here: the HTTP client (requests, pydantic) is a fifth of a Python process's start,
    # and most of the engine's processes (programs, previews) never call the API.
    from .._client import MaytapiClient

    with _clients_lock:
        client = _clients.get(settings)
        if client is None:
            client = _clients[settings] = MaytapiClient(settings)
        return client
