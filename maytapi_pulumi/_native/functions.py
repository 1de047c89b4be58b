"""The provider functions' part of the native provider's schema: `functions`, and the object
types their outputs use, rendered from the core's tables (`_core.functions`)."""

from __future__ import annotations

from typing import Any

from .._core.functions import FUNCTIONS, Function, ObjectList
from .._core.properties import Property
from .schema import PACKAGE, _props, _required, _spec, camel, in_camel_case


def token(name: str) -> str:
    return f"{PACKAGE}:index:{name}"


_BY_TOKEN = {token(f.name): f for f in FUNCTIONS}


def by_token(tok: str) -> Function:
    try:
        return _BY_TOKEN[tok]
    except KeyError:
        raise ValueError(f"unknown function {tok!r}; known: {', '.join(_BY_TOKEN)}") from None


def _output(prop: Property | ObjectList) -> dict[str, Any]:
    if isinstance(prop, Property):
        return _spec(prop)
    items = {"$ref": f"#/types/{token(prop.item)}"}
    return {"type": "array", "items": items, "description": in_camel_case(prop.doc)}


def _function(function: Function) -> dict[str, Any]:
    rendered: dict[str, Any] = {"description": in_camel_case(function.doc)}
    if function.inputs:
        rendered["inputs"] = {
            "properties": _props(function.inputs),
            "required": _required(function.inputs),
        }
    rendered["outputs"] = {
        "properties": {camel(o.name): _output(o) for o in function.outputs},
        "required": [camel(o.name) for o in function.outputs if o.required],
    }
    return rendered


def schema_functions() -> dict[str, Any]:
    return {token(f.name): _function(f) for f in FUNCTIONS}


def schema_types() -> dict[str, Any]:
    """The object types of the functions' outputs (a row of getPhones)."""
    lists = [o for f in FUNCTIONS for o in f.outputs if isinstance(o, ObjectList)]
    return {
        token(o.item): {
            "type": "object",
            "description": in_camel_case(o.item_doc),
            "properties": _props(o.fields),
            "required": _required(o.fields),
        }
        for o in lists
    }
