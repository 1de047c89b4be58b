"""PhoneConfig's rules: a phone's webhook and delivery acks (POST/GET /{phone_id}/config)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import _validation
from .._errors import MaytapiError, PhoneNotFoundError
from .common import Diff, Failure, Props, Rule, changed, check_inputs, is_unknown, no_such_phone
from .hands import Claims

if TYPE_CHECKING:
    from .._client import MaytapiClient
    from .._models import PhoneConfig as LiveConfig

INPUTS = ("phone_id", "webhook", "ack_delivery", "allow_insecure_http", "adopt", "reapply_trigger")
OUTPUTS = ("phone_id", "webhook", "ack_delivery")
REPLACES = ("phone_id",)
UPDATES = ("webhook", "ack_delivery", "reapply_trigger")


def check(news: Mapping[str, Any]) -> tuple[Props, list[Failure]]:
    # An unknown allow_insecure_http defers the http rule: it is applied again once known.
    allow_http = news.get("allow_insecure_http") is True or is_unknown(news.get("allow_insecure_http"))
    rules: dict[str, Rule] = {
        "phone_id": _validation.phone_id,
        "webhook": lambda v: _validation.webhook(v, allow_insecure_http=allow_http),
        "ack_delivery": _validation.flag("ack_delivery"),
        "allow_insecure_http": _validation.flag("allow_insecure_http"),
        "adopt": _validation.flag("adopt"),
        "reapply_trigger": lambda v: v,
    }
    return check_inputs(news, rules, required=("phone_id",))


def diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
    """`olds` are the last outputs: what Maytapi reported, so drift found by refresh shows here.
    Releases before 0.2 stored "no webhook" as None."""
    olds = {**olds, "webhook": olds.get("webhook") or ""}
    changes = tuple(key for key in (*REPLACES, *UPDATES) if changed(olds, news, key))
    return Diff(changes, tuple(key for key in changes if key in REPLACES))


def outputs(phone_id: str, live: LiveConfig, inputs: Mapping[str, Any]) -> Props:
    # "" rather than None for "no webhook of its own": the Python SDK previews a None output
    # as unknown, so every preview of a resource fed by it would show a change.
    return {
        "phone_id": phone_id,
        "webhook": live.webhook,
        "ack_delivery": live.ack_delivery,
        "allow_insecure_http": inputs.get("allow_insecure_http", False),
        "adopt": inputs.get("adopt", False),
        "reapply_trigger": inputs.get("reapply_trigger"),
    }


def create(client: MaytapiClient, props: Mapping[str, Any], *, claims: Claims) -> tuple[str, Props]:
    """1 POST, or with adopt 1 GET and no write. The id is the phone id."""
    phone_id: str = props["phone_id"]
    if props["adopt"]:
        with claims.writing(client.settings.product_id, phone_id):
            outs = _adopt(client, phone_id, props)
        return phone_id, outs
    return phone_id, update(client, props, claims=claims)


def _adopt(client: MaytapiClient, phone_id: str, props: Mapping[str, Any]) -> Props:
    outs = outputs(phone_id, client.get_config(phone_id), props)
    # The webhook may be a secret: name it, never show it.
    differences = [
        "the webhook differs" if key == "webhook" else f"{key} is {outs[key]!r} on Maytapi"
        for key in ("webhook", "ack_delivery")
        if outs[key] != props.get(key)
    ]
    if differences:
        raise MaytapiError(
            f"phone {phone_id} was not adopted, nothing was written: {'; '.join(differences)}. "
            "Declare the live values to adopt it, or drop adopt=True to write the declared config."
        )
    return outs


def read(client: MaytapiClient, id_: str, props: Mapping[str, Any], *, managed: bool) -> Props | None:
    """1 GET: the live config as outputs (and as inputs, so the next diff sees drift).

    A managed phone (a refresh) that no longer exists is gone: None, and the adapter drops it
    from the state with `vanished(phone_id)` as a warning. Reading an unmanaged one (a get)
    fails naming it."""
    phone_id = _validation.phone_id(props.get("phone_id") or id_)
    try:
        return outputs(phone_id, client.get_config(phone_id), props)
    except PhoneNotFoundError as exc:
        if managed:
            return None
        raise no_such_phone(phone_id, exc) from None


def vanished(phone_id: str) -> str:
    return (
        f"phone {phone_id} no longer exists on Maytapi: its PhoneConfig was removed from the "
        "stack's state. Remove it from the program too, or point it at another phone."
    )


def update(client: MaytapiClient, news: Mapping[str, Any], *, claims: Claims) -> Props:
    """1 POST of the declared config; the phone is then claimed for this deployment."""
    phone_id: str = news["phone_id"]
    with claims.writing(client.settings.product_id, phone_id):
        written = client.set_config(phone_id, news.get("webhook"), news["ack_delivery"])
    return outputs(phone_id, written, news)


def delete(client: MaytapiClient, props: Mapping[str, Any], *, claims: Claims) -> None:
    """1 POST restoring the product default; none when another resource wrote the phone earlier
    in this deployment (it changed hands, or is changing hands now), or when the phone no longer
    exists."""
    phone_id: str = props["phone_id"]
    with claims.holding(client.settings.product_id, phone_id):
        if claims.claimed(client.settings.product_id, phone_id):
            return
        try:
            client.set_config(phone_id, None, False)
        except PhoneNotFoundError:
            return
