"""The native Pulumi provider plugin `pulumi-resource-maytapi` (package `maytapi`): the same
core as the dynamic resources, served over Pulumi's provider protocol, for every language."""

from __future__ import annotations

import sys

from .._version import __version__


def main() -> None:
    """The plugin's entry point: serve the provider to the engine that started it."""
    from pulumi.provider.experimental.server import main as serve

    from .provider import MaytapiProvider

    serve(sys.argv[1:], __version__, MaytapiProvider())
