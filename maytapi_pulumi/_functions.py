"""The provider functions for the dynamic family: the core's reads (`_core.functions`) as Outputs.

Dynamic providers have no functions, so these run in the program's own process, on the
settings the dynamic resources read (stack config `maytapi:*`, else the environment). The
language host hands the program the stack's config, the API token decrypted among it, on every
run, so reading it here exposes it nowhere new; it goes into no resource, no output and no
message: nothing of it reaches the state. A call is made each time the program runs (a
preview, and an `up`'s preview and update), as the native provider's functions make theirs.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypedDict, cast

import pulumi

from ._core import common
from ._core import functions as rules
from ._errors import MaytapiError
from ._settings import SOURCES, Settings

# As many calls in flight as the client keeps connections, off the program's event loop.
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="maytapi-functions")


class ProductPhone(TypedDict):
    """A phone of the product, as ``GET /listPhones`` reports it."""

    id: str
    """The phone's id, as digits: what ``phone_id`` takes."""
    number: str
    """The phone's number with its country code, without ``+``; ``""`` when Maytapi reports none."""
    status: str
    """Maytapi's status of the phone: ``active``, ``qr-code``, ``phone-error``, ``idle``, ``loading``
    or ``disabled`` (or any other Maytapi reports); ``""`` when it reports none."""


class GetPhoneConfigResult(TypedDict):
    """A phone's config, as ``GET /{phone_id}/config`` reports it."""

    phone_id: str
    """The phone's id, as digits."""
    webhook: str
    """The phone's own webhook as Maytapi reports it; ``""`` when the product's is used."""
    ack_delivery: bool
    """Whether delivery acks are posted, as Maytapi reports it."""


class GetPhoneStatusResult(TypedDict):
    """A phone's session, as ``GET /{phone_id}/status`` reports it."""

    phone_id: str
    """The phone's id, as digits."""
    logged_in: bool
    """Whether the phone's WhatsApp session is logged in (when Maytapi does not say, whether its
    state is ``CONNECTED``)."""
    state: str
    """The WhatsApp connection state, e.g. ``CONNECTED`` or ``UNPAIRED``; ``""`` when Maytapi
    reports none."""
    number: str
    """The number logged in, as Maytapi reports it; ``""`` when it reports none."""


def get_phones() -> pulumi.Output[list[ProductPhone]]:
    """Every phone of the product, as ``GET /listPhones`` reports them: id, number and status.
    One call each time the program runs, in a preview too.

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import get_phones

    pulumi.export("numbers", get_phones().apply(lambda phones: [phone["number"] for phone in phones]))
    ```
    """
    return cast("pulumi.Output[list[ProductPhone]]", _call("get_phones", rules.GET_PHONES, {})["phones"])


def get_phone_config(phone_id: pulumi.Input[str | int]) -> pulumi.Output[GetPhoneConfigResult]:
    """A phone's webhook and delivery acks as Maytapi holds them: ``GET /{phone_id}/config``, one
    call each time the program runs, in a preview too. Reads only: to manage them, declare a
    PhoneConfig.

    :param phone_id: The phone's Maytapi id (digits, e.g. ``"12"`` or ``12``), or an Output of it.

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import get_phone_config

    pulumi.export("phone_12_webhook", get_phone_config(phone_id="12")["webhook"])
    ```
    """
    return cast(
        "pulumi.Output[GetPhoneConfigResult]",
        _call("get_phone_config", rules.GET_PHONE_CONFIG, {"phone_id": phone_id}),
    )


def get_phone_status(phone_id: pulumi.Input[str | int]) -> pulumi.Output[GetPhoneStatusResult]:
    """A phone's session: whether it is logged in, its WhatsApp connection state and its number:
    ``GET /{phone_id}/status``, one call each time the program runs, in a preview too.

    :param phone_id: The phone's Maytapi id (digits, e.g. ``"12"`` or ``12``), or an Output of it.

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import get_phone_status

    pulumi.export("phone_12_logged_in", get_phone_status(phone_id="12")["logged_in"])
    ```
    """
    return cast(
        "pulumi.Output[GetPhoneStatusResult]",
        _call("get_phone_status", rules.GET_PHONE_STATUS, {"phone_id": phone_id}),
    )


def _call(name: str, function: rules.Function, args: dict[str, Any]) -> pulumi.Output[Any]:
    """The function's result once its arguments are known (an unknown one at preview leaves
    it unknown, with no call); its failure fails the program with the message alone, after
    the function's `name`."""

    def read(known: dict[str, Any]) -> Any:
        return asyncio.get_running_loop().run_in_executor(_pool, _read, name, function, known)

    return pulumi.Output.from_input(args).apply(read)


def _read(name: str, function: rules.Function, args: dict[str, Any]) -> Any:
    config = pulumi.Config("maytapi")
    values = {
        source.config_key: value
        for source in SOURCES.values()
        if (value := config.get(source.config_key.split(":", 1)[1]))
    }
    problems = common.settings_failures(values, os.environ)
    try:
        if problems:
            raise MaytapiError(problems[0].reason)
        return rules.call(function, common.client_for(Settings.from_sources(values, os.environ)), args)
    except MaytapiError as exc:
        raise pulumi.RunError(f"{name}: {exc}") from None
