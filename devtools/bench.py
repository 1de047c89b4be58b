"""The fleet benchmark: `./dev bench` (`python -m devtools.bench`).

For each fleet size N it starts the emulator with N phones (ids 1000..1000+N-1) and runs, in
order, the scenarios below on four fleets side by side, interleaved scenario by scenario
(floor, real, native, direct) so that machine drift hits all of them alike:

- real: N PhoneConfig (one per phone) through the engine, against the emulator;
- native: the same through the native provider (`maytapi:index:PhoneConfig`, the plugin
  pulumi-resource-maytapi), targets <= 0.8x the floor at N=500 for create, update, noop_up, destroy;
- floor: N devtools.noop.Noop of the same shape: the engine's own cost;
- direct: a plain requests.Session loop making the minimal API calls, no engine.

Scenarios: create, noop_up, noop_preview, refresh, update (every webhook), add_actions (setup of
fire: N Redeploy with fire_on_create=False, measured but without a time target; it must make no
call), fire (an up that bumps the revision of all N Redeploy: N GET /{id}/redeploy; Redeploy
without wait_until_ready), destroy (N POST for PhoneConfig, none for the actions). The floor's
"actions" are N more Noop, whose values fire bumps. The direct run's calls are the minimum the
API-call target compares with. An extra scenario, create_latency, creates N=100 (10 with
--quick) against an emulator adding --latency-ms to every call, compared to floor + N*latency/4
(the dynamic-provider host serves 4 calls at once); the native run is compared to
floor + N*latency/in-flight, where in-flight is the most calls the emulator had open at once
(from the start and end of each call in its log), which must be above 4.

Reported per row: wall time of the Automation API call; API calls by method and path pattern
(from the emulator's call log, counted between scenarios); peak RSS (VmHWM) of the dynamic
provider process (`python -u -m pulumi.dynamic`, a descendant of this process), sampled every
50 ms. Per N, after create (and, for Redeploy, after add_actions): the size of each resource
entry of `pulumi stack export` (compact JSON; also without the engine's sourcePosition and
stackTrace) and of its `__provider` input.

A failed engine run is a row marked FAILED with its error, not an exception: the other rows
still run. Targets are printed pass/FAIL; the exit status does not depend on them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from pulumi import automation as auto

from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, Project

FIRST_PHONE = 1000
SCENARIOS = ("create", "noop_up", "noop_preview", "refresh", "update", "add_actions", "fire", "destroy")
LATENCY_SCENARIO = "create_latency"
UNTIMED = ("add_actions",)  # setup steps: reported, but no time target
DEFAULT_OUT = ROOT / ".work" / "bench" / "results.json"

TIME_TARGET_N, TIME_RATIO_MAX, LATENCY_RATIO_MAX = 500, 1.10, 1.2
NATIVE_RATIO_MAX, NATIVE_TIMED, NATIVE_IN_FLIGHT_MIN = 0.8, ("create", "update", "noop_up", "destroy"), 4
PROVIDER_BYTES_MAX, ENTRY_BYTES_MAX, RSS_MB_MAX = 512, 2048, 150.0


def phones(n: int) -> list[str]:
    return [str(FIRST_PHONE + i) for i in range(n)]


def hook(phone: str, version: int) -> str:
    return f"https://hooks.example.com/v{version}/{phone}"


# -- the fleets ------------------------------------------------------------------------------

REAL_PROGRAM = """
from maytapi_pulumi import PhoneConfig, Redeploy
N, FIRST, VERSION, REVISION = {n}, {first}, {version}, {revision!r}
for pid in map(str, range(FIRST, FIRST + N)):
    PhoneConfig(f"phone-{{pid}}", phone_id=pid, webhook=f"https://hooks.example.com/v{{VERSION}}/{{pid}}",
                ack_delivery=True)
    if REVISION is not None:
        Redeploy(f"redeploy-{{pid}}", phone_id=pid, revision=REVISION, fire_on_create=False)
"""

NATIVE_PROGRAM = """
import pulumi
N, FIRST, VERSION, REVISION = {n}, {first}, {version}, {revision!r}
for pid in map(str, range(FIRST, FIRST + N)):
    pulumi.CustomResource("maytapi:index:PhoneConfig", f"phone-{{pid}}", {{"phoneId": pid,
        "webhook": f"https://hooks.example.com/v{{VERSION}}/{{pid}}", "ackDelivery": True}})
    if REVISION is not None:
        pulumi.CustomResource("maytapi:index:Redeploy", f"redeploy-{{pid}}", {{"phoneId": pid,
            "revision": REVISION, "fireOnCreate": False}})
