"""Programs as platform teams write them, on both families (the dynamic resources and the native
provider through its generated SDK), through the real CLI as users type it: resources inside
components several levels deep, outputs of one component feeding another, an explicit provider
handed to a component and a change of product, a resource moved into a component with an alias,
inputs from another stack's outputs. Each step states the API calls it makes and the emulators'
final phone state. Then the rule these programs found: a change of product replaces a native
provider's resources."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi import automation as auto
from pulumi.provider.experimental import provider as p

from devtools.emulator import RunningEmulator
from devtools.stack import Project
from maytapi_pulumi._core import common
from maytapi_pulumi._core.common import UNKNOWN
from maytapi_pulumi._native.provider import MaytapiProvider, to_wire
from tests.conftest import PREVIEWED, Calls, Family, phones, summary

A, B, C = "https://a.example.com/hook", "https://b.example.com/hook", "https://c.example.com/hook"
DEFAULT = ("", False)

# An organisation of teams of lines (three levels of components above each PhoneConfig), and a
# maintenance component whose Redeploys take their phones from the lines' outputs.
COMPONENTS = """
class Line(pulumi.ComponentResource):
    def __init__(self, name, phone_id, webhook, ack_delivery=False, moved=False, opts=None):
        super().__init__("acme:index:Line", name, None, opts)
        aliases = [pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)] if moved else None
        self.config = PhoneConfig(name, phone_id=phone_id, webhook=webhook, ack_delivery=ack_delivery,
                                  opts=pulumi.ResourceOptions(parent=self, aliases=aliases))
        self.phone_id = self.config.phone_id
        self.register_outputs({"phone_id": self.phone_id})

class Team(pulumi.ComponentResource):
    def __init__(self, name, lines, opts=None):
        super().__init__("acme:index:Team", name, None, opts)
        self.lines = {line: Line(line, **args, opts=pulumi.ResourceOptions(parent=self))
                      for line, args in lines.items()}
        self.register_outputs({})

class Org(pulumi.ComponentResource):
    def __init__(self, name, teams, opts=None):
        super().__init__("acme:index:Org", name, None, opts)
        self.teams = {team: Team(team, lines, opts=pulumi.ResourceOptions(parent=self))
                      for team, lines in teams.items()}
        self.register_outputs({})

