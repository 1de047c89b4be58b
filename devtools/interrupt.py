"""Interrupt a real `pulumi up` midway, as Ctrl-C or a cancelled CI job does, and see what it
leaves running. Shared by tests/test_interruptions.py and the soak (devtools/soak.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.stack import VENV, CliRun, Project

_POLL = 0.05


def session_processes(session: int) -> list[tuple[int, str]]:
    """Live processes of a session (pid, command line): the CLI started its plugins in it, and
    they stay in it when the CLI dies and they are reparented."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        state, _ppid, _pgrp, sid = stat.rsplit(")", 1)[1].split()[:4]
        if int(sid) == session and state != "Z":
            found.append((int(entry.name), command.strip()))
    return found


def kill_session(session: int) -> None:
    """SIGKILL every process of the session (the CLI's plugins stay in it), until none is left."""
    while left := session_processes(session):
        for pid, _ in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(_POLL)


@dataclass(frozen=True)
class Interrupted:
    """How the interrupted command ended and what outlived it."""

    returncode: int
    output: str
    left_running: list[str]
    """Command lines of the CLI's processes (language host, program, providers) still alive
    `grace` seconds after the CLI exited; they are killed before returning."""
    gone_after: float
    """Seconds from the CLI's exit until none of its processes was left (≥ grace if some were)."""


def interrupted(
    project: Project,
    sig: signal.Signals,
    when: Callable[[], bool],
    *,
    args: tuple[str, ...] = ("up", "--yes"),
    grace: float = 5.0,
    timeout: float = 120.0,
) -> Interrupted:
    """Start `pulumi <args>` (by default `up --yes`, previewing first, as users type it), send
    `sig` to the CLI once `when()` holds, and wait for the CLI and everything it started to end.
    The engine starts its plugins in process groups of their own, so a terminal's Ctrl-C, `kill`
    and a CI runner's cancel all reach the CLI alone, as here."""
    command = [str(VENV / "bin" / "pulumi"), *args, "--non-interactive", "--color", "never"]
    log = project.directory / f".interrupted-{sig.name}-{time.monotonic_ns()}.log"
    with log.open("w") as out:
        cli = subprocess.Popen(
            command,
            cwd=project.directory,
            env={**os.environ, **project.stack.workspace.env_vars},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while not when():
                if cli.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"`pulumi {' '.join(args)}` ended or timed out before the interruption:\n{log.read_text()}"
                    )
                time.sleep(_POLL)
            cli.send_signal(sig)
            returncode = cli.wait(timeout)
        finally:
            if cli.poll() is None:
                cli.kill()
                cli.wait()
    exited = time.monotonic()
    left = session_processes(cli.pid)
    while left and time.monotonic() - exited < grace:
        time.sleep(_POLL)
        left = session_processes(cli.pid)
    gone_after = time.monotonic() - exited
    if left:
        kill_session(cli.pid)
    output = log.read_text()
    log.unlink()
    project.log.extend([f"$ pulumi {' '.join(args)}  # interrupted by {sig.name}", output])
    return Interrupted(returncode, output, [command for _, command in left], gone_after)


ACTION_TYPES = tuple(
    f"{family}{fleet}{kind}"
    for family in ("pulumi-python:dynamic/maytapi:", "maytapi:index:")
    for fleet in ("", "Fleet")
    for kind in ("Redeploy", "FactoryReset", "Logout")
)


def fleet_phones(resource: dict[str, Any]) -> list[str] | None:
    """The phones of a fleet action in the state (None for a single action)."""
    inputs = resource.get("inputs") or {}
    phones = inputs.get("phone_ids", inputs.get("phoneIds"))
    return None if phones is None else [str(p) for p in phones]


def action_phones(resource: dict[str, Any]) -> list[str]:
    """The phones of an action in the state: a fleet action's set, or the single action's phone."""
    inputs = resource.get("inputs") or {}
    fleet = fleet_phones(resource)
    return [str(inputs.get("phone_id", inputs.get("phoneId")))] if fleet is None else fleet


@dataclass(frozen=True)
class Recovery:
    """What the documented recovery after a killed `up` met and did."""

    locked: CliRun
    """The first `pulumi up`, refused: the dead CLI's lock."""
    repaired: list[Path]
    """Metadata files of a local backend that the kill cut short, removed."""
    in_flight: list[str]
    """URNs of the operations the engine had started and not seen end."""
    in_doubt: list[str]
    """Those of them that were actions: they may or may not have happened."""
    recorded: dict[str, list[str]]
    """Those the user found had happened, on which phones: recorded without a call."""


def recover_after_kill(project: Project, happened: Callable[[str, str], bool]) -> Recovery:
    """The steps of the docs' "When an up is interrupted" (docs/guides/interruptions.md) after
    SIGKILL, in order. `happened(urn, phone)` is the user checking a phone of an action that was
    in flight."""
    locked = project.cli("up", "--yes", check=False)
    repaired = []
    if "failed to load checkpoint: EOF" in locked.output:
        # A local (file://) backend writes each state file atomically, but the small metadata
        # file beside it (`<file>.attrs`) in place: killed in that instant, it stays empty.
        backend = Path(project.stack.workspace.env_vars["PULUMI_BACKEND_URL"].removeprefix("file://"))
        repaired = [f for f in (backend / ".pulumi").rglob("*.attrs") if f.stat().st_size == 0]
        for attrs in repaired:
            attrs.unlink()  # find <backend>/.pulumi -name '*.attrs' -size 0 -delete
    project.cli("cancel", "--yes")
    # pulumi stack export | jq -r '.deployment.pending_operations[]?.resource | "\(.type) \(.urn)"'
    pending = json.loads(project.cli("stack", "export").stdout)["deployment"].get("pending_operations", [])
    in_flight = [op["resource"]["urn"] for op in pending]
    actions = {
        op["resource"]["urn"]: op["resource"] for op in pending if op["resource"]["type"] in ACTION_TYPES
    }
    in_doubt = list(actions)
    project.cli("refresh", "--yes", "--clear-pending-creates")
    recorded = {
        urn: done
        for urn, resource in actions.items()
        if (done := [phone for phone in action_phones(resource) if happened(urn, phone)])
    }
    # One action per phone: all of them at once, each "happened"; a fleet action: one up of
    # its own, naming the phones where it happened (its others fire in that up).
    singles = [urn for urn in recorded if fleet_phones(actions[urn]) is None]
    if singles:
        targets = [arg for urn in singles for arg in ("--target", urn)]
        project.cli("up", "--yes", *targets, env={"MAYTAPI_UNCERTAIN_ACTIONS": "happened"})
    for urn in [urn for urn in recorded if urn not in singles]:
        answer = "happened:" + ",".join(recorded[urn])
        project.cli("up", "--yes", "--target", urn, env={"MAYTAPI_UNCERTAIN_ACTIONS": answer})
    project.cli("up", "--yes")
    return Recovery(locked, repaired, in_flight, in_doubt, recorded)
