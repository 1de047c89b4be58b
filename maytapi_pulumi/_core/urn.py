"""A Pulumi resource's URN, read as the engine reads it (Go's `resource/urn`):
`urn:pulumi:<stack>::<project>::<qualified type>::<name>`. The qualified type holds the parents'
types before a `$`; the name is everything after the third `::` and may itself hold `::`."""

from __future__ import annotations


def type_of(urn: str) -> str:
    """The resource's own type token (Go's `URN.Type()`). The Python SDK's experimental provider
    hands a request the qualified type instead, so a resource under a component would not be known."""
    return urn.split("::", 3)[2].rsplit("$", 1)[-1]


def name_of(urn: str) -> str:
    """The resource's name (Go's `URN.Name()`)."""
    return urn.split("::", 3)[3]
