"""What a plugin process knows of the engine that started it: its gRPC address (the first
argument the engine gives every plugin) and its process. Both adapters run as such a process
(the dynamic-provider host and the native plugin), so both take these from here."""

from __future__ import annotations

import functools
import os
import sys
import threading
import time

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from ._core.hands import Claims


def _engine_address() -> str:
    return sys.argv[1] if len(sys.argv) > 1 else ""


@functools.cache
def deployment_claims() -> Claims:
    """The claims of this deployment: the plugin process is a child of the engine."""
    return Claims.of_engine(os.getppid(), _engine_address())


def warn(message: str) -> None:
    """Show a warning in the user's `pulumi` output, through the engine's Log service (a
    dynamic provider has no logger of its own)."""
    with grpc.insecure_channel(_engine_address()) as channel:
        engine_pb2_grpc.EngineStub(channel).Log(
            engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=message), timeout=10
        )


def exit_with_engine(poll: float = 0.5) -> None:
    """End this process once the engine is gone without a word (SIGKILL): the process is then
    reparented. Otherwise the engine stops its plugins itself, with SIGINT."""
    engine = os.getppid()

    def watch() -> None:
        while os.getppid() == engine:
            time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="engine-watch").start()
