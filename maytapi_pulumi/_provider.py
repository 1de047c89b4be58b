"""What the Pulumi resources share: settings from stack config, one client per product, and the
check helpers. The provider objects are pickled into the state of every resource, so they carry
no credentials and no client; both are built in the provider process, from `configure`.
"""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, ConfigureRequest, ResourceProvider
from pulumi.runtime.rpc import UNKNOWN

from . import _validation
from ._client import MaytapiClient
from ._errors import InvalidInputError, MissingSettingError
from ._settings import SOURCES, Settings

PROVIDER_KEY = "__provider"

_clients: dict[Settings, MaytapiClient] = {}
_clients_lock = threading.Lock()


def is_unknown(value: object) -> bool:
    """Whether a value is not known yet (a preview of another resource's output)."""
    return isinstance(value, str) and value == UNKNOWN


def changed(olds: Mapping[str, Any], news: Mapping[str, Any], key: str) -> bool:
    """Whether `key` differs between the last outputs and the checked inputs (or is unknown).

    Numbers cross Pulumi's wire as doubles, so an output stored as 1 comes back as 1.0.
    """
    new = news.get(key)
    return is_unknown(new) or _validation.whole_number(olds.get(key)) != _validation.whole_number(new)


def missing_settings_message(missing: list[str]) -> str:
    lines = ["Maytapi is not configured for this stack. Set:"]
    for name in missing:
        source = SOURCES[name]
        secret = " --secret" if source.secret else ""
        lines.append(f"  pulumi config set{secret} {source.config_key} <value>   (or ${source.env_var})")
    return "\n".join(lines)


class MaytapiProvider(ResourceProvider):
    """Base of the dynamic providers: settings, client and input checking."""

    # Nothing secret is ever captured in a provider object, so its pickle can be stored in
    # clear: encrypting one blob per resource is what makes large stacks slow.
    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        # Runs in the provider process only; what is set here is never pickled into state.
        self._config = {
            source.config_key: value
            for source in SOURCES.values()
            if (value := req.config.get(source.config_key)) not in (None, "")
        }

    def settings(self) -> Settings:
        return Settings.from_sources(getattr(self, "_config", {}), os.environ)

    def client(self) -> MaytapiClient:
        settings = self.settings()
        with _clients_lock:
            client = _clients.get(settings)
            if client is None:
                client = _clients[settings] = MaytapiClient(settings)
            return client

    def settings_failures(self) -> list[CheckFailure]:
        try:
            self.settings()
        except MissingSettingError as exc:
            return [CheckFailure("", missing_settings_message(exc.missing))]
        except InvalidInputError as exc:
            source = SOURCES[exc.field]
            return [CheckFailure("", f"{source.config_key} ({source.env_var}): {exc.problem}; {exc.fix}")]
        return []


def check_inputs(
    news: Mapping[str, Any],
    rules: Mapping[str, Callable[[Any], Any]],
    required: tuple[str, ...] = ("phone_id",),
) -> tuple[dict[str, Any], list[CheckFailure]]:
    """Apply each property's rule (None for an absent one gives its default); unknown values
    pass through untouched. Properties without a rule are refused, naming the closest known one.
    """
    failures = [_unknown_property(key, rules) for key in news if key not in rules and key != PROVIDER_KEY]
    inputs: dict[str, Any] = {}
    for key, rule in rules.items():
        value = news.get(key)
        if value is None and key in required:
            failures.append(CheckFailure(key, f"{key} is required"))
        elif is_unknown(value):
            inputs[key] = value
        else:
            try:
                inputs[key] = rule(value)
            except InvalidInputError as exc:
                failures.append(CheckFailure(key, f"{exc.problem}; {exc.fix}"))
    return inputs, failures


def _unknown_property(key: str, rules: Mapping[str, object]) -> CheckFailure:
    close = difflib.get_close_matches(key, list(rules), n=1)
    fix = f"did you mean {close[0]!r}?" if close else f"known properties: {', '.join(rules)}"
    return CheckFailure(key, f"unknown property {key!r}; {fix}")


def resource_props(
    args: object | None, values: Mapping[str, Any], unknown: Mapping[str, Any], outputs: Collection[str]
) -> dict[str, Any]:
    """A resource's props: each keyword value, else the field of `args`.

    The resource's outputs are always present (None until known) so each attribute exists;
    other inputs only when given: the SDK tracks one Output per prop, at a cost that grows
    with the square of their number in a program. Unknown keywords go on to check(), which
    names them and the likely intended one.
    """
    given = vars(args) if args is not None else {}
    merged = {key: given.get(key) if value is None else value for key, value in values.items()}
    return {**dict.fromkeys(outputs), **{k: v for k, v in merged.items() if v is not None}, **unknown}
