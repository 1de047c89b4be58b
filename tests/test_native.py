"""What is the native provider's own (`pulumi-resource-maytapi`, package `maytapi`): its schema,
how the engine finds the plugin, `pulumi import`, explicit provider instances, its answers to
the engine's Check, and calls in parallel. The user programs run on it through the generated
SDK (and in YAML) in the files that run them on the dynamic resources too, parametrized by
`family`. Bad inputs are the dynamic tests' own cases."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from pulumi.provider.experimental import provider as p

from devtools.bench import most_in_flight
from devtools.emulator import RunningEmulator
from devtools.stack import VENV, Project, engine_env, write_project
from maytapi_pulumi import __version__
from maytapi_pulumi._core import action, fleet, fleet_action, phone_config, properties
from maytapi_pulumi._core.urn import type_of
from maytapi_pulumi._endpoints import Action
from maytapi_pulumi._native.provider import MaytapiProvider, to_wire
from maytapi_pulumi._native.schema import camel, schema
from maytapi_pulumi._settings import SOURCES
from tests.conftest import NATIVE, TOKEN, Calls, Family, summary
from tests.test_actions import BAD_ACTION_INPUTS
from tests.test_phone_config import BAD_INPUTS, program

HOOK = "https://hooks.example.com/maytapi"
# Programs that check the provider's own answers (bad inputs, actions) declare resources by
# type token, as any language's SDK sends them: the generated SDKs would refuse some bad
# inputs before the provider sees them. Every output is declared so the program can read it.
HEAD = """
import pulumi

def native(kind, name, outputs, opts=None, **props):
    return pulumi.CustomResource(f"maytapi:index:{kind}", name, {**dict.fromkeys(outputs), **props}, opts)
