"""`python -m devtools.bench --quick` end to end: every scenario runs, and makes exactly the
minimal API calls. Timings are figures to read, not to assert: they are not checked here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
N = 10  # --quick: N=10 for every scenario, create_latency included

MINIMUM = {
    "create": {"POST /{id}/config": N},
    "noop_up": {},
    "noop_preview": {},
    "refresh": {"GET /{id}/config": N},
    "update": {"POST /{id}/config": N},
    "update_some": {"POST /{id}/config": 3},
    "add_actions": {},  # N Redeploy with fire_on_create=False: recorded, never called
    "fire": {"GET /{id}/redeploy": N},
    "destroy": {"POST /{id}/config": N},  # the actions' delete makes no call
    "create_latency": {"POST /{id}/config": N},
}


@pytest.mark.e2e
def test_quick_bench_makes_exactly_the_minimal_api_calls(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "devtools.bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert str(out) in done.stdout

    rows = json.loads(out.read_text())["rows"]
    assert sorted(row["scenario"] for row in rows) == sorted(MINIMUM)
    for row in rows:
        assert row["n"] == N
        assert row["api_calls"] == MINIMUM[row["scenario"]], row["scenario"]
        assert row["minimum_calls"] == MINIMUM[row["scenario"]], row["scenario"]
        assert row["calls_ok"] is True
        # the native provider's fleets, from Python (generated SDK) and from YAML, and the Fleet
        # resources with a FleetRedeploy over their phones (the fleet-wide fire): the same calls
        fleets = ["fleet-dyn", "fleet-py", "fleet-yaml"]
        assert [n["fleet"] for n in row["natives"]] == ["native-py", "native-yaml", *fleets]
        for native in row["natives"]:
            assert native["calls"] == MINIMUM[row["scenario"]], (native["fleet"], row["scenario"])
            assert native["calls_ok"] is True
        if row["scenario"] == "fire":  # against its limit: the fixed cost plus the calls at 8 in flight
            assert row["direct_8_s"] > 0
            for native in row["natives"][2:]:
                assert native["reference"] == "fixed+API/8" and native["reference_s"] > row["direct_8_s"]
