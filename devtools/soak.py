"""The reliability run (`./dev soak`): a Maytapi emulator on loopback, real `pulumi` commands as
users type them, faults and interruptions, and per scenario the figures the docs'
"Reliability (soak)" table shows:

- runs, and how many converged in one `up` (every phone as declared, the `up` exit 0);
- API calls the emulator logged (faulted ones included);
- duplicate action firings: an action carried out more than once for one revision (target 0);
- phones left diverged after the documented recovery (target 0);
- occurrences of the API token in everything captured: every command's output, the stack
  exports, the emulator's call log and the answers of direct calls (target 0).

Scenarios: a fleet under 30 % transient faults (seeded; its configs, and a FleetLogout of all
its phones whose calls Maytapi refuses as often), lost action answers (answered as the
docs say), SIGINT and SIGKILL mid-`up` (recovered as the docs say), concurrent config
POSTs straight at the emulator, and every bad input the reference lists (refused at preview,
no call). It stops by itself: each scenario's runs are bounded in count, and once the
`--minutes` budget is spent the remaining runs are skipped and the table says so.

`--quick` is the small form the test suite runs (tests/test_soak.py)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from devtools.emulator import RunningEmulator
from devtools.interrupt import interrupted, recover_after_kill
from devtools.stack import ROOT, Project

TOKEN = f"soak-token-{random.Random().getrandbits(64):016x}"
HOOK = "https://hooks.example.com/maytapi/{phone}"
# Transient faults spread over the config calls: five kinds, together about 30 % of calls.
FAULT_KINDS: list[dict[str, Any]] = [
    {"status": 503},
    {"status": 502},
    {"status": 504},
    {"status": 429, "retry_after": 1},
    {"drop": True},
]
FAULT_RATE = 0.30
# What a client may retry of an action: the request refused (the others may have reached Maytapi).
ACTION_FAULT_KINDS: list[dict[str, Any]] = [{"status": 503}, {"status": 429, "retry_after": 1}]


@dataclass
class Tally:
    """One scenario's figures."""

    scenario: str
    runs: int = 0
    converged_in_one_up: int = 0
    api_calls: int = 0
    duplicate_firings: int = 0
    diverged_phones: int = 0
    token_occurrences: int = 0
    seconds: float = 0.0
    skipped_runs: int = 0
    notes: list[str] = field(default_factory=list)


def fleet_program(phones: list[str], revision: int | None = None, logout: bool = False) -> str:
    """A PhoneConfig per phone, with `revision` a Redeploy per phone after its config, and with
    `logout` a FleetLogout of all the phones after their configs."""
    action = (
        f"    Redeploy(f'phone-{{phone}}-redeploy', phone_id=phone, revision={revision}, "
        "opts=pulumi.ResourceOptions(depends_on=[config]))\n"
        if revision is not None
        else ""
    )
    fleet_logout = (
        f"FleetLogout('phones-logout', phone_ids={phones!r}, revision={revision}, "
        "opts=pulumi.ResourceOptions(depends_on=configs))\n"
        if logout
        else ""
    )
    return (
        "import pulumi\nfrom maytapi_pulumi import FleetLogout, PhoneConfig, Redeploy\n"
        f"configs = []\nfor phone in {phones!r}:\n"
        f"    config = PhoneConfig(f'phone-{{phone}}', phone_id=phone, webhook={HOOK!r}.format(phone=phone))\n"
        "    configs.append(config)\n" + action + fleet_logout
    )


# Every bad input the reference lists: (what, the resource's code, the property named).
BAD_INPUTS: list[tuple[str, str, str]] = [
    ("non-numeric phone id", 'PhoneConfig("bad", phone_id="abc")', "phone_id"),
    ("negative phone id", 'PhoneConfig("bad", phone_id="-12")', "phone_id"),
    ("empty phone id", 'PhoneConfig("bad", phone_id="")', "phone_id"),
    ("whitespace phone id", 'PhoneConfig("bad", phone_id="  ")', "phone_id"),
    ("webhook not a URL", 'PhoneConfig("bad", phone_id="12", webhook="hooks")', "webhook"),
    ("webhook without a host", 'PhoneConfig("bad", phone_id="12", webhook="https://")', "webhook"),
    ("webhook scheme ftp", 'PhoneConfig("bad", phone_id="12", webhook="ftp://hooks.example.com/x")', "webhook"),
    ("webhook with a space", 'PhoneConfig("bad", phone_id="12", webhook="https://hooks.example.com/a b")', "webhook"),
    ("webhook with a control character", 'PhoneConfig("bad", phone_id="12", webhook="https://hooks.example.com/\\x01")', "webhook"),
    ("webhook over 2048 characters", 'PhoneConfig("bad", phone_id="12", webhook="https://hooks.example.com/" + "a" * 2048)', "webhook"),
    ("plain http to another host", 'PhoneConfig("bad", phone_id="12", webhook="http://hooks.example.com/x")', "webhook"),
    ("ack_delivery not a boolean", 'PhoneConfig("bad", phone_id="12", ack_delivery="yes")', "ack_delivery"),
    ("unknown PhoneConfig property", 'PhoneConfig("bad", phone_id="12", webhok="https://hooks.example.com/x")', "webhok"),
    ("empty revision", 'Redeploy("bad", phone_id="12", revision="")', "revision"),
    ("non-positive ready_timeout", 'Redeploy("bad", phone_id="12", revision=1, ready_timeout=-1)', "ready_timeout"),
    ("wait_until_ready not a boolean", 'Redeploy("bad", phone_id="12", revision=1, wait_until_ready="yes")', "wait_until_ready"),
    ("unknown action property", 'Logout("bad", phone_id="12", revison=1)', "revison"),
]  # fmt: skip