"""


def phone_program(webhook: str) -> str:
    return HEAD + f'native("PhoneConfig", "support", (), phoneId="12", webhook={webhook}, ackDelivery=True)\n'


@pytest.mark.parametrize(
    ("urn", "expected"),
    [
        ("urn:pulumi:dev::proj::maytapi:index:PhoneConfig::support", "maytapi:index:PhoneConfig"),
        ("urn:pulumi:dev::proj::acme:index:Line$maytapi:index:Logout::a", "maytapi:index:Logout"),
        (
            "urn:pulumi:dev::proj::a:b:C$pkg:m:D$pulumi:pulumi:Component$maytapi:index:Redeploy::x",
            "maytapi:index:Redeploy",
        ),
        # a name may hold "::" and "$": it is everything after the third "::"
        (
            "urn:pulumi:dev::proj::acme:index:Line$maytapi:index:PhoneConfig::a::b$c::d",
            "maytapi:index:PhoneConfig",
        ),
        ("urn:pulumi:st-1::p.q::maytapi:index:FactoryReset::$::", "maytapi:index:FactoryReset"),
    ],
)
def test_a_resource_type_is_read_from_its_urn_as_the_engine_reads_it(urn: str, expected: str) -> None:
    assert type_of(urn) == expected


def test_a_resource_under_components_is_checked_as_its_own_type() -> None:
    urn = "urn:pulumi:dev::maytapi-test::acme:index:Team$acme:index:Line$maytapi:index:PhoneConfig::support"
    response = asyncio.run(MaytapiProvider().check(p.CheckRequest(urn, {}, to_wire({"phoneId": 12}), b"")))
    assert response.failures in (None, [])
    assert to_wire({"phoneId": "12"}).items() <= dict(response.inputs).items()


def test_a_second_phone_config_of_one_phone_is_refused_by_check_naming_both() -> None:
    provider = MaytapiProvider()

    def declare(name: str, phone_id: object) -> list[tuple[str, str]]:
        urn = f"urn:pulumi:dev::maytapi-test::acme:index:Line$maytapi:index:PhoneConfig::{name}"
        response = asyncio.run(provider.check(p.CheckRequest(urn, {}, to_wire({"phoneId": phone_id}), b"")))
        return [(f.property, f.reason) for f in response.failures or []]

    assert declare("a::b", "12") == []
    assert declare("a::b", 12) == []  # the same resource again (the up's Check after its preview's)
    assert declare("c", "13") == declare("d", "not a phone")[1:] == []  # a bad id is the input check's
    [(prop, reason)] = declare("c2", "12")
    assert (
        prop == "phoneId" and "phone 12 is declared by both PhoneConfig 'a::b' and PhoneConfig 'c2'" in reason
    )


def check(kind: str, props: Mapping[str, object]) -> list[tuple[str, str]]:
    """The plugin's answer to the engine's Check of `props` (named as a program writes them)."""
    request = p.CheckRequest(
        f"urn:pulumi:dev::maytapi-test::maytapi:index:{kind}::r", {}, to_wire(props), b""
    )
    response = asyncio.run(MaytapiProvider().check(request))
    return [(f.property, f.reason) for f in response.failures or []]


@pytest.mark.parametrize(
    ("prop", "phone_id", "extra", "expected"),
    BAD_INPUTS,
    ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_INPUTS)],
)
def test_bad_inputs_are_refused_by_check_naming_the_property_as_written(
    prop: str, phone_id: str, extra: str, expected: str
) -> None:
    # The dynamic tests' cases (Python expressions), spelled in camelCase as a native program
    # writes them.
    props: dict[str, object] = {"phoneId": "12", "webhook": HOOK, "ackDelivery": True}
    if prop in ("phone_id", "webhook"):
        props[camel(prop)] = eval(phone_id)
    if extra:
        del props["ackDelivery"]
        key, value = extra.removeprefix(", ").split("=", 1)
        props[camel(key)] = eval(value)
    [(name, reason)] = check("PhoneConfig", props)
    assert name == camel(prop) and camel_text(expected) in f"{name}: {reason}"


@pytest.mark.parametrize(("args", "expected"), BAD_ACTION_INPUTS)
def test_bad_action_inputs_are_refused_by_check(args: str, expected: str) -> None:
    props = eval(f"dict({camel_keywords(args)})")
    [(name, reason)] = check("Redeploy", props)
    assert camel_text(expected) in f"{name}: {reason}"


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        (phone_program('"http://hooks.example.com/x"'), "allowInsecureHttp=True"),
        (
            HEAD + 'native("Redeploy", "r", (), phoneId="12", revision="1", revison="2")\n',
            "did you mean 'revision'",
        ),
    ],
)
def test_bad_inputs_fail_the_preview_before_any_call(
    make_project: Callable[..., Project], calls: Calls, src: str, expected: str
) -> None:
    run = make_project(src).cli("preview", check=False)
    assert run.returncode != 0 and expected in run.output
    assert calls.take() == []


def camel_keywords(extra: str) -> str:
    return re.sub(r"(\w+)=", lambda m: camel(m.group(1)) + "=", extra)


def camel_text(text: str) -> str:
    return re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", lambda m: camel(m.group(0)), text)


def test_pulumi_import_reads_the_phone_prints_the_code_and_the_next_up_makes_no_call(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    project = make_project("import pulumi\n")
    calls.take()

    # one GET (`pulumi import --yes` without --skip-preview previews first and reads twice, as
    # refresh does); the live values become the inputs; the program's language host prints
    # the code to add
    run = project.cli("import", "maytapi:index:PhoneConfig", "support-line", "12", "--yes", "--skip-preview")
    assert "= 1 imported" in run.stdout
    assert calls.take() == [("GET", "/12/config")]
    [resource] = project.resources(":PhoneConfig")
    assert resource["id"] == "12" and resource["protect"] is True
    assert resource["inputs"] == {"phoneId": "12", "webhook": HOOK, "ackDelivery": True}
    assert 'maytapi.PhoneConfig("support-line"' in run.stdout and HOOK in run.stdout

    # the program now declares what was imported: nothing to do, no call
    project.write_program(program(NATIVE, opts="pulumi.ResourceOptions(protect=True)"))
    assert summary(project.cli("up", "--yes")) == "2 unchanged"
    assert calls.take() == []
    assert emu.phone("12")["webhook"] == HOOK


def test_importing_a_missing_phone_fails_naming_it(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    project = make_project("import pulumi\n")
    run = project.cli("import", "maytapi:index:PhoneConfig", "gone", "99", "--yes", check=False)
    assert run.returncode != 0
    assert "phone 99" in run.output and "[99] is not a valid phone instance id" in run.output
    assert "Traceback" not in run.output and 'File "' not in run.output
    assert calls.take() == [("GET", "/99/config")]
    assert project.resources(":PhoneConfig") == []


# The settings rules are the core's: the dynamic and the native PhoneConfig answer alike.
def test_settings_missing_everywhere_fail_at_preview_with_the_config_commands(
    make_project: Callable[..., Project], calls: Calls, monkeypatch: pytest.MonkeyPatch, family: Family
) -> None:
    for var in ("MAYTAPI_PRODUCT_ID", "MAYTAPI_API_TOKEN", "MAYTAPI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    run = make_project(program(family), settings=False).cli("preview", check=False)
    assert run.returncode != 0
    assert "pulumi config set maytapi:productId" in run.output
    assert "pulumi config set --secret maytapi:apiToken" in run.output
    assert calls.take() == []


def test_settings_fall_back_to_the_environment(
    make_project: Callable[..., Project],
    emu: RunningEmulator,
    calls: Calls,
    monkeypatch: pytest.MonkeyPatch,
    family: Family,
) -> None:
    monkeypatch.setenv("MAYTAPI_PRODUCT_ID", emu.product_id)
    monkeypatch.setenv("MAYTAPI_API_TOKEN", emu.token)
    monkeypatch.setenv("MAYTAPI_BASE_URL", emu.base_url)
    assert summary(make_project(program(family), settings=False).cli("up", "--yes")) == "+ 2 created"
    assert calls.take() == [("POST", "/12/config")]


def test_two_products_in_one_program_through_explicit_provider_instances(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    other_token = "tok-OTHER-PRODUCT-SECRET"
    with RunningEmulator(
        product_id="00000000-0000-4000-8000-000000000002", token=other_token, phones=("12",)
    ) as other:
        program = (
            HEAD
            + """