"""

FLOOR_PROGRAM = """
from devtools.noop import Noop
N, FIRST, VERSION, REVISION = {n}, {first}, {version}, {revision!r}
for pid in map(str, range(FIRST, FIRST + N)):
    Noop(f"phone-{{pid}}", value=f"https://hooks.example.com/v{{VERSION}}/{{pid}}")
    if REVISION is not None:
        Noop(f"redeploy-{{pid}}", value=REVISION)
"""


@dataclass
class Fleet:
    """One stack of N resources (PhoneConfig or Noop) and, once added, N actions."""

    template: str
    n: int
    project: Project | None = None
    version: int = 1
    revision: int | None = None

    def source(self) -> str:
        return self.template.format(n=self.n, first=FIRST_PHONE, version=self.version, revision=self.revision)

    def open(self, directory: Path, emu: RunningEmulator) -> None:
        self.project = Project.create(
            directory / "project",
            directory / "state",
            self.source(),
            config={"maytapi:productId": emu.product_id, "maytapi:baseUrl": emu.base_url},
            secrets={"maytapi:apiToken": emu.token},
            name="maytapi-bench",
        )

    @property
    def stack(self) -> Project:
        assert self.project is not None, "open() the fleet first"
        return self.project

    def change(self, *, version: int | None = None, revision: int | None = None) -> None:
        self.version = version or self.version
        self.revision = revision or self.revision
        self.stack.write_program(self.source())


# One function per scenario: it changes the program (untimed) and returns the Automation API
# call to time, which returns the engine's change summary ({"create": 10, "same": 1}).
Step = Callable[[], dict[str, int]]


def counts(summary: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(op): count for op, count in (summary or {}).items()}


def up(fleet: Fleet) -> Step:
    return lambda: counts(fleet.stack.up().summary.resource_changes)


def create(fleet: Fleet) -> Step:
    return up(fleet)


def noop_up(fleet: Fleet) -> Step:
    return up(fleet)


def noop_preview(fleet: Fleet) -> Step:
    return lambda: counts(fleet.stack.preview().change_summary)


def refresh(fleet: Fleet) -> Step:
    return lambda: counts(fleet.stack.refresh().summary.resource_changes)


def update(fleet: Fleet) -> Step:
    fleet.change(version=2)
    return up(fleet)


def add_actions(fleet: Fleet) -> Step:
    fleet.change(revision=1)
    return up(fleet)


def fire(fleet: Fleet) -> Step:
    fleet.change(revision=(fleet.revision or 0) + 1)
    return up(fleet)


def destroy(fleet: Fleet) -> Step:
    return lambda: counts(fleet.stack.destroy().summary.resource_changes)


STEPS: dict[str, Callable[[Fleet], Step]] = {
    "create": create,
    "noop_up": noop_up,
    "noop_preview": noop_preview,
    "refresh": refresh,
    "update": update,
    "add_actions": add_actions,
    "fire": fire,
    "destroy": destroy,
    LATENCY_SCENARIO: create,
}


# -- the direct API baseline ---------------------------------------------------------------


@dataclass(frozen=True)
class ApiCall:
    method: str
    path: str
    body: dict[str, Any] | None = None


def direct_calls(scenario: str, phones: Sequence[str]) -> list[ApiCall]:
    """The minimal API calls of a scenario: what the direct baseline makes, and the target."""
    match scenario:
        case "create" | "create_latency":
            return [
                ApiCall("POST", f"/{p}/config", {"webhook": hook(p, 1), "ack_delivery": True}) for p in phones
            ]
        case "refresh":
            return [ApiCall("GET", f"/{p}/config") for p in phones]
        case "update":
            return [
                ApiCall("POST", f"/{p}/config", {"webhook": hook(p, 2), "ack_delivery": True}) for p in phones
            ]
        case "fire":
            return [ApiCall("GET", f"/{p}/redeploy") for p in phones]
        case "destroy":
            return [ApiCall("POST", f"/{p}/config", {"webhook": "", "ack_delivery": False}) for p in phones]
        case _:  # noop_up, noop_preview, add_actions
            return []


def run_direct(emu: RunningEmulator, calls: Sequence[ApiCall]) -> float:
    with requests.Session() as session:
        session.headers["x-maytapi-key"] = emu.token
        start = time.perf_counter()
        for call in calls:
            response = session.request(call.method, emu.api_url + call.path, json=call.body, timeout=30)
            response.raise_for_status()
            if response.json().get("success") is False:
                raise RuntimeError(f"{call.method} {call.path}: {response.text}")
        return time.perf_counter() - start


def pattern(method: str, path: str) -> str:
    """'POST /api/<product>/1000/config' -> 'POST /{id}/config'."""
    tail = re.sub(r"/\d+(?=/|$)", "/{id}", "/" + "/".join(path.split("/")[3:]))
    return f"{method} {tail}"


class CallLog:
    """The emulator's API calls since the last take(), by method and path pattern."""

    def __init__(self, emu: RunningEmulator) -> None:
        self.emu, self.seen = emu, len(emu.api_calls())

    def take(self) -> dict[str, int]:
        return dict(Counter(pattern(c["method"], c["path"]) for c in self.take_calls()))

    def take_calls(self) -> list[dict[str, Any]]:
        calls = self.emu.api_calls()
        new, self.seen = calls[self.seen :], len(calls)
        return new


