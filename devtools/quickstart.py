"""`./dev up` and `./dev review`: the quickstart against the local emulator, end to end.

Starts the emulator on loopback with its phones kept in .work/quickstart/emulator.json (phones
12, 13 and 14 the first time), opens the root project's `quickstart` stack (local backend under
.work/) and runs `pulumi up --refresh`: it reads the phones first, so "unchanged" means the
phones really are. `--change` then edits the webhook and bumps the redeploy revision, saves the
plan of that change, applies exactly that plan and ends with its review summary. `./dev review`
prints the summary of what `./dev up` (or, with `--change`, `./dev up --change`) would do, and
applies nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from pulumi import automation as auto

from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, Project
from maytapi_pulumi import review

STATE = ROOT / ".work" / "quickstart"
PHONES_FILE = STATE / "emulator.json"
PORT = 8808  # fixed, so the stack's base URL is the same on every run
WEBHOOK_KEY, REVISION_KEY = "maytapi-quickstart:webhook", "maytapi-quickstart:redeployRevision"
NEW_WEBHOOK = "https://hooks.example.com/maytapi/v2"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev up", description=__doc__)
    parser.add_argument(
        "--change", action="store_true", help="then edit the webhook and bump the redeploy revision"
    )
    parser.add_argument(
        "--review", action="store_true", help="only print the review summary of the pending change"
    )
    parser.add_argument("--port", type=int, default=PORT, help=f"emulator port (default {PORT})")
    args = parser.parse_args(argv)

    with RunningEmulator(phones=("12", "13", "14"), port=args.port, state_file=PHONES_FILE) as emu:
        phones = ", ".join(
            f"{p['id']} ({p['status']}, webhook {p['webhook'] or 'none'})" for p in emu.phones()
        )
        print(f"[quickstart] Maytapi emulator at {emu.base_url}, phones from {_relative()}: {phones}")
        project = Project.open(
            ROOT,
            STATE,
            stack_name="quickstart",
            config=emu.stack_config,
            secrets={"maytapi:apiToken": emu.token},
        )
        if args.review:
            _review(project, args.change)
        else:
            _up(project, args.change)
        calls = [f"{c['method']} {c['path'].split(emu.product_id)[-1]}" for c in emu.api_calls()]
        print(f"[quickstart] Maytapi calls made: {len(calls)} {calls}")
    if not args.review:
        print(
            "[quickstart] Next: run ./dev up again (no changes), ./dev review --change (what the next "
            "command would do), ./dev up --change (a reviewed change), or edit examples/quickstart/__main__.py."
        )
    return 0


def _relative() -> str:
    return str(PHONES_FILE.relative_to(ROOT))


def _change(project: Project) -> dict[str, auto.ConfigValue]:
    """Edit the webhook and bump the revision; returns the config to put back for a review only."""
    before = project.stack.get_all_config()
    keep = {k: before[k] for k in (WEBHOOK_KEY, REVISION_KEY) if k in before}
    project.stack.set_config(WEBHOOK_KEY, auto.ConfigValue(NEW_WEBHOOK))
    project.stack.set_config(REVISION_KEY, auto.ConfigValue(time.strftime("%Y-%m-%dT%H:%M:%S")))
    print(f"[quickstart] changed: webhook -> {NEW_WEBHOOK}, redeploy revision bumped")
    return keep


def _summary(project: Project, *args: str) -> str:
    """`pulumi preview --refresh --json` as the review summary reads it, in plain text."""
    preview = project.cli("preview", "--refresh", "--json", *args)
    return review.render(review.summarise(json.loads(preview.stdout)), "text")


def _review(project: Project, change: bool) -> None:
    keep = _change(project) if change else {}
    try:
        print("[quickstart] pulumi preview --refresh --json | maytapi-review --format text", flush=True)
        print(_summary(project), end="")
    finally:
        if change:
            for key in (WEBHOOK_KEY, REVISION_KEY):
                if key in keep:
                    project.stack.set_config(key, keep[key])
                else:
                    project.stack.remove_config(key)


def _up(project: Project, change: bool) -> None:
    print("[quickstart] pulumi up --refresh", flush=True)
    project.stack.up(on_output=print, color="never", refresh=True)
    if not change:
        return
    _change(project)
    plan = STATE / "plan.json"
    print("[quickstart] pulumi preview --refresh --json --save-plan (the change to review)", flush=True)
    summary = _summary(project, "--save-plan", str(plan))
    print("[quickstart] pulumi up --plan (applies exactly the reviewed change)", flush=True)
    project.stack.up(on_output=print, color="never", plan=str(plan))
    print("[quickstart] review summary of the change applied:")
    print(summary, end="")


if __name__ == "__main__":
    sys.exit(main())