cfg = pulumi.Config()
other = pulumi.ProviderResource("maytapi", "other", {
    "productId": cfg.require("otherProduct"),
    "apiToken": cfg.require_secret("otherToken"),
    "baseUrl": cfg.require("otherUrl"),
    "readTimeout": 10,
})
native("PhoneConfig", "here", (), phoneId="12", webhook="https://hooks.example.com/here")
native("PhoneConfig", "there", (), pulumi.ResourceOptions(provider=other),
       phoneId="12", webhook="https://hooks.example.com/there")
"""
        )
        project = make_project(
            program,
            config={"otherProduct": other.product_id, "otherUrl": other.base_url},
            secrets={"otherToken": other_token},
        )
        project.cli("up", "--yes")
        assert calls.take() == [("POST", "/12/config")]
        assert [c["method"] + " " + c["path"].rsplit("/", 2)[-2] for c in other.api_calls()] == ["POST 12"]
        assert emu.phone("12")["webhook"] == "https://hooks.example.com/here"
        assert other.phone("12")["webhook"] == "https://hooks.example.com/there"
        exported = json.dumps(project.export())
        assert TOKEN not in exported and other_token not in exported
        project.cli("destroy", "--yes")
        assert other.phone("12")["webhook"] == ""


@pytest.mark.parametrize(
    ("kind", "rules", "outputs"),
    [
        (properties.PHONE_CONFIG, phone_config.check({"phone_id": "1"})[0], phone_config.OUTPUTS),
        (properties.REDEPLOY, action.rules(Action.REDEPLOY), action.OUTPUTS),
        (properties.FACTORY_RESET, action.rules(Action.FACTORY_RESET), action.OUTPUTS),
        (properties.LOGOUT, action.rules(Action.LOGOUT), action.OUTPUTS),
        (properties.FLEET, fleet.check({"phones": {}})[0], fleet.OUTPUTS),
        *(
            (kind, fleet_action.check(action_, {"phone_ids": [], "revision": 1}, {})[0], fleet_action.OUTPUTS)
            for kind, action_ in (
                (properties.FLEET_REDEPLOY, Action.REDEPLOY),
                (properties.FLEET_FACTORY_RESET, Action.FACTORY_RESET),
                (properties.FLEET_LOGOUT, Action.LOGOUT),
            )
        ),
    ],
)
def test_the_schema_declares_exactly_the_inputs_the_core_checks(
    kind: properties.Kind, rules: Mapping[str, object], outputs: tuple[str, ...]
) -> None:
    resource = schema()["resources"][f"maytapi:index:{kind.name}"]
    assert set(resource["inputProperties"]) == {camel(name) for name in rules}
    assert all(spec["description"] for spec in resource["inputProperties"].values())
    assert set(resource["properties"]) == {camel(name) for name in outputs}


def test_a_fleets_phone_is_a_schema_type_with_phone_configs_fields_and_docs() -> None:
    served = schema()
    phone = served["types"]["maytapi:index:FleetPhone"]["properties"]
    config = served["resources"]["maytapi:index:PhoneConfig"]["inputProperties"]
    assert phone == {name: config[name] for name in ("webhook", "ackDelivery")}
    ref = {"$ref": "#/types/maytapi:index:FleetPhone"}
    assert (
        served["resources"]["maytapi:index:Fleet"]["inputProperties"]["phones"]["additionalProperties"] == ref
    )


def test_the_plugin_serves_the_schema_from_code_and_reports_the_package_version(tmp_path: Path) -> None:
    env = {**os.environ, **engine_env(tmp_path)}
    plugin = str(VENV / "bin" / "pulumi-resource-maytapi")
    done = subprocess.run(
        [str(VENV / "bin" / "pulumi"), "package", "get-schema", plugin],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    served = json.loads(done.stdout)
    assert served == schema() and served["version"] == __version__
    assert served["config"]["variables"]["apiToken"]["secret"] is True
    assert (
        "webhook"
        in served["resources"]["maytapi:index:PhoneConfig"]["inputProperties"]["webhook"]["description"]
    )


def test_the_engine_finds_the_plugin_on_path_in_the_plugin_cache_or_through_pulumi_yaml(
    tmp_path: Path, emu: RunningEmulator, calls: Calls
) -> None:
    """Each way in a fresh project directory and PULUMI_HOME; PULUMI_IGNORE_AMBIENT_PLUGINS
    hides the plugin on PATH (.venv/bin) from the engine for the other two."""
    plugin = VENV / "bin" / "pulumi-resource-maytapi"
    settings = {**emu.stack_config, "maytapi:apiToken": emu.token}
    program = HEAD + 'native("Logout", "logout", (), phoneId="12", revision=1)\n'

    def fresh(name: str, pulumi_yaml_extra: str = "", path: bool = False) -> Project:
        directory = tmp_path / name
        write_project(directory, name, program)
        with (directory / "Pulumi.yaml").open("a") as pulumi_yaml:
            pulumi_yaml.write(pulumi_yaml_extra)
        env = {} if path else {"PULUMI_IGNORE_AMBIENT_PLUGINS": "true"}
        return Project.open(directory, tmp_path / f"{name}-state", config=settings, env=env)

    hidden = fresh("hidden").cli("preview", check=False)
    assert "no resource plugin 'pulumi-resource-maytapi' found" in hidden.output

    on_path = fresh("on-path", path=True).cli("up", "--yes").output
    assert f"using pulumi-resource-maytapi from $PATH at {plugin}" in on_path
    assert calls.take() == [("GET", "/12/logout")]

    installed = fresh("installed")
    installed.cli("plugin", "install", "resource", "maytapi", __version__, "--file", str(plugin))
    assert "from $PATH" not in installed.cli("up", "--yes").output
    assert calls.take() == [("GET", "/12/logout")]

    declared = fresh(
        "declared", f"plugins:\n  providers:\n    - name: maytapi\n      path: {plugin.parent}\n"
    )
    declared.cli("up", "--yes")
    assert calls.take() == [("GET", "/12/logout")]


def test_an_action_cannot_be_imported_and_the_error_says_what_to_do_instead(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    project = make_project("import pulumi\n")
    run = project.cli("import", "maytapi:index:Logout", "logout", "some-id", "--yes", check=False)
    assert run.returncode != 0 and "cannot be imported" in run.output and "fireOnCreate: false" in run.output
    assert calls.take() == []
    assert project.resources(":Logout") == []


def test_the_schema_declares_every_setting_with_its_variable() -> None:
    variables = schema()["config"]["variables"]
    assert set(variables) == {camel(name) for name in SOURCES}
    assert schema()["provider"]["inputProperties"] == variables
    for name, source in SOURCES.items():
        assert source.env_var in variables[camel(name)]["description"]
        assert variables[camel(name)].get("secret", False) is source.secret


def test_blocking_calls_run_off_the_event_loop_so_calls_overlap() -> None:
    # The engine sends up to --parallel (default 4 x CPUs) operations at once; the provider
    # must not serialize them on its event loop. Counted in the emulator's log, not timed.
    phones = [str(n) for n in range(20, 36)]
    with RunningEmulator(phones=phones, latency_ms=500) as emu:
        provider = MaytapiProvider()
        settings = {**emu.stack_config, "maytapi:apiToken": emu.token}

        async def create_all() -> None:
            await provider.configure(p.ConfigureRequest(settings, {}, True, False))
            await asyncio.gather(
                *(
                    provider.create(
                        p.CreateRequest(
                            "urn:pulumi:dev::t::maytapi:index:PhoneConfig::x",
                            to_wire({"phoneId": phone, "webhook": HOOK, "ackDelivery": True, "adopt": False}),
                            60,
                            False,
                        )
                    )
                    for phone in phones
                )
            )

        asyncio.run(create_all())
        log = emu.api_calls()
    assert len(log) == len(phones)
    assert most_in_flight(log) == 8  # the provider's pool, one connection per call
