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

# "map<T>": a map from phone id to T (FleetPhone: an object of FLEET_PHONE's properties;
# FleetActionPhone: one of FLEET_ACTION_PHONE's).
Type = Literal[
    "string",
    "boolean",
    "number",
    "integer",
    "string|integer",
    "any",
    "list<string>",
    "map<FleetPhone>",
    "map<FleetActionPhone>",
    "map<string>",
]


@dataclass(frozen=True)
class Property:
    name: str
    type: Type
    doc: str
    required: bool = False
    secret: bool = False


@dataclass(frozen=True)
class Operation:
    """One row of what a kind does: a situation, what happens, and the Maytapi calls it makes
    (the reference pages' table; the tests of each kind count those calls)."""

    situation: str
    behaviour: str
    calls: str


@dataclass(frozen=True)
class Kind:
    """A resource kind: its name, description, inputs and outputs (the values Maytapi reports),
    what each operation does and calls, and how an existing one comes under management."""

    name: str
    doc: str
    inputs: tuple[Property, ...]
    outputs: tuple[Property, ...]
    operations: tuple[Operation, ...] = ()
    import_doc: str = ""


_PHONE_ID_OUT = Property("phone_id", "string", "The phone's id, as digits.", required=True)

_PHONE_CONFIG_OPERATIONS = (
    Operation(
        "preview / check", "inputs validated; each bad input fails, naming the property and the fix", "0"
    ),
    Operation("create", "sets the config", "1 POST"),
    Operation("up with nothing changed", "no update", "0"),
    Operation(
        "change `webhook`, `ack_delivery` or `reapply_trigger`",
        "in-place update; `preview --diff` names the field",
        "1 POST",
    ),
    Operation(
        "change `phone_id`",
        "replace: the new phone is configured, then the old one restored to the product default (unless another resource wrote it in the same run)",
        "1 POST each",
    ),
    Operation(
        "an input unknown at preview (another resource's output, also nested in `reapply_trigger`; the engine previews a replaced resource's outputs from its inputs, so only outputs of created or updated resources that are not inputs are unknown)",
        "preview succeeds and shows a possible update (a possible replace for an unknown `phone_id`); the `up` checks the value once known (a bad one fails naming the property, before writing) and applies what it resolves to",
        "0 at preview; in the `up` only what changed",
    ),
    Operation(
        "refresh",
        "reads the live config; drift made outside Pulumi shows up, and the next `up` puts it back",
        "1 GET per read: `pulumi refresh` reads in its preview and again",
    ),
    Operation("destroy", 'restores the product default (`webhook` `""`, `ack_delivery` false)', "1 POST"),
    Operation("create with `adopt=True`", "reads the phone, writes nothing", "1 GET"),
    Operation(
        "`PhoneConfig.get(name, phone_id)`", "reads the phone, manages nothing", "1 GET per preview/up"
    ),
    Operation(
        "`import_` option / `pulumi import`",
        "dynamic: refused by the engine (`adopt=True` instead); native: reads the phone, writes nothing",
        "0",
    ),
    Operation(
        "refresh of a phone removed from the product",
        "the PhoneConfig is dropped from the state with a warning naming the phone (Pulumi's convention for a resource deleted outside)",
        "1 GET per read",
    ),
    Operation(
        "destroy of a phone removed from the product, without a refresh",
        "succeeds; the refused reset is taken as done",
        "1 POST (refused)",
    ),
    Operation("`PhoneConfig.get` of a missing phone", "fails naming the phone", "1 GET"),
    Operation(
        "`up` still declaring a removed phone", "the create fails with Maytapi's message", "1 POST (refused)"
    ),
)

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
    operations=_PHONE_CONFIG_OPERATIONS,
    import_doc="Native provider: `pulumi import maytapi:index:PhoneConfig <name> <phone_id>` reads the "
    "phone (one `GET /{phone_id}/config`), records it protected with the live values as its inputs and "
    "prints the code to add; the `import_` resource option does the same from the program. Dynamic "
    "resources cannot be imported (the engine fails with `KeyError: '__provider'`): declare them with "
    "`adopt` `true`, which reads the phone and writes nothing.",
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

