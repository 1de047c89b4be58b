"""The dynamic-provider adapter's shared part: settings from stack config, and translation
between the Pulumi SDK's types and the core's (unknowns, check failures).

The provider objects are pickled into the state of every resource, so they carry no
credentials and no client; both are built in the provider process, from `configure`.
"""

from __future__ import annotations

import os
import sys
import traceback
import types
import weakref
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, ResourceProvider
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN as SDK_UNKNOWN

from ._core import common
from ._core.common import UNKNOWN, Failure, Props
from ._core.hands import Declarations
from ._errors import InvalidInputError, MaytapiError
from ._settings import SOURCES, Settings

if TYPE_CHECKING:
    from ._client import MaytapiClient

T = TypeVar("T")

PROVIDER_KEY = "__provider"


class _HostTraceback(types.ModuleType):
    """The `traceback` module as the SDK's dynamic-provider host sees it, with one change: a
    MaytapiError is formatted as its message alone.

    The host (`pulumi.dynamic.__main__`, started as `python -m pulumi.dynamic` by the official
    CLI and through `runpy` by this project's launcher) answers every failed call with
    `traceback.format_exc()`, so `pulumi up` showed a Maytapi error (a refused token, a missing
    phone) as some 25 lines of the host's and this package's frames with the message last. The
    native provider shows the message alone; so does this. Any other exception is a bug and keeps
    its whole traceback."""

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def format_exc(limit: int | None = None, chain: bool = True) -> str:
        error = sys.exc_info()[1]
        return str(error) if isinstance(error, MaytapiError) else traceback.format_exc(limit, chain)


def _report_maytapi_errors_alone() -> None:
    """Gives the dynamic-provider host `_HostTraceback` in place of `traceback`, in its own module
    only. Anywhere else (the program's process, a host that no longer formats errors with the
    `traceback` it imported) nothing changes, and an error shows as the host formats it."""
    host = vars(sys.modules.get("__main__") or types.ModuleType("__main__"))
    if (
        getattr(host.get("__spec__"), "name", None) == "pulumi.dynamic.__main__"
        and host.get("traceback") is traceback
    ):
        host["traceback"] = _HostTraceback(traceback.__name__)


def from_sdk(props: Mapping[str, Any]) -> Props:
    """The SDK's props with its unknowns, in whichever form the host sends them (the sentinel
    string or an `Unknown` instance, at any depth), as the core's UNKNOWN; the serialized
    provider left out."""
    return {key: _from_sdk(value) for key, value in props.items() if key != PROVIDER_KEY}


def _from_sdk(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _from_sdk(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_sdk(item) for item in value]
    return UNKNOWN if isinstance(value, Unknown) or value == SDK_UNKNOWN else value


def to_sdk(props: Mapping[str, Any]) -> Props:
    return {key: _to_sdk(value) for key, value in props.items()}


def _to_sdk(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _to_sdk(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_sdk(item) for item in value]
    return SDK_UNKNOWN if value is UNKNOWN else value


class MaytapiProvider(ResourceProvider):
    """Base of the dynamic providers: settings and client."""

    # Nothing secret is ever captured in a provider object, so its pickle can be stored in
    # clear: encrypting one blob per resource is what makes large stacks slow.
    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        # Runs in the provider process only; what is set here is never pickled into state.
        _report_maytapi_errors_alone()
        self._config = {
            source.config_key: value
            for source in SOURCES.values()
            if (value := req.config.get(source.config_key)) not in (None, "")
        }

    def client(self) -> MaytapiClient:
        return common.client_for(Settings.from_sources(getattr(self, "_config", {}), os.environ))

    def check_result(self, checked: tuple[Props, list[Failure]]) -> CheckResult:
        """A core check's result, with the settings' problem (if any), as the SDK's."""
        inputs, failures = checked
        failures = failures + common.settings_failures(getattr(self, "_config", {}), os.environ)
        return CheckResult(to_sdk(inputs), [CheckFailure(f.property, f.reason) for f in failures])


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


def fail_once_recorded(outputs: list[pulumi.Output[Any]], message: Callable[[list[Any]], str | None]) -> None:
    """Fail the up with `message(values of outputs)`, when it says something, once the outputs are
    known. A provider cannot both record a state and fail the step: the state records what was
    done (a doubt, the phones that failed), and the program fails the up here, once it is saved."""

    def fail(values: list[Any]) -> None:
        said = message(values)
        if said:
            raise pulumi.RunError(said)

    pulumi.Output.all(*outputs).apply(fail)


# One registry per program run: each run has a new root resource (the stack), also when the
# Automation API runs inline programs one after another in one process.
_declarations: weakref.WeakKeyDictionary[pulumi.Resource, Declarations] = weakref.WeakKeyDictionary()


def declare(
    value: pulumi.Input[T] | None, resource: str, phone_ids: Callable[[Any], Iterable[object]]
) -> pulumi.Input[T] | None:
    """`value` (a phone id, or a Fleet's phones), once `resource` is recorded as the only
    PhoneConfig or Fleet declaring each of its `phone_ids` in the program: a second one fails
    the program before either is written. An Output is recorded when known, and the resource
    registers only after that."""
    root = pulumi.runtime.get_root_resource()
    if root is None:
        return value
    declarations = _declarations.setdefault(root, Declarations())

    def record(known: Any) -> Any:
        try:
            for phone_id in phone_ids(known):
                declarations.declare(phone_id, resource)
        except InvalidInputError as exc:
            raise pulumi.RunError(str(exc)) from None  # the message, without a traceback
        return known

    if isinstance(value, pulumi.Output):
        return value.apply(record)
    return record(value)  # type: ignore[no-any-return]
