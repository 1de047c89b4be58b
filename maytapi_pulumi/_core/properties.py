"""Each resource kind's properties: name, type and description, the one source of the docs of
every adapter (the native provider's schema, the dynamic resources' Args docstrings, checked by
tests/test_docs.py).

Descriptions are Markdown in neutral terms: property names in snake_case and JSON literals
(`null`, `true`, `false`) inside backticks; each adapter renders them in its own language's
words (camelCase names in the schema, ``None``/``True``/``False`` in Python)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .._settings import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_READ_TIMEOUT, MAX_MAX_RETRIES

# "map<T>": a map from phone id to T (FleetPhone: an object of FLEET_PHONE's properties).
Type = Literal[
    "string", "boolean", "number", "integer", "string|integer", "any", "map<FleetPhone>", "map<string>"
]


@dataclass(frozen=True)
class Property:
    name: str
    type: Type
    doc: str
    required: bool = False
    secret: bool = False


@dataclass(frozen=True)
class Kind:
    """A resource kind: its name, description, inputs and outputs (the values Maytapi reports)."""

    name: str
    doc: str
    inputs: tuple[Property, ...]
    outputs: tuple[Property, ...]


_PHONE_ID_OUT = Property("phone_id", "string", "The phone's id, as digits.", required=True)

PHONE_CONFIG = Kind(
    "PhoneConfig",
    "A Maytapi phone's webhook and delivery acks. Creating or updating it sends "
    "`POST /{phone_id}/config`; refresh reads `GET /{phone_id}/config` and shows changes made "
    "outside Pulumi; destroying it restores the product default (no webhook of its own, "
    "`ack_delivery` `false`).",
    inputs=(
        Property(
            "phone_id",
            "string|integer",
            'The phone\'s Maytapi id (digits, e.g. `"12"` or `12`). Changing it replaces the '
            "resource: the new phone is configured, the old one restored to the product default "
            "unless another resource wrote it in the same run. One PhoneConfig per phone in a program.",
            required=True,
        ),
        Property(
            "webhook",
            "string",
            "Where Maytapi delivers this phone's messages and acks: an absolute `https://` URL of "
            'at most 2048 characters. `null` or `""`: the phone uses the product\'s webhook.',
        ),
        Property(
            "ack_delivery", "boolean", "Whether Maytapi posts delivery acks to the webhook. Default `false`."
        ),
        Property(
            "allow_insecure_http",
            "boolean",
            "Allow a plain `http://` webhook to a host other than loopback (messages then travel "
            "unencrypted). Default `false`.",
        ),
        Property(
            "adopt",
            "boolean",
            "Take over a phone that is already configured: on create, read its config (one GET) "
            "and write nothing. If the live config differs from the declared one, the create fails "
            "naming the fields. Pulumi's import serves only the native provider; this does its job "
            "for both. Default `false`.",
        ),
        Property(
            "reapply_trigger",
            "any",
            "Any value; when it changes, the config is sent again even if nothing else changed. "
            "Give it a `FactoryReset`'s `fired_at` so that a reset, which clears the phone's "
            "config, is followed by the config in the same `pulumi up`.",
        ),
    ),
    outputs=(
        _PHONE_ID_OUT,
        Property(
            "webhook",
            "string",
            "The phone's own webhook as Maytapi reports it; `\"\"` when the product's is used.",
        ),
        Property(
            "ack_delivery",
            "boolean",
            "Whether delivery acks are posted, as Maytapi reports it.",
            required=True,
        ),
    ),
)

ACTION_INPUTS = (
    Property(
        "phone_id",
        "string|integer",
        'The phone\'s Maytapi id (digits, e.g. `"12"` or `12`). Changing it fires the action on '
        "the new phone.",
        required=True,
    ),
    Property(
        "revision",
        "string|integer",
        "Any value you change to fire the action again: a date, a counter, or another "
        "resource's output. Unchanged, `pulumi up` does nothing.",
        required=True,
    ),
    Property(
        "fire_on_create",
        "boolean",
        "Fire when the resource is first created. Default `true`; `false` records the revision "
        "without calling Maytapi, to adopt a running fleet without touching it.",
    ),
)
REDEPLOY_INPUTS = (
    Property(
        "wait_until_ready",
        "boolean",
        "After redeploying, poll `/{phone_id}/status` until the phone is logged in and not "
        "loading, so resources that depend on this one run against a live phone. Default `false`.",
    ),
    Property(
        "ready_timeout", "number", "Seconds to wait for readiness before failing the update. Default 300."
    ),
)
_ACTION_OUTPUTS = (
    _PHONE_ID_OUT,
    Property(
        "revision",
        "string|integer",
        "The revision the action last fired for (or was recorded at, when `fire_on_create` is `false`).",
        required=True,
    ),
    Property("fired", "boolean", "Whether the action was called for this revision.", required=True),
    Property("fired_at", "string", 'When it was last called (UTC, ISO 8601), or `""` if it never was.'),
    Property("message", "string", 'Maytapi\'s message from the last call, or `""`.'),
    Property(
        "uncertain",
        "boolean",
        "Whether the last call may or may not have happened (its answer was lost); the `up` that "
        "recorded it failed, and the next one fires it again only when told.",
    ),
)

REDEPLOY = Kind(
    "Redeploy",
    "Redeploys (reboots) a phone's container when `revision` changes: `GET /{phone_id}/redeploy`. "
    "With `wait_until_ready` the update lasts until `/{phone_id}/status` reports the phone "
    "logged in again, so dependent resources run against a live phone.",
    ACTION_INPUTS + REDEPLOY_INPUTS,
    _ACTION_OUTPUTS,
)
FACTORY_RESET = Kind(
    "FactoryReset",
    "Returns a phone to a freshly created state when `revision` changes: "
    "`GET /{phone_id}/factoryreset`. The reset clears the phone's config on Maytapi: give the "
    "phone's PhoneConfig `reapply_trigger` this resource's `fired_at` to have it sent again in "
    "the same `pulumi up`.",
    ACTION_INPUTS,
    _ACTION_OUTPUTS,
)
LOGOUT = Kind(
    "Logout",
    "Logs a phone's number out when `revision` changes: `GET /{phone_id}/logout`. The phone then "
    "shows a QR code until it is scanned again.",
    ACTION_INPUTS,
    _ACTION_OUTPUTS,
)
# A fleet's phone: PhoneConfig's own webhook and ack_delivery, one description each.
FLEET_PHONE = tuple(p for p in PHONE_CONFIG.inputs if p.name in ("webhook", "ack_delivery"))
FLEET = Kind(
    "Fleet",
    "Many phones' webhooks and delivery acks in one resource, each phone with PhoneConfig's "
    "rules. Creating or updating it sends `POST /{phone_id}/config` for each phone whose config "
    "differs (8 at a time) and for none of the others; refresh reads `GET /{phone_id}/config` of "
    "each phone; destroying it restores each phone's default. A phone belongs to one Fleet or "
    "PhoneConfig of a program. Import a whole product with its product id as the id.",
    inputs=(
        Property(
            "phones",
            "map<FleetPhone>",
            'The phones to configure: a map from phone id (digits, e.g. `"12"`) to its `webhook` and '
            "`ack_delivery`. A phone removed from the map is restored to the product default.",
            required=True,
        ),
    ),
    outputs=(
        Property(
            "phones",
            "map<FleetPhone>",
            "Each phone's config as Maytapi last reported it: what was applied.",
            required=True,
        ),
        Property(
            "failed",
            "map<string>",
            "The phones whose last write failed, with the error; the `up` that recorded them failed, "
            "and the next one sends them again.",
            required=True,
        ),
    ),
)
KINDS = (PHONE_CONFIG, REDEPLOY, FACTORY_RESET, LOGOUT, FLEET)

# The provider's settings, keyed like _settings.SOURCES (which gives their config keys and
# environment variables); their defaults and bounds are the settings' own.
SETTINGS = (
    Property("product_id", "string", "The Maytapi product id (a UUID), shown in the Maytapi console."),
    Property("api_token", "string", "The Maytapi API token, shown in the Maytapi console.", secret=True),
    Property("base_url", "string", f"The Maytapi API's base URL. Default `{DEFAULT_BASE_URL}`."),
    Property(
        "read_timeout",
        "number",
        "Seconds to wait for an answer. An action whose answer does not come in time is not "
        f"repeated: it may have happened. Default {DEFAULT_READ_TIMEOUT:g}.",
    ),
    Property(
        "max_retries",
        "integer",
        "Attempts after the first for a call that met a transient fault, from 0 to "
        f"{MAX_MAX_RETRIES}. Default {DEFAULT_MAX_RETRIES}.",
    ),
)
