"""The fleet benchmark: `./dev bench` (`python -m devtools.bench`).

For each fleet size N it starts the emulator with N phones (ids 1000..1000+N-1) and runs, in
order, the scenarios below on four fleets side by side, interleaved scenario by scenario
(floor, real, native, direct) so that machine drift hits all of them alike:

- real: N PhoneConfig (one per phone) through the engine, against the emulator;
- native: the same through the native provider (the plugin pulumi-resource-maytapi), twice: from
  a Python program with the generated SDK (pulumi_maytapi) and from a YAML program (no SDK; the
  program runs in Go); targets <= 0.8x the floor at N=500 for create, update, noop_up, destroy;
- floor: N devtools.noop.Noop of the same shape: the engine's own cost;
- direct: a plain requests.Session loop making the minimal API calls, no engine;
- fleet-dyn, fleet-py, fleet-yaml: one Fleet resource holding the N phones and, from add_actions
  on, one FleetRedeploy over them (dynamic; native from Python and from YAML; `--fleets` picks
  which run), each against its own limit (`Limit`): the
  same command on a Fleet of one phone (the fixed cost, against an emulator of its own holding that
  phone) plus the scenario's API calls made directly, 8 at a time (the API time). Reported: the
  Fleet's time, fixed cost, API time and the overhead above their sum; target <= 1.25x the limit
  (fire included: the fleet-wide fire; add_actions is untimed setup). Its latency pass runs create, refresh, update,
  destroy and (native) `pulumi import` against an emulator adding --latency-ms to every call;
  each must keep 8 calls in flight. The per-resource fleets run up to --per-resource-max phones
  (N engine steps cost O(N^2) checkpoint writes); the Fleets at every size.

Scenarios: create, noop_up, noop_preview, refresh, update (every webhook), update_some (the
webhooks of 3 phones), add_actions (setup of
fire: N Redeploy with fire_on_create=False, measured but without a time target; it must make no
call), fire (an up that bumps the revision of all N Redeploy: N GET /{id}/redeploy; Redeploy
without wait_until_ready), destroy (N POST for PhoneConfig, none for the actions). The floor's
"actions" are N more Noop, whose values fire bumps. The direct run's calls are the minimum the
API-call target compares with. An extra scenario, create_latency, creates N=100 (10 with
--quick) against an emulator adding --latency-ms to every call, compared to floor + N*latency/4
(the dynamic-provider host serves 4 calls at once); the native run is compared to
floor + N*latency/in-flight, where in-flight is the most calls the emulator had open at once
(from the start and end of each call in its log), which must be above 4.

Reported per row: wall time of the `pulumi` command (`pulumi up --yes --skip-preview --json`,
`refresh` and `destroy` alike, `preview --json`: the engine work the Automation API's calls run,
without the three reads of outputs and history each of those adds after it); API calls by
method and path pattern (from the emulator's call log, counted between scenarios); peak RSS
(VmHWM) of the provider plugin (the dynamic-provider host, or the native plugin
pulumi-resource-maytapi: a descendant of this process), sampled every 50 ms. Per N, after create
(and, for Redeploy, after add_actions): the size of each resource entry of `pulumi stack export`
(compact JSON; also without the engine's sourcePosition and stackTrace) and of its `__provider`
input; for each Fleet, its entry's and the whole state's bytes per phone.

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
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from devtools.emulator import RunningEmulator
from devtools.stack import ROOT, Project

FIRST_PHONE = 1000
SCENARIOS = (
    "create", "noop_up", "noop_preview", "refresh", "update", "update_some", "add_actions", "fire", "destroy"
)  # fmt: skip
SOME = 3  # the phones update_some changes
LATENCY_SCENARIO = "create_latency"
UNTIMED = ("add_actions",)  # setup steps: reported, but no time target
DEFAULT_OUT = ROOT / ".work" / "bench" / "results.json"

TIME_TARGET_N, TIME_RATIO_MAX, LATENCY_RATIO_MAX = 500, 1.10, 1.2
NATIVE_RATIO_MAX, NATIVE_TIMED, NATIVE_IN_FLIGHT_MIN = 0.8, ("create", "update", "noop_up", "destroy"), 4
# One resource of N phones against its own limit (Limit): one command's fixed cost + the API time.
LIMIT_RATIO_MAX = 1.25
IN_FLIGHT = 8  # the core's pool (maytapi_pulumi._core.fleet.WORKERS); the limit's direct loop keeps as many
FLEETS = ("fleet-dyn", "fleet-py", "fleet-yaml")
# Every Fleet operation that calls the API, under latency: each must keep IN_FLIGHT calls open.
FLEET_LATENCY_SCENARIOS = ("create", "refresh", "update", "destroy", "import")
IMPORTABLE = ("fleet-py", "fleet-yaml")  # `pulumi import` serves native resources only
PER_RESOURCE_MAX_N = 500  # above it only the Fleets run: N per-resource steps cost O(N^2) checkpoints
PROVIDER_BYTES_MAX, ENTRY_BYTES_MAX, RSS_MB_MAX = 512, 2048, 150.0


def phones(n: int) -> list[str]:
    return [str(FIRST_PHONE + i) for i in range(n)]


def hook(phone: str, version: int) -> str:
    return f"https://hooks.example.com/v{version}/{phone}"


# -- the fleets ------------------------------------------------------------------------------

# Every program gives the first SOME phones webhook version VERSION and the others BASE: an
# update of every phone moves both, update_some moves VERSION for 3 phones.
REAL_PROGRAM = """
from maytapi_pulumi import PhoneConfig, Redeploy
N, FIRST, VERSION, REVISION, SOME, BASE = {n}, {first}, {version}, {revision!r}, {some}, {base}
for i, pid in enumerate(map(str, range(FIRST, FIRST + N))):
    PhoneConfig(f"phone-{{pid}}", phone_id=pid,
                webhook=f"https://hooks.example.com/v{{VERSION if i < SOME else BASE}}/{{pid}}", ack_delivery=True)
    if REVISION is not None:
        Redeploy(f"redeploy-{{pid}}", phone_id=pid, revision=REVISION, fire_on_create=False)
