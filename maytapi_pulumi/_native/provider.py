"""The native provider: the core's rules behind Pulumi's provider protocol. This module only
translates: camelCase names to the core's snake_case and back, property values (unknowns,
secrets, numbers), check failures, and the core's Diff into a per-property diff."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime.rpc import UNKNOWN as WIRE_UNKNOWN

from .._core import action, common, fleet, fleet_action, phone_config
from .._core import functions as core_functions
from .._core.common import UNKNOWN, Diff, Failure, Props
from .._core.hands import Declarations
from .._core.properties import (
    FACTORY_RESET,
    FLEET,
    FLEET_FACTORY_RESET,
    FLEET_LOGOUT,
    FLEET_REDEPLOY,
    KINDS,
    LOGOUT,
    PHONE_CONFIG,
    REDEPLOY,
    Kind,
)
from .._core.urn import name_of, type_of
from .._endpoints import Action
from .._errors import InvalidInputError, MaytapiError
from .._plugin import deployment_claims, warn
from .._settings import SOURCES, Settings
from . import functions
from .schema import camel, in_camel_case, schema, snake, token

if TYPE_CHECKING:
    from .._client import MaytapiClient

T = TypeVar("T")

# As many blocking calls in flight as the client keeps connections (HTTPAdapter pool_maxsize).
_WORKERS = fleet.WORKERS

_ACTIONS = {
    token(REDEPLOY): Action.REDEPLOY,
    token(FACTORY_RESET): Action.FACTORY_RESET,
    token(LOGOUT): Action.LOGOUT,
}
_FLEET_ACTIONS = {
    token(FLEET_REDEPLOY): Action.REDEPLOY,
    token(FLEET_FACTORY_RESET): Action.FACTORY_RESET,
    token(FLEET_LOGOUT): Action.LOGOUT,
}
_PHONE_CONFIG = token(PHONE_CONFIG)
_FLEET = token(FLEET)
_KINDS: dict[str, Kind] = {token(k): k for k in KINDS}


def from_wire(props: Mapping[str, PropertyValue]) -> tuple[Props, set[str]]:
    """Props with snake_case names and plain values (unknowns as the core's UNKNOWN), and the
    names of those that were secret or hold a secret (a Fleet's one secret webhook makes its
    whole `phones` secret: the outputs are rebuilt by the core, which knows no secrets)."""
    return {snake(k): _plain(v) for k, v in props.items()}, {
        snake(k) for k, v in props.items() if _holds_secret(v)
    }


def _holds_secret(value: PropertyValue) -> bool:
    inner = value.value
    if value.is_secret:
        return True
    if isinstance(inner, tuple):
        return any(_holds_secret(v) for v in inner)
    if isinstance(inner, Mapping):
        return any(_holds_secret(v) for v in inner.values())
    return False


def _plain(value: PropertyValue) -> Any:
    inner = value.value
    if isinstance(inner, Computed) or inner == WIRE_UNKNOWN:
        return UNKNOWN
    if isinstance(inner, tuple):
        return [_plain(v) for v in inner]
    if isinstance(inner, Mapping):
        return {k: _plain(v) for k, v in inner.items()}
    return inner


def to_wire(props: Mapping[str, Any], secrets: Collection[str] = frozenset()) -> dict[str, PropertyValue]:
    """camelCase names, wire values; what came in secret goes out secret."""
    return {camel(k): _wire(v).with_secret(k in secrets) for k, v in props.items()}


def _wire(value: Any) -> PropertyValue:
    if common.is_unknown(value):
        return PropertyValue(WIRE_UNKNOWN)
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value))
    if isinstance(value, (list, tuple)):
        return PropertyValue([_wire(v) for v in value])
    if isinstance(value, Mapping):
        return PropertyValue({k: _wire(v) for k, v in value.items()})
    return PropertyValue(value)


def _failures(failures: list[Failure], typed: Mapping[str, str]) -> list[p.CheckFailure]:
    """Failures naming properties as the program spells them (`typed`: snake → as written)."""
    names = dict(typed)

    def spelled(text: str) -> str:
        for name, written in names.items():
            text = text.replace(f"'{name}'", f"'{written}'")
        return in_camel_case(text)

    return [p.CheckFailure(names.get(f.property, camel(f.property)), spelled(f.reason)) for f in failures]


def _diff(diff: Diff, olds: Mapping[str, Any], news: Mapping[str, Any]) -> p.DiffResponse:
    detailed = {}
    for key in diff.changes:
        replace = key in diff.replaces
        if olds.get(key) is None:
            kind = p.PropertyDiffKind.ADD_REPLACE if replace else p.PropertyDiffKind.ADD
        elif news.get(key) is None:
            kind = p.PropertyDiffKind.DELETE_REPLACE if replace else p.PropertyDiffKind.DELETE
        else:
            kind = p.PropertyDiffKind.UPDATE_REPLACE if replace else p.PropertyDiffKind.UPDATE
        # The core diffs the checked inputs against the last outputs (what Maytapi reported).
        detailed[camel(key)] = p.PropertyDiff(kind, input_diff=False)
    return p.DiffResponse(
        changes=diff.changed,
        replaces=[camel(k) for k in diff.replaces],
        diffs=[camel(k) for k in diff.changes],
        detailed_diff=detailed,
        delete_before_replace=False,
    )


class MaytapiProvider(p.Provider):
    """One Maytapi product (the engine starts one process per provider instance)."""

    def __init__(self) -> None:
        self._config: dict[str, str] = {}
        self._pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="maytapi")
        # One provider process serves one deployment: the phones its resources declare.
        self._declarations = Declarations()

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """A blocking client call, off the event loop, so other resources progress meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def _client(self) -> MaytapiClient:
        return common.client_for(Settings.from_sources(self._config, os.environ))

    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        return p.GetSchemaResponse(json.dumps(schema()))

    async def check_config(self, request: p.CheckRequest) -> p.CheckResponse:
        config = _settings(request.new_inputs)
        if any(v is UNKNOWN for v in config.values()):
            return p.CheckResponse(inputs=request.new_inputs)
        return p.CheckResponse(
            inputs=request.new_inputs,
            failures=_failures(common.settings_failures(config, os.environ), {}),
        )

    async def diff_config(self, request: p.DiffRequest) -> p.DiffResponse:
        # The engine asks the new provider of a resource whose provider changed (another
        # instance, or this one with new settings) whether to replace it; without a replace it
        # carries the resource over unwritten. `changes` stays unset: the SDK's DiffConfig
        # sends a bool as the wire's enum (True would read "no changes"); unset, the engine
        # compares the settings itself.
        if common.product_changed(_settings(request.old_state), _settings(request.new_inputs), os.environ):
            return p.DiffResponse(replaces=[camel("product_id")], diffs=[camel("product_id")])
        return p.DiffResponse()

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        variables = {k: v for k, v in request.variables.items() if v}
        self._config = {k: str(v) for k, v in _settings(request.args).items() if v is not UNKNOWN} | variables
        # No preview support: in a preview the engine shows the inputs as the outputs, as it
        # does for the dynamic resources, and calls nothing.
        return p.ConfigureResponse(accept_secrets=True, supports_preview=False)

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        news, secrets = from_wire(request.new_inputs)
        typed = {snake(k): k for k in request.new_inputs}
        kind = type_of(request.urn)
        if kind == _PHONE_CONFIG:
            inputs, failures = phone_config.check(news)
            failures += self._declare([news.get("phone_id")], request.urn, "phone_id")
        elif kind == _FLEET:
            inputs, failures = fleet.check(_fleet_in(news))
            phones = news.get("phones")
            failures += self._declare(phones if isinstance(phones, Mapping) else [], request.urn, "phones")
            inputs = _fleet_out(inputs)
        elif kind in _FLEET_ACTIONS:
            inputs, failures = fleet_action.check(_FLEET_ACTIONS[kind], news, os.environ)
        else:
            inputs, failures = action.check(self._action(kind), news, os.environ)
        return p.CheckResponse(to_wire(inputs, secrets), _failures(failures, typed))

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        olds, _ = from_wire(request.old_state)
        news, _ = from_wire(request.new_inputs)
        if type_of(request.urn) == _FLEET:
            return _fleet_diff(_fleet_in(olds), _fleet_in(news))
        if type_of(request.urn) == _PHONE_CONFIG:
            return _diff(phone_config.diff(olds, news), olds, news)
        if type_of(request.urn) in _FLEET_ACTIONS:
            plan = fleet_action.diff(olds, news, action.answers(os.environ), _named(request.urn))
            return _fleet_action_diff(plan, olds, news)
        return _diff(action.diff(olds, news, action.answers(os.environ)), olds, news)

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        props, secrets = from_wire(request.properties)
        client = self._client()
        kind = type_of(request.urn)
        if kind == _PHONE_CONFIG:
            id_, outs = await self._run(
                partial(phone_config.create, claims=deployment_claims()), client, props
            )
        elif kind == _FLEET:
            id_ = client.settings.product_id
            outs = await self._run(
                partial(fleet.apply, claims=deployment_claims()), client, {}, _fleet_in(props)
            )
            wire = to_wire(_fleet_out(outs), secrets)
            _fail_recorded(fleet.failure(_named(request.urn), outs), id_, wire, request.properties)
            return p.CreateResponse(id_, wire)
        elif kind in _FLEET_ACTIONS:
            id_, outs = await self._run(
                fleet_action.create,
                _FLEET_ACTIONS[kind],
                client,
                props,
                action.answers(os.environ),
                _named(request.urn),
            )
            message = fleet_action.failure(_named(request.urn), outs, request.urn)
            _fail_recorded(message, id_, to_wire(outs, secrets), request.properties)
        else:
            id_, outs = await self._run(
                action.create, self._action(kind), client, props, action.answers(os.environ)
            )
            _fail_recorded(action.failure(outs, request.urn), id_, to_wire(outs, secrets), request.properties)
        return p.CreateResponse(id_, to_wire(outs, secrets))

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        kind = type_of(request.urn)
        if kind == _FLEET:
            return await self._read_fleet(request)
        if kind != _PHONE_CONFIG:
            if not request.properties:  # an import, or get(): nothing in Maytapi to read
                raise MaytapiError(
                    f"{kind} cannot be imported: an action is only a record in the state. "
                    "Declare it with fireOnCreate: false, which records the revision without calling Maytapi."
                )
            # Refresh: the record is the state itself.
            return p.ReadResponse(request.resource_id, request.properties, request.inputs)
        props, secrets = from_wire(request.properties)
        inputs, input_secrets = from_wire(request.inputs)
        # A refresh passes the stored outputs; an import or a get, none.
        read = partial(phone_config.read, managed=bool(props))
        outs = await self._run(read, self._client(), request.resource_id, {**inputs, **props})
        if outs is None:
            warn(phone_config.vanished(props.get("phone_id") or request.resource_id))
            return p.ReadResponse()  # no id: the engine drops the resource from the state
        # The live values become the inputs too, so the next preview diffs the program against
        # them; an import (no inputs yet) gets only the values that are set.
        live = {k: outs[k] for k in phone_config.OUTPUTS if outs[k] is not None}
        return p.ReadResponse(
            outs["phone_id"],
            to_wire(outs, secrets | input_secrets),
            to_wire({**inputs, **live}, input_secrets),
        )

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        news, secrets = from_wire(request.news)
        client = self._client()
        kind = type_of(request.urn)
        if kind == _PHONE_CONFIG:
            outs = await self._run(partial(phone_config.update, claims=deployment_claims()), client, news)
        elif kind == _FLEET:
            olds, _ = from_wire(request.olds)
            outs = await self._run(
                partial(fleet.apply, claims=deployment_claims()), client, _fleet_in(olds), _fleet_in(news)
            )
            wire = to_wire(_fleet_out(outs), secrets)
            _fail_recorded(fleet.failure(_named(request.urn), outs), request.resource_id, wire, request.news)
            return p.UpdateResponse(wire)
        else:
            olds, _ = from_wire(request.olds)
            answers = action.answers(os.environ)
            if kind in _FLEET_ACTIONS:
                apply = partial(fleet_action.apply, _FLEET_ACTIONS[kind], client, olds, news, answers)
                outs = await self._run(apply, _named(request.urn))
                message = fleet_action.failure(_named(request.urn), outs, request.urn)
                _fail_recorded(message, request.resource_id, to_wire(outs, secrets), request.news)
            else:
                outs = await self._run(action.fire, self._action(kind), client, olds, news, answers)
                message = action.failure(outs, request.urn)
                _fail_recorded(message, request.resource_id, to_wire(outs, secrets), request.news)
        return p.UpdateResponse(to_wire(outs, secrets))

    async def delete(self, request: p.DeleteRequest) -> None:
        if type_of(request.urn) == _PHONE_CONFIG:
            props, _ = from_wire(request.properties)
            await self._run(partial(phone_config.delete, claims=deployment_claims()), self._client(), props)
        if type_of(request.urn) == _FLEET:
            props, _ = from_wire(request.properties)
            await self._run(partial(fleet.delete, claims=deployment_claims()), self._client(), props)
        # An action cannot be undone: forgetting it makes no call.

    async def invoke(self, request: p.InvokeRequest) -> p.InvokeResponse:
        # A function only reads: it runs in previews too.
        function = functions.by_token(request.tok)
        args, _ = from_wire(request.args)
        inputs, failures = core_functions.check(function, args)
        if failures:
            return p.InvokeResponse(failures=_failures(failures, {}))
        return p.InvokeResponse(to_wire(await self._run(function.read, self._client(), inputs)))

    def _declare(self, phone_ids: Collection[object], urn: str, prop: str) -> list[Failure]:
        """The phones this resource declares, each once per program: a check failure naming both
        resources for a phone another PhoneConfig or Fleet of this provider declares."""
        failures = []
        for phone_id in phone_ids:
            try:
                self._declarations.declare(phone_id, _named(urn))
            except InvalidInputError as exc:
                failures.append(Failure(prop, f"{exc.problem}; {exc.fix}"))
        return failures

    async def _read_fleet(self, request: p.ReadRequest) -> p.ReadResponse:
        """Refresh: one GET per phone, a vanished one dropped with a warning. Import (no
        properties; the id is the product id): one GET /listPhones, then one GET per phone.
        The live configs become the inputs too, as PhoneConfig's do."""
        props, secrets = from_wire(request.properties)
        client = self._client()
        if props:
            outs, gone = await self._run(fleet.read, client, _fleet_in(props))
            for message in gone:
                warn(message)
        else:
            outs = await self._run(fleet.import_product, client, request.resource_id)
        wire = _fleet_out(outs)
        return p.ReadResponse(
            request.resource_id, to_wire(wire, secrets), to_wire({"phones": wire["phones"]}, secrets)
        )

    @staticmethod
    def _action(type_: str) -> Action:
        try:
            return _ACTIONS[type_]
        except KeyError:
            raise ValueError(f"unknown resource type {type_!r}; known: {', '.join(_KINDS)}") from None


class RecordedFailure(MaytapiError):
    """A step that failed but whose outcome must be kept in the state: the engine saves
    `outputs` and fails the step (a partial failure)."""

    def __init__(
        self,
        message: str,
        id_: str,
        outputs: Mapping[str, PropertyValue],
        inputs: Mapping[str, PropertyValue],
    ) -> None:
        super().__init__(message)
        self.id = id_
        self.outputs = outputs
        self.inputs = inputs


def _fail_recorded(
    message: str | None, id_: str, outputs: Mapping[str, PropertyValue], inputs: Mapping[str, PropertyValue]
) -> None:
    """Fail the step with `message`, when there is one, keeping its outcome: the engine records
    `outputs` (what was applied or fired, what is uncertain), and the next `up` acts on the rest."""
    if message:
        raise RecordedFailure(message, id_, outputs, dict(inputs))


def _named(urn: str) -> str:
    """A resource as messages name it: `FleetRedeploy 'all-phones'`."""
    return f"{type_of(urn).rsplit(':', 1)[-1]} {name_of(urn)!r}"


def _fleet_action_diff(
    plan: fleet_action.Plan, olds: Mapping[str, Any], news: Mapping[str, Any]
) -> p.DiffResponse:
    """A detailed diff naming only what changes: `revision` when the set moves to a new one
    (every phone firing is then not listed), each phone added (`phoneIds[i]`) or removed, and
    each phone that fires while others do not (a retry, an answer)."""
    old_ids: list[Any] = olds.get("phone_ids") or []
    new_ids = news.get("phone_ids")
    detailed: dict[str, p.PropertyDiff] = {}
    if not isinstance(new_ids, list):
        detailed["phoneIds"] = p.PropertyDiff(p.PropertyDiffKind.UPDATE, input_diff=False)
        new_ids = []
    if common.changed(olds, news, "revision") and plan.changed:
        detailed["revision"] = p.PropertyDiff(p.PropertyDiffKind.UPDATE, input_diff=False)
    # Sets: each is looked up once per phone, and lists would make a diff of 10,000 phones O(N²).
    acting = set(plan.phones(*(s for s in action.Step if s is not action.Step.KEEP)))
    every = len(acting) == len(plan.steps)
    old_set, removed = set(old_ids), set(plan.removed)
    for index, phone_id in enumerate(new_ids):
        at = camel(fleet_action.path(index))
        if common.is_unknown(phone_id) or (phone_id not in old_set and phone_id in plan.steps):
            detailed[at] = p.PropertyDiff(p.PropertyDiffKind.ADD, input_diff=False)
        elif phone_id in acting and not every and index < len(old_ids) and old_ids[index] == phone_id:
            detailed[at] = p.PropertyDiff(p.PropertyDiffKind.UPDATE, input_diff=False)
    for index, phone_id in enumerate(old_ids):
        if phone_id in removed:
            at = camel(fleet_action.path(index))
            # A phone added where one left: that element changes from one to the other.
            kind = p.PropertyDiffKind.UPDATE if at in detailed else p.PropertyDiffKind.DELETE
            detailed[at] = p.PropertyDiff(kind, input_diff=False)
    return p.DiffResponse(
        changes=plan.changed,
        replaces=[],
        diffs=sorted({k.split("[")[0] for k in detailed}),
        detailed_diff=detailed,
        delete_before_replace=False,
    )


def _fleet_in(props: Mapping[str, Any]) -> Props:
    """A Fleet's props with each phone's fields in snake_case (the wire names them in camelCase)."""
    return _fleet_names(props, snake)


def _fleet_out(props: Mapping[str, Any]) -> Props:
    return _fleet_names(props, camel)


def _fleet_names(props: Mapping[str, Any], spell: Callable[[str], str]) -> Props:
    phones = props.get("phones")
    if not isinstance(phones, Mapping):
        return dict(props)
    spelled = {
        phone_id: {spell(k): v for k, v in entry.items()} if isinstance(entry, Mapping) else entry
        for phone_id, entry in phones.items()
    }
    return {**props, "phones": spelled}


def _fleet_diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> p.DiffResponse:
    """A detailed diff per phone: `phones["12"].webhook` for a field, `phones["14"]` for a phone
    added, removed or sent again after a failure; unchanged phones are not named."""
    old_phones = olds.get("phones") or {}
    new_phones: Mapping[str, Any] = news["phones"] if isinstance(news.get("phones"), Mapping) else {}
    detailed = {}
    for path in fleet.diff(olds, news).changes:
        phone_id = path.split('"')[1] if '"' in path else None
        if phone_id is not None and phone_id not in old_phones:
            kind = p.PropertyDiffKind.ADD
        elif phone_id is not None and phone_id not in new_phones:
            kind = p.PropertyDiffKind.DELETE
        else:
            kind = p.PropertyDiffKind.UPDATE
        detailed[camel(path)] = p.PropertyDiff(kind, input_diff=False)
    return p.DiffResponse(
        changes=bool(detailed),
        replaces=[],
        diffs=["phones"] if detailed else [],
        detailed_diff=detailed,
        delete_before_replace=False,
    )


def _settings(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """The settings among a provider's inputs, keyed by config key ("maytapi:productId")."""
    keys = {camel(name): source.config_key for name, source in SOURCES.items()}
    values = {keys[k]: _plain(v) for k, v in props.items() if k in keys}
    return {k: _text(v) for k, v in values.items() if v not in (None, "")}


def _text(value: Any) -> Any:
    """Config values are strings; an explicit provider's numbers may come as numbers."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if value is UNKNOWN or isinstance(value, str) else str(value)
