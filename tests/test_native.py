"""The native provider (`pulumi-resource-maytapi`, package `maytapi`) through the real CLI against
the emulator, as users type the commands (previews first): each step states the API calls it
must make, counted in the emulator's call log. The rules are the dynamic resources' (same core);
bad inputs are the dynamic tests' own cases."""

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
from maytapi_pulumi._client import Action
from maytapi_pulumi._core import action, fleet, phone_config, properties
from maytapi_pulumi._native.provider import MaytapiProvider, to_wire, type_of
from maytapi_pulumi._native.schema import camel, schema, snake
from maytapi_pulumi._settings import SOURCES
from tests.conftest import TOKEN, Calls, summary
from tests.test_actions import BAD_ACTION_INPUTS
from tests.test_phone_config import BAD_INPUTS
from tests.test_phone_config import program as dynamic_program

HOOK = "https://hooks.example.com/maytapi"
ACTIONS = [("Redeploy", "redeploy"), ("FactoryReset", "factoryreset"), ("Logout", "logout")]
ACTION_OUTPUTS = ("phoneId", "revision", "fired", "firedAt", "message")

LANGUAGES = ("python", "yaml")

# Programs that check the provider's own answers (bad inputs, actions) declare resources by
# type token, as any language's SDK sends them: the generated SDKs would refuse some bad
# inputs before the provider sees them. Every output is declared so the program can read it.
HEAD = """
import pulumi

def native(kind, name, outputs, opts=None, **props):
    return pulumi.CustomResource(f"maytapi:index:{kind}", name, {**dict.fromkeys(outputs), **props}, opts)
"""


def phone_program(
    phone_id: str = '"12"', webhook: str = f'"{HOOK}"', extra: str = "", opts: str = "None"
) -> str:
    return (
        HEAD
        + f"""
cfg = native("PhoneConfig", "support", ("phoneId", "webhook", "ackDelivery"), {opts},
             phoneId={phone_id}, webhook={webhook}, ackDelivery=True{extra})
for name in ("phoneId", "webhook", "ackDelivery"):
    pulumi.export(name, getattr(cfg, name))
"""
    )


def phone_source(
    language: str, phone_id: str = "12", webhook: str = HOOK, opts: Mapping[str, object] | None = None
) -> str:
    """A PhoneConfig "support" in `language`: Python with the generated SDK (pulumi_maytapi),
    or YAML with no SDK. `opts` are resource options, named as in YAML."""
    if language == "python":
        python_opts = ", ".join(f"{_PYTHON_OPTION.get(k, snake(k))}={v!r}" for k, v in (opts or {}).items())
        return f"""
import pulumi
import pulumi_maytapi as maytapi

cfg = maytapi.PhoneConfig("support", phone_id={phone_id!r}, webhook={webhook!r}, ack_delivery=True,
                          opts=pulumi.ResourceOptions({python_opts}))
pulumi.export("phoneId", cfg.phone_id)
pulumi.export("webhook", cfg.webhook)
pulumi.export("ackDelivery", cfg.ack_delivery)
"""
    options = f"\n    options: {json.dumps(opts)}" if opts else ""
    return f"""name: maytapi-test
runtime: yaml
resources:
  support:
    type: maytapi:index:PhoneConfig
    properties:
      phoneId: {json.dumps(phone_id)}
      webhook: {json.dumps(webhook)}
      ackDelivery: true{options}
outputs:
  phoneId: ${{support.phoneId}}
  webhook: ${{support.webhook}}
  ackDelivery: ${{support.ackDelivery}}
"""


_PYTHON_OPTION = {"import": "import_"}


def write_source(project: Project, language: str, source: str) -> None:
    if language == "python":
        project.write_program(source)
    else:
        (project.directory / "Pulumi.yaml").write_text(source)


def language_project(make_project: Callable[..., Project], language: str, source: str) -> Project:
    project = make_project("")
    write_source(project, language, source)
    return project


def action_program(kind: str, phone_id: str = '"12"', revision: str = '"r1"', extra: str = "") -> str:
    return (
        HEAD
        + f"""
action = native("{kind}", "action", {ACTION_OUTPUTS}, phoneId={phone_id}, revision={revision}{extra})
for name in {ACTION_OUTPUTS}:
    pulumi.export(name, getattr(action, name))
"""
    )


def stack_outputs(project: Project) -> dict[str, object]:
    return {k: v.value for k, v in project.stack.outputs().items()}


def changes(run_output: str) -> str:
    """The summary line(s) under "Resources:" of the last operation."""
    return run_output.rsplit("Resources:", 1)[1].split("Duration", 1)[0]