_ACTION_OPERATIONS = (
    Operation("create, `fire_on_create=True`", "fires", "1"),
    Operation("create, `fire_on_create=False`", "records the revision", "0"),
    Operation("`up` with revision unchanged, including after a package upgrade", "nothing", "0"),
    Operation("revision changed", "fires once; `preview --diff` shows `~ revision` on an **update**", "1"),
    Operation(
        "revision unknown at preview (from another resource)",
        "preview shows an update: it may fire; the `up` fires only if it resolves to a new value",
        "0 at preview",
    ),
    Operation(
        "any other input unknown at preview (`phone_id`, `fire_on_create`, `wait_until_ready`, `ready_timeout`)",
        "preview succeeds; checked once known, a bad value fails the `up` naming it",
        "0 at preview",
    ),
    Operation("`phone_id` changed", "fires on the new phone (an update)", "1"),
    Operation("destroy", "nothing: an action cannot be undone", "0"),
    Operation("refresh", "nothing to read: the record is kept", "0"),
    Operation(
        "the phone was removed from the product",
        "firing fails with Maytapi's message (`[14] is not a valid phone instance id`); destroy succeeds",
        "1 per attempt; 0 to destroy",
    ),
    Operation(
        "the API call fails",
        "the `up` fails with the server's message; the revision is not recorded, so the next `up` fires again",
        "1 per attempt",
    ),
    Operation(
        "the call reached Maytapi but its answer was lost (read timeout, connection dropped)",
        "not retried; recorded as `uncertain` at this revision and the `up` fails; the next preview refuses to fire it again until you answer",
        "1, then 0 until answered",
    ),
    Operation(
        "`MAYTAPI_UNCERTAIN_ACTIONS=happened pulumi up`",
        "every action this `up` would fire is recorded as fired, without a call (limit it with `--target <urn>`)",
        "0",
    ),
    Operation("`MAYTAPI_UNCERTAIN_ACTIONS=not-happened pulumi up`", "uncertain actions fire again", "1 each"),
    Operation(
        "`MAYTAPI_UNCERTAIN_ACTIONS='happened:12 not-happened:14' pulumi up`",
        "per phone: the actions of phone 12 recorded as fired without a call, those of phone 14 fire; "
        "a malformed answer fails the preview naming the variable and the fix",
        "1 per action answered `not-happened`",
    ),
)


def _action_import(recorded: str) -> str:
    return (
        "Nothing to import: an action has no state on Maytapi. Declare it with `fire_on_create` "
        f"`false` to record the current revision {recorded}without a call."
    )


_ACTION_IMPORT = _action_import("")
_FLEET_ACTION_IMPORT = _action_import("for every phone ")

REDEPLOY = Kind(
    "Redeploy",
    "Redeploys (reboots) a phone's container when `revision` changes: `GET /{phone_id}/redeploy`. "
    "With `wait_until_ready` the update lasts until `/{phone_id}/status` reports the phone "
    "logged in again, so dependent resources run against a live phone.",
    ACTION_INPUTS + REDEPLOY_INPUTS,
    _ACTION_OUTPUTS,
    operations=_ACTION_OPERATIONS,
    import_doc=_ACTION_IMPORT,
)
FACTORY_RESET = Kind(
    "FactoryReset",
    "Returns a phone to a freshly created state when `revision` changes: "
    "`GET /{phone_id}/factoryreset`. The reset clears the phone's config on Maytapi: give the "
    "phone's PhoneConfig `reapply_trigger` this resource's `fired_at` to have it sent again in "
    "the same `pulumi up`.",
    ACTION_INPUTS,
    _ACTION_OUTPUTS,
    operations=_ACTION_OPERATIONS,
    import_doc=_ACTION_IMPORT,
)
LOGOUT = Kind(
    "Logout",
    "Logs a phone's number out when `revision` changes: `GET /{phone_id}/logout`. The phone then "
    "shows a QR code until it is scanned again.",
    ACTION_INPUTS,
    _ACTION_OUTPUTS,
    operations=_ACTION_OPERATIONS,
    import_doc=_ACTION_IMPORT,
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
    operations=(
        Operation(
            "preview / check",
            "each phone's inputs validated as a PhoneConfig's; a bad one fails naming the phone and the property",
            "0",
        ),
        Operation(
            "create or update",
            "sends the config of each phone that differs, is added or is removed (restored to the product default), 8 at a time",
            "1 `POST /{phone_id}/config` per such phone",
        ),
        Operation("up with nothing changed", "no update", "0"),
        Operation(
            "refresh",
            "reads each phone; drift shows as that phone's change; a phone removed from the product is dropped with a warning",
            "1 `GET /{phone_id}/config` per phone",
        ),
        Operation(
            "destroy",
            "restores each phone to the product default (none that another resource took over in the same run)",
            "1 `POST /{phone_id}/config` per phone",
        ),
        Operation(
            "some phones' writes fail",
            "the state keeps what was applied and lists the others in `failed`; the `up` fails naming each phone and its error; the next `up` sends only those",
            "1 POST per attempt",
        ),
        Operation(
            "a phone declared twice (two Fleets, or a Fleet and a PhoneConfig)",
            "the preview fails naming both resources, before any write",
            "0",
        ),
    ),
    import_doc="Native provider: `pulumi import maytapi:index:Fleet <name> <product_id>` reads the product's "
    "phones (one `GET /listPhones`, one `GET /{phone_id}/config` per phone) and prints the program that "
    "reproduces their configs; the next `up` makes no call. The dynamic Fleet cannot be imported.",
)