def most_in_flight(calls: Sequence[Mapping[str, Any]]) -> int:
    """The most calls open at once, from each call's start ("time") and end ("ended")."""
    events = sorted(
        (datetime.fromisoformat(c[key]), step)
        for c in calls
        if c.get("ended")
        for key, step in (("time", 1), ("ended", -1))
    )
    most = current = 0
    for _, step in events:  # at equal times an end (-1) sorts before a start
        current += step
        most = max(most, current)
    return most


# -- peak RSS of the dynamic-provider process ------------------------------------------------


def _descends_from_us(pid: int) -> bool:
    me = os.getpid()
    while pid > 1:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state is the ppid
        if pid == me:
            return True
    return False


def _provider_hwm_kb() -> dict[int, int]:
    """VmHWM (kB) of every `python -m pulumi.dynamic` process started below this one."""
    peaks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if b"pulumi.dynamic" not in Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0"):
                continue
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        hwm = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if hwm and _descends_from_us(int(entry)):
            peaks[int(entry)] = int(hwm.group(1))
    return peaks


@contextmanager
def provider_rss(interval: float = 0.05) -> Iterator[list[float]]:
    """Yields a list that holds, once the block ends, the peak VmHWM (MB) seen, if any."""
    result: list[float] = []
    stop = threading.Event()
    peak = 0

    def sample() -> None:
        nonlocal peak
        while not stop.wait(interval):
            peak = max([peak, *_provider_hwm_kb().values()])

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        if peak:
            result.append(round(peak / 1024, 1))


# -- results ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One scenario at one size: the real run beside its two baselines."""

    scenario: str
    n: int
    real_s: float
    floor_s: float
    direct_s: float
    reference_s: float  # what real_s is compared to: the floor (+ N*latency/4 for create_latency)
    ratio: float
    ratio_max: float | None  # the time target, where one applies
    api_calls: dict[str, int]
    minimum_calls: dict[str, int]
    real_changes: dict[str, int]
    floor_changes: dict[str, int]
    provider_rss_mb: float | None
    floor_rss_mb: float | None
    real_error: str | None
    floor_error: str | None
    native_s: float
    native_reference_s: float  # the floor (+ N*latency/in-flight for create_latency)
    native_ratio: float
    native_ratio_max: float | None
    native_calls: dict[str, int]
    native_changes: dict[str, int]
    native_in_flight: int  # the most API calls the emulator had open at once during the run
    native_error: str | None

    @property
    def calls_ok(self) -> bool:
        return self.api_calls == self.minimum_calls and self.real_error is None

    @property
    def time_ok(self) -> bool | None:
        if self.ratio_max is None:
            return None
        return self.ratio <= self.ratio_max and not (self.real_error or self.floor_error)

    @property
    def native_calls_ok(self) -> bool:
        return self.native_calls == self.minimum_calls and self.native_error is None

    @property
    def native_time_ok(self) -> bool | None:
        if self.native_ratio_max is None:
            return None
        return self.native_ratio <= self.native_ratio_max and not (self.native_error or self.floor_error)


@dataclass
class Sizes:
    """Resource entries of `pulumi stack export` (compact JSON, bytes) for one type at one N."""

    n: int
    type: str
    count: int
    entry_mean: float
    entry_max: int
    entry_max_no_trace: int  # without the engine's provenance: sourcePosition, stackTrace
    provider_mean: float
    provider_max: int


@dataclass
class Target:
    name: str
    value: str
    limit: str
    ok: bool | None


