"""A real `pulumi up` of a fleet interrupted midway, by SIGINT (Ctrl-C, a CI cancel) and by
SIGKILL, then recovered exactly as docs/guides/interruptions.md says: every phone ends as
declared, no action fires twice (the single Redeploys nor the FleetLogout of all the phones,
interrupted while it fires), and nothing the CLI started outlives it."""

from __future__ import annotations

import json
import signal
from collections import Counter
from collections.abc import Callable

import pytest

from devtools.emulator import RunningEmulator
from devtools.interrupt import interrupted, recover_after_kill
from devtools.stack import Project
from tests.conftest import Calls, Family

PHONES = [str(n) for n in range(20, 32)]
PROGRAM = f"""
import pulumi
IMPORTS
configs = []
for phone in {PHONES!r}:
    config = PhoneConfig(f"phone-{{phone}}", phone_id=phone, webhook=f"https://hooks.example.com/{{phone}}")
    Redeploy(f"phone-{{phone}}-redeploy", phone_id=phone, revision=1, opts=pulumi.ResourceOptions(depends_on=[config]))
    configs.append(config)
FleetLogout("phones-logout", phone_ids={PHONES!r}, revision=1, opts=pulumi.ResourceOptions(depends_on=configs))
"""


@pytest.fixture
def fleet(make_project: Callable[..., Project], emu: RunningEmulator, family: Family) -> Project:
    emu.reset(phones=PHONES)
    # every call is answered after 200 ms, so the interruption lands while calls are in flight
    emu.fault(rate=1.0, latency_ms=200)
    return make_project(PROGRAM.replace("IMPORTS", family.imports("FleetLogout", "PhoneConfig", "Redeploy")))


def firing(emu: RunningEmulator) -> Callable[[], bool]:
    """Once the fleet action's first call reached Maytapi: it is firing, and redeploys with it."""
    return lambda: bool(emu.api_calls(path="/logout$"))


def happened(emu: RunningEmulator) -> Callable[[str, str], bool]:
    """The user checking a phone of an action in flight; here the emulator's log says."""
    return lambda urn, phone: bool(
        emu.api_calls(path=f"/{phone}/{'logout' if 'Logout' in urn else 'redeploy'}$")
    )


def assert_converged(project: Project, emu: RunningEmulator) -> None:
    """Every phone as declared, each redeployed and logged out exactly once, nothing left to do."""
    for phone in PHONES:
        assert emu.phone(phone)["webhook"] == f"https://hooks.example.com/{phone}"
    for action in ("redeploy", "logout"):
        done = Counter(call["path"].split("/")[-2] for call in emu.api_calls(path=f"/{action}$"))
        assert done == dict.fromkeys(PHONES, 1), action
    project.cli("up", "--yes", "--expect-no-changes")
    assert "pending_operations" not in json.loads(project.cli("stack", "export").stdout)["deployment"]


def test_sigint_cancels_gracefully_and_a_plain_up_finishes_the_fleet(
    fleet: Project, emu: RunningEmulator, calls: Calls
) -> None:
    stopped = interrupted(fleet, signal.SIGINT, firing(emu))
    print(
        f"\n[SIGINT] everything gone {stopped.gone_after:.2f}s after the CLI; calls so far {len(calls.take())}"
    )
    assert stopped.returncode != 0 and "update canceled" in stopped.output
    assert stopped.left_running == []
    # the engine waited for the calls in flight and recorded them: no lock, nothing pending
    fleet.cli("up", "--yes")
    assert_converged(fleet, emu)


def test_sigkill_leaves_a_lock_and_pending_operations_that_the_documented_steps_clear(
    fleet: Project, emu: RunningEmulator, calls: Calls
) -> None:
    killed = interrupted(fleet, signal.SIGKILL, firing(emu))
    print(
        f"\n[SIGKILL] everything gone {killed.gone_after:.2f}s after the CLI; calls so far {len(calls.take())}"
    )
    # the language host, the program and the provider host went with their engine
    assert killed.left_running == [] and killed.gone_after < 3

    # the user checks each phone of each action that was in flight
    recovery = recover_after_kill(fleet, happened(emu))
    # the stack was still locked by the dead CLI, and the next up said how to unlock it (unless
    # the kill cut a metadata file of the local backend short, which the recovery removed)
    assert recovery.locked.returncode != 0
    assert "pulumi cancel" in recovery.locked.output or recovery.repaired
    # the kill landed while the fleet action was firing: the phones its calls had reached are
    # answered "happened" for it alone, and its others fire once in the recovery
    (logout,) = [urn for urn in recovery.in_doubt if urn.endswith("::phones-logout")]
    assert recovery.recorded[logout]
    assert set(recovery.in_doubt) <= set(recovery.in_flight)
    assert_converged(fleet, emu)
