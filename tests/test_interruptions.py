"""A real `pulumi up` of a fleet interrupted midway, by SIGINT (Ctrl-C, a CI cancel) and by
SIGKILL, then recovered exactly as docs/guides/interruptions.md says: every phone
ends as declared, no action fires twice, and nothing the CLI started outlives it."""

from __future__ import annotations

import json
import signal
from collections import Counter
from collections.abc import Callable

import pytest

from devtools.emulator import RunningEmulator
from devtools.interrupt import interrupted_up, phone_of, recover_after_kill
from devtools.stack import Project
from tests.conftest import Calls, Family

PHONES = [str(n) for n in range(20, 32)]
PROGRAM = f"""
import pulumi
IMPORTS
for phone in {PHONES!r}:
    config = PhoneConfig(f"phone-{{phone}}", phone_id=phone, webhook=f"https://hooks.example.com/{{phone}}")
    Redeploy(f"phone-{{phone}}-redeploy", phone_id=phone, revision=1, opts=pulumi.ResourceOptions(depends_on=[config]))
"""


@pytest.fixture
def fleet(make_project: Callable[..., Project], emu: RunningEmulator, family: Family) -> Project:
    emu.reset(phones=PHONES)
    # every call is answered after 200 ms, so the interruption lands while calls are in flight
    emu.fault(rate=1.0, latency_ms=200)
    return make_project(PROGRAM.replace("IMPORTS", family.imports("PhoneConfig", "Redeploy")))


def redeploy_started(emu: RunningEmulator) -> Callable[[], bool]:
    return lambda: bool(emu.api_calls(path="/redeploy$"))


def assert_converged(project: Project, emu: RunningEmulator) -> None:
    """Every phone as declared, each redeployed exactly once, and nothing left to do."""
    for phone in PHONES:
        assert emu.phone(phone)["webhook"] == f"https://hooks.example.com/{phone}"
    redeploys = Counter(call["path"].split("/")[-2] for call in emu.api_calls(path="/redeploy$"))
    assert redeploys == dict.fromkeys(PHONES, 1)
    project.cli("up", "--yes", "--expect-no-changes")
    assert "pending_operations" not in json.loads(project.cli("stack", "export").stdout)["deployment"]


def test_sigint_cancels_gracefully_and_a_plain_up_finishes_the_fleet(
    fleet: Project, emu: RunningEmulator, calls: Calls
) -> None:
    interrupted = interrupted_up(fleet, signal.SIGINT, redeploy_started(emu))
    print(
        f"\n[SIGINT] everything gone {interrupted.gone_after:.2f}s after the CLI; calls so far {len(calls.take())}"
    )
    assert interrupted.returncode != 0 and "update canceled" in interrupted.output
    assert interrupted.left_running == []
    # the engine waited for the calls in flight and recorded them: no lock, nothing pending
    fleet.cli("up", "--yes")
    assert_converged(fleet, emu)


def test_sigkill_leaves_a_lock_and_pending_operations_that_the_documented_steps_clear(
    fleet: Project, emu: RunningEmulator, calls: Calls
) -> None:
    killed = interrupted_up(fleet, signal.SIGKILL, redeploy_started(emu))
    print(
        f"\n[SIGKILL] everything gone {killed.gone_after:.2f}s after the CLI; calls so far {len(calls.take())}"
    )
    # the language host, the program and the provider host went with their engine
    assert killed.left_running == [] and killed.gone_after < 3

    # the user checks each phone whose redeploy was in flight; here the emulator's log says
    # which redeploys reached Maytapi
    recovery = recover_after_kill(fleet, lambda urn: bool(emu.api_calls(path=f"/{phone_of(urn)}/redeploy$")))
    # the stack was still locked by the dead CLI, and the next up said how to unlock it (unless
    # the kill cut a metadata file of the local backend short, which the recovery removed)
    assert recovery.locked.returncode != 0
    assert "pulumi cancel" in recovery.locked.output or recovery.repaired
    # the kill landed while a redeploy was in flight, and it had reached Maytapi
    assert recovery.in_doubt and recovery.recorded
    assert set(recovery.in_doubt) <= set(recovery.in_flight)
    assert_converged(fleet, emu)
