"""`--state-file`: the emulator's phones kept in a JSON file across restarts (the demo's truth).

Only phones persist: the call log and faults belong to one run. The file is written whole to a
temporary file beside it and renamed over it, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ._state import EmulatorState, Phone, PhoneSpec


def load(state: EmulatorState, path: Path) -> None:
    """Replace the state's phones by the file's, if it exists."""
    if not path.exists():
        return
    phones = json.loads(path.read_text())["phones"]
    state.phones = {}
    for view in phones:
        # A phone saved mid-redeploy would stay `loading` for ever: its redeploy has ended.
        status = "active" if view["status"] == "loading" else view["status"]
        spec = {**{k: view[k] for k in ("webhook", "ack_delivery", "number")}, "status": status}
        state.put_phone(str(view["id"]), PhoneSpec.model_validate(spec))


def save(state: EmulatorState, path: Path) -> None:
    views: list[dict[str, Any]] = [p.view() for p in sorted(state.phones.values(), key=_order)]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"phones": views}, indent=2) + "\n")
    os.replace(temporary, path)


def _order(phone: Phone) -> int:
    return int(phone.id)