# One phone's record in a fleet action: the single action's outputs but its phone id (the key).
FLEET_ACTION_PHONE = tuple(p for p in _ACTION_OUTPUTS if p.name != "phone_id")
_FLEET_ACTION_INPUTS = (
    Property(
        "phone_ids",
        "list<string>",
        'The phones to act on: their Maytapi ids (digits, e.g. `"12"`), each once. A phone added '
        "fires only if `fire_on_create` is `true`; a phone removed fires nothing.",
        required=True,
    ),
    Property(
        "revision",
        "string|integer",
        "Any value you change to fire the action again on every phone of the set: a date, a "
        "counter, or another resource's output. Unchanged, `pulumi up` fires only on the phones "
        "that failed or were answered.",
        required=True,
    ),
    Property(
        "fire_on_create",
        "boolean",
        "Fire on a phone when it joins the set (and on every phone when the resource is "
        "created). Default `true`; `false` records the revision without calling Maytapi.",
    ),
)
_FLEET_REDEPLOY_INPUTS = (
    Property(
        "wait_until_ready",
        "boolean",
        "After redeploying each phone, poll its `/{phone_id}/status` until it is logged in and "
        "not loading (8 phones at a time), so resources that depend on this one run against live "
        "phones. Default `false`.",
    ),
    Property(
        "ready_timeout",
        "number",
        "Seconds to wait for every redeployed phone to be ready, in all; the phones not ready "
        "then fail the update, named. Default 300.",
    ),
)
_FLEET_ACTION_OUTPUTS = (
    Property("phone_ids", "list<string>", "The phones of the set, as last applied.", required=True),
    Property(
        "revision",
        "string|integer",
        "The revision every phone of the set has reached (fired at, or recorded at when "
        '`fire_on_create` is `false`); the previous one, or `""`, while a phone failed or is uncertain.',
        required=True,
    ),
    Property(
        "phones",
        "map<FleetActionPhone>",
        "Each phone's record: the revision it last fired at, whether and when, Maytapi's message, "
        "and whether its answer was lost.",
        required=True,
    ),
    Property(
        "failed",
        "map<string>",
        "The phones whose last call failed, with the error; the `up` that recorded them failed, "
        "and the next one fires them again.",
        required=True,
    ),
)
_ONE_ACTION_FOR_MANY = (
    " One resource for many phones: a revision change fires once on each phone of "
    "`phone_ids`, 8 calls at a time; the state keeps a record per phone, so a phone that fails, "
    "or whose answer is lost, is the only one the next `pulumi up` acts on."
)
_FLEET_ACTION_OPERATIONS = (
    Operation(
        "preview / check",
        "inputs validated; a bad phone id, or one listed twice, fails naming `phone_ids[i]` and the "
        "fix; more than 10,000 phones fail naming `phone_ids` and how to split them",
        "0",
    ),
    Operation("create, `fire_on_create=True`", "fires once on each phone, 8 at a time", "1 per phone"),
    Operation("create, `fire_on_create=False`", "records the revision for each phone", "0"),
    Operation("`up` with revision and phones unchanged", "nothing", "0"),
    Operation(
        "revision changed",
        "fires once on each phone of the set; the native `preview --diff` shows `~ revision` and no "
        "phone list; `maytapi-review` shows one line",
        "1 per phone",
    ),
    Operation(
        "a phone added to `phone_ids`",
        "fires on that phone alone if `fire_on_create` is `true`, records it otherwise; the native "
        "`preview --diff` shows `+ phoneIds[i]`",
        "1 (0 without `fire_on_create`)",
    ),
    Operation("a phone removed from `phone_ids`", "nothing is called; its record is dropped", "0"),
    Operation(
        "revision or phones unknown at preview (another resource's output)",
        "preview shows an update: it may fire; the `up` fires on the phones whose revision resolves to a new one",
        "0 at preview",
    ),
    Operation(
        "some phones' calls fail",
        "the `up` fails naming each phone and its error; the state keeps the other phones' records "
        "and lists the failed ones in `failed`; the next `up` fires those phones only",
        "1 per phone, then 1 per failed phone",
    ),
    Operation(
        "some answers lost (read timeout, connection dropped)",
        "those phones recorded as `uncertain` and named in the failed `up`; the next preview refuses "
        "until each is answered",
        "1 per phone, then 0 until answered",
    ),
    Operation(
        "`MAYTAPI_UNCERTAIN_ACTIONS='happened:14 not-happened:15' pulumi up`",
        "phone 14 recorded as fired without a call, phone 15 fires; a bare `happened` or "
        "`not-happened` answers every phone of the run",
        "1 per phone answered `not-happened`",
    ),
    Operation("destroy", "nothing: an action cannot be undone", "0"),
    Operation("refresh", "nothing to read: the records are kept", "0"),
)
_FLEET_REDEPLOY_OPERATIONS = (
    Operation(
        "`wait_until_ready=True`",
        "each redeployed phone is polled until ready, 8 at a time, within one `ready_timeout` for "
        "all; a phone not ready in time (or whose turn came after it, not redeployed) fails the "
        "`up`, named, and is redeployed by the next one",
        "1 per phone, and its `/status` polls",
    ),
)
FLEET_REDEPLOY = Kind(
    "FleetRedeploy",
    "Redeploys (reboots) the containers of many phones when `revision` changes: "
    "`GET /{phone_id}/redeploy` for each." + _ONE_ACTION_FOR_MANY,
    _FLEET_ACTION_INPUTS + _FLEET_REDEPLOY_INPUTS,
    _FLEET_ACTION_OUTPUTS,
    operations=_FLEET_ACTION_OPERATIONS + _FLEET_REDEPLOY_OPERATIONS,
    import_doc=_FLEET_ACTION_IMPORT,
)
FLEET_FACTORY_RESET = Kind(
    "FleetFactoryReset",
    "Returns many phones to a freshly created state when `revision` changes: "
    "`GET /{phone_id}/factoryreset` for each, which clears each phone's config on Maytapi."
    + _ONE_ACTION_FOR_MANY,
    _FLEET_ACTION_INPUTS,
    _FLEET_ACTION_OUTPUTS,
    operations=_FLEET_ACTION_OPERATIONS,
    import_doc=_FLEET_ACTION_IMPORT,
)
FLEET_LOGOUT = Kind(
    "FleetLogout",
    "Logs many phones' numbers out when `revision` changes: `GET /{phone_id}/logout` for each; "
    "each phone then shows a QR code until it is scanned again." + _ONE_ACTION_FOR_MANY,
    _FLEET_ACTION_INPUTS,
    _FLEET_ACTION_OUTPUTS,
    operations=_FLEET_ACTION_OPERATIONS,
    import_doc=_FLEET_ACTION_IMPORT,
)
FLEET_ACTIONS = (FLEET_REDEPLOY, FLEET_FACTORY_RESET, FLEET_LOGOUT)
KINDS = (PHONE_CONFIG, REDEPLOY, FACTORY_RESET, LOGOUT, FLEET, *FLEET_ACTIONS)

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
