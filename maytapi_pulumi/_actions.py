"""Redeploy, FactoryReset and Logout as Pulumi dynamic resources: an operational action that
fires when its revision changes. One provider serves all three; they differ in the endpoint
(`Action`) and their names. The rules are the core's (`_core.action`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ._core import action as rules
from ._endpoints import Action
from ._provider import MaytapiProvider, fail_once_recorded, from_sdk, resource_props


@dataclass
class ActionArgs:
    """The inputs of Redeploy, FactoryReset and Logout."""

    phone_id: pulumi.Input[str | int]
    """The phone's Maytapi id (digits, e.g. ``"12"`` or ``12``). Changing it fires the action
    on the new phone."""

    revision: pulumi.Input[str | int]
    """Any value you change to fire the action again: a date, a counter, or another resource's
    output. Unchanged, ``pulumi up`` does nothing."""

    fire_on_create: pulumi.Input[bool] | None = None
    """Fire when the resource is first created. Default ``True``; ``False`` records the revision
    without calling Maytapi, to adopt a running fleet without touching it."""


@dataclass
class RedeployArgs(ActionArgs):
    """The inputs of a Redeploy."""

    wait_until_ready: pulumi.Input[bool] | None = None
    """After redeploying, poll ``/{phone_id}/status`` until the phone is logged in and not
    loading, so resources that depend on this one run against a live phone. Default ``False``."""

    ready_timeout: pulumi.Input[float] | None = None
    """Seconds to wait for readiness before failing the update. Default 300."""


class ActionProvider(MaytapiProvider):
    """Fires one Maytapi action: the core's rules (`_core.action`), translated.

    Each action's subclass names it as a class attribute, so provider objects carry no state:
    the SDK's provider pickling slows down with every object with state pickled in one
    program, and fails past about 970 of them (RecursionError, pulumi 3.260).
    """

    action: ClassVar[Action]

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return self.check_result(rules.check(self.action, from_sdk(news), os.environ))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        diff = rules.diff(olds, from_sdk(news), rules.answers(os.environ))
        return DiffResult(changes=diff.changed, replaces=list(diff.replaces), delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(*rules.create(self.action, self.client(), props, rules.answers(os.environ)))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(rules.fire(self.action, self.client(), olds, news, rules.answers(os.environ)))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """An action cannot be undone: forgetting it makes no call."""


class RedeployProvider(ActionProvider):
    action = Action.REDEPLOY


class FactoryResetProvider(ActionProvider):
    action = Action.FACTORY_RESET


class LogoutProvider(ActionProvider):
    action = Action.LOGOUT


class _ActionResource(Resource):
    """The constructor and outputs the three action resources share."""

    _provider_class: ClassVar[type[ActionProvider]]

    phone_id: pulumi.Output[str]
    """The phone's id, as digits."""
    revision: pulumi.Output[str | int]
    """The revision the action last fired for (or was recorded at, when ``fire_on_create`` is
    ``False``)."""
    fired: pulumi.Output[bool]
    """Whether the action was called for this revision."""
    fired_at: pulumi.Output[str]
    """When it was last called (UTC, ISO 8601), or ``""`` if it never was."""
    message: pulumi.Output[str]
    """Maytapi's message from the last call, or ``""``."""
    uncertain: pulumi.Output[bool]
    """Whether the last call may or may not have happened (its answer was lost); the ``up``
    that recorded it failed, and the next one fires it again only when told."""

    def __init__(
        self,
        resource_name: str,
        args: ActionArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        phone_id: pulumi.Input[str | int] | None = None,
        revision: pulumi.Input[str | int] | None = None,
        fire_on_create: pulumi.Input[bool] | None = None,
        **unknown: NoReturn,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource.
        :param args: The inputs as one object; keyword arguments given beside it win.
        :param opts: Options of the resource (``depends_on`` orders it after a config change).
        :param phone_id: See :attr:`ActionArgs.phone_id`.
        :param revision: See :attr:`ActionArgs.revision`.
        :param fire_on_create: See :attr:`ActionArgs.fire_on_create`.
        """
        values = {"phone_id": phone_id, "revision": revision, "fire_on_create": fire_on_create}
        self._register(resource_name, args, opts, values, unknown)

    def _register(
        self,
        resource_name: str,
        args: ActionArgs | None,
        opts: pulumi.ResourceOptions | None,
        values: dict[str, Any],
        unknown: dict[str, Any],
    ) -> None:
        props = resource_props(args, values, unknown, rules.OUTPUTS)
        super().__init__(self._provider_class(), resource_name, props, opts)
        fail_once_recorded([self.uncertain, self.phone_id, self.revision, self.message, self.urn], _doubt)


def _doubt(values: list[Any]) -> str | None:
    uncertain, phone_id, revision, message, urn = values
    outs = {"uncertain": uncertain, "phone_id": phone_id, "revision": revision, "message": message}
    return rules.failure(outs, urn)


class Redeploy(_ActionResource, module="maytapi", name="Redeploy"):
    """Redeploys (reboots) a phone's container when ``revision`` changes: ``GET /{phone_id}/redeploy``.

    With ``wait_until_ready=True`` the update lasts until ``/{phone_id}/status`` reports the
    phone logged in again, so dependent resources run against a live phone.

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import Redeploy

    # Change the revision (a date, a counter) to redeploy the phone once more.
    redeploy = Redeploy("support-line-redeploy", phone_id="12", revision="2026-11-25", wait_until_ready=True)

    pulumi.export("redeployed_at", redeploy.fired_at)
    ```

    ## Import

    An action has nothing to import: adopt a phone without redeploying it with
    ``fire_on_create=False``, which records the revision and makes no call.
    """

    _provider_class = RedeployProvider

    def __init__(
        self,
        resource_name: str,
        args: RedeployArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        phone_id: pulumi.Input[str | int] | None = None,
        revision: pulumi.Input[str | int] | None = None,
        fire_on_create: pulumi.Input[bool] | None = None,
        wait_until_ready: pulumi.Input[bool] | None = None,
        ready_timeout: pulumi.Input[float] | None = None,
        **unknown: NoReturn,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource.
        :param args: The inputs as one object; keyword arguments given beside it win.
        :param opts: Options of the resource (``depends_on`` orders it after a config change).
        :param phone_id: See :attr:`ActionArgs.phone_id`.
        :param revision: See :attr:`ActionArgs.revision`.
        :param fire_on_create: See :attr:`ActionArgs.fire_on_create`.
        :param wait_until_ready: See :attr:`RedeployArgs.wait_until_ready`.
        :param ready_timeout: See :attr:`RedeployArgs.ready_timeout`.
        """
        values = {
            "phone_id": phone_id,
            "revision": revision,
            "fire_on_create": fire_on_create,
            "wait_until_ready": wait_until_ready,
            "ready_timeout": ready_timeout,
        }
        self._register(resource_name, args, opts, values, unknown)


class FactoryReset(_ActionResource, module="maytapi", name="FactoryReset"):
    """Returns a phone to a freshly created state when ``revision`` changes: ``GET /{phone_id}/factoryreset``.

    The reset clears the phone's config on Maytapi. To have a PhoneConfig of the same phone
    sent again in the same ``pulumi up``, give it ``reapply_trigger=reset.fired_at``.

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import FactoryReset, PhoneConfig

    # Bump the revision to reset the phone; its config, which the reset clears, is sent again after it.
    reset = FactoryReset("lobby-reset", phone_id="15", revision=1, fire_on_create=False)
    lobby = PhoneConfig(
        "lobby", phone_id="15", webhook="https://hooks.example.com/maytapi/lobby", reapply_trigger=reset.fired_at
    )

    pulumi.export("lobby_reset_revision", reset.revision)
    ```

    ## Import

    An action has nothing to import: use ``fire_on_create=False`` to record the revision
    without resetting the phone.
    """

    _provider_class = FactoryResetProvider


class Logout(_ActionResource, module="maytapi", name="Logout"):
    """Logs a phone's number out when ``revision`` changes: ``GET /{phone_id}/logout``.

    The phone then shows a QR code until it is scanned again.

    ## Example Usage

    ```python
    import pulumi

    from maytapi_pulumi import Logout

    # A number being retired: logged out once; bump the revision to log it out again.
    logout = Logout("retired-logout", phone_id="16", revision="2026-12-01")

    pulumi.export("logged_out_at", logout.fired_at)
    ```

    ## Import

    An action has nothing to import: use ``fire_on_create=False`` to record the revision
    without logging the phone out.
    """

    _provider_class = LogoutProvider
