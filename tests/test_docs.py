"""The reference pages and the resources' docstrings stay in step with the code."""

from __future__ import annotations

import ast
import dataclasses
import itertools
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest

import maytapi_pulumi
from devtools.docs_reference import examples
from devtools.stack import ROOT
from maytapi_pulumi import (
    ActionArgs,
    FactoryReset,
    Fleet,
    FleetActionArgs,
    FleetArgs,
    FleetFactoryReset,
    FleetLogout,
    FleetRedeploy,
    FleetRedeployArgs,
    Logout,
    PhoneConfig,
    PhoneConfigArgs,
    Redeploy,
    RedeployArgs,
)
from maytapi_pulumi._core import functions, properties

REFERENCE = ROOT / "docs" / "reference" / "resources"


def table_inputs(page: str) -> list[str]:
    table = (REFERENCE / f"{page}.md").read_text().split("## Inputs", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` / `\w+` \|", table, re.M)


def test_the_phone_config_table_lists_exactly_its_inputs() -> None:
    assert table_inputs("phone-config") == [f.name for f in dataclasses.fields(PhoneConfigArgs)]


def test_the_actions_table_lists_exactly_their_inputs() -> None:
    assert table_inputs("redeploy") == [f.name for f in dataclasses.fields(RedeployArgs)]
    for page in ("factory-reset", "logout"):
        assert table_inputs(page) == [f.name for f in dataclasses.fields(ActionArgs)]


def test_the_fleet_table_lists_exactly_its_inputs() -> None:
    assert table_inputs("fleet") == [f.name for f in dataclasses.fields(FleetArgs)]


def test_every_input_has_a_docstring() -> None:
    for args in (PhoneConfigArgs, ActionArgs, RedeployArgs, FleetArgs, FleetActionArgs, FleetRedeployArgs):
        tree = ast.parse((ROOT / "maytapi_pulumi" / f"{args.__module__.split('.')[-1]}.py").read_text())
        body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == args.__name__).body
        documented = {
            target.target.id
            for target, doc in itertools.pairwise(body)
            if isinstance(target, ast.AnnAssign)
            and isinstance(target.target, ast.Name)
            and isinstance(doc, ast.Expr)
            and isinstance(doc.value, ast.Constant)
        }
        own = set(args.__annotations__)
        assert own <= documented, f"{args.__name__}: no docstring for {own - documented}"


def docstring_example(obj: object) -> str:
    """The first Python block under a docstring's "## Example Usage", dedented."""
    doc = obj.__doc__ or ""
    return textwrap.dedent(doc.split("## Example Usage", 1)[1].split("```python\n", 1)[1].split("```", 1)[0])


@pytest.mark.parametrize(
    "resource",
    [PhoneConfig, Redeploy, FactoryReset, Logout, Fleet, FleetRedeploy, FleetFactoryReset, FleetLogout],
)
def test_each_resource_docstring_follows_the_template_with_the_reference_example(resource: type) -> None:
    # The example's one home is examples/reference/<kind>/, which the suite runs; the
    # docstring, which IDEs show from the source, is a copy of it.
    doc = resource.__doc__ or ""
    assert "## Example Usage" in doc and "## Import" in doc
    assert docstring_example(resource) == examples(resource.__name__)["python-dynamic.py"]


def test_the_public_facade_exports_what_it_lists() -> None:
    for name in maytapi_pulumi.__all__:
        assert getattr(maytapi_pulumi, name) is not None


def test_the_client_core_imports_no_pulumi() -> None:
    code = (
        "import sys; from maytapi_pulumi import MaytapiClient, Settings, PhoneConfigBody; "
        "import maytapi_pulumi.emulator; "
        "assert not [m for m in sys.modules if m == 'pulumi' or m.startswith('pulumi.')], 'pulumi imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_a_program_and_a_preview_load_no_http_client() -> None:
    # Most of the engine's Python processes never call the API: each program run, and a
    # provider that only checks and diffs. The client (requests) and pydantic load on first
    # use, not with the resources, the native provider or their rules.
    code = (
        "import sys; from maytapi_pulumi import PhoneConfig, Fleet, Redeploy, Settings, get_phones; "
        "import maytapi_pulumi._native.server; "
        "loaded = [m for m in ('requests', 'urllib3', 'pydantic') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def attribute_docs(module: str, class_name: str) -> dict[str, str]:
    """Each annotated attribute of a class and the docstring under it, whitespace collapsed."""
    tree = ast.parse((ROOT / "maytapi_pulumi" / f"{module}.py").read_text())
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name).body
    return {
        target.target.id: " ".join(str(doc.value.value).split())
        for target, doc in itertools.pairwise(body)
        if isinstance(target, ast.AnnAssign)
        and isinstance(target.target, ast.Name)
        and isinstance(doc, ast.Expr)
        and isinstance(doc.value, ast.Constant)
    }


_PYTHON_LITERALS = {"null": "None", "true": "True", "false": "False"}


def in_python(doc: str) -> str:
    """The core's neutral Markdown as the dynamic resources' reST says it."""
    return re.sub(r"`([^`]+)`", lambda m: f"``{_PYTHON_LITERALS.get(m[1], m[1])}``", doc)


@pytest.mark.parametrize(
    ("module", "class_name", "props"),
    [
        ("_phone_config", "PhoneConfigArgs", properties.PHONE_CONFIG.inputs),
        ("_phone_config", "PhoneConfig", properties.PHONE_CONFIG.outputs),
        ("_actions", "ActionArgs", properties.ACTION_INPUTS),
        ("_actions", "RedeployArgs", properties.REDEPLOY_INPUTS),
        ("_actions", "_ActionResource", properties.REDEPLOY.outputs),
        ("_functions", "ProductPhone", functions.PRODUCT_PHONE),
        ("_functions", "GetPhoneConfigResult", functions.PHONE_CONFIG_OUTPUTS),
        ("_functions", "GetPhoneStatusResult", functions.PHONE_STATUS_OUTPUTS),
        ("_fleet", "FleetArgs", properties.FLEET.inputs),
        ("_fleet", "Fleet", properties.FLEET.outputs),
        ("_fleet_actions", "FleetActionArgs", properties.FLEET_LOGOUT.inputs),
        (
            "_fleet_actions",
            "FleetRedeployArgs",
            properties.FLEET_REDEPLOY.inputs[len(properties.FLEET_LOGOUT.inputs) :],
        ),
        ("_fleet_actions", "_FleetActionResource", properties.FLEET_REDEPLOY.outputs),
    ],
)
def test_the_dynamic_docstrings_say_what_the_cores_property_table_says(
    module: str, class_name: str, props: tuple[properties.Property, ...]
) -> None:
    # The table is also the native provider's schema: one description per property.
    assert attribute_docs(module, class_name) == {p.name: in_python(p.doc) for p in props}


@pytest.mark.parametrize(
    ("dynamic", "function"),
    [
        (maytapi_pulumi.get_phones, functions.GET_PHONES),
        (maytapi_pulumi.get_phone_config, functions.GET_PHONE_CONFIG),
        (maytapi_pulumi.get_phone_status, functions.GET_PHONE_STATUS),
    ],
)
def test_the_dynamic_functions_say_what_the_cores_table_says(
    dynamic: Callable[..., object], function: functions.Function
) -> None:
    # The table is also the native schema's description of the function.
    doc = " ".join((dynamic.__doc__ or "").split())
    assert doc.startswith(in_python(function.doc)) and "## Example Usage" in doc
    assert docstring_example(dynamic) == examples(function.name)["python-dynamic.py"]