"""

NATIVE_PROGRAM = """
import pulumi_maytapi as maytapi
N, FIRST, VERSION, REVISION, SOME, BASE = {n}, {first}, {version}, {revision!r}, {some}, {base}
for i, pid in enumerate(map(str, range(FIRST, FIRST + N))):
    maytapi.PhoneConfig(f"phone-{{pid}}", phone_id=pid,
                        webhook=f"https://hooks.example.com/v{{VERSION if i < SOME else BASE}}/{{pid}}",
                        ack_delivery=True)
    if REVISION is not None:
        maytapi.Redeploy(f"redeploy-{{pid}}", phone_id=pid, revision=REVISION, fire_on_create=False)
"""


def yaml_program(n: int, versions: Sequence[int], revision: int | None) -> str:
    """NATIVE_PROGRAM in YAML (which has no loops): one block per resource."""
    lines = ["name: maytapi-bench", "runtime: yaml", "resources:"]
    for pid, version in zip(phones(n), versions, strict=True):
        lines += [
            f"  phone-{pid}:",
            "    type: maytapi:index:PhoneConfig",
            f"    properties: {{phoneId: '{pid}', webhook: '{hook(pid, version)}', ackDelivery: true}}",
        ]
        if revision is not None:
            lines += [
                f"  redeploy-{pid}:",
                "    type: maytapi:index:Redeploy",
                f"    properties: {{phoneId: '{pid}', revision: {revision}, fireOnCreate: false}}",
            ]
    return "\n".join(lines) + "\n"


FLOOR_PROGRAM = """
from devtools.noop import Noop
N, FIRST, VERSION, REVISION, SOME, BASE = {n}, {first}, {version}, {revision!r}, {some}, {base}
for i, pid in enumerate(map(str, range(FIRST, FIRST + N))):
    Noop(f"phone-{{pid}}", value=f"https://hooks.example.com/v{{VERSION if i < SOME else BASE}}/{{pid}}")
    if REVISION is not None:
        Noop(f"redeploy-{{pid}}", value=REVISION)
"""


# One Fleet resource holding the N phones and, once added, one FleetRedeploy over them: the
# dynamic ones, the native ones from Python (generated SDK) and from YAML.
FLEET_DYNAMIC_PROGRAM = """
from maytapi_pulumi import Fleet, FleetRedeploy
N, FIRST, VERSION, REVISION, SOME, BASE = {n}, {first}, {version}, {revision!r}, {some}, {base}
Fleet("fleet", phones={{
    pid: {{"webhook": f"https://hooks.example.com/v{{VERSION if i < SOME else BASE}}/{{pid}}", "ack_delivery": True}}
    for i, pid in enumerate(map(str, range(FIRST, FIRST + N)))
}})
if REVISION is not None:
    FleetRedeploy("redeploy", phone_ids=list(map(str, range(FIRST, FIRST + N))), revision=REVISION,
                  fire_on_create=False)
