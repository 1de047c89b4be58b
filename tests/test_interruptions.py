"""A real `pulumi up` of a fleet interrupted midway, by SIGINT (Ctrl-C, a CI cancel) and by
SIGKILL, then recovered exactly as the README's "When an up is interrupted" says: every phone
ends as declared, no action fires twice, and nothing the CLI started outlives it."""

from __future__ import annotations

import json
import re
import signal
from collections import Counter
from collections.abc import Callable

import pytest

from devtools.emulator import RunningEmulator
from devtools.interrupt import interrupted_up
from devtools.stack import Project
from tests.conftest import Calls

PHONES = [str(n) for n in range(20, 32)]
PROGRAM = f"""
import pulumi
from maytapi_pulumi import PhoneConfig, Redeploy
for phone in {PHONES!r}:
    config = PhoneConfig(f"phone-{{phone}}", phone_id=phone, webhook=f"https://hooks.example.com/{{phone}}")
    Redeploy(f"phone-{{phone}}-redeploy", phone_id=phone, revision=1, opts=pulumi.ResourceOptions(depends_on=[config]))
"""


@pytest.fixture
def fleet(make_project: Callable[..., Project], emu: RunningEmulator) -> Project:
    emu.reset(phones=PHONES)
    # every call is answered after 200 ms, so the interruption lands while calls are in flight
    emu.fault(rate=1.0, latency_ms=200)
    return make_project(PROGRAM)


def redeploy_started(emu: RunningEmulator) -> Callable[[], bool]:
    return lambda: bool(emu.api_calls(path="/redeploy$"))


def phone_of(urn: str) -> str:
    match = re.search(r"::phone-(\d+)-redeploy$", urn)
    assert match, urn
    return match.group(1)


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
    fleet: Project, emu: RunningEmulator, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed = interrupted_up(fleet, signal.SIGKILL, redeploy_started(emu))
    print(
        f"\n[SIGKILL] everything gone {killed.gone_after:.2f}s after the CLI; calls so far {len(calls.take())}"
    )
    # the language host, the program and the provider host went with their engine
    assert killed.left_running == [] and killed.gone_after < 3

    # 1. the stack is still locked by the dead CLI
    locked = fleet.cli("up", "--yes", check=False)
    assert locked.returncode != 0 and "pulumi cancel" in locked.output
    fleet.cli("cancel", "--yes")

    # 2. what was in flight: `pulumi stack export | jq -r '.deployment.pending_operations[]?.resource.urn'`
    export = json.loads(fleet.cli("stack", "export").stdout)["deployment"]
    in_flight = [op["resource"]["urn"] for op in export["pending_operations"]]
    in_doubt = [urn for urn in in_flight if ":Redeploy::" in urn]
    assert in_doubt, "the kill landed while a redeploy was in flight"

    # 3. clear the pending operations (configs are sent again by the next up anyway)
    fleet.cli("refresh", "--yes", "--clear-pending-creates")

    # 4. the user checks each phone in doubt (here: the emulator's log says which redeploys
    #    reached Maytapi) and records those that happened, without a call
    happened = [urn for urn in in_doubt if emu.api_calls(path=f"/{phone_of(urn)}/redeploy$")]
    assert happened, "a redeploy in flight reached Maytapi"
    calls.take()
    with monkeypatch.context() as env:
        env.setenv("MAYTAPI_UNCERTAIN_ACTIONS", "happened")
        fleet.cli("up", "--yes", *(arg for urn in happened for arg in ("--target", urn)))
    assert calls.take() == []

    # 5. a plain up finishes the fleet
    fleet.cli("up", "--yes")
    assert_converged(fleet, emu)
