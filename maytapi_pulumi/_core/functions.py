"""The provider functions: reads of the product that create nothing (which phones it has, a
phone's config, a phone's session status). Each is its inputs' rules, the one call it makes and
the outputs it gives; the adapters (the native provider's invoke, the dynamic family's Outputs)
only translate. The tables below are also the docs of both (the schema, the docstrings)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _validation
from .._errors import MaytapiError, PhoneNotFoundError
from .common import Failure, Props, check_inputs, no_such_phone
from .properties import PHONE_CONFIG, Property

if TYPE_CHECKING:
    from .._client import MaytapiClient
    from .._models import Phone, PhoneStatus

T = TypeVar("T")


@dataclass(frozen=True)
class ObjectList:
    """An output that is a list of objects of one type (`item`), each with `fields`."""

    name: str
    doc: str
    item: str
    item_doc: str
    fields: tuple[Property, ...]
    required: bool = True


@dataclass(frozen=True)
class Function:
    """A function: its name, description, inputs, outputs and what it does (`read`, given a
    client and the checked inputs)."""

    name: str
    doc: str
    inputs: tuple[Property, ...]
    outputs: tuple[Property | ObjectList, ...]
    read: Callable[[MaytapiClient, Props], Props]


_PHONE_ID_IN = Property(
    "phone_id", "string|integer", 'The phone\'s Maytapi id (digits, e.g. `"12"` or `12`).', required=True
)
# What getPhoneConfig gives is what a PhoneConfig reads.
PHONE_CONFIG_OUTPUTS = PHONE_CONFIG.outputs
_PHONE_ID_OUT = next(p for p in PHONE_CONFIG_OUTPUTS if p.name == "phone_id")

PRODUCT_PHONE = (
    Property("id", "string", "The phone's id, as digits: what `phone_id` takes.", required=True),
    Property(
        "number",
        "string",
        'The phone\'s number with its country code, without `+`; `""` when Maytapi reports none.',
        required=True,
    ),
    Property(
        "status",
        "string",
        "Maytapi's status of the phone: `active`, `qr-code`, `phone-error`, `idle`, `loading` or "
        '`disabled` (or any other Maytapi reports); `""` when it reports none.',
        required=True,
    ),
)
PHONE_STATUS_OUTPUTS = (
    _PHONE_ID_OUT,
    Property(
        "logged_in",
        "boolean",
        "Whether the phone's WhatsApp session is logged in (when Maytapi does not say, whether "
        "its state is `CONNECTED`).",
        required=True,
    ),
    Property(
        "state",
        "string",
        'The WhatsApp connection state, e.g. `CONNECTED` or `UNPAIRED`; `""` when Maytapi reports none.',
        required=True,
    ),
    Property(
        "number",
        "string",
        'The number logged in, as Maytapi reports it; `""` when it reports none.',
        required=True,
    ),
)


def _phones(client: MaytapiClient, _args: Props) -> Props:
    return {"phones": [_listed(phone) for phone in client.list_phones()]}


def _listed(phone: Phone) -> Props:
    """A row of /listPhones as the function gives it: the id as digits (the form `phone_id`
    takes and a map key can be), "" for what is not reported."""
    return {"id": str(phone.id), "number": phone.number or "", "status": phone.status or ""}


def _phone_config(client: MaytapiClient, args: Props) -> Props:
    phone_id = args["phone_id"]
    config = _existing(phone_id, lambda: client.get_config(phone_id))
    return {"phone_id": phone_id, "webhook": config.webhook, "ack_delivery": config.ack_delivery}


def _phone_status(client: MaytapiClient, args: Props) -> Props:
    phone_id = args["phone_id"]
    return {"phone_id": phone_id, **_session(_existing(phone_id, lambda: client.status(phone_id)).status)}


def _session(status: PhoneStatus) -> Props:
    """A /status body's session as the function gives it."""
    state = status.state.state if status.state is not None else None
    return {"logged_in": status.connected, "state": state or "", "number": status.number or ""}


def _existing(phone_id: str, read: Callable[[], T]) -> T:
    """`read()`, with a phone missing from the product named as such."""
    try:
        return read()
    except PhoneNotFoundError as exc:
        raise no_such_phone(phone_id, exc) from None


GET_PHONES = Function(
    "getPhones",
    "Every phone of the product, as `GET /listPhones` reports them: id, number and status. "
    "One call each time the program runs, in a preview too.",
    inputs=(),
    outputs=(
        ObjectList(
            "phones",
            "The product's phones, in the order Maytapi lists them.",
            "ProductPhone",
            "A phone of the product, as `GET /listPhones` reports it.",
            PRODUCT_PHONE,
        ),
    ),
    read=_phones,
)
GET_PHONE_CONFIG = Function(
    "getPhoneConfig",
    "A phone's webhook and delivery acks as Maytapi holds them: `GET /{phone_id}/config`, one call "
    "each time the program runs, in a preview too. Reads only: to manage them, declare a PhoneConfig.",
    inputs=(_PHONE_ID_IN,),
    outputs=PHONE_CONFIG_OUTPUTS,
    read=_phone_config,
)
GET_PHONE_STATUS = Function(
    "getPhoneStatus",
    "A phone's session: whether it is logged in, its WhatsApp connection state and its number: "
    "`GET /{phone_id}/status`, one call each time the program runs, in a preview too.",
    inputs=(_PHONE_ID_IN,),
    outputs=PHONE_STATUS_OUTPUTS,
    read=_phone_status,
)
FUNCTIONS = (GET_PHONES, GET_PHONE_CONFIG, GET_PHONE_STATUS)


def check(function: Function, args: Mapping[str, Any]) -> tuple[Props, list[Failure]]:
    """The arguments' rules: a bad or missing phone id, or an unknown argument, named."""
    # A function's one input, if any, is a phone id.
    rules = {p.name: _validation.phone_id for p in function.inputs}
    return check_inputs(args, rules, required=tuple(p.name for p in function.inputs if p.required))


def call(function: Function, client: MaytapiClient, args: Mapping[str, Any]) -> Props:
    """The function's one call, after its arguments' check (InvalidArgument, before any call,
    names the first bad one)."""
    inputs, failures = check(function, args)
    if failures:
        raise InvalidArgument(failures[0])
    return function.read(client, inputs)


class InvalidArgument(MaytapiError, ValueError):
    """A function's argument was refused before any call; names the argument."""

    def __init__(self, failure: Failure) -> None:
        self.failure = failure
        super().__init__(f"{failure.property}: {failure.reason}")
