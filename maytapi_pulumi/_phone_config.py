"""PhoneConfig: a phone's webhook and delivery acks, as a Pulumi resource."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from . import _validation
from ._errors import MaytapiError
from ._models import PhoneConfig as ApiPhoneConfig
from ._provider import MaytapiProvider, changed, check_inputs, is_unknown, resource_props

_UPDATABLE = ("webhook", "ack_delivery", "reapply_trigger")
_OUTPUTS = ("phone_id", "webhook", "ack_delivery")


@dataclass
class PhoneConfigArgs:
    """The inputs of a PhoneConfig."""

    phone_id: pulumi.Input[str | int]
    """The phone's Maytapi id (digits, e.g. ``"12"`` or ``12``). Changing it replaces the
    resource: the new phone is configured, the old one restored to the product default."""

    webhook: pulumi.Input[str] | None = None
    """Where Maytapi delivers this phone's messages and acks: an absolute ``https://`` URL of at
    most 2048 characters. ``None`` or ``""``: the phone uses the product's webhook."""

    ack_delivery: pulumi.Input[bool] | None = None
    """Whether Maytapi posts delivery acks to the webhook. Default ``False``."""

    allow_insecure_http: pulumi.Input[bool] | None = None
    """Allow a plain ``http://`` webhook to a host other than loopback (messages then travel
    unencrypted). Default ``False``."""

    adopt: pulumi.Input[bool] | None = None
    """Take over a phone that is already configured: on create, read its config (one GET) and
    write nothing. If the live config differs from the declared one, the create fails naming
    the fields. Pulumi's ``import_`` option cannot serve dynamic resources; this does its job.
    Default ``False``."""

    reapply_trigger: pulumi.Input[Any] | None = None
    """Any value; when it changes, the config is sent again even if nothing else changed. Give
    it a ``FactoryReset``'s ``fired_at`` so that a reset, which clears the phone's config, is
    followed by the config in the same ``pulumi up``."""


def _outputs(phone_id: str, live: ApiPhoneConfig, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "phone_id": phone_id,
        "webhook": live.webhook or None,
        "ack_delivery": live.ack_delivery,
        "allow_insecure_http": inputs.get("allow_insecure_http", False),
        "adopt": inputs.get("adopt", False),
        "reapply_trigger": inputs.get("reapply_trigger"),
    }


class PhoneConfigProvider(MaytapiProvider):
    """CRUD of a phone's config: POST and GET /{phone_id}/config."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # Not known yet (another resource's output): the rule is applied again once it is.
        allow_http = news.get("allow_insecure_http") is True or is_unknown(news.get("allow_insecure_http"))
        rules = {
            "phone_id": _validation.phone_id,
            "webhook": lambda v: _validation.webhook(v, allow_insecure_http=allow_http) or None,
            "ack_delivery": _validation.flag("ack_delivery"),
            "allow_insecure_http": _validation.flag("allow_insecure_http"),
            "adopt": _validation.flag("adopt"),
            "reapply_trigger": lambda v: v,
        }
        inputs, failures = check_inputs(news, rules)
        return CheckResult(inputs, failures + self.settings_failures())

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # `olds` are the last outputs: what Maytapi reported, so drift found by refresh shows here.
        replaces = ["phone_id"] if changed(olds, news, "phone_id") else []
        updates = [key for key in _UPDATABLE if changed(olds, news, key)]
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        phone_id = props["phone_id"]
        if props["adopt"]:
            return CreateResult(phone_id, self._adopt(phone_id, props))
        live = self.client().set_config(phone_id, props.get("webhook"), props["ack_delivery"])
        return CreateResult(phone_id, _outputs(phone_id, live, props))

    def _adopt(self, phone_id: str, props: dict[str, Any]) -> dict[str, Any]:
        outs = _outputs(phone_id, self.client().get_config(phone_id), props)
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

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        phone_id = _validation.phone_id(props.get("phone_id") or id_)
        outs = _outputs(phone_id, self.client().get_config(phone_id), props)
        # Live values become the inputs too, so the next preview diffs the program against them.
        return ReadResult(phone_id, outs, outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        phone_id = news["phone_id"]
        live = self.client().set_config(phone_id, news.get("webhook"), news["ack_delivery"])
        return UpdateResult(_outputs(phone_id, live, news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self.client().set_config(props["phone_id"], None, False)


class PhoneConfig(Resource, module="maytapi", name="PhoneConfig"):
    """A Maytapi phone's webhook and delivery acks.

    Creating or updating it sends ``POST /{phone_id}/config``; refresh reads ``GET
    /{phone_id}/config`` and shows changes made outside Pulumi; destroying it restores the
    product default (no webhook of its own, ``ack_delivery`` false). Settings come from stack
    config ``maytapi:productId``, ``maytapi:apiToken`` (secret) and ``maytapi:baseUrl``.

    ## Example Usage

    ```python
    from maytapi_pulumi import PhoneConfig

    support = PhoneConfig(
        "support-line",
        phone_id="12",
        webhook="https://hooks.example.com/maytapi",
        ack_delivery=True,
    )
    ```

    ## Import

    Pulumi's ``import_`` option and ``pulumi import`` cannot serve dynamic resources: the engine
    asks the provider to read the phone before it knows which provider that is, and Pulumi's
    dynamic-provider host fails (``KeyError: '__provider'``). Bring a phone that is already
    configured under management without writing to it (one GET) with ``adopt=True``:

    ```python
    PhoneConfig("support-line", phone_id="12", webhook="https://hooks.example.com/maytapi",
                ack_delivery=True, adopt=True)
    ```

    or read it without managing it: ``PhoneConfig.get("support-line", "12")``.
    """

    phone_id: pulumi.Output[str]
    """The phone's id, as digits."""
    webhook: pulumi.Output[str | None]
    """The phone's own webhook as Maytapi reports it; ``None`` when the product's is used."""
    ack_delivery: pulumi.Output[bool]
    """Whether delivery acks are posted, as Maytapi reports it."""

    def __init__(
        self,
        resource_name: str,
        args: PhoneConfigArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        phone_id: pulumi.Input[str | int] | None = None,
        webhook: pulumi.Input[str] | None = None,
        ack_delivery: pulumi.Input[bool] | None = None,
        allow_insecure_http: pulumi.Input[bool] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        reapply_trigger: pulumi.Input[Any] | None = None,
        **unknown: NoReturn,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource.
        :param args: The inputs as one object; keyword arguments given beside it win.
        :param opts: Options of the resource (``import_``, ``retain_on_delete``, ``depends_on``...).
        :param phone_id: See :attr:`PhoneConfigArgs.phone_id`.
        :param webhook: See :attr:`PhoneConfigArgs.webhook`.
        :param ack_delivery: See :attr:`PhoneConfigArgs.ack_delivery`.
        :param allow_insecure_http: See :attr:`PhoneConfigArgs.allow_insecure_http`.
        :param adopt: See :attr:`PhoneConfigArgs.adopt`.
        :param reapply_trigger: See :attr:`PhoneConfigArgs.reapply_trigger`.
        """
        values = {
            "phone_id": phone_id,
            "webhook": webhook,
            "ack_delivery": ack_delivery,
            "allow_insecure_http": allow_insecure_http,
            "adopt": adopt,
            "reapply_trigger": reapply_trigger,
        }
        super().__init__(
            PhoneConfigProvider(), resource_name, resource_props(args, values, unknown, _OUTPUTS), opts
        )

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> PhoneConfig:
        """Read an existing phone's config without managing it (one GET); ``id`` is the phone id."""
        return PhoneConfig(
            resource_name,
            phone_id=id,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)),
        )
