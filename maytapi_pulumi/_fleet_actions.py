"""FleetRedeploy, FleetFactoryReset and FleetLogout as Pulumi dynamic resources: one action over
a set of phones with one revision, in one resource. One provider serves all three; they differ
in the endpoint (`Action`) and their names. The rules are the core's (`_core.fleet_action`,
which applies the single action's rule to each phone)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ._core import action
from ._core import fleet_action as rules
from ._endpoints import Action
from ._provider import MaytapiProvider, fail_once_recorded, from_sdk, resource_props


@dataclass
class FleetActionArgs:
    """The inputs of FleetRedeploy, FleetFactoryReset and FleetLogout."""

    phone_ids: pulumi.Input[Sequence[pulumi.Input[str | int]]]
    """The phones to act on: their Maytapi ids (digits, e.g. ``"12"``), each once. A phone added
    fires only if ``fire_on_create`` is ``True``; a phone removed fires nothing."""

    revision: pulumi.Input[str | int]
    """Any value you change to fire the action again on every phone of the set: a date, a
    counter, or another resource's output. Unchanged, ``pulumi up`` fires only on the phones
    that failed or were answered."""

    fire_on_create: pulumi.Input[bool] | None = None
    """Fire on a phone when it joins the set (and on every phone when the resource is created).
    Default ``True``; ``False`` records the revision without calling Maytapi."""


@dataclass
class FleetRedeployArgs(FleetActionArgs):
    """The inputs of a FleetRedeploy."""

    wait_until_ready: pulumi.Input[bool] | None = None
    """After redeploying each phone, poll its ``/{phone_id}/status`` until it is logged in and not
    loading (8 phones at a time), so resources that depend on this one run against live phones.
    Default ``False``."""

    ready_timeout: pulumi.Input[float] | None = None
    """Seconds to wait for every redeployed phone to be ready, in all; the phones not ready then
    fail the update, named. Default 300."""


class FleetActionProvider(MaytapiProvider):
    """Fires one Maytapi action on many phones: the core's rules (`_core.fleet_action`), translated.
    The action is a class attribute of each kind's subclass: provider objects carry no state."""

    action: ClassVar[Action]
    kind: ClassVar[str]

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return self.check_result(rules.check(self.action, from_sdk(news), os.environ))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # The provider is not told the resource's name: the message says the kind.
        plan = rules.diff(olds, from_sdk(news), action.answers(os.environ), self.kind)
        return DiffResult(changes=plan.changed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(
            *rules.create(self.action, self.client(), props, action.answers(os.environ), self.kind)
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(
            rules.apply(self.action, self.client(), olds, news, action.answers(os.environ), self.kind)
        )

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """An action cannot be undone: forgetting it makes no call."""


class FleetRedeployProvider(FleetActionProvider):
    action, kind = Action.REDEPLOY, "FleetRedeploy"


class FleetFactoryResetProvider(FleetActionProvider):
    action, kind = Action.FACTORY_RESET, "FleetFactoryReset"


class FleetLogoutProvider(FleetActionProvider):
    action, kind = Action.LOGOUT, "FleetLogout"


class _FleetActionResource(Resource):
    """The constructor and outputs the three fleet action resources share."""

    _provider_class: ClassVar[type[FleetActionProvider]]

    phone_ids: pulumi.Output[list[str]]
    """The phones of the set, as last applied."""
    revision: pulumi.Output[str | int]
    """The revision every phone of the set has reached (fired at, or recorded at when
    ``fire_on_create`` is ``False``); the previous one, or ``""``, while a phone failed or is
    uncertain."""
    # Plain dicts: the SDK checks outputs against these annotations, and a TypedDict is a class to it.
    phones: pulumi.Output[dict[str, dict[str, Any]]]
    """Each phone's record: the revision it last fired at, whether and when, Maytapi's message,
    and whether its answer was lost."""
    failed: pulumi.Output[dict[str, str]]
    """The phones whose last call failed, with the error; the ``up`` that recorded them failed,
    and the next one fires them again."""

    def __init__(
        self,
        resource_name: str,
        args: FleetActionArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        phone_ids: pulumi.Input[Sequence[pulumi.Input[str | int]]] | None = None,
        revision: pulumi.Input[str | int] | None = None,
        fire_on_create: pulumi.Input[bool] | None = None,
        **unknown: NoReturn,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource.
        :param args: The inputs as one object; keyword arguments given beside it win.
        :param opts: Options of the resource (``depends_on`` orders it after config changes).
        :param phone_ids: See :attr:`FleetActionArgs.phone_ids`.
        :param revision: See :attr:`FleetActionArgs.revision`.
        :param fire_on_create: See :attr:`FleetActionArgs.fire_on_create`.
        """
        values = {"phone_ids": phone_ids, "revision": revision, "fire_on_create": fire_on_create}
        self._register(resource_name, args, opts, values, unknown)

    def _register(
        self,
        resource_name: str,
        args: FleetActionArgs | None,
        opts: pulumi.ResourceOptions | None,
        values: dict[str, Any],
        unknown: dict[str, Any],
    ) -> None:
        props = resource_props(args, values, unknown, rules.OUTPUTS)
        super().__init__(self._provider_class(), resource_name, props, opts)
        name = f"{self._provider_class.kind} {resource_name!r}"
        fail_once_recorded(
            [self.phones, self.failed, self.urn],
            lambda done: rules.failure(name, {"phones": done[0], "failed": done[1]}, done[2]),
        )


class FleetRedeploy(_FleetActionResource, module="maytapi", name="FleetRedeploy"):
    """Redeploys (reboots) the containers of many phones when ``revision`` changes: ``GET /{phone_id}/redeploy`` for each.

    One resource for many phones: a revision change fires once on each phone of ``phone_ids``, 8
    calls at a time; the state keeps a record per phone, so a phone that fails, or whose answer
    is lost, is the only one the next ``pulumi up`` acts on. With ``wait_until_ready=True`` the
    update lasts until every redeployed phone is logged in again (within one ``ready_timeout``).

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import FleetRedeploy

    # After an incident: bump the revision to redeploy every phone of the set once more.
    redeploy = FleetRedeploy("all-lines-redeploy", phone_ids=["18", "19"], revision="2026-12-08")

    pulumi.export("all_lines_revision", redeploy.revision)
    ```

    ## Import

    An action has nothing to import: adopt running phones without redeploying them with
    ``fire_on_create=False``, which records the revision and makes no call.
    """

    _provider_class = FleetRedeployProvider

    def __init__(
        self,
        resource_name: str,
        args: FleetRedeployArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        phone_ids: pulumi.Input[Sequence[pulumi.Input[str | int]]] | None = None,
        revision: pulumi.Input[str | int] | None = None,
        fire_on_create: pulumi.Input[bool] | None = None,
        wait_until_ready: pulumi.Input[bool] | None = None,
        ready_timeout: pulumi.Input[float] | None = None,
        **unknown: NoReturn,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource.
        :param args: The inputs as one object; keyword arguments given beside it win.
        :param opts: Options of the resource (``depends_on`` orders it after config changes).
        :param phone_ids: See :attr:`FleetActionArgs.phone_ids`.
        :param revision: See :attr:`FleetActionArgs.revision`.
        :param fire_on_create: See :attr:`FleetActionArgs.fire_on_create`.
        :param wait_until_ready: See :attr:`FleetRedeployArgs.wait_until_ready`.
        :param ready_timeout: See :attr:`FleetRedeployArgs.ready_timeout`.
        """
        values = {
            "phone_ids": phone_ids,
            "revision": revision,
            "fire_on_create": fire_on_create,
            "wait_until_ready": wait_until_ready,
            "ready_timeout": ready_timeout,
        }
        self._register(resource_name, args, opts, values, unknown)


class FleetFactoryReset(_FleetActionResource, module="maytapi", name="FleetFactoryReset"):
    """Returns many phones to a freshly created state when ``revision`` changes: ``GET /{phone_id}/factoryreset`` for each.

    The reset clears each phone's config on Maytapi. One resource for many phones: a revision
    change fires once on each phone of ``phone_ids``, 8 calls at a time; the state keeps a record
    per phone, so a phone that fails, or whose answer is lost, is the only one the next
    ``pulumi up`` acts on.

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import FleetFactoryReset

    # A pool handed over: recorded now without a call; bump the revision to reset every phone of it.
    reset = FleetFactoryReset("pool-reset", phone_ids=["20", "21"], revision=1, fire_on_create=False)

    pulumi.export("pool_reset_revision", reset.revision)
    ```

    ## Import

    An action has nothing to import: use ``fire_on_create=False`` to record the revision
    without resetting the phones.
    """

    _provider_class = FleetFactoryResetProvider


class FleetLogout(_FleetActionResource, module="maytapi", name="FleetLogout"):
    """Logs many phones' numbers out when ``revision`` changes: ``GET /{phone_id}/logout`` for each.

    Each phone then shows a QR code until it is scanned again. One resource for many phones: a
    revision change fires once on each phone of ``phone_ids``, 8 calls at a time; the state
    keeps a record per phone, so a phone that fails, or whose answer is lost, is the only one
    the next ``pulumi up`` acts on.

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import FleetLogout

    # Numbers being retired: each logged out once; bump the revision to log them all out again.
    logout = FleetLogout("retired-numbers", phone_ids=["22", "23"], revision="2026-12-08")

    pulumi.export("retired_numbers", logout.phones)
    ```

    ## Import

    An action has nothing to import: use ``fire_on_create=False`` to record the revision
    without logging the phones out.
    """

    _provider_class = FleetLogoutProvider
