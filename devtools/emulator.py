"""Run the Maytapi emulator in a subprocess and drive its control API (tests, demo, benchmarks).

For example:

with RunningEmulator(phones=("12", "13")) as emu:
    requests.get(f"{emu.api_url}/listPhones", headers={"x-maytapi-key": emu.token})
    emu.fault(path="/12/config$", status=503, retry_after=1)
    emu.set_phone("12", webhook="https://drifted.example")
    assert emu.api_calls(method="GET", path="/listPhones$")
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import requests

ROOT = Path(__file__).resolve().parent.parent
_READY = re.compile(r"^maytapi emulator ready: (http://\S+)/api/(\S+)$")


class RunningEmulator:
    """``python -m maytapi_pulumi.emulator`` on 127.0.0.1 with a free port, started on construction."""

    def __init__(
        self,
        *,
        product_id: str = "00000000-0000-4000-8000-000000000001",
        token: str = "emulator-token",
        phones: Sequence[str] = ("12", "13"),
        latency_ms: float = 0.0,
        redeploy_seconds: float = 0.5,
        startup_timeout: float = 30.0,
        port: int = 0,
        state_file: Path | None = None,
    ) -> None:
        self.product_id = product_id
        self.token = token
        command = [
            sys.executable, "-m", "maytapi_pulumi.emulator",
            "--host", "127.0.0.1", "--port", str(port),
            "--product-id", product_id, "--token", token, "--phones", ",".join(phones),
            "--latency-ms", str(latency_ms), "--redeploy-seconds", str(redeploy_seconds),
        ]  # fmt: skip
        if state_file is not None:
            command += ["--state-file", str(state_file)]
        # The package need not be installed: run it from this checkout.
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        self._session = requests.Session()
        self.process, ready = start_server(command, _READY, env=env, timeout=startup_timeout)
        self.root_url = ready.group(1)
        self.base_url = f"{self.root_url}/api"
        self.api_url = f"{self.base_url}/{product_id}"
        self.control_url = f"{self.root_url}/_emulator"

    @property
    def stack_config(self) -> dict[str, str]:
        """The plain stack config that points a program at this emulator; its token goes in as
        a secret (`maytapi:apiToken`)."""
        return {"maytapi:productId": self.product_id, "maytapi:baseUrl": self.base_url}

    def _control(self, method: str, path: str, json: Any = None) -> Any:
        response = self._session.request(method, f"{self.control_url}/{path}", json=json, timeout=10)
        if not response.ok:
            raise RuntimeError(f"{method} /_emulator/{path}: HTTP {response.status_code}: {response.text}")
        return response.json()

    def calls(self) -> list[dict[str, Any]]:
        """The call log: every request made under /api, oldest first."""
        calls: list[dict[str, Any]] = self._control("GET", "calls")["calls"]
        return calls

    def api_calls(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """Logged calls under /api, optionally only those with `method` and whose path after
        /api/<product id> matches the regex `path` (re.search, as faults match)."""
        return [
            call
            for call in self.calls()
            if call["path"].startswith("/api/")
            and (method is None or call["method"] == method)
            and (path is None or re.search(path, "/" + "/".join(call["path"].split("/")[3:])))
        ]

    def reset(self, phones: Sequence[str] | None = None) -> None:
        """Clear the call log and faults, and restore the initial (or the given) phones."""
        self._control("POST", "reset", None if phones is None else {"phones": list(phones)})

    def fault(self, **spec: Any) -> int:
        """Arm a fault (see docs/emulator.md); returns its id."""
        fault_id: int = self._control("POST", "faults", spec)["id"]
        return fault_id

    def faults(self) -> list[dict[str, Any]]:
        """The armed faults, with the uses left (``remaining``; None when rate-based)."""
        faults: list[dict[str, Any]] = self._control("GET", "faults")["faults"]
        return faults

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def phones(self) -> list[dict[str, Any]]:
        phones: list[dict[str, Any]] = self._control("GET", "phones")["phones"]
        return phones

    def phone(self, phone_id: str | int) -> dict[str, Any]:
        """One phone's id, number, status, webhook and ack_delivery."""
        phone: dict[str, Any] = self._control("GET", f"phones/{phone_id}")
        return phone

    def set_phone(self, phone_id: str | int, **fields: Any) -> dict[str, Any]:
        """Create or change a phone behind the API's back: status, webhook, ack_delivery, number."""
        phone: dict[str, Any] = self._control("PUT", f"phones/{phone_id}", fields)
        return phone

    def remove_phone(self, phone_id: str | int) -> None:
        self._control("DELETE", f"phones/{phone_id}")

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then wait; returns the exit code (0 on a clean stop). Safe to call twice."""
        returncode = stop(self.process, timeout)
        self._session.close()
        return returncode

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def stop(process: subprocess.Popen[str], timeout: float = 10.0) -> int:
    """SIGTERM to a server's process, then wait (SIGKILL after `timeout`); its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def start_server(
    command: list[str],
    ready: re.Pattern[str],
    *,
    on_stderr: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[subprocess.Popen[str], re.Match[str]]:
    """A server started, once a line of its output (stdout, or stderr `on_stderr`) matches
    `ready`, which says where it listens; its output is read on for good, so that its pipe never
    fills. One that exits, or prints nothing for `timeout` seconds, is stopped, and the error
    quotes its last lines."""
    pipe, quiet = subprocess.PIPE, subprocess.DEVNULL
    process = subprocess.Popen(
        command, stdout=quiet if on_stderr else pipe, stderr=pipe if on_stderr else None, text=True, env=env
    )
    stream = process.stderr if on_stderr else process.stdout
    assert stream is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=drain, args=(stream, lines), daemon=True).start()
    said: list[str] = []
    try:
        while line := lines.get(timeout=timeout):
            said.append(line)
            if match := ready.search(line.strip()):
                return process, match
    except queue.Empty:
        pass
    stop(process)
    raise RuntimeError(f"{command[0]} did not start (exit code {process.returncode}): {''.join(said[-5:])!r}")


def drain(stream: IO[str], lines: queue.Queue[str]) -> None:
    # Keep reading so the server can never block on a full pipe.
    for line in stream:
        lines.put(line)
    lines.put("")  # end of output: the emulator exited
