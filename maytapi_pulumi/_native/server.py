"""The gRPC server of the plugin: the SDK's servicer, with Maytapi's errors reported as their
message alone (the SDK's own appends the provider's Python traceback to every failure), and a
step whose outcome must be kept reported as a partial failure (ErrorResourceInitFailed)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
from google.protobuf import any_pb2
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc, status_pb2

from .._errors import MaytapiError
from .._plugin import exit_with_engine
from .provider import MaytapiProvider, RecordedFailure

Handler = Callable[[Any, Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]


def _plain_errors(method: Handler) -> Handler:
    async def handle(self: Any, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await method(self, request, context)
        except Exception as exc:
            # The SDK re-raises every failure as a new Exception carrying a traceback; the
            # error it replaced is its context.
            cause = exc if isinstance(exc, MaytapiError) else exc.__context__
            if isinstance(cause, RecordedFailure):
                await context.abort(grpc.StatusCode.UNKNOWN, str(cause), _init_failed(cause))
            if isinstance(cause, MaytapiError):
                await context.abort(grpc.StatusCode.UNKNOWN, str(cause))
            raise

    return handle


def _init_failed(failure: RecordedFailure) -> tuple[tuple[str, bytes]]:
    """The status details the engine reads as "failed, but keep these outputs" (what
    grpc_status.rpc_status.to_status would build)."""
    detail = any_pb2.Any()
    detail.Pack(
        provider_pb2.ErrorResourceInitFailed(
            id=failure.id,
            properties=PropertyValue.marshal_map(dict(failure.outputs)),
            inputs=PropertyValue.marshal_map(dict(failure.inputs)),
            reasons=[str(failure)],
        )
    )
    status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=str(failure), details=[detail])
    return (("grpc-status-details-bin", status.SerializeToString()),)


class _Servicer(ProviderServicer):
    Check = _plain_errors(ProviderServicer.Check)
    Diff = _plain_errors(ProviderServicer.Diff)
    Create = _plain_errors(ProviderServicer.Create)
    Read = _plain_errors(ProviderServicer.Read)
    Update = _plain_errors(ProviderServicer.Update)
    Delete = _plain_errors(ProviderServicer.Delete)
    Invoke = _plain_errors(ProviderServicer.Invoke)


def serve(args: list[str], version: str) -> None:
    """Listen on a free port of 127.0.0.1, tell the engine (the port on stdout), serve until stopped."""
    engine_address = next((a for a in args if not a.startswith("-")), "")

    async def run() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = _Servicer(args, version, MaytapiProvider(), engine_address=engine_address)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    exit_with_engine()
    # The engine stops its plugins with SIGINT.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
