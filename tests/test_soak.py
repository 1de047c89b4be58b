"""The soak's quick form (`./dev soak --quick`): one run of each scenario, against its targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devtools import soak


def test_the_quick_soak_meets_every_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = soak.main(["--quick", "--minutes", "5", "--out", str(tmp_path / "soak.json")])
    printed = capsys.readouterr().out
    with capsys.disabled():  # the figures, in every test run
        print(printed)
    tallies = {t["scenario"]: t for t in json.loads((tmp_path / "soak.json").read_text())["tallies"]}
    assert len(tallies) == 6 and status == 0
    for name, tally in tallies.items():
        assert tally["runs"] >= 1 and tally["skipped_runs"] == 0, name
        assert tally["converged_in_one_up"] == tally["runs"], name
        assert (tally["duplicate_firings"], tally["diverged_phones"], tally["token_occurrences"]) == (
            0,
            0,
            0,
        ), name
    # the figures count what happened: faulted calls are logged, bad inputs made none
    assert tallies["fleet of 10 under 30 % faults"]["api_calls"] > 20
    assert tallies["bad inputs of the reference"]["api_calls"] == 0