class Soak:
    """Runs the scenarios against one emulator; every stack lives under `workdir`."""

    def __init__(self, emu: RunningEmulator, workdir: Path, deadline: float) -> None:
        self.emu = emu
        self.workdir = workdir
        self.deadline = deadline
        self.projects = 0
        self.captured: list[str] = []

    # -- helpers ---------------------------------------------------------------------------

    def project(self, program: str, config: dict[str, str] | None = None) -> Project:
        self.projects += 1
        return Project.create(
            self.workdir / f"project{self.projects}",
            self.workdir / f"state{self.projects}",
            program,
            config={**self.emu.stack_config, **(config or {})},
            secrets={"maytapi:apiToken": TOKEN},
        )

    def capture(self, project: Project) -> None:
        """Everything a user or a CI log could show: the commands' output and the export."""
        self.captured.extend(project.log)
        self.captured.append(project.cli("stack", "export").stdout)

    def runs(self, tally: Tally, count: int) -> Iterator[int]:
        for run in range(count):
            if time.monotonic() > self.deadline:
                tally.skipped_runs = count - run
                tally.notes.append(f"{count - run} runs skipped: time budget spent")
                return
            tally.runs += 1
            yield run

    @contextlib.contextmanager
    def guard(self, tally: Tally, run: int) -> Iterator[None]:
        """A run that breaks is a finding, noted (and not counted as converged), not the end of
        the soak."""
        try:
            yield
        except Exception as exc:  # any failure of a run is reported, whatever it is
            last = str(exc).strip().splitlines()[-1:] or [type(exc).__name__]
            tally.notes.append(f"run {run} broke: {last[0][:300]}")

    def scenario(self, tally: Tally, body: Callable[[Tally], None]) -> Tally:
        started, captured = time.monotonic(), len(self.captured)
        print(f"[soak] {tally.scenario} ...", flush=True)
        self.emu.reset()
        try:
            body(tally)
        finally:
            tally.seconds = round(time.monotonic() - started, 1)
            self.captured.append(json.dumps(self.emu.calls()))
            tally.token_occurrences = sum(text.count(TOKEN) for text in self.captured[captured:])
            print(f"[soak] {tally.scenario}: {tally.runs} runs in {tally.seconds}s", flush=True)
        return tally

    def calls_now(self) -> int:
        return len(self.emu.api_calls())

    def diverged(self, phones: list[str]) -> int:
        want = {phone: HOOK.format(phone=phone) for phone in phones}
        return sum(self.emu.phone(phone)["webhook"] != hook for phone, hook in want.items())

    def count_end(
        self,
        tally: Tally,
        fleet: list[str],
        project: Project,
        recovered: bool = True,
        actions: tuple[str, ...] = ("redeploy",),
    ) -> None:
        """After the documented recovery: calls, duplicates, and phones not as declared (a
        config off, or one of `actions` never carried out on it); converged when nothing is
        left to do."""
        settled = project.cli("up", "--yes", "--expect-no-changes", check=False)
        if settled.returncode != 0:
            tally.notes.append(
                "left changes to make: " + " | ".join(settled.output.strip().splitlines()[-12:])
            )
        settled_ok = recovered and settled.returncode == 0
        done = {action: self.carried_out(action) for action in actions}
        diverged = self.diverged(fleet) + sum(len(set(fleet) - set(d)) for d in done.values())
        tally.api_calls += self.calls_now()
        # beyond one per phone: each phone's revision is 1
        tally.duplicate_firings += sum(n - 1 for d in done.values() for n in d.values() if n > 1)
        tally.diverged_phones += diverged
        tally.converged_in_one_up += int(settled_ok and diverged == 0)

    def carried_out(self, action: str) -> Counter[str]:
        """How many times Maytapi carried out `action` (its endpoint) on each phone: answered 200,
        late ones included (a call whose client gave up is carried out all the same)."""
        calls = self.emu.api_calls(path=f"/{action}$")
        return Counter(
            c["path"].split("/")[-2] for c in calls if c["status"] == 200 and c["fault"] != "success_false"
        )

    # -- scenarios ---------------------------------------------------------------------------

    def fleet_under_faults(self, tally: Tally, phones: int, runs: int) -> None:
        """`phones` PhoneConfigs and Redeploys and a FleetLogout of them all; about 30 % of config
        calls fail transiently, and 30 % of the logouts are refused (503, 429)."""
        fleet = [str(1000 + n) for n in range(phones)]
        for run in self.runs(tally, runs):
            with self.guard(tally, run):
                self.emu.reset(phones=fleet)
                for path, kinds in (("/config$", FAULT_KINDS), ("/logout$", ACTION_FAULT_KINDS)):
                    rate = 1 - (1 - FAULT_RATE) ** (1 / len(kinds))
                    for kind, fault in enumerate(kinds):
                        self.emu.fault(path=path, rate=rate, seed=run * 100 + kind, **fault)
                project = self.project(fleet_program(fleet, revision=1, logout=True))
                first = project.cli("up", "--yes", check=False)
                one_up = first.returncode == 0 and self.diverged(fleet) == 0
                if not one_up:
                    tally.notes.append(f"run {run}: the first up failed; a second up without faults followed")
                    self.emu.clear_faults()
                    project.cli("up", "--yes", check=False)
                self.count_end(tally, fleet, project, recovered=one_up, actions=("redeploy", "logout"))
                self.capture(project)

    def lost_action_answers(self, tally: Tally, runs: int) -> None:
        """A redeploy's answer is lost: late (it happened) on even runs, the connection dropped
        before Maytapi acted (it did not) on odd ones. The up fails by design; the user answers
        as the docs say; then one plain up. Each revision must be carried out once."""
        fleet = ["12", "13", "14"]
        for run in self.runs(tally, runs):
            with self.guard(tally, run):
                self.emu.reset(phones=fleet)
                phone = fleet[run % len(fleet)]
                late = run % 2 == 0
                fault: dict[str, Any] = {"latency_ms": 2000} if late else {"drop": True}
                self.emu.fault(path=f"/{phone}/redeploy$", **fault)
                project = self.project(
                    fleet_program(fleet, revision=1), config={"maytapi:readTimeout": "0.5"}
                )
                first = project.cli("up", "--yes", check=False)
                if first.returncode == 0 or "MAYTAPI_UNCERTAIN_ACTIONS" not in first.output:
                    tally.notes.append(f"run {run}: the up did not fail saying how to answer")
                self._settle()
                answer = "happened" if late else "not-happened"
                answered = project.cli("up", "--yes", check=False, env={"MAYTAPI_UNCERTAIN_ACTIONS": answer})
                self.count_end(tally, fleet, project, answered.returncode == 0)
                self.capture(project)

    def _settle(self) -> None:
        """Wait (bounded) until the emulator has answered every call, late ones included."""
        deadline = time.monotonic() + 10
        while any(c["status"] is None and c["fault"] != "drop" for c in self.emu.api_calls()):
            if time.monotonic() > deadline:
                return
            time.sleep(0.1)

    def interrupted(self, tally: Tally, sig: signal.Signals, phones: int, runs: int) -> None:
        """An up of `phones` PhoneConfigs and Redeploys (calls answered after 200 ms) gets
        `sig` once the first redeploy reached Maytapi; then the documented recovery."""
        fleet = [str(2000 + n) for n in range(phones)]
        for run in self.runs(tally, runs):
            with self.guard(tally, run):
                self.emu.reset(phones=fleet)
                self.emu.fault(rate=1.0, latency_ms=200)
                project = self.project(fleet_program(fleet, revision=1))
                stopped = interrupted(project, sig, lambda: bool(self.emu.api_calls(path="/redeploy$")))
                if stopped.left_running:
                    tally.notes.append(
                        f"left running {stopped.gone_after:.1f}s after the CLI: {stopped.left_running}"
                    )
                self._settle()
                if sig is signal.SIGKILL:
                    recover_after_kill(
                        project, lambda _urn, phone: bool(self.emu.api_calls(path=f"/{phone}/redeploy$"))
                    )
                else:
                    project.cli("up", "--yes", check=False)
                self.count_end(tally, fleet, project)
                self.capture(project)

    def concurrent_posts(self, tally: Tally, posts: int, runs: int) -> None:
        """`posts` config POSTs at once, each to its own phone, straight at the emulator."""
        phones = [str(3000 + n) for n in range(posts)]

        def post(phone: str) -> str:
            response = requests.post(
                f"{self.emu.api_url}/{phone}/config",
                json={"webhook": HOOK.format(phone=phone), "ack_delivery": True},
                headers={"x-maytapi-key": self.emu.token},
                timeout=30,
            )
            return f"{response.status_code} {response.text}"

        for run in self.runs(tally, runs):
            with self.guard(tally, run):
                self.emu.reset(phones=phones)
                with ThreadPoolExecutor(posts) as pool:
                    answers = list(pool.map(post, phones))
                self.captured.extend(answers)
                if all(answer.startswith("200 ") for answer in answers):
                    tally.converged_in_one_up += 1
                tally.api_calls += self.calls_now()
                tally.diverged_phones += self.diverged(phones)

    def bad_inputs(self, tally: Tally, cases: list[tuple[str, str, str]]) -> None:
        """Each bad input in a program: `pulumi preview` fails naming the property; no call."""
        project = self.project("")
        for what, code, prop in cases:
            if time.monotonic() > self.deadline:
                tally.skipped_runs += 1
                continue
            tally.runs += 1
            project.write_program(f"from maytapi_pulumi import Logout, PhoneConfig, Redeploy\n{code}\n")
            preview = project.cli("preview", check=False)
            named = re.search(rf"property {re.escape(prop)}\b", preview.output) is not None
            if preview.returncode != 0 and named:
                tally.converged_in_one_up += 1  # here: refused as documented
            else:
                tally.notes.append(f"{what}: not refused naming {prop!r}")
        if tally.skipped_runs:
            tally.notes.append(f"{tally.skipped_runs} inputs skipped: time budget spent")
        tally.api_calls += self.calls_now()
        self.capture(project)