class Maintenance(pulumi.ComponentResource):
    def __init__(self, name, phone_ids, revision, opts=None):
        super().__init__("acme:index:Maintenance", name, None, opts)
        for key, phone_id in phone_ids.items():
            Redeploy(f"{name}-{key}", phone_id=phone_id, revision=revision,
                     opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
"""


def program(family: Family, body: str, head: str = "") -> str:
    return "import pulumi\n" + family.imports("PhoneConfig", "Redeploy") + head + COMPONENTS + body


PHONES = '{"sales-a": "12", "sales-b": 13, "support-a": "14"}'


def org(
    sales: str = repr(A),
    support: str = repr(B),
    phone_ids: str = PHONES,
    revision: str | None = "1",
    moved: bool = False,
    org_opts: str = "",
    ops_opts: str = "",
) -> str:
    """Two teams, three lines (Python expressions for the webhooks and the phone ids), and, with a
    `revision`, a maintenance redeploying the sales lines, whose phone ids it takes from the
    org's outputs. `moved`: each line's config was a top-level resource of the same name."""
    maintenance = f"""
sales = org.teams["sales"].lines
Maintenance("ops", {{"a": sales["sales-a"].phone_id, "b": sales["sales-b"].config.phone_id}}, "{revision}",
            opts=pulumi.ResourceOptions({ops_opts}))
"""
    return f"""
phone_ids = {phone_ids}
org = Org("org", {{
    "sales": {{"sales-a": dict(phone_id=phone_ids["sales-a"], webhook={sales}, ack_delivery=True, moved={moved}),
               "sales-b": dict(phone_id=phone_ids["sales-b"], webhook={sales}, moved={moved})}},
    "support": {{"support-a": dict(phone_id=phone_ids["support-a"], webhook={support}, moved={moved})}},
}}, opts=pulumi.ResourceOptions({org_opts}))
""" + (maintenance if revision is not None else "")


def test_resources_in_components_several_levels_deep_fed_by_another_component(
    family: Family, make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project(program(family, org()))

    # create: each phone written once, then each Redeploy fires on the phone the config reported
    up = project.cli("up", "--yes")
    assert summary(up) == "+ 13 created"
    log = calls.take()
    assert sorted(log) == [
        ("GET", "/12/redeploy"), ("GET", "/13/redeploy"),
        ("POST", "/12/config"), ("POST", "/13/config"), ("POST", "/14/config"),
    ]  # fmt: skip
    for phone in ("12", "13"):
        assert log.index(("POST", f"/{phone}/config")) < log.index(("GET", f"/{phone}/redeploy"))
    assert phones(emu, "12", "13", "14") == {"12": (A, True), "13": (A, False), "14": (B, False)}
    assert ORG_CHAIN + family.type_token("PhoneConfig") + "::sales-a" in urns(project)

    # no-op: nothing to do, no call
    assert summary(project.cli("up", "--yes")) == "13 unchanged"
    assert calls.take() == []

    # update: one line's webhook, and the maintenance's revision: one POST, two redeploys
    project.write_program(program(family, org(support=repr(C), revision="2")))
    assert summary(project.cli("up", "--yes")) == "~ 3 updated 10 unchanged"
    assert sorted(calls.take()) == [("GET", "/12/redeploy"), ("GET", "/13/redeploy"), ("POST", "/14/config")]
    assert phones(emu, "12", "13", "14") == {"12": (A, True), "13": (A, False), "14": (C, False)}

    # destroy: each phone restored once; the actions make no call
    assert summary(project.cli("destroy", "--yes")) == "- 13 deleted"
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config"), ("POST", "/14/config")]
    assert phones(emu, "12", "13", "14") == {"12": DEFAULT, "13": DEFAULT, "14": DEFAULT}
    assert urns(project) == []


ORG_CHAIN = "urn:pulumi:dev::maytapi-test::acme:index:Org$acme:index:Team$acme:index:Line$"


def urns(project: Project) -> list[str]:
    return [r["urn"] for r in project.export().get("resources", [])]


OTHER_TOKEN = "tok-OTHER-PRODUCT-do-not-leak"
PRODUCT_ID, OTHER_PRODUCT = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"

# A native provider instance for another product; the stack's config names the session's.
PROVIDER = """
from pulumi_maytapi import Provider
cfg = pulumi.Config()
p = Provider("p", product_id=cfg.require("otherProduct"), api_token=cfg.require_secret("otherToken"),
             base_url=cfg.require("otherUrl"))
"""
# What the org and its maintenance write in a product, and what restoring the org sends.
WRITES = [
    ("GET", "/12/redeploy"), ("GET", "/13/redeploy"),
    ("POST", "/12/config"), ("POST", "/13/config"), ("POST", "/14/config"),
]  # fmt: skip
RESETS = [("POST", "/12/config"), ("POST", "/13/config"), ("POST", "/14/config")]
CONFIGURED = {"12": (A, True), "13": (A, False), "14": (B, False)}
BLANK = {"12": DEFAULT, "13": DEFAULT, "14": DEFAULT}


def test_a_provider_handed_to_components_reaches_every_child_and_a_change_of_product_moves_them(
    family: Family, make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    native = family.name == "native"
    with RunningEmulator(product_id=OTHER_PRODUCT, token=OTHER_TOKEN, phones=("12", "13", "14")) as other:
        # the provider as a list on the org, as a map by package on the maintenance
        body = org(org_opts="providers=[p]", ops_opts='providers={"maytapi": p}')
        project = make_project(
            program(family, body, head=PROVIDER),
            config={"otherProduct": other.product_id, "otherUrl": other.base_url},
            secrets={"otherToken": OTHER_TOKEN},
        )
        other_calls = Calls(other)

        def step(here: list[tuple[str, str]], there: list[tuple[str, str]]) -> None:
            """The calls the last command made in the stack's product and in p's."""
            assert (sorted(calls.take()), sorted(other_calls.take())) == (here, there)

        # The native resources, three components down, all go to p's product. The dynamic
        # resources are not of p's package, so no `providers` option reaches them: they use the
        # stack's config, silently.
        assert summary(project.cli("up", "--yes")) == "+ 14 created"
        step(*(([], WRITES) if native else (WRITES, [])))
        assert (phones(emu, "12", "13", "14"), phones(other, "12", "13", "14")) == (
            (BLANK, CONFIGURED) if native else (CONFIGURED, BLANK)
        )
        state = project.export()
        assert OTHER_TOKEN not in json.dumps(state)
        provider_urn = "urn:pulumi:dev::maytapi-test::pulumi:providers:maytapi::p"
        ours = [r for r in state["resources"] if r["type"].startswith(family.type_prefix)]
        assert len(ours) == 5
        for resource in ours:
            assert resource.get("provider", "").startswith(provider_urn) is native

        # p taken away: the native resources go back to the stack's product, each replaced:
        # written there (configs and actions alike, as on a new phone), restored in p's. The
        # dynamic ones never left it: no call.
        project.write_program(program(family, org(), head=PROVIDER))
        up = project.cli("up", "--yes")
        assert summary(up) == ("+-5 replaced 9 unchanged" if native else "14 unchanged")
        step(*((WRITES, RESETS) if native else ([], [])))
        assert (phones(emu, "12", "13", "14"), phones(other, "12", "13", "14")) == (CONFIGURED, BLANK)

        # the stack's config names p's product now: the native resources move there the same
        # way. The dynamic ones cannot tell: nothing moves, and later calls go to the new product.
        project.stack.set_all_config(
            {
                "maytapi:productId": auto.ConfigValue(other.product_id),
                "maytapi:baseUrl": auto.ConfigValue(other.base_url),
                "maytapi:apiToken": auto.ConfigValue(OTHER_TOKEN, secret=True),
            }
        )
        up = project.cli("up", "--yes")
        assert summary(up) == ("+-5 replaced 9 unchanged" if native else "14 unchanged")
        step(*((RESETS, WRITES) if native else ([], [])))
        assert (phones(emu, "12", "13", "14"), phones(other, "12", "13", "14")) == (
            (BLANK, CONFIGURED) if native else (CONFIGURED, BLANK)
        )

        # destroy restores the phones of the product the configs were last written in for the
        # native family; the dynamic one restores p's product and leaves the first configured
        assert summary(project.cli("destroy", "--yes")) == "- 14 deleted"
        step([], RESETS)
        assert (phones(emu, "12", "13", "14"), phones(other, "12", "13", "14")) == (
            (BLANK, BLANK) if native else (CONFIGURED, BLANK)
        )


TOP_LEVEL = f"""
PhoneConfig("sales-a", phone_id="12", webhook="{A}", ack_delivery=True)
PhoneConfig("sales-b", phone_id=13, webhook="{A}")
PhoneConfig("support-a", phone_id="14", webhook="{B}")
"""


def test_top_level_resources_moved_three_components_down_with_an_alias_are_the_same_resources(
    family: Family, make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project(program(family, TOP_LEVEL))
    project.cli("up", "--yes")
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config"), ("POST", "/14/config")]
    top_level = "urn:pulumi:dev::maytapi-test::" + family.type_token("PhoneConfig") + "::"

    # into the org, each with an alias to its top-level self: the components are created, the
    # configs only change URN: no replace, no call
    project.write_program(program(family, org(revision=None, moved=True)))
    up = project.cli("up", "--yes")
    assert summary(up) == "+ 6 created 4 unchanged" and "replace" not in up.stdout
    assert calls.take() == []
    assert phones(emu, "12", "13", "14") == {"12": (A, True), "13": (A, False), "14": (B, False)}
    moved = [u for u in urns(project) if family.type_token("PhoneConfig") in u]
    prefix = ORG_CHAIN + family.type_token("PhoneConfig") + "::"
    assert sorted(moved) == [prefix + "sales-a", prefix + "sales-b", prefix + "support-a"]
    assert not any(u.startswith(top_level) for u in urns(project))

    # and they are managed there: a change is one POST
    project.write_program(program(family, org(support=repr(C), revision=None, moved=True)))
    assert summary(project.cli("up", "--yes")) == "~ 1 updated 9 unchanged"
    assert calls.take() == [("POST", "/14/config")]
    assert phones(emu, "12", "13", "14") == {"12": (A, True), "13": (A, False), "14": (C, False)}


SHARED = """
import pulumi
cfg = pulumi.Config()
pulumi.export("phones", {"sales-a": "12", "sales-b": 13, "support-a": "14"})
pulumi.export("salesHook", pulumi.Output.secret(cfg.require("salesHook")))
pulumi.export("supportHook", cfg.require("supportHook"))
"""

FROM_SHARED = (
    """
ref = pulumi.StackReference("organization/maytapi-shared/dev")
"""
    + org(
        sales='ref.get_output("salesHook")',
        support='ref.get_output("supportHook")',
        phone_ids='ref.get_output("phones")',
        revision=None,
    )
    + """
pulumi.export("salesWebhook", org.teams["sales"].lines["sales-a"].config.webhook)
pulumi.export("supportWebhook", org.teams["support"].lines["support-a"].config.webhook)
"""
)


def test_inputs_from_another_stack_keep_its_secret_and_its_changes_make_one_post_per_phone(
    family: Family, make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project(program(family, FROM_SHARED))
    # the other stack: another project on the same backend, its sales webhook a secret there
    shared = Project.create(
        project.directory.parent / "shared",
        Path(project.stack.workspace.env_vars["PULUMI_HOME"]).parent,
        SHARED,
        config={"salesHook": A, "supportHook": B},
        name="maytapi-shared",
    )
    shared.up()  # no preview: nothing is asserted on that stack

    up = project.cli("up", "--yes")
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config"), ("POST", "/14/config")]
    assert phones(emu, "12", "13", "14") == {"12": (A, True), "13": (A, False), "14": (B, False)}
    assert_secret_everywhere(project, family, A, up.output)

    # the secret changes in the other stack: the preview shows which configs change, not the
    # value; the up sends one POST per phone that takes it, none to the others
    shared.stack.set_config("salesHook", auto.ConfigValue(C))
    shared.up()
    preview = project.cli("preview", "--diff")
    assert summary(preview) == "~ 2 to update 8 unchanged"
    assert calls.take() == []
    up = project.cli("up", *PREVIEWED)
    assert sorted(calls.take()) == [("POST", "/12/config"), ("POST", "/13/config")]
    assert phones(emu, "12", "13", "14") == {"12": (C, True), "13": (C, False), "14": (B, False)}
    assert_secret_everywhere(project, family, C, preview.output + up.output, A)


def assert_secret_everywhere(project: Project, family: Family, hook: str, printed: str, *old: str) -> None:
    """`hook` (and any `old` value) is nowhere in clear: not in what the commands printed, not in
    the state (the sales configs' webhook input and output are ciphertext), not among the stack
    outputs; the support line's webhook, not secret in the other stack, stays in clear."""
    state = project.export()
    for value in (hook, *old):
        assert value not in printed and value not in json.dumps(state)
    webhooks = {
        r["urn"].rsplit("::", 1)[1]: (r["inputs"]["webhook"], r["outputs"]["webhook"])
        for r in state["resources"]
        if r["type"] == family.type_token("PhoneConfig")
    }
    assert webhooks.pop("support-a") == (B, B) and sorted(webhooks) == ["sales-a", "sales-b"]
    for name, values in webhooks.items():
        for value in values:
            assert set(value) == {SECRET_SIG, "ciphertext"} and value[SECRET_SIG] == SECRET, name
    outputs = json.loads(project.cli("stack", "output", "--json").stdout)
    assert outputs == {"salesWebhook": "[secret]", "supportWebhook": B}


# How the engine marks a secret value in a state file.
SECRET_SIG, SECRET = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


# -- the rule the programs above found: a change of product replaces a provider's resources --

PRODUCT, TOKEN_KEY, URL, TIMEOUT = (
    "maytapi:productId",
    "maytapi:apiToken",
    "maytapi:baseUrl",
    "maytapi:readTimeout",
)
ENV = "MAYTAPI_PRODUCT_ID"


@given(
    old=st.uuids(),
    new=st.uuids(),
    others=st.dictionaries(st.sampled_from([TOKEN_KEY, URL, TIMEOUT]), st.text(), max_size=3),
    upper=st.booleans(),
)
def test_only_another_product_id_replaces_a_providers_resources(
    old: uuid.UUID, new: uuid.UUID, others: dict[str, str], upper: bool
) -> None:
    # any token, URL or timeout on either side; the product id as Maytapi's console or a user
    # may spell it (case, spaces)
    spelled = f" {str(new).upper()} " if upper else str(new)
    assert common.product_changed({PRODUCT: str(old)}, {PRODUCT: spelled, **others}, {}) is (old != new)
    assert common.product_changed({PRODUCT: str(old), **others}, {PRODUCT: str(old)}, {}) is False


@pytest.mark.parametrize(
    ("old", "new", "env", "changed"),
    [
        ({}, {}, {}, False),
        ({}, {}, {ENV: OTHER_PRODUCT}, False),
        ({}, {PRODUCT: OTHER_PRODUCT}, {ENV: OTHER_PRODUCT}, False),  # from the environment to config
        ({}, {PRODUCT: OTHER_PRODUCT}, {ENV: PRODUCT_ID}, True),
        ({PRODUCT: PRODUCT_ID}, {}, {}, True),
        ({PRODUCT: PRODUCT_ID}, {PRODUCT: UNKNOWN}, {}, True),  # not known yet: may be another
        ({PRODUCT: "not-a-uuid"}, {PRODUCT: "not-a-uuid"}, {}, False),
    ],
)
def test_a_product_id_from_the_environment_or_not_known_yet(
    old: dict[str, object], new: dict[str, object], env: dict[str, str], changed: bool
) -> None:
    assert common.product_changed(old, new, env) is changed


@pytest.mark.parametrize(
    ("new", "replaces"),
    [
        (
            {"productId": OTHER_PRODUCT, "apiToken": "t", "baseUrl": "https://other.example.com/api"},
            ["productId"],
        ),
        ({"productId": PRODUCT_ID.upper(), "apiToken": "t2", "baseUrl": "https://proxy.example.com/api"}, []),
    ],
)
def test_the_native_provider_tells_the_engine_to_replace_on_another_product_only(
    new: dict[str, str], replaces: list[str]
) -> None:
    old = to_wire(
        {"productId": PRODUCT_ID, "apiToken": "t", "baseUrl": "https://api.maytapi.com/api"}, {"apiToken"}
    )
    request = p.DiffRequest(
        "urn:pulumi:dev::maytapi-test::pulumi:providers:maytapi::p", "id", old, to_wire(new, {"apiToken"}), []
    )
    response = asyncio.run(MaytapiProvider().diff_config(request))
    # `changes` unset: the engine compares the settings itself (a new token is an update of p)
    assert (response.replaces, response.changes) == (replaces, None)
