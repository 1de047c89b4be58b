"""Fleet as a Pulumi dynamic resource: many phones' configs in one resource, the adapter over the
core (`_core.fleet`, which applies PhoneConfig's rules to each phone)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypedDict

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ._core import fleet as rules
from ._plugin import deployment_claims, warn
from ._provider import MaytapiProvider, declare, fail_once_recorded, from_sdk, resource_props


class FleetPhone(TypedDict, total=False):
    """One phone of a Fleet: PhoneConfig's ``webhook`` and ``ack_delivery``."""

    webhook: pulumi.Input[str]
    ack_delivery: pulumi.Input[bool]


@dataclass
class FleetArgs:
    """The inputs of a Fleet."""

    phones: pulumi.Input[Mapping[str, pulumi.Input[FleetPhone]]]
    """The phones to configure: a map from phone id (digits, e.g. ``"12"``) to its ``webhook`` and
    ``ack_delivery``. A phone removed from the map is restored to the product default."""


class FleetProvider(MaytapiProvider):
    """The dynamic provider of Fleet: the core's rules (`_core.fleet`), translated.

    The dynamic provider host has no detailed diff: `pulumi preview --diff` shows the engine's
    own diff of the `phones` input, which names the changed phones' fields and no others."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return self.check_result(rules.check(from_sdk(news)))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        diff = rules.diff(olds, from_sdk(news))
        return DiffResult(changes=diff.changed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self.client()
        return CreateResult(
            client.settings.product_id, rules.apply(client, {}, props, claims=deployment_claims())
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        outs, gone = rules.read(self.client(), props)
        for message in gone:
            warn(message)
        # Live values become the inputs too, so the next preview diffs the program against them.
        return ReadResult(id_, outs, {"phones": outs["phones"]})

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(rules.apply(self.client(), olds, news, claims=deployment_claims()))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        rules.delete(self.client(), props, claims=deployment_claims())


class Fleet(Resource, module="maytapi", name="Fleet"):
    """Many phones' webhooks and delivery acks in one resource, each phone with PhoneConfig's rules.

    Creating or updating it sends ``POST /{phone_id}/config`` for each phone whose config
    differs (8 at a time) and for none of the others; refresh reads ``GET /{phone_id}/config``
    of each phone; destroying it restores each phone's default. A phone belongs to one Fleet or
    PhoneConfig of a program. If some phones' writes fail, the ``up`` fails naming them, the
    state keeps what was applied, and the next ``up`` sends only those phones.

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import Fleet

    lines = Fleet(
        "support-lines",
        phones={
            "13": {"webhook": "https://hooks.example.com/maytapi/sales", "ack_delivery": True},
            "14": {"webhook": "https://hooks.example.com/maytapi/support"},
        },
    )

    pulumi.export("fleet_phones", lines.phones)
    ```

    ## Import

    ``pulumi import`` cannot serve dynamic resources (see PhoneConfig); the native provider's
    ``maytapi:index:Fleet`` imports a whole product by its product id.
    """

    # Plain dicts: the SDK checks outputs against these annotations, and a TypedDict is a class to it.
    phones: pulumi.Output[dict[str, dict[str, Any]]]
    """Each phone's config as Maytapi last reported it: what was applied."""
    failed: pulumi.Output[dict[str, str]]
    """The phones whose last write failed, with the error; the ``up`` that recorded them failed,
    and the next one sends them again."""

    def __init__(
        self,
        resource_name: str,
        args: FleetArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        phones: pulumi.Input[Mapping[str, pulumi.Input[FleetPhone]]] | None = None,
        **unknown: NoReturn,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource.
        :param args: The inputs as one object; keyword arguments given beside it win.
        :param opts: Options of the resource (``protect``, ``retain_on_delete``, ``depends_on``...).
        :param phones: See :attr:`FleetArgs.phones`.
        """
        name = f"Fleet {resource_name!r}"
        phones = declare(phones if phones is not None else getattr(args, "phones", None), name, _ids)
        props = resource_props(args, {"phones": phones}, unknown, rules.OUTPUTS)
        super().__init__(FleetProvider(), resource_name, props, opts)
        fail_once_recorded([self.failed], lambda failed: rules.failure(name, {"failed": failed[0]}))


def _ids(phones: object) -> list[object]:
    return list(phones) if isinstance(phones, Mapping) else []
