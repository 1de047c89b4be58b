"""PhoneConfig as a Pulumi dynamic resource: its inputs, its docs, and the adapter over the core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ._core import phone_config as rules
from ._plugin import deployment_claims, warn
from ._provider import MaytapiProvider, declare, from_sdk, resource_props


@dataclass
class PhoneConfigArgs:
    """The inputs of a PhoneConfig."""

    phone_id: pulumi.Input[str | int]
    """The phone's Maytapi id (digits, e.g. ``"12"`` or ``12``). Changing it replaces the
    resource: the new phone is configured, the old one restored to the product default unless
    another resource wrote it in the same run. One PhoneConfig per phone in a program."""

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
    the fields. Pulumi's import serves only the native provider; this does its job for both.
    Default ``False``."""

    reapply_trigger: pulumi.Input[Any] | None = None
    """Any value; when it changes, the config is sent again even if nothing else changed. Give
    it a ``FactoryReset``'s ``fired_at`` so that a reset, which clears the phone's config, is
    followed by the config in the same ``pulumi up``."""


class PhoneConfigProvider(MaytapiProvider):
    """The dynamic provider of PhoneConfig: the core's rules (`_core.phone_config`), translated."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return self.check_result(rules.check(from_sdk(news)))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        diff = rules.diff(olds, from_sdk(news))
        return DiffResult(changes=diff.changed, replaces=list(diff.replaces), delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(*rules.create(self.client(), props, claims=deployment_claims()))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # A refresh passes the stored outputs; a get passes only the inputs (the phone id).
        outs = rules.read(self.client(), id_, props, managed="ack_delivery" in props)
        if outs is None:
            warn(rules.vanished(props.get("phone_id") or id_))
            # No id: the engine drops the resource from the state.
            return ReadResult(None, {})
        # Live values become the inputs too, so the next preview diffs the program against them.
        return ReadResult(outs["phone_id"], outs, outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(rules.update(self.client(), news, claims=deployment_claims()))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        rules.delete(self.client(), props, claims=deployment_claims())


class PhoneConfig(Resource, module="maytapi", name="PhoneConfig"):
    """A Maytapi phone's webhook and delivery acks.

    Creating or updating it sends ``POST /{phone_id}/config``; refresh reads ``GET
    /{phone_id}/config`` and shows changes made outside Pulumi; destroying it restores the
    product default (no webhook of its own, ``ack_delivery`` false). Settings come from stack
    config ``maytapi:productId``, ``maytapi:apiToken`` (secret) and ``maytapi:baseUrl``.

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import PhoneConfig

    support = PhoneConfig(
        "support-line",
        phone_id="12",
        webhook="https://hooks.example.com/maytapi",
        ack_delivery=True,
    )

    pulumi.export("support_webhook", support.webhook)
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
    webhook: pulumi.Output[str]
    """The phone's own webhook as Maytapi reports it; ``""`` when the product's is used."""
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
        if opts is None or opts.id is None:
            phone_id = declare(
                phone_id if phone_id is not None else getattr(args, "phone_id", None),
                f"PhoneConfig {resource_name!r}",
                lambda value: [value],
            )
        values = {
            "phone_id": phone_id,
            "webhook": webhook,
            "ack_delivery": ack_delivery,
            "allow_insecure_http": allow_insecure_http,
            "adopt": adopt,
            "reapply_trigger": reapply_trigger,
        }
        super().__init__(
            PhoneConfigProvider(), resource_name, resource_props(args, values, unknown, rules.OUTPUTS), opts
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
