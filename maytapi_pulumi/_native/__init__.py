"""The native Pulumi provider plugin `pulumi-resource-maytapi` (package `maytapi`): the same
core as the dynamic resources, served over Pulumi's provider protocol, for every language."""

from __future__ import annotations

import sys

from .._version import __version__


def main() -> None:
    """The plugin's entry point: serve the provider to the engine that started it. With
    `--version` alone, print the package's version: the one `pulumi plugin install resource
    maytapi <version> --file ...` must be given."""
    if sys.argv[1:] == ["--version"]:
        print(__version__)
        return
    from .server import serve

    serve(sys.argv[1:], __version__)
