"""The native provider's Pulumi package schema, rendered from the core's property tables:
camelCase names, JSON types, descriptions naming each setting's config key and variable."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._core.properties import FLEET_ACTION_PHONE, FLEET_PHONE, KINDS, SETTINGS, Kind, Property
from .._settings import SOURCES
from .._version import __version__

PACKAGE = "maytapi"
# A Fleet's phone: an object type of the schema (FleetPhoneArgs in the SDKs); a fleet action's
# record of one phone, an output type.
FLEET_PHONE_TYPE = f"{PACKAGE}:index:FleetPhone"
FLEET_ACTION_PHONE_TYPE = f"{PACKAGE}:index:FleetActionPhone"
_KNOWN = {p.name for kind in KINDS for p in (*kind.inputs, *kind.outputs)} | {p.name for p in SETTINGS}


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def token(kind: Kind) -> str:
    return f"{PACKAGE}:index:{kind.name}"


def in_camel_case(text: str, names: Iterable[str] = _KNOWN) -> str:
    """`text` with every property name it mentions in camelCase."""
    pattern = "|".join(sorted((re.escape(n) for n in names if "_" in n), key=len, reverse=True))
    return re.sub(rf"\b({pattern})\b", lambda m: camel(m.group(1)), text) if pattern else text


def _type(prop: Property) -> dict[str, Any]:
    if prop.type == "string|integer":
        return {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    if prop.type == "any":
        return {"$ref": "pulumi.json#/Any"}
    if prop.type == "list<string>":
        return {"type": "array", "items": {"type": "string"}}
    if prop.type == "map<FleetPhone>":
        return {"type": "object", "additionalProperties": {"$ref": f"#/types/{FLEET_PHONE_TYPE}"}}
    if prop.type == "map<FleetActionPhone>":
        return {"type": "object", "additionalProperties": {"$ref": f"#/types/{FLEET_ACTION_PHONE_TYPE}"}}
    if prop.type == "map<string>":
        return {"type": "object", "additionalProperties": {"type": "string"}}
    return {"type": prop.type}


def _spec(prop: Property, doc: str | None = None) -> dict[str, Any]:
    spec = {**_type(prop), "description": in_camel_case(doc or prop.doc)}
    return spec | {"secret": True} if prop.secret else spec


def _props(props: Iterable[Property]) -> dict[str, Any]:
    return {camel(p.name): _spec(p) for p in props}


def _required(props: Iterable[Property]) -> list[str]:
    return [camel(p.name) for p in props if p.required]


def _setting(prop: Property) -> dict[str, Any]:
    source = SOURCES[prop.name]
    return _spec(prop, f"{prop.doc} Falls back to the environment variable `{source.env_var}`.")


def _examples() -> dict[str, str]:
    """Each resource's and function's examples, one block per language in Pulumi's
    `{{% examples %}}` form, which the SDK generators turn into docstrings. Rendered by
    `./dev docs --generate` from examples/reference/, whose files the test suite runs."""
    loaded: dict[str, str] = json.loads((Path(__file__).parent / "examples.json").read_text())
    return loaded


def _project_urls() -> dict[str, str]:
    """The package metadata's project URLs (pyproject.toml), so the SDKs link where PyPI does."""
    import importlib.metadata  # only for the schema: a tenth of what the plugin imports of its own

    entries = importlib.metadata.metadata("maytapi-pulumi").get_all("Project-URL") or []
    return dict(entry.split(", ", 1) for entry in entries)


def schema() -> dict[str, Any]:
    from . import functions  # it renders with this module's helpers

    settings = {camel(p.name): _setting(p) for p in SETTINGS}
    examples = _examples()
    return {
        "name": PACKAGE,
        "displayName": "Maytapi",
        "version": __version__,
        "description": "Infrastructure as code for the Maytapi WhatsApp API: phone configuration "
        "and operational actions.",
        "keywords": ["pulumi", "maytapi", "whatsapp", "category/utility"],
        "license": "Apache-2.0",
        "homepage": _project_urls()["Homepage"],
        "repository": _project_urls()["Repository"],
        # The SDKs carry the schema's version and their own package metadata (pyproject.toml,
        # package.json, go.mod), ready to publish; the Go module path follows `repository`.
        "meta": {"supportPack": True},
        "language": {
            "python": {"pyproject": {"enabled": True}},
            # Not Pulumi's own npm scope (@pulumi/maytapi, the generator's default).
            "nodejs": {"packageName": "pulumi-maytapi"},
        },
        "config": {"variables": settings},
        "provider": {
            "description": f"A Maytapi product: one provider instance per product.\n\n{examples['provider']}",
            "inputProperties": settings,
        },
        "types": {
            FLEET_PHONE_TYPE: {
                "type": "object",
                "description": "One phone of a Fleet: PhoneConfig's webhook and delivery acks.",
                "properties": _props(FLEET_PHONE),
            },
            FLEET_ACTION_PHONE_TYPE: {
                "type": "object",
                "description": "A fleet action's record of one phone: the single action's outputs.",
                "properties": _props(FLEET_ACTION_PHONE),
                "required": _required(FLEET_ACTION_PHONE),
            },
            # The object types of the functions' outputs.
            **functions.schema_types(),
        },
        "resources": {
            token(kind): {
                "description": f"{in_camel_case(kind.doc)}\n\n{examples[token(kind)]}",
                "properties": _props(kind.outputs),
                "required": _required(kind.outputs),
                "inputProperties": _props(kind.inputs),
                "requiredInputs": _required(kind.inputs),
            }
            for kind in KINDS
        },
        # The provider functions (getPhones, getPhoneConfig, getPhoneStatus).
        "functions": {
            name: spec | {"description": f"{spec['description']}\n\n{examples[name]}"}
            for name, spec in functions.schema_functions().items()
        },
    }
