"""``python -m maytapi_pulumi.emulator``: serve the emulator until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from aiohttp import web

from .._errors import printable
from . import _statefile
from ._app import STATE, create_app
from ._state import DEFAULT_PHONES, DEFAULT_PRODUCT_ID, DEFAULT_TOKEN, canonical_phone_ids


def _phone_ids(text: str) -> list[str]:
    try:
        return canonical_phone_ids([p.strip() for p in text.split(",") if p.strip()])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m maytapi_pulumi.emulator", description=__doc__)
    parser.add_argument("--host", default=env("MAYTAPI_EMULATOR_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=env("MAYTAPI_EMULATOR_PORT", "8808"), help="0 picks a free port"
    )
    parser.add_argument("--product-id", default=env("MAYTAPI_PRODUCT_ID", DEFAULT_PRODUCT_ID))
    parser.add_argument("--token", default=env("MAYTAPI_API_TOKEN", DEFAULT_TOKEN))
    parser.add_argument(
        "--phones",
        type=_phone_ids,
        default=env("MAYTAPI_EMULATOR_PHONES", ",".join(DEFAULT_PHONES)),
        help="comma-separated phone ids the product starts with",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every API call")
    parser.add_argument(
        "--redeploy-seconds", type=float, default=0.5, help="how long a redeployed phone stays loading"
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=env("MAYTAPI_EMULATOR_STATE_FILE"),
        help="keep the phones in this JSON file: loaded at start (instead of --phones), saved after each call",
    )
    return parser


def _persist(app: web.Application, path: Path) -> None:
    state = app[STATE]
    _statefile.load(state, path)

    async def after_call(_request: web.Request, _response: web.StreamResponse) -> None:
        _statefile.save(state, path)

    async def on_shutdown(_app: web.Application) -> None:
        _statefile.save(state, path)

    app.on_response_prepare.append(after_call)
    app.on_shutdown.append(on_shutdown)


class _OneLine(logging.Formatter):
    """A record as one printable line: aiohttp's errors quote what a client sent (a request it
    could not parse), which must not start a line of its own nor drive the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        line = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            line += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        return printable(line)


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    aiohttp_log = logging.getLogger("aiohttp")
    aiohttp_log.addHandler(handler)
    aiohttp_log.propagate = False


async def _serve(args: argparse.Namespace) -> None:
    app = create_app(
        product_id=args.product_id,
        token=args.token,
        phones=args.phones,
        latency_ms=args.latency_ms,
        redeploy_seconds=args.redeploy_seconds,
    )
    if args.state_file is not None:
        _persist(app, args.state_file)
    # Short shutdown grace: a call held by a latency fault must not delay a SIGTERM for long.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        site = web.TCPSite(runner, args.host, args.port)
        await site.start()
        port = runner.addresses[0][1]
        host = f"[{args.host}]" if ":" in args.host else args.host
        print(f"maytapi emulator ready: http://{host}:{port}/api/{args.product_id}", flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> int:
    args = _parser().parse_args()
    _log_to_stderr()
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
