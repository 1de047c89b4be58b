"""`./dev up`, `./dev up --change` and `./dev review` (devtools.quickstart), in a copy of the
project's root (its own .work/ and stack config) on a free port: 8808 belongs to `./dev up`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from devtools.stack import ROOT, VENV
from tests.test_examples import free_port


def test_up_twice_then_review_then_a_reviewed_change(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "devtools", tmp_path / "devtools", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "examples" / "quickstart", tmp_path / "examples" / "quickstart")
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    (tmp_path / ".venv").symlink_to(VENV)
    port = str(free_port())

    def dev(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "devtools.quickstart", "--port", port, *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    first = dev()
    assert "phones from .work/quickstart/emulator.json: 12 (active, webhook none)" in first
    assert "+ 3 created" in first
    assert "Maytapi calls made: 2 ['POST /12/config', 'GET /12/redeploy']" in first
    phones = json.loads((tmp_path / ".work" / "quickstart" / "emulator.json").read_text())["phones"]
    assert phones[0]["webhook"] == "https://hooks.example.com/maytapi/support"

    # a new emulator with the phones as the first run left them; the refresh reads phone 12
    second = dev()
    assert "12 (active, webhook https://hooks.example.com/maytapi/support)" in second
    assert "3 unchanged" in second
    assert "Maytapi calls made: 1 ['GET /12/config']" in second

    review = dev("--review", "--change")
    assert re.search(
        r"Maytapi: 1 config change · 1 action will fire\n"
        r"phone 12\n"
        r"  ~ PhoneConfig support-line: webhook: https://hooks.example.com/maytapi/support → "
        r"https://hooks.example.com/maytapi/v2\n"
        r"  ! Redeploy support-line-redeploy will fire \(revision: 2026-11-25 → 2026-\d\d-\d\dT\d\d:\d\d:\d\d\)\n"
        r"\[quickstart\] Maytapi calls made: 1 \['GET /12/config'\]\n",
        review,
    ), review
    assert "3 unchanged" in dev()  # the review changed nothing, not even the stack's config

    change = dev("--change")
    assert "~ 2 updated" in change
    assert re.search(
        r"review summary of the change applied:\n"
        r"Maytapi: 1 config change · 1 action will fire\n"
        r"phone 12\n"
        r"  ~ PhoneConfig support-line: webhook: https://hooks.example.com/maytapi/support → "
        r"https://hooks.example.com/maytapi/v2\n",
        change,
    ), change
    assert change.endswith(
        "Maytapi calls made: 4 ['GET /12/config', 'GET /12/config', 'POST /12/config', 'GET /12/redeploy']\n"
        "[quickstart] Next: run ./dev up again (no changes), ./dev review --change (what the next command "
        "would do), ./dev up --change (a reviewed change), or edit examples/quickstart/__main__.py.\n"
    )
