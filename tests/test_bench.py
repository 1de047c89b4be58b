"""The benchmark end to end, as a smoke: every scenario runs, and makes exactly the minimal API
calls; a Fleet of 2,000 phones runs against its limit. Timings are figures to read, printed by
the benchmark, never asserted here.

Two runs share the work: `--quick` (N=10: the per-resource dynamic fleet and the floor through
every scenario; a Fleet from YAML through the latency pass, `pulumi import` included), and a
Fleet of 2,000 phones (dynamic: create, an update of 3 phones, destroy: the sizes at which the
engine's own cost grows faster than the phones). Every scenario runs on some program, and each
kind of program the benchmark runs is one that tests/test_fleet.py, test_fleet_actions.py,
test_phone_config.py and test_actions.py run on every family: the full benchmark's other
combinations (the fleet-wide fire among them, whose rules test_fleet_actions.py walks on both
families) would prove nothing more here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
N, LARGE = 10, 2000


def minimum(scenario: str, n: int) -> dict[str, int]:
    return {
        "create": {"POST /{id}/config": n},
        "noop_up": {},
        "noop_preview": {},
        "refresh": {"GET /{id}/config": n},
        "update": {"POST /{id}/config": n},
        "update_some": {"POST /{id}/config": min(3, n)},
        "add_actions": {},  # N Redeploy with fire_on_create=False: recorded, never called
        "fire": {"GET /{id}/redeploy": n},
        "destroy": {"POST /{id}/config": n},  # the actions' delete makes no call
        "create_latency": {"POST /{id}/config": n},
        "import": {"GET /listPhones": 1, "GET /{id}/config": n},
    }[scenario]


def bench(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "devtools.bench", *args, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert str(out) in done.stdout
    results: dict[str, Any] = json.loads(out.read_text())
    return results


def check_fleet_rows(rows: list[dict[str, Any]]) -> None:
    """Each Fleet row: exactly the minimal calls, those of its one-phone run too, and the figures
    that make its limit."""
    for row in rows:
        where = (row["resource"], row["scenario"], row["n"], row["latency_ms"])
        assert row["calls"] == minimum(row["scenario"], row["n"]) == row["minimum_calls"], where
        assert row["fixed_calls"] == minimum(row["scenario"], 1), where
        assert row["calls_ok"] is True and row["error"] is None and row["fixed_error"] is None, where
        assert row["limit_s"] == pytest.approx(row["fixed_s"] + row["api_s"], abs=0.002), where
        assert row["overhead_s"] == pytest.approx(row["seconds"] - row["limit_s"], abs=0.002), where
        assert row["in_flight_ok"] in (None, True), where  # 8 calls at once under latency


@pytest.mark.e2e
def test_quick_bench_makes_exactly_the_minimal_api_calls(tmp_path: Path) -> None:
    results = bench(tmp_path, "--quick", "--others", "", "--fleets", "", "--latency-fleets", "fleet-yaml")

    rows = results["rows"]
    per_resource = ["create", "noop_up", "noop_preview", "refresh", "update", "update_some", "add_actions",
                    "fire", "destroy", "create_latency"]  # fmt: skip
    assert sorted(row["scenario"] for row in rows) == sorted(per_resource)
    for row in rows:
        assert row["n"] == N
        assert row["api_calls"] == minimum(row["scenario"], N) == row["minimum_calls"], row["scenario"]
        assert row["calls_ok"] is True and row["natives"] == []

    fleet_rows = results["fleet_rows"]  # every Fleet operation that calls the API, with latency
    assert [r["scenario"] for r in fleet_rows] == ["create", "refresh", "update", "destroy", "import"]
    assert {(r["resource"], r["n"], r["latency_ms"]) for r in fleet_rows} == {("fleet-yaml", N, 50.0)}
    check_fleet_rows(fleet_rows)
    assert all(r["in_flight_ok"] is True for r in fleet_rows)


@pytest.mark.e2e
def test_a_fleet_of_2000_phones_against_its_limit(tmp_path: Path) -> None:
    results = bench(
        tmp_path,
        "--sizes",
        str(LARGE),
        "--fleets",
        "fleet-dyn",
        "--scenarios",
        "create,update_some,destroy",
    )
    assert results["rows"] == []  # the per-resource fleets stop at 500 phones
    fleet_rows = results["fleet_rows"]
    assert [(r["scenario"], r["n"]) for r in fleet_rows] == [
        ("create", LARGE), ("update_some", LARGE), ("destroy", LARGE)
    ]  # fmt: skip
    assert all(r["time_ok"] is not None for r in fleet_rows)  # each against its limit
    check_fleet_rows(fleet_rows)
    assert all(r["plugin_rss_mb"] for r in fleet_rows)
    [size] = results["fleet_state_sizes"]
    assert size["n"] == LARGE and LARGE * 100 < size["entry_bytes"] < size["state_bytes"]