"""

FLEET_NATIVE_PROGRAM = FLEET_DYNAMIC_PROGRAM.replace(
    "from maytapi_pulumi import", "from pulumi_maytapi import"
)


def fleet_yaml_program(n: int, versions: Sequence[int], revision: int | None) -> str:
    phones_ = {
        pid: {"webhook": hook(pid, v), "ackDelivery": True}
        for pid, v in zip(phones(n), versions, strict=True)
    }
    program = f"name: maytapi-bench\nruntime: yaml\nresources:\n  fleet:\n    type: maytapi:index:Fleet\n    properties:\n      phones: {json.dumps(phones_)}\n"
    if revision is not None:
        redeploy = {"phoneIds": phones(n), "revision": revision, "fireOnCreate": False}
        program += (
            f"  redeploy:\n    type: maytapi:index:FleetRedeploy\n    properties: {json.dumps(redeploy)}\n"
        )
    return program


@dataclass
class Fleet:
    """One stack of N resources (PhoneConfig or Noop) and, once added, N actions; or (`grouped`)
    one Fleet resource of N phones and, once added, one FleetRedeploy over them."""

    template: str  # a Python program's, or "yaml" for yaml_program, "fleet-yaml" for fleet_yaml_program
    n: int
    project: Project | None = None
    version: int = 1
    revision: int | None = None
    some: int | None = None  # how many phones (the first) are at `version`; the others at `base`
    base: int = 1
    grouped: bool = False
    product_id: str = ""

    def versions(self) -> list[int]:
        some = self.n if self.some is None else self.some
        return [self.version if i < some else self.base for i in range(self.n)]

    def source(self) -> str:
        if self.template == "yaml":
            return yaml_program(self.n, self.versions(), self.revision)
        if self.template == "fleet-yaml":
            return fleet_yaml_program(self.n, self.versions(), self.revision)
        return self.template.format(
            n=self.n,
            first=FIRST_PHONE,
            version=self.version,
            revision=self.revision,
            some=self.n if self.some is None else self.some,
            base=self.base,
        )

    def write(self) -> None:
        if self.template in ("yaml", "fleet-yaml"):
            (self.stack.directory / "Pulumi.yaml").write_text(self.source())
        else:
            self.stack.write_program(self.source())

    def open(self, directory: Path, emu: RunningEmulator) -> None:
        self.product_id = emu.product_id
        self.project = Project.create(
            directory / "project",
            directory / "state",
            self.source(),
            config=emu.stack_config,
            secrets={"maytapi:apiToken": emu.token},
            name="maytapi-bench",
        )
        self.write()

    @property
    def stack(self) -> Project:
        assert self.project is not None, "open() the fleet first"
        return self.project

    def change(
        self, *, version: int | None = None, revision: int | None = None, some: int | None = None
    ) -> None:
        if version is not None:
            # Every phone not moved now stays where it was.
            self.base = self.version if some is not None else version
            self.version, self.some = version, some
        self.revision = revision or self.revision
        self.write()


# One function per scenario: it changes the program (untimed) and returns the engine command
# to time, which returns the engine's change summary ({"create": 10, "same": 1}).
Step = Callable[[], dict[str, int]]


class EngineFailed(Exception):
    """A `pulumi` command of a step exited non-zero; its message is what the command printed."""


def engine(fleet: Fleet, command: str, *extra: str) -> Step:
    """`pulumi <command> <extra>` on the fleet's stack, as the Automation API runs it (an update
    without its preview), printing JSON: a preview's one document, an update's event stream
    ending in its summary event."""
    args = (
        (command, "--json")
        if command == "preview"
        else (command, *extra, "--yes", "--skip-preview", "--json")
    )

    def run() -> dict[str, int]:
        done = fleet.stack.cli(*args, check=False, timeout=3600, record=False)
        if done.returncode != 0:
            raise EngineFailed(done.output)
        if command == "preview":
            summary: dict[str, int] = json.loads(done.stdout).get("changeSummary", {})
            return summary
        events = (json.loads(line) for line in reversed(done.stdout.splitlines()) if line.startswith("{"))
        summary = next(e["summaryEvent"] for e in events if "summaryEvent" in e)["resourceChanges"]
        return summary

    return run


def up(fleet: Fleet) -> Step:
    return engine(fleet, "up")


def create(fleet: Fleet) -> Step:
    return up(fleet)


def noop_up(fleet: Fleet) -> Step:
    return up(fleet)


def noop_preview(fleet: Fleet) -> Step:
    return engine(fleet, "preview")


def refresh(fleet: Fleet) -> Step:
    return engine(fleet, "refresh")


def update(fleet: Fleet) -> Step:
    fleet.change(version=2)
    return up(fleet)


def update_some(fleet: Fleet) -> Step:
    fleet.change(version=fleet.version + 1, some=SOME)
    return up(fleet)


def add_actions(fleet: Fleet) -> Step:
    fleet.change(revision=1)
    return up(fleet)


def fire(fleet: Fleet) -> Step:
    fleet.change(revision=(fleet.revision or 0) + 1)
    return up(fleet)


def destroy(fleet: Fleet) -> Step:
    return engine(fleet, "destroy")


def import_(fleet: Fleet) -> Step:
    """`pulumi import` of the fleet's product (every phone it has) as one more Fleet resource."""
    return engine(
        fleet, "import", "maytapi:index:Fleet", "imported", fleet.product_id, "--generate-code=false"
    )


