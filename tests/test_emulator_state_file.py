"""The emulator's --state-file: phones survive a restart, written after each call, atomically."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from devtools.emulator import RunningEmulator


def post_config(emu: RunningEmulator, phone: str, webhook: str) -> None:
    answer = requests.post(
        f"{emu.api_url}/{phone}/config",
        json={"webhook": webhook, "ack_delivery": True},
        headers={"x-maytapi-key": emu.token},
        timeout=10,
    )
    assert answer.json()["success"] is True


def test_phones_survive_a_restart_and_a_kill(tmp_path: Path) -> None:
    state = tmp_path / "work" / "phones.json"  # its directory is created too
    with RunningEmulator(phones=("12", "13"), state_file=state, redeploy_seconds=30) as emu:
        post_config(emu, "12", "https://hooks.example.com/a")
        # written after the call, before any shutdown
        saved = json.loads(state.read_text())["phones"]
        assert [(p["id"], p["webhook"], p["ack_delivery"]) for p in saved] == [
            ("12", "https://hooks.example.com/a", True),
            ("13", "", False),
        ]
        requests.get(f"{emu.api_url}/13/redeploy", headers={"x-maytapi-key": emu.token}, timeout=10)
        assert emu.phone("13")["status"] == "loading"
        emu.process.kill()  # no clean shutdown: what was saved after the last call is what is left
        emu.process.wait()
    assert [p.name for p in state.parent.iterdir()] == ["phones.json"]  # no temporary file left over

    # the file wins over --phones; a phone saved mid-redeploy comes back active
    with RunningEmulator(phones=("14",), state_file=state) as emu:
        assert [(p["id"], p["status"], p["webhook"]) for p in emu.phones()] == [
            ("12", "active", "https://hooks.example.com/a"),
            ("13", "active", ""),
        ]
        emu.set_phone("13", status="qr-code")  # control calls are saved too
        assert emu.stop() == 0
    assert [p["status"] for p in json.loads(state.read_text())["phones"]] == ["active", "qr-code"]