def run_soak(quick: bool, minutes: float, workdir: Path) -> list[Tally]:
    deadline = time.monotonic() + minutes * 60
    with RunningEmulator(token=TOKEN, phones=("12", "13", "14"), redeploy_seconds=0.2) as emu:
        soak = Soak(emu, workdir, deadline)
        plan: list[tuple[str, Callable[[Tally], None]]] = [
            (f"fleet of {10 if quick else 50} under 30 % faults",
             lambda t: soak.fleet_under_faults(t, phones=10 if quick else 50, runs=1 if quick else 10)),
            ("lost action answers", lambda t: soak.lost_action_answers(t, runs=1 if quick else 6)),
            ("SIGINT mid-up", lambda t: soak.interrupted(t, signal.SIGINT, phones=4 if quick else 12, runs=1 if quick else 3)),
            ("SIGKILL mid-up", lambda t: soak.interrupted(t, signal.SIGKILL, phones=4 if quick else 12, runs=1 if quick else 3)),
            (f"{50 if quick else 200} concurrent config POSTs",
             lambda t: soak.concurrent_posts(t, posts=50 if quick else 200, runs=1 if quick else 3)),
            ("bad inputs of the reference", lambda t: soak.bad_inputs(t, BAD_INPUTS[:2] if quick else BAD_INPUTS)),
        ]  # fmt: skip
        return [soak.scenario(Tally(name), body) for name, body in plan]


def table(tallies: list[Tally]) -> str:
    lines = [
        "| scenario | runs | converged in one up | API calls | duplicate action firings | phones left diverged | token occurrences | s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in tallies:
        lines.append(
            f"| {t.scenario} | {t.runs} | {t.converged_in_one_up} | {t.api_calls} | {t.duplicate_firings} "
            f"| {t.diverged_phones} | {t.token_occurrences} | {t.seconds} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cores = os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.system()} {platform.machine()}, {cores} cores, {memory:.0f} GiB, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small form the test suite runs")
    parser.add_argument(
        "--minutes", type=float, default=20.0, help="time budget; later runs are skipped (default 20)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / ".work" / "soak" / "results.json")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="maytapi-soak-"))
    try:
        tallies = run_soak(args.quick, args.minutes, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"\nsoak {'--quick ' if args.quick else ''}{stamp}; {machine()}\n")
    print(table(tallies))
    for t in tallies:
        for note in t.notes:
            print(f"- {t.scenario}: {note}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"date": stamp, "machine": machine(), "quick": args.quick,
                                    "tallies": [asdict(t) for t in tallies]}, indent=2))  # fmt: skip
    missed = [t for t in tallies if t.duplicate_firings or t.diverged_phones or t.token_occurrences]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