# YAML's lifecycle and `pulumi import` are tests/test_yaml.py's (examples/yaml).
@pytest.mark.parametrize("language", ["python"])
def test_phone_config_lifecycle_through_the_cli(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, language: str
) -> None:
    project = language_project(make_project, language, phone_source(language))
    post12, get12, post13 = ("POST", "/12/config"), ("GET", "/12/config"), ("POST", "/13/config")

    # preview: the plan, no call
    assert "+ 2 to create" in project.cli("preview").stdout
    assert calls.take() == []

    # create: one POST; outputs as Maytapi reports them; the native type token in state
    up = project.cli("up", "--yes")
    assert "+ 2 created" in up.stdout
    assert calls.take() == [post12]
    assert stack_outputs(project) == {"phoneId": "12", "webhook": HOOK, "ackDelivery": True}
    assert emu.phone("12")["webhook"] == HOOK and emu.phone("12")["ack_delivery"] is True
    [resource] = project.resources(":PhoneConfig")
    assert resource["type"] == "maytapi:index:PhoneConfig" and resource["id"] == "12"

    # nothing changed: no call
    assert "2 unchanged" in changes(project.cli("up", "--yes").stdout)
    assert calls.take() == []

    # webhook changed: preview --diff shows the field; up is one POST
    write_source(project, language, phone_source(language, webhook="https://hooks.example.com/v2"))
    preview = project.cli("preview", "--diff").stdout
    assert re.search(
        r'~ webhook\s*: "https://hooks.example.com/maytapi" => "https://hooks.example.com/v2"', preview
    )
    assert calls.take() == []
    assert "~ 1 updated" in project.cli("up", "--yes").stdout
    assert calls.take() == [post12]

    # drift made outside Pulumi: refresh reads it (one GET in its preview, one for real);
    # the next preview shows both fields and up converges with one POST
    emu.set_phone("12", webhook="https://drift.example.com/", ack_delivery=False)
    project.cli("refresh", "--yes")
    assert calls.take() == [get12, get12]
    assert project.resources(":PhoneConfig")[0]["outputs"]["webhook"] == "https://drift.example.com/"
    drift = project.cli("preview", "--diff").stdout
    assert "~ webhook" in drift and "~ ackDelivery" in drift
    project.cli("up", "--yes")
    assert calls.take() == [post12]
    assert emu.phone("12")["webhook"] == "https://hooks.example.com/v2"

    # phoneId changed: the preview marks it as the replace's cause; the new phone is
    # configured, then the old one restored to the default
    write_source(
        project, language, phone_source(language, phone_id="13", webhook="https://hooks.example.com/v2")
    )
    preview = project.cli("preview", "--diff").stdout
    assert "+-1 to replace" in preview and re.search(r'~ phoneId\s*: "12" => "13"', preview)
    assert calls.take() == []
    assert "+-1 replaced" in project.cli("up", "--yes").stdout
    assert calls.take() == [post13, post12]
    assert emu.phone("12")["webhook"] == "" and emu.phone("13")["webhook"] == "https://hooks.example.com/v2"

    # destroy: one POST restores the product default
    project.cli("destroy", "--yes")
    assert calls.take() == [post13]
    assert emu.phone("13")["webhook"] == "" and emu.phone("13")["ack_delivery"] is False