STEPS: dict[str, Callable[[Fleet], Step]] = {
    "create": create,
    "noop_up": noop_up,
    "noop_preview": noop_preview,
    "refresh": refresh,
    "update": update,
    "update_some": update_some,
    "add_actions": add_actions,
    "fire": fire,
    "destroy": destroy,
    "import": import_,
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
        case "update_some":
            return [
                ApiCall("POST", f"/{p}/config", {"webhook": hook(p, 3), "ack_delivery": True})
                for p in phones[:SOME]
            ]
        case "fire":
            return [ApiCall("GET", f"/{p}/redeploy") for p in phones]
        case "destroy":
            return [ApiCall("POST", f"/{p}/config", {"webhook": "", "ack_delivery": False}) for p in phones]
        case "import":
            return [ApiCall("GET", "/listPhones"), *(ApiCall("GET", f"/{p}/config") for p in phones)]
        case _:  # noop_up, noop_preview, add_actions
            return []


def run_direct(emu: RunningEmulator, calls: Sequence[ApiCall], in_flight: int = 1) -> float:
    """The calls made with a plain requests.Session, `in_flight` at a time: the API's own time."""
    with requests.Session() as session:
        session.headers["x-maytapi-key"] = emu.token
        session.mount("http://", HTTPAdapter(pool_maxsize=in_flight))

        def call(call: ApiCall) -> None:
            response = session.request(call.method, emu.api_url + call.path, json=call.body, timeout=30)
            response.raise_for_status()
            answer = response.json()
            if isinstance(answer, dict) and answer.get("success") is False:
                raise RuntimeError(f"{call.method} {call.path}: {response.text}")

        with ThreadPoolExecutor(max_workers=in_flight) as pool:
            start = time.perf_counter()
            list(pool.map(call, calls))
            return time.perf_counter() - start


def minimum_calls(plan: Sequence[ApiCall]) -> dict[str, int]:
    return dict(Counter(pattern(c.method, "/api/p" + c.path) for c in plan))


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


# -- peak RSS of the provider plugin ----------------------------------------------------------


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


def _is_plugin(argv: list[bytes]) -> bool:
    """The dynamic-provider host (`python -m pulumi.dynamic`, or the launcher's runpy of it) or
    the native plugin (pulumi-resource-maytapi's console script)."""
    return any(b"pulumi.dynamic" in arg or arg.endswith(b"pulumi-resource-maytapi") for arg in argv[1:])


def _provider_hwm_kb() -> dict[int, int]:
    """VmHWM (kB) of every provider plugin process started below this one."""
    peaks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if not _is_plugin(Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")):
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
class NativeRun:
    """One native fleet's run of a scenario, beside the row's floor."""

    fleet: str
    seconds: float
    reference_s: float  # the floor (+ N*latency/in-flight for create_latency)
    ratio: float
    ratio_max: float | None
    calls: dict[str, int]
    minimum_calls: dict[str, int]
    changes: dict[str, int]
    in_flight: int  # the most API calls the emulator had open at once during the run
    error: str | None
    floor_error: str | None

    @property
    def calls_ok(self) -> bool:
        return self.calls == self.minimum_calls and self.error is None

    @property
    def time_ok(self) -> bool | None:
        if self.ratio_max is None:
            return None
        return self.ratio <= self.ratio_max and not (self.error or self.floor_error)


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
    natives: list[NativeRun]  # the native per-resource fleets' runs: Python (generated SDK), YAML

    @property
    def calls_ok(self) -> bool:
        return self.api_calls == self.minimum_calls and self.real_error is None

    @property
    def time_ok(self) -> bool | None:
        if self.ratio_max is None:
            return None
        return self.ratio <= self.ratio_max and not (self.real_error or self.floor_error)


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
    fleet_rows: list[LimitRow] = field(default_factory=list)
    fleet_sizes: list[FleetSize] = field(default_factory=list)


# -- one resource of N phones against its limit ---------------------------------------------


@dataclass(frozen=True)
class Limit:
    """The least a resource holding N phones can take for a scenario: one `pulumi` command's
    fixed cost (the same command on such a resource of one phone) plus the API time (the
    scenario's calls made directly, as many at once as the resource makes: IN_FLIGHT)."""

    fixed_s: float
    api_s: float

    @property
    def seconds(self) -> float:
        return self.fixed_s + self.api_s


@dataclass
class LimitRow:
    """One resource of N phones (a Fleet: `resource` names its program) running a scenario,
    against its Limit; the per-resource floor of the same scenario and N, where it ran, beside it."""

    scenario: str
    n: int
    resource: str
    seconds: float
    fixed_s: float
    api_s: float
    limit_s: float
    overhead_s: float  # above the limit
    ratio: float  # seconds / limit_s
    ratio_max: float | None  # None for untimed setup steps (add_actions)
    calls: dict[str, int]
    minimum_calls: dict[str, int]
    fixed_calls: dict[str, int]  # those of the one-phone run
    fixed_minimum_calls: dict[str, int]
    in_flight: int  # the most API calls the emulator had open at once during the run
    latency_ms: float
    changes: dict[str, int]
    plugin_rss_mb: float | None
    floor_s: float | None
    error: str | None
    fixed_error: str | None

    @property
    def calls_ok(self) -> bool:
        return (
            self.calls == self.minimum_calls
            and self.fixed_calls == self.fixed_minimum_calls
            and not (self.error or self.fixed_error)
        )

    @property
    def time_ok(self) -> bool | None:
        if self.ratio_max is None:
            return None
        return self.ratio <= self.ratio_max and not (self.error or self.fixed_error)

    @property
    def in_flight_ok(self) -> bool | None:
        """Under latency, a run with IN_FLIGHT calls or more to make keeps IN_FLIGHT open at once."""
        if not self.latency_ms or sum(self.minimum_calls.values()) < IN_FLIGHT:
            return None
        return self.in_flight == IN_FLIGHT


def limit_row(
    scenario: str,
    resource: str,
    n: int,
    run: Run,
    calls: Sequence[Mapping[str, Any]],
    minimum: dict[str, int],
    limit: Limit,
    one: Run,
    one_calls: dict[str, int],
    one_minimum: dict[str, int],
    latency_ms: float = 0.0,
    floor_s: float | None = None,
) -> LimitRow:
    """A run of `resource` (N phones, its API calls `calls`) against `limit`, whose fixed cost is
    the run `one` (one phone, its calls `one_calls`)."""
    return LimitRow(
        scenario=scenario,
        n=n,
        resource=resource,
        seconds=round(run.seconds, 3),
        fixed_s=round(limit.fixed_s, 3),
        api_s=round(limit.api_s, 3),
        limit_s=round(limit.seconds, 3),
        overhead_s=round(run.seconds - limit.seconds, 3),
        ratio=round(run.seconds / limit.seconds, 3),
        ratio_max=None if scenario in UNTIMED else LIMIT_RATIO_MAX,
        calls=dict(Counter(pattern(c["method"], c["path"]) for c in calls)),
        minimum_calls=minimum,
        fixed_calls=one_calls,
        fixed_minimum_calls=one_minimum,
        in_flight=most_in_flight(calls),
        latency_ms=latency_ms,
        changes=run.changes,
        plugin_rss_mb=run.rss_mb,
        floor_s=floor_s,
        error=run.error,
        fixed_error=one.error,
    )


@dataclass
class FleetSize:
    """A Fleet's state after create: its resource entry (compact JSON) and the stack's
    checkpoint file (what the engine rewrites after each step), in bytes."""

    fleet: str
    n: int
    entry_bytes: int
    state_bytes: int


def measure_fleet_size(name: str, fleet: Fleet) -> FleetSize:
    [entry] = fleet.stack.resources(":Fleet")
    backend = Path(fleet.stack.stack.workspace.env_vars["PULUMI_BACKEND_URL"].removeprefix("file://"))
    [checkpoint] = backend.glob(".pulumi/stacks/*/dev.json")
    return FleetSize(name, fleet.n, compact_size(entry), checkpoint.stat().st_size)


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
    """One timed engine command."""

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
        except EngineFailed as exc:
            error = failure(exc)
        seconds = time.perf_counter() - start
    return Run(seconds, changes, rss[0] if rss else None, error)


def run_scenario(
    scenario: str,
    real: Fleet,
    floor: Fleet,
    natives: Mapping[str, Fleet],
    emu: RunningEmulator,
    log: CallLog,
    latency_ms: float = 0.0,
) -> Row:
    floor_run = timed(STEPS[scenario](floor))
    log.take()
    real_run = timed(STEPS[scenario](real))
    api_calls = log.take()
    native_runs = {}
    for name, fleet in natives.items():
        run = timed(STEPS[scenario](fleet))
        native_runs[name] = (run, log.take_calls())
    plan = direct_calls(scenario, phones(real.n))
    direct_s = run_direct(emu, plan)
    log.take()
    minimum = minimum_calls(plan)
    reference = floor_run.seconds + real.n * latency_ms / 1000 / 4
    if scenario == LATENCY_SCENARIO:
        ratio_max: float | None = LATENCY_RATIO_MAX
        native_max: float | None = LATENCY_RATIO_MAX
    else:
        ratio_max = TIME_RATIO_MAX if real.n == TIME_TARGET_N and scenario not in UNTIMED else None
        native_max = NATIVE_RATIO_MAX if real.n == TIME_TARGET_N and scenario in NATIVE_TIMED else None
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
        minimum_calls=minimum,
        real_changes=real_run.changes,
        floor_changes=floor_run.changes,
        provider_rss_mb=real_run.rss_mb,
        floor_rss_mb=floor_run.rss_mb,
        real_error=real_run.error,
        floor_error=floor_run.error,
        natives=[
            native_run(
                name,
                run,
                calls,
                floor_run,
                real.n,
                latency_ms,
                native_max,
                minimum,
            )
            for name, (run, calls) in native_runs.items()
        ],
    )
    print(format_row(row), file=sys.stderr, flush=True)
    return row


def native_run(
    name: str,
    run: Run,
    calls: Sequence[Mapping[str, Any]],
    floor: Run,
    n: int,
    latency_ms: float,
    ratio_max: float | None,
    minimum: dict[str, int],
) -> NativeRun:
    in_flight = most_in_flight(calls)
    reference = floor.seconds + n * latency_ms / 1000 / max(in_flight, 1)
    return NativeRun(
        fleet=name,
        seconds=round(run.seconds, 3),
        reference_s=round(reference, 3),
        ratio=round(run.seconds / reference, 3),
        ratio_max=ratio_max,
        calls=dict(Counter(pattern(c["method"], c["path"]) for c in calls)),
        minimum_calls=minimum,
        changes=run.changes,
        in_flight=in_flight,
        error=run.error,
        floor_error=floor.error,
    )


OTHERS = ("native-py", "native-yaml")


def per_resource_fleets(
    directory: Path, emu: RunningEmulator, n: int, others: Sequence[str] = OTHERS
) -> tuple[Fleet, Fleet, dict[str, Fleet]]:
    """The dynamic PhoneConfig fleet, the floor, and the `others` run beside them: the native
    PhoneConfig fleets, from Python and from YAML."""
    real, floor = Fleet(REAL_PROGRAM, n), Fleet(FLOOR_PROGRAM, n)
    every = {"native-py": Fleet(NATIVE_PROGRAM, n), "native-yaml": Fleet("yaml", n)}
    natives = {name: fleet for name, fleet in every.items() if name in others}
    real.open(directory / "real", emu)
    floor.open(directory / "floor", emu)
    for name, fleet in natives.items():
        fleet.open(directory / name, emu)
    return real, floor, natives


FLEET_TEMPLATES = {
    "fleet-dyn": FLEET_DYNAMIC_PROGRAM,
    "fleet-py": FLEET_NATIVE_PROGRAM,
    "fleet-yaml": "fleet-yaml",
}


@dataclass
class Fleets:
    """The Fleet resources of one size, each beside the same program's Fleet of one phone (its
    fixed cost), which runs against an emulator of its own holding that one phone (`solo`)."""

    big: dict[str, Fleet]
    one: dict[str, Fleet]
    solo_log: CallLog


@contextmanager
def open_fleets(
    directory: Path, emu: RunningEmulator, n: int, names: Sequence[str], latency_ms: float = 0.0
) -> Iterator[Fleets]:
    with RunningEmulator(phones=phones(1), latency_ms=latency_ms) as solo:
        big = {name: Fleet(FLEET_TEMPLATES[name], n, grouped=True) for name in names}
        one = {name: Fleet(FLEET_TEMPLATES[name], 1, grouped=True) for name in names}
        for name in names:
            big[name].open(directory / name, emu)
            one[name].open(directory / f"{name}-one", solo)
        yield Fleets(big, one, CallLog(solo))


def run_fleet_scenario(
    scenario: str,
    fleets: Fleets,
    emu: RunningEmulator,
    log: CallLog,
    latency_ms: float = 0.0,
    floor_s: float | None = None,
) -> list[LimitRow]:
    """Each Fleet's run of the scenario against its limit: the scenario's calls made directly,
    IN_FLIGHT at once (the API time, shared by the Fleets), then per Fleet its one-phone run
    (the fixed cost) and its own run."""
    names = [name for name in fleets.big if scenario != "import" or name in IMPORTABLE]
    if not names:
        return []
    n = fleets.big[names[0]].n
    plan = direct_calls(scenario, phones(n))
    log.take()
    api_s = run_direct(emu, plan, IN_FLIGHT)
    log.take()
    rows = []
    for name in names:
        one = timed(STEPS[scenario](fleets.one[name]))
        one_calls = fleets.solo_log.take()
        run = timed(STEPS[scenario](fleets.big[name]))
        row = limit_row(
            scenario,
            name,
            n,
            run,
            log.take_calls(),
            minimum_calls(plan),
            Limit(one.seconds, api_s),
            one,
            one_calls,
            minimum_calls(direct_calls(scenario, phones(1))),
            latency_ms,
            floor_s,
        )
        print(format_limit_row(row), file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def bench_size(
    n: int,
    scenarios: Sequence[str],
    results: Results,
    others: Sequence[str] = OTHERS,
    fleet_names: Sequence[str] = FLEETS,
    per_resource_max: int = PER_RESOURCE_MAX_N,
) -> None:
    """The scenarios at one size, in a fresh emulator and a fresh state directory: the
    per-resource fleets (up to per_resource_max phones) and the Fleets, scenario by scenario."""
    with (
        RunningEmulator(phones=phones(n)) as emu,
        tempfile.TemporaryDirectory(prefix=f"maytapi-bench-{n}-") as tmp,
        open_fleets(Path(tmp), emu, n, fleet_names) as group,
    ):
        per_resource = per_resource_fleets(Path(tmp), emu, n, others) if n <= per_resource_max else None
        log = CallLog(emu)
        for scenario in SCENARIOS:
            wanted = scenario in scenarios or (scenario == "add_actions" and "fire" in scenarios)
            # create is needed by every later step; run it unreported if not asked for.
            if not wanted and scenario != "create":
                continue
            row = None
            if per_resource is not None:
                real, floor, natives = per_resource
                row = run_scenario(scenario, real, floor, natives, emu, log)
                if wanted:
                    results.rows.append(row)
                if scenario == "create":
                    results.sizes.append(measure_sizes(real, ":PhoneConfig"))
                if scenario == "add_actions":
                    results.sizes.append(measure_sizes(real, ":Redeploy"))
            # every scenario, a Fleet's too: from add_actions on, its FleetRedeploy fires fleet-wide
            rows = run_fleet_scenario(scenario, group, emu, log, floor_s=row.floor_s if row else None)
            if wanted:
                results.fleet_rows += rows
            if scenario == "create":
                results.fleet_sizes += [measure_fleet_size(name, f) for name, f in group.big.items()]


def bench_latency(n: int, latency_ms: float, results: Results, others: Sequence[str] = OTHERS) -> None:
    with (
        RunningEmulator(phones=phones(n), latency_ms=latency_ms) as emu,
        tempfile.TemporaryDirectory(prefix=f"maytapi-bench-latency-{n}-") as tmp,
    ):
        real, floor, natives = per_resource_fleets(Path(tmp), emu, n, others)
        results.rows.append(
            run_scenario(LATENCY_SCENARIO, real, floor, natives, emu, CallLog(emu), latency_ms)
        )


def bench_fleet_latency(
    n: int, latency_ms: float, results: Results, fleet_names: Sequence[str] = FLEETS
) -> None:
    """Every Fleet operation that calls the API, under latency: how many calls each keeps open."""
    with (
        RunningEmulator(phones=phones(n), latency_ms=latency_ms) as emu,
        tempfile.TemporaryDirectory(prefix=f"maytapi-bench-fleet-latency-{n}-") as tmp,
        open_fleets(Path(tmp), emu, n, fleet_names, latency_ms) as group,
    ):
        log = CallLog(emu)
        for scenario in FLEET_LATENCY_SCENARIOS:
            results.fleet_rows += run_fleet_scenario(scenario, group, emu, log, latency_ms)


# -- report ----------------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("pass" if ok else "FAIL")


def calls_text(calls: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(calls.items())) or "0"


HEADER = (
    f"{'scenario':<15}{'N':>5}{'real s':>9}{'floor s':>9}{'ratio':>7}{'target':>12}"
    f"{'direct s':>10}{'RSS MB':>8}  {'calls':<5}  API calls (real)"
)
NATIVE_HEADER = (
    f"{'':<20}{'fleet':<12}{'s':>9}{'ratio':>7}{'target':>12}{'in-flight':>10}  {'calls':<5}  API calls"
)


def format_row(row: Row) -> str:
    target = "-" if row.ratio_max is None else f"<={row.ratio_max:g} {verdict(row.time_ok)}"
    rss = "-" if row.provider_rss_mb is None else f"{row.provider_rss_mb:.0f}"
    errors = [(who, error) for who, error in (("real", row.real_error), ("floor", row.floor_error)) if error]
    errors += [(native.fleet, native.error) for native in row.natives if native.error]
    return (
        f"{row.scenario:<15}{row.n:>5}{row.real_s:>9.2f}{row.floor_s:>9.2f}{row.ratio:>7.2f}{target:>12}"
        f"{row.direct_s:>10.3f}{rss:>8}  {verdict(row.calls_ok):<5}  {calls_text(row.api_calls)}"
        + "".join(f"\n{format_native(native)}" for native in row.natives)
        + "".join(f"\n{'':<20}{who} FAILED: {error}" for who, error in errors)
    )


LIMIT_HEADER = (
    f"{'scenario':<13}{'N':>6} {'Fleet':<11}{'s':>8}{'fixed s':>9}{'API s':>8}{'over s':>8}{'ratio':>7}"
    f"{'target':>12}{'in-flight':>10}{'RSS MB':>8}{'floor s':>9}  {'calls':<5}  API calls"
)


def format_limit_row(row: LimitRow) -> str:
    target = "-" if row.ratio_max is None else f"<={row.ratio_max:g} {verdict(row.time_ok)}"
    in_flight = f"{row.in_flight}" + ("" if row.in_flight_ok is None else f" {verdict(row.in_flight_ok)}")
    rss = "-" if row.plugin_rss_mb is None else f"{row.plugin_rss_mb:.0f}"
    floor = "-" if row.floor_s is None else f"{row.floor_s:.2f}"
    scenario = row.scenario + (f"@{row.latency_ms:g}ms" if row.latency_ms else "")
    errors = [
        (who, e)
        for who, e in ((row.resource, row.error), (f"{row.resource} (one phone)", row.fixed_error))
        if e
    ]
    return (
        f"{scenario:<13}{row.n:>6} {row.resource:<11}{row.seconds:>8.2f}{row.fixed_s:>9.2f}{row.api_s:>8.2f}"
        f"{row.overhead_s:>8.2f}{row.ratio:>7.2f}{target:>12}{in_flight:>10}{rss:>8}{floor:>9}"
        f"  {verdict(row.calls_ok):<5}  {calls_text(row.calls)}"
        + "".join(f"\n{'':<20}{who} FAILED: {error}" for who, error in errors)
    )


def format_native(native: NativeRun) -> str:
    target = "-" if native.ratio_max is None else f"<={native.ratio_max:g} {verdict(native.time_ok)}"
    return (
        f"{'':<20}{native.fleet:<12}{native.seconds:>9.2f}{native.ratio:>7.2f}{target:>12}"
        f"{native.in_flight:>10}  {verdict(native.calls_ok):<5}  {calls_text(native.calls)}"
    )


def targets(results: Results) -> list[Target]:
    rows = results.rows
    wrong = [f"{r.scenario}@{r.n}{' (failed)' if r.real_error else ''}" for r in rows if not r.calls_ok]
    natives = [native for row in rows for native in row.natives]
    wrong_native = [
        f"{native.fleet}@{row.scenario}@{row.n}"
        for row in rows
        for native in row.natives
        if not native.calls_ok
    ]
    found = [
        calls_target("API calls at the minimum", wrong, len(rows)),
        calls_target("native API calls at the minimum", wrong_native, len(natives)),
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
        for native in row.natives:
            if native.ratio_max is not None:
                reference = "floor+N*lat/in-flight" if row.scenario == LATENCY_SCENARIO else "floor"
                found.append(
                    Target(
                        f"{native.fleet} time {row.scenario} N={row.n}",
                        f"{native.ratio:.2f}x {reference}",
                        f"<= {native.ratio_max:g}x",
                        native.time_ok,
                    )
                )
            if row.scenario == LATENCY_SCENARIO:
                found.append(
                    Target(
                        f"{native.fleet} calls in flight at once",
                        str(native.in_flight),
                        f"> {NATIVE_IN_FLIGHT_MIN}",
                        native.in_flight > NATIVE_IN_FLIGHT_MIN,
                    )
                )
    found += fleet_targets(results.fleet_rows)
    if results.sizes:
        provider = max(s.provider_max for s in results.sizes)
        # the engine's provenance (stackTrace, sourcePosition: about 1.2 KiB) is no switch of ours
        entry = max(s.entry_max_no_trace for s in results.sizes)
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
                "resource entry bytes w/o trace (max)",
                str(entry),
                f"<= {ENTRY_BYTES_MAX}",
                entry <= ENTRY_BYTES_MAX,
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


def calls_target(name: str, wrong: Sequence[str], runs: int) -> Target:
    """Every one of `runs` made exactly the minimal calls, else the `wrong` ones did not."""
    return Target(name, ", ".join(wrong) or f"all {runs} runs", "every run", not wrong)


def fleet_targets(rows: Sequence[LimitRow]) -> list[Target]:
    """Each Fleet row: its calls at the minimum (its one-phone run's too), its time within
    LIMIT_RATIO_MAX of its limit, and under latency IN_FLIGHT calls in flight."""
    wrong = [f"{r.resource}@{r.scenario}@{r.n}" for r in rows if not r.calls_ok]
    found = [calls_target("Fleet API calls at the minimum", wrong, len(rows))]
    for row in rows:
        where = f"{row.resource} {row.scenario} N={row.n}" + (
            f" +{row.latency_ms:g} ms" if row.latency_ms else ""
        )
        if row.ratio_max is not None:
            found.append(
                Target(f"{where} time", f"{row.ratio:.2f}x limit", f"<= {row.ratio_max:g}x", row.time_ok)
            )
        if row.in_flight_ok is not None:
            found.append(
                Target(f"{where} calls in flight", str(row.in_flight), f"= {IN_FLIGHT}", row.in_flight_ok)
            )
    return found


def report(results: Results, out: Path) -> str:
    lines = ["", HEADER, NATIVE_HEADER, *map(format_row, results.rows), ""]
    lines.append(
        f"{'state bytes':<15}{'N':>5}{'count':>7}{'entry mean':>12}{'entry max':>11}"
        f"{'max w/o trace':>15}{'__provider mean':>17}{'max':>6}"
    )
    lines += [
        f"{s.type:<15}{s.n:>5}{s.count:>7}{s.entry_mean:>12.0f}{s.entry_max:>11}"
        f"{s.entry_max_no_trace:>15}{s.provider_mean:>17.0f}{s.provider_max:>6}"
        for s in results.sizes
    ]
    if results.fleet_rows:
        lines += ["", LIMIT_HEADER, *map(format_limit_row, results.fleet_rows)]
    if results.fleet_sizes:
        lines += [
            "",
            f"{'Fleet state':<15}{'N':>6}{'entry bytes':>13}{'per phone':>11}{'state bytes':>13}{'per phone':>11}",
        ]
        lines += [
            f"{s.fleet:<15}{s.n:>6}{s.entry_bytes:>13}{s.entry_bytes / s.n:>11.0f}{s.state_bytes:>13}{s.state_bytes / s.n:>11.0f}"
            for s in results.fleet_sizes
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
            "natives": [
                {**asdict(native), "calls_ok": native.calls_ok, "time_ok": native.time_ok}
                for native in r.natives
            ],
        }
        for r in results.rows
    ]
    document = {
        "sizes_n": results.sizes_n,
        "latency_ms": results.latency_ms,
        "latency_n": results.latency_n,
        "rows": rows,
        "state_sizes": [asdict(s) for s in results.sizes],
        "fleet_rows": [
            {**asdict(r), "calls_ok": r.calls_ok, "time_ok": r.time_ok, "in_flight_ok": r.in_flight_ok}
            for r in results.fleet_rows
        ],
        "fleet_state_sizes": [asdict(s) for s in results.fleet_sizes],
        "targets": [asdict(t) for t in targets(results)],
    }
    out.write_text(json.dumps(document, indent=2) + "\n")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,500,2000,10000", help="fleet sizes N, comma-separated")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="emulator latency of create_latency")
    parser.add_argument("--latency-n", type=int, default=100, help="N of create_latency")
    parser.add_argument("--quick", action="store_true", help="smoke run: N=10 only (create_latency too)")
    all_scenarios = [*SCENARIOS, LATENCY_SCENARIO]
    parser.add_argument("--scenarios", default=",".join(all_scenarios), help="a comma-separated subset")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON results go")
    parser.add_argument(
        "--others",
        default=",".join(OTHERS),
        help="the per-resource fleets run beside the floor and the dynamic PhoneConfigs, comma-separated",
    )
    parser.add_argument("--fleets", default=",".join(FLEETS), help="the Fleet resources run, comma-separated")
    parser.add_argument("--latency-fleets", help="the Fleets of the latency pass (default: --fleets)")
    parser.add_argument(
        "--per-resource-max",
        type=int,
        default=PER_RESOURCE_MAX_N,
        help="the largest N the per-resource fleets run at (the Fleets run at every size)",
    )
    args = parser.parse_args(argv)
    args.sizes = [10] if args.quick else [int(s) for s in args.sizes.split(",")]
    args.latency_n = 10 if args.quick else args.latency_n
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    args.others = [s.strip() for s in args.others.split(",") if s.strip()]
    args.fleets = [s.strip() for s in args.fleets.split(",") if s.strip()]
    latency_fleets = args.fleets if args.latency_fleets is None else args.latency_fleets.split(",")
    args.latency_fleets = [s.strip() for s in latency_fleets if s.strip()]
    for given, known in ((args.others, OTHERS), (args.fleets, FLEETS), (args.latency_fleets, FLEETS)):
        if set(given) - set(known):
            parser.error(f"unknown fleets {sorted(set(given) - set(known))}; known: {', '.join(known)}")
    unknown = set(args.scenarios) - set(all_scenarios)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; known: {', '.join(all_scenarios)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = Results(sizes_n=args.sizes, latency_ms=args.latency_ms, latency_n=args.latency_n)
    print(HEADER, NATIVE_HEADER, sep="\n", file=sys.stderr, flush=True)
    for n in args.sizes:
        if set(args.scenarios) & set(SCENARIOS):
            bench_size(n, args.scenarios, results, args.others, args.fleets, args.per_resource_max)
    if LATENCY_SCENARIO in args.scenarios:
        if args.latency_n <= args.per_resource_max:
            bench_latency(args.latency_n, args.latency_ms, results, args.others)
        if args.latency_fleets:
            bench_fleet_latency(args.latency_n, args.latency_ms, results, args.latency_fleets)
    write_json(results, args.out)
    print(report(results, args.out.resolve()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