@dataclass
class Results:
    sizes_n: list[int]
    latency_ms: float
    latency_n: int
    rows: list[Row] = field(default_factory=list)
    sizes: list[Sizes] = field(default_factory=list)


TRACE_KEYS = ("sourcePosition", "stackTrace")


def compact_size(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def measure_sizes(fleet: Fleet, type_suffix: str) -> Sizes:
    resources = fleet.stack.resources(type_suffix)
    entries = [compact_size(r) for r in resources]
    untraced = [compact_size({k: v for k, v in r.items() if k not in TRACE_KEYS}) for r in resources]
    blobs = [r.get("inputs", {}).get("__provider", "") for r in resources]
    providers = [len(b) if isinstance(b, str) else len(json.dumps(b)) for b in blobs]
    return Sizes(
        n=fleet.n,
        type=type_suffix.lstrip(":"),
        count=len(resources),
        entry_mean=round(sum(entries) / max(len(entries), 1), 1),
        entry_max=max(entries, default=0),
        entry_max_no_trace=max(untraced, default=0),
        provider_mean=round(sum(providers) / max(len(providers), 1), 1),
        provider_max=max(providers, default=0),
    )


@dataclass
class Run:
    """One timed Automation API call."""

    seconds: float
    changes: dict[str, int]
    rss_mb: float | None
    error: str | None


def failure(exc: Exception) -> str:
    """The gist of a failed engine run: its last Python exception line, else its last line."""
    text = str(exc).strip()
    errors = re.findall(r"^\s*(\w+(?:Error|Exception): .+)$", text, re.MULTILINE)
    return (errors[-1] if errors else text.splitlines()[-1] if text else repr(exc)).strip()[:200]


def timed(step: Step) -> Run:
    """Time a step; a failed one is reported, not raised, so the other rows still run."""
    changes: dict[str, int] = {}
    error = None
    with provider_rss() as rss:
        start = time.perf_counter()
        try:
            changes = step()
        except auto.errors.CommandError as exc:
            error = failure(exc)
        seconds = time.perf_counter() - start
    return Run(seconds, changes, rss[0] if rss else None, error)


def run_scenario(
    scenario: str,
    real: Fleet,
    floor: Fleet,
    native: Fleet,
    emu: RunningEmulator,
    log: CallLog,
    latency_ms: float = 0.0,
) -> Row:
    floor_run = timed(STEPS[scenario](floor))
    log.take()
    real_run = timed(STEPS[scenario](real))
    api_calls = log.take()
    native_run = timed(STEPS[scenario](native))
    native_log = log.take_calls()
    in_flight = most_in_flight(native_log)
    plan = direct_calls(scenario, phones(real.n))
    direct_s = run_direct(emu, plan)
    log.take()
    reference = floor_run.seconds + real.n * latency_ms / 1000 / 4
    native_reference = floor_run.seconds + real.n * latency_ms / 1000 / max(in_flight, 1)
    if scenario == LATENCY_SCENARIO:
        ratio_max: float | None = LATENCY_RATIO_MAX
        native_ratio_max: float | None = LATENCY_RATIO_MAX
    else:
        ratio_max = TIME_RATIO_MAX if real.n == TIME_TARGET_N and scenario not in UNTIMED else None
        native_ratio_max = NATIVE_RATIO_MAX if real.n == TIME_TARGET_N and scenario in NATIVE_TIMED else None
    row = Row(
        scenario=scenario,
        n=real.n,
        real_s=round(real_run.seconds, 3),
        floor_s=round(floor_run.seconds, 3),
        direct_s=round(direct_s, 3),
        reference_s=round(reference, 3),
        ratio=round(real_run.seconds / reference, 3),
        ratio_max=ratio_max,
        api_calls=api_calls,
        minimum_calls=dict(Counter(pattern(c.method, "/api/p" + c.path) for c in plan)),
        real_changes=real_run.changes,
        floor_changes=floor_run.changes,
        provider_rss_mb=real_run.rss_mb,
        floor_rss_mb=floor_run.rss_mb,
        real_error=real_run.error,
        floor_error=floor_run.error,
        native_s=round(native_run.seconds, 3),
        native_reference_s=round(native_reference, 3),
        native_ratio=round(native_run.seconds / native_reference, 3),
        native_ratio_max=native_ratio_max,
        native_calls=dict(Counter(pattern(c["method"], c["path"]) for c in native_log)),
        native_changes=native_run.changes,
        native_in_flight=in_flight,
        native_error=native_run.error,
    )
    print(format_row(row), file=sys.stderr, flush=True)
    return row


def fleets(directory: Path, emu: RunningEmulator, n: int) -> tuple[Fleet, Fleet, Fleet]:
    real, floor, native = Fleet(REAL_PROGRAM, n), Fleet(FLOOR_PROGRAM, n), Fleet(NATIVE_PROGRAM, n)
    real.open(directory / "real", emu)
    floor.open(directory / "floor", emu)
    native.open(directory / "native", emu)
    return real, floor, native


def bench_size(n: int, scenarios: Sequence[str], results: Results) -> None:
    """The scenarios at one size, in a fresh emulator and a fresh state directory."""
    with (
        RunningEmulator(phones=phones(n)) as emu,
        tempfile.TemporaryDirectory(prefix=f"maytapi-bench-{n}-") as tmp,
    ):
        real, floor, native = fleets(Path(tmp), emu, n)
        log = CallLog(emu)
        for scenario in SCENARIOS:
            wanted = scenario in scenarios or (scenario == "add_actions" and "fire" in scenarios)
            # create is needed by every later step; run it unreported if not asked for.
            if not wanted and scenario != "create":
                continue
            row = run_scenario(scenario, real, floor, native, emu, log)
            if wanted:
                results.rows.append(row)
            if scenario == "create":
                results.sizes.append(measure_sizes(real, ":PhoneConfig"))
            if scenario == "add_actions":
                results.sizes.append(measure_sizes(real, ":Redeploy"))


def bench_latency(n: int, latency_ms: float, results: Results) -> None:
    with (
        RunningEmulator(phones=phones(n), latency_ms=latency_ms) as emu,
        tempfile.TemporaryDirectory(prefix=f"maytapi-bench-latency-{n}-") as tmp,
    ):
        real, floor, native = fleets(Path(tmp), emu, n)
        results.rows.append(
            run_scenario(LATENCY_SCENARIO, real, floor, native, emu, CallLog(emu), latency_ms)
        )


# -- report ----------------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("pass" if ok else "FAIL")


def calls_text(calls: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(calls.items())) or "0"


HEADER = (
    f"{'scenario':<15}{'N':>5}{'real s':>9}{'floor s':>9}{'ratio':>7}{'target':>12}"
    f"{'native s':>10}{'ratio':>7}{'target':>12}{'in-flight':>10}"
    f"{'direct s':>10}{'RSS MB':>8}  {'calls':<5}  API calls (real; native)"
)


def format_row(row: Row) -> str:
    target = "-" if row.ratio_max is None else f"<={row.ratio_max:g} {verdict(row.time_ok)}"
    native = (
        "-" if row.native_ratio_max is None else f"<={row.native_ratio_max:g} {verdict(row.native_time_ok)}"
    )
    rss = "-" if row.provider_rss_mb is None else f"{row.provider_rss_mb:.0f}"
    calls = verdict(row.calls_ok and row.native_calls_ok)
    errors = [
        (who, error)
        for who, error in (("real", row.real_error), ("floor", row.floor_error), ("native", row.native_error))
        if error
    ]
    return (
        f"{row.scenario:<15}{row.n:>5}{row.real_s:>9.2f}{row.floor_s:>9.2f}{row.ratio:>7.2f}{target:>12}"
        f"{row.native_s:>10.2f}{row.native_ratio:>7.2f}{native:>12}{row.native_in_flight:>10}"
        f"{row.direct_s:>10.3f}{rss:>8}  {calls:<5}  {calls_text(row.api_calls)}; {calls_text(row.native_calls)}"
        + "".join(f"\n{'':<20}{who} FAILED: {error}" for who, error in errors)
    )


def targets(results: Results) -> list[Target]:
    rows = results.rows
    wrong = [f"{r.scenario}@{r.n}{' (failed)' if r.real_error else ''}" for r in rows if not r.calls_ok]
    wrong_native = [
        f"{r.scenario}@{r.n}{' (failed)' if r.native_error else ''}" for r in rows if not r.native_calls_ok
    ]
    found: list[Target] = [
        Target("API calls at the minimum", ", ".join(wrong) or "all rows", "every row", not wrong),
        Target(
            "native API calls at the minimum",
            ", ".join(wrong_native) or "all rows",
            "every row",
            not wrong_native,
        ),
    ]
    for row in rows:
        if row.ratio_max is not None:
            reference = "floor+N*lat/4" if row.scenario == LATENCY_SCENARIO else "floor"
            found.append(
                Target(
                    f"time {row.scenario} N={row.n}",
                    f"{row.ratio:.2f}x {reference}",
                    f"<= {row.ratio_max:g}x",
                    row.time_ok,
                )
            )
    for row in rows:
        if row.native_ratio_max is not None:
            reference = "floor+N*lat/in-flight" if row.scenario == LATENCY_SCENARIO else "floor"
            found.append(
                Target(
                    f"native time {row.scenario} N={row.n}",
                    f"{row.native_ratio:.2f}x {reference}",
                    f"<= {row.native_ratio_max:g}x",
                    row.native_time_ok,
                )
            )
        if row.scenario == LATENCY_SCENARIO:
            found.append(
                Target(
                    "native calls in flight at once",
                    str(row.native_in_flight),
                    f"> {NATIVE_IN_FLIGHT_MIN}",
                    row.native_in_flight > NATIVE_IN_FLIGHT_MIN,
                )
            )
    if results.sizes:
        provider = max(s.provider_max for s in results.sizes)
        entry = max(s.entry_max for s in results.sizes)
        found.append(
            Target(
                "__provider bytes (max)",
                str(provider),
                f"<= {PROVIDER_BYTES_MAX}",
                provider <= PROVIDER_BYTES_MAX,
            )
        )
        found.append(
            Target(
                "resource entry bytes (max)", str(entry), f"<= {ENTRY_BYTES_MAX}", entry <= ENTRY_BYTES_MAX
            )
        )
    rss = [r.provider_rss_mb for r in rows if r.n == TIME_TARGET_N and r.provider_rss_mb is not None]
    if rss:
        found.append(
            Target(
                f"provider RSS at N={TIME_TARGET_N}",
                f"{max(rss):.0f} MB",
                f"<= {RSS_MB_MAX:g} MB",
                max(rss) <= RSS_MB_MAX,
            )
        )
    return found


def report(results: Results, out: Path) -> str:
    lines = ["", HEADER, *map(format_row, results.rows), ""]
    lines.append(
        f"{'state bytes':<15}{'N':>5}{'count':>7}{'entry mean':>12}{'entry max':>11}"
        f"{'max w/o trace':>15}{'__provider mean':>17}{'max':>6}"
    )
    lines += [
        f"{s.type:<15}{s.n:>5}{s.count:>7}{s.entry_mean:>12.0f}{s.entry_max:>11}"
        f"{s.entry_max_no_trace:>15}{s.provider_mean:>17.0f}{s.provider_max:>6}"
        for s in results.sizes
    ]
    lines += ["", "targets:"]
    lines += [f"  {verdict(t.ok):<5} {t.name}: {t.value} ({t.limit})" for t in targets(results)]
    lines += ["", f"results: {out}"]
    return "\n".join(lines)


def write_json(results: Results, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            **asdict(r),
            "calls_ok": r.calls_ok,
            "time_ok": r.time_ok,
            "native_calls_ok": r.native_calls_ok,
            "native_time_ok": r.native_time_ok,
        }
        for r in results.rows
    ]
    document = {
        "sizes_n": results.sizes_n,
        "latency_ms": results.latency_ms,
        "latency_n": results.latency_n,
        "rows": rows,
        "state_sizes": [asdict(s) for s in results.sizes],
        "targets": [asdict(t) for t in targets(results)],
    }
    out.write_text(json.dumps(document, indent=2) + "\n")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,500", help="fleet sizes N, comma-separated")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="emulator latency of create_latency")
    parser.add_argument("--latency-n", type=int, default=100, help="N of create_latency")
    parser.add_argument("--quick", action="store_true", help="smoke run: N=10 only (create_latency too)")
    all_scenarios = [*SCENARIOS, LATENCY_SCENARIO]
    parser.add_argument("--scenarios", default=",".join(all_scenarios), help="a comma-separated subset")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON results go")
    args = parser.parse_args(argv)
    args.sizes = [10] if args.quick else [int(s) for s in args.sizes.split(",")]
    args.latency_n = 10 if args.quick else args.latency_n
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(all_scenarios)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; known: {', '.join(all_scenarios)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = Results(sizes_n=args.sizes, latency_ms=args.latency_ms, latency_n=args.latency_n)
    print(HEADER, file=sys.stderr, flush=True)
    for n in args.sizes:
        if set(args.scenarios) & set(SCENARIOS):
            bench_size(n, args.scenarios, results)
    if LATENCY_SCENARIO in args.scenarios:
        bench_latency(args.latency_n, args.latency_ms, results)
    write_json(results, args.out)
    print(report(results, args.out.resolve()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
