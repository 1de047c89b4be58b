"""`./dev up`: the quickstart against the local emulator, end to end.

Starts the emulator on loopback with a few phones, opens the root project's `quickstart` stack
(local backend under .work/), sets its config, runs `pulumi up`, prints the outputs and what to
try next, and stops the emulator. `--change` then bumps the redeploy revision and edits the
webhook, shows `pulumi preview --diff` and applies it with `pulumi up`.
"""

from __future__ import annotations

import argparse
import sys
import time

from pulumi import automation as auto

from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, Project

STATE = ROOT / ".work" / "quickstart"
PORT = 8808  # fixed, so the stack's base URL is the same on every run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev up", description=__doc__)
    parser.add_argument(
        "--change", action="store_true", help="then bump a revision, edit the webhook: preview --diff, up"
    )
    parser.add_argument("--port", type=int, default=PORT, help=f"emulator port (default {PORT})")
    args = parser.parse_args(argv)

    with RunningEmulator(phones=("12", "13", "14"), port=args.port) as emu:
        print(f"[quickstart] Maytapi emulator at {emu.base_url} (phones 12, 13, 14)", flush=True)
        project = Project.open(
            ROOT,
            STATE,
            stack_name="quickstart",
            config={"maytapi:productId": emu.product_id, "maytapi:baseUrl": emu.base_url},
            secrets={"maytapi:apiToken": emu.token},
        )
        print("[quickstart] pulumi up", flush=True)
        project.stack.up(on_output=print, color="never")
        if args.change:
            project.stack.set_config(
                "maytapi-quickstart:webhook", auto.ConfigValue("https://hooks.example.com/maytapi/v2")
            )
            project.stack.set_config(
                "maytapi-quickstart:redeployRevision", auto.ConfigValue(time.strftime("%Y-%m-%dT%H:%M:%S"))
            )
            print(
                "[quickstart] changed: webhook -> https://hooks.example.com/maytapi/v2, redeploy revision bumped"
            )
            print("[quickstart] pulumi preview --diff", flush=True)
            project.stack.preview(diff=True, on_output=print, color="never")
            print("[quickstart] pulumi up", flush=True)
            project.stack.up(on_output=print, color="never")
        calls = [f"{c['method']} {c['path'].split(emu.product_id)[-1]}" for c in emu.api_calls()]
        print(f"[quickstart] Maytapi calls made: {len(calls)} {calls}")
    print(
        "[quickstart] Next: run ./dev up again (no changes), ./dev up --change (a reviewed change), "
        "or edit examples/quickstart/__main__.py and run ./dev up."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