def test_replace_on_changes_works_on_a_field_the_provider_updates(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    # The per-property diff names `webhook`, so the engine can honour replace_on_changes (the
    # dynamic resources give it no names: the option is ignored there).
    opts = {"replaceOnChanges": ["webhook"], "deleteBeforeReplace": True}
    project = language_project(make_project, "python", phone_source("python", opts=opts))
    project.cli("up", "--yes")
    calls.take()
    write_source(project, "python", phone_source("python", webhook="https://hooks.example.com/v2", opts=opts))
    assert "+-1 to replace" in project.cli("preview", "--diff").stdout
    assert "+-1 replaced" in project.cli("up", "--yes").stdout
    # delete before replace: the default restored, then the new config
    assert calls.take() == [("POST", "/12/config"), ("POST", "/12/config")]
    assert emu.phone("12")["webhook"] == "https://hooks.example.com/v2"


@pytest.mark.parametrize(("kind", "endpoint"), ACTIONS)
def test_actions_fire_on_create_and_on_each_revision_change_only(
    make_project: Callable[..., Project], calls: Calls, kind: str, endpoint: str
) -> None:
    project = make_project(action_program(kind))
    project.cli("preview")
    assert calls.take() == []

    # create: fires once
    project.cli("up", "--yes")
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    out = stack_outputs(project)
    assert out["fired"] is True and out["revision"] == "r1" and out["phoneId"] == "12" and out["firedAt"]
    assert project.resources(f":{kind}")[0]["type"] == f"maytapi:index:{kind}"

    # revision unchanged: nothing
    assert "2 unchanged" in changes(project.cli("up", "--yes").stdout)
    assert calls.take() == []

    # revision changed: preview --diff names it; up fires once
    project.write_program(action_program(kind, revision='"r2"'))
    assert re.search(r'~ revision\s*: "r1" => "r2"', project.cli("preview", "--diff").stdout)
    assert calls.take() == []
    project.cli("up", "--yes")
    assert calls.take() == [("GET", f"/12/{endpoint}")]
    assert stack_outputs(project)["revision"] == "r2"

    # destroy: an action cannot be undone, nothing is called
    project.cli("destroy", "--yes")
    assert calls.take() == []


def test_fire_on_create_false_records_the_revision_without_a_call(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    project = make_project(action_program("Logout", revision="1", extra=", fireOnCreate=False"))
    project.cli("up", "--yes")
    assert calls.take() == []
    out = stack_outputs(project)
    assert out["fired"] is False and out["firedAt"] == "" and out["revision"] == 1
    project.write_program(action_program("Logout", revision="2", extra=", fireOnCreate=False"))
    project.cli("up", "--yes")
    assert calls.take() == [("GET", "/12/logout")]
    assert stack_outputs(project)["fired"] is True


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
        (phone_program(webhook='"http://hooks.example.com/x"'), "allowInsecureHttp=True"),
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


@pytest.mark.parametrize(("language", "code"), [("python", 'maytapi.PhoneConfig("support"')])
def test_pulumi_import_reads_the_phone_prints_the_code_and_the_next_up_makes_no_call(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, language: str, code: str
) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    empty = "import pulumi\n" if language == "python" else "name: maytapi-test\nruntime: yaml\n"
    project = language_project(make_project, language, empty)
    calls.take()

    # one GET (`pulumi import --yes` without --skip-preview previews first and reads twice, as
    # refresh does); the live values become the inputs; the program's language host prints
    # the code to add
    run = project.cli("import", "maytapi:index:PhoneConfig", "support", "12", "--yes", "--skip-preview")
    assert "= 1 imported" in run.stdout
    assert calls.take() == [("GET", "/12/config")]
    [resource] = project.resources(":PhoneConfig")
    assert resource["id"] == "12" and resource["protect"] is True
    assert resource["inputs"] == {"phoneId": "12", "webhook": HOOK, "ackDelivery": True}
    assert code in run.stdout and HOOK in run.stdout

    # the program now declares what was imported: nothing to do, no call
    write_source(project, language, phone_source(language, opts={"protect": True}))
    assert "2 unchanged" in changes(project.cli("up", "--yes").stdout)
    assert calls.take() == []
    assert emu.phone("12")["webhook"] == HOOK


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_import_option_adopts_the_phone_and_the_next_up_makes_no_call(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls, language: str
) -> None:
    emu.set_phone("12", webhook=HOOK, ack_delivery=True)
    project = language_project(make_project, language, phone_source(language, opts={"import": "12"}))
    calls.take()
    assert "= 1 imported" in project.cli("up", "--yes").stdout
    # one GET in the preview, one for real; nothing written
    assert calls.take() == [("GET", "/12/config"), ("GET", "/12/config")]
    assert "2 unchanged" in changes(project.cli("up", "--yes").stdout)
    assert calls.take() == []


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
FAMILIES = {"dynamic": dynamic_program, "native": phone_program}


@pytest.mark.parametrize("family", FAMILIES)
def test_settings_missing_everywhere_fail_at_preview_with_the_config_commands(
    make_project: Callable[..., Project], calls: Calls, monkeypatch: pytest.MonkeyPatch, family: str
) -> None:
    for var in ("MAYTAPI_PRODUCT_ID", "MAYTAPI_API_TOKEN", "MAYTAPI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    run = make_project(FAMILIES[family](), settings=False).cli("preview", check=False)
    assert run.returncode != 0
    assert "pulumi config set maytapi:productId" in run.output
    assert "pulumi config set --secret maytapi:apiToken" in run.output
    assert calls.take() == []


@pytest.mark.parametrize("family", FAMILIES)
def test_settings_fall_back_to_the_environment(
    make_project: Callable[..., Project],
    emu: RunningEmulator,
    calls: Calls,
    monkeypatch: pytest.MonkeyPatch,
    family: str,
) -> None:
    monkeypatch.setenv("MAYTAPI_PRODUCT_ID", emu.product_id)
    monkeypatch.setenv("MAYTAPI_API_TOKEN", emu.token)
    monkeypatch.setenv("MAYTAPI_BASE_URL", emu.base_url)
    assert summary(make_project(FAMILIES[family](), settings=False).cli("up", "--yes")) == "+ 2 created"
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


def test_secrets_stay_secret_and_no_token_reaches_state_or_output(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    project = make_project(
        phone_program(webhook="pulumi.Output.secret(pulumi.Config().require('hook'))"), secrets={"hook": HOOK}
    )
    up = project.cli("up", "--yes")
    assert calls.take() == [("POST", "/12/config")]
    exported = json.dumps(project.export())
    assert TOKEN not in exported and HOOK not in exported
    [resource] = project.resources(":PhoneConfig")
    for props in (resource["inputs"], resource["outputs"]):
        assert props["webhook"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    assert project.stack.outputs()["webhook"].secret is True
    assert TOKEN not in up.output and HOOK not in up.output


@pytest.mark.parametrize(
    ("kind", "rules", "outputs"),
    [
        (properties.PHONE_CONFIG, phone_config.check({"phone_id": "1"})[0], phone_config.OUTPUTS),
        (properties.REDEPLOY, action.rules(Action.REDEPLOY), action.OUTPUTS),
        (properties.FACTORY_RESET, action.rules(Action.FACTORY_RESET), action.OUTPUTS),
        (properties.LOGOUT, action.rules(Action.LOGOUT), action.OUTPUTS),
        (properties.FLEET, fleet.check({"phones": {}})[0], fleet.OUTPUTS),
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
    settings = {
        "maytapi:productId": emu.product_id,
        "maytapi:baseUrl": emu.base_url,
        "maytapi:apiToken": emu.token,
    }
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


def test_a_revision_unknown_at_preview_fires_after_what_it_depends_on(
    make_project: Callable[..., Project], calls: Calls
) -> None:
    def program(webhook: str) -> str:
        return f"""
import pulumi_maytapi as maytapi
cfg = maytapi.PhoneConfig("cfg", phone_id="12", webhook="{webhook}")
maytapi.Logout("logout", phone_id=cfg.phone_id, revision=cfg.webhook)
"""

    project = make_project(program(HOOK))
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/logout")]
    project.write_program(program(HOOK + "/v2"))
    # the action's revision is the config's output, unknown until the config is updated
    preview = project.cli("preview", "--diff").stdout
    assert "~ 2 to update" in preview and re.search(r"~ revision\s*:", preview)
    assert calls.take() == []
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/12/config"), ("GET", "/12/logout")]


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
        settings = {
            "maytapi:productId": emu.product_id,
            "maytapi:apiToken": emu.token,
            "maytapi:baseUrl": emu.base_url,
        }

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


def test_an_uncertain_action_fails_the_up_keeps_the_record_and_waits_for_the_answer(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    # As the dynamic resource: the up fails, the state records the doubt (a partial failure),
    # and nothing fires again until the user answers.
    project = make_project(action_program("Redeploy"), config={"maytapi:readTimeout": "0.5"})
    project.cli("up", "--yes")
    assert calls.take() == [("GET", "/12/redeploy")]

    project.write_program(action_program("Redeploy", revision='"r2"'))
    emu.fault(path="/12/redeploy$", latency_ms=3000)
    failed = project.cli("up", "--yes", check=False)
    assert failed.returncode != 0 and "may or may not have happened" in failed.output
    assert calls.take() == [("GET", "/12/redeploy")]
    (record,) = project.resources(":Redeploy")
    assert record["outputs"]["uncertain"] is True and record["outputs"]["revision"] == "r2"

    refused = project.cli("preview", check=False)
    assert refused.returncode != 0 and "MAYTAPI_UNCERTAIN_ACTIONS=not-happened" in refused.output
    assert calls.take() == []

    project.cli("up", "--yes", "--target", record["urn"], env={"MAYTAPI_UNCERTAIN_ACTIONS": "happened"})
    project.cli("up", "--yes", "--expect-no-changes")
    assert calls.take() == []
    assert project.resources(":Redeploy")[0]["outputs"]["uncertain"] is False


def test_a_vanished_phone_is_dropped_on_refresh_with_a_warning_and_destroys_without_a_write(
    make_project: Callable[..., Project], emu: RunningEmulator, calls: Calls
) -> None:
    # The README's vanished-phone rows hold for the native PhoneConfig too (the same core rule).
    emu.set_phone("14")
    project = make_project(phone_program(phone_id='"14"'))
    project.cli("up", "--yes")
    assert calls.take() == [("POST", "/14/config")]
    emu.remove_phone("14")
    refreshed = project.cli("refresh", "--yes")
    assert "phone 14 no longer exists on Maytapi" in refreshed.output
    assert calls.take() == [("GET", "/14/config"), ("GET", "/14/config")]  # its preview reads too
    assert project.resources(":PhoneConfig") == []
    project.cli("destroy", "--yes")
    assert calls.take() == []
