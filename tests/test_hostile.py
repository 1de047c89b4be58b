"""The client against hostile and odd servers: small stdlib HTTP servers on 127.0.0.1, scripted
per test, answer the way broken proxies, debug pages and attackers do. Each test states the
exception class and message the user gets, that the token is absent from everything said
about it, and how many requests each host received (a redirect target must receive none).
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import logging
import re
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from pydantic import SecretStr

from devtools.stack import Project
from maytapi_pulumi import (
    ApiError,
    AuthenticationError,
    MaytapiClient,
    MaytapiError,
    RateLimitedError,
    Settings,
    TransportError,
)
from maytapi_pulumi._client import _retry_after
from maytapi_pulumi._errors import MAX_MESSAGE, MAX_QUOTE, printable, redact, shown
from tests.conftest import TOKEN, Family

PRODUCT = "00000000-0000-4000-8000-0000000000aa"
HOOK = "https://hooks.example.com/maytapi"
SLACK = 0.5  # seconds past a deadline a call may take to unwind (a loaded machine, thread wake-ups)
Responder = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Hostile

    def serve(self) -> None:
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.record(self)
        self.server.responder(self.path)(self)

    do_GET = do_POST = serve

    def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Hostile(ThreadingHTTPServer):
    """A server whose answers are scripted by path suffix: each matching request takes the
    next responder of its script, the last one repeating. Every request is recorded."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_port}"
        self.scripts: list[tuple[str, list[Responder]]] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def on(self, suffix: str, *responders: Responder) -> None:
        self.scripts.append((suffix, list(responders)))

    def record(self, handler: Handler) -> None:
        with self.lock:
            self.requests.append((handler.command, handler.path))

    def responder(self, path: str) -> Responder:
        with self.lock:
            for suffix, script in self.scripts:
                if path.split("?")[0].endswith(suffix):
                    return script.pop(0) if len(script) > 1 else script[0]
        return answer(404, {"success": False, "message": "no script for this path"})


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Responder:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda h: h.send(status, raw, headers)


def redirect(status: int, location: str) -> Responder:
    return answer(status, b"", {"Location": location})


def echo(status: int, form: str) -> Responder:
    """An error page quoting the request's headers, as debug pages and some proxies do."""

    def respond(h: Handler) -> None:
        dump = "".join(f"{name}: {value}\r\n" for name, value in h.headers.items())
        text = {
            "plain": dump,
            "json": json.dumps({"success": False, "message": f"bad request {dict(h.headers)}"}),
            "html": f"<html><pre>{html.escape(dump)}</pre></html>",
            "urlencoded": quote_plus(dump),
            "base64": "request=" + base64.b64encode(dump.encode()).decode(),
        }[form]
        h.send(status, text.encode(), {"Content-Type": "text/html" if form == "html" else "text/plain"})

    return respond


def trickle(every: float, count: int) -> Responder:
    """A 200 whose body arrives one byte at a time, bounded in count."""

    def respond(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(count))
        h.end_headers()
        for _ in range(count):
            try:
                h.wfile.write(b" ")
                h.wfile.flush()
            except OSError:  # the client gave up: the point of the test
                return
            time.sleep(every)

    return respond


def huge(size: int, *, declared: bool) -> Responder:
    """A 200 of `size` bytes, with or without Content-Length (then chunked), bounded in count."""

    def respond(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header(
            "Content-Length" if declared else "Transfer-Encoding", str(size) if declared else "chunked"
        )
        h.end_headers()
        chunk = b" " * 65536
        try:
            for _ in range(size // len(chunk)):
                h.wfile.write(chunk if declared else b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass
        h.close_connection = True

    return respond


def drop(h: Handler) -> None:
    """Close the connection once the request is read, answering nothing."""
    h.close_connection = True
    h.connection.shutdown(socket.SHUT_RDWR)


def serving() -> Iterator[Hostile]:
    server = Hostile()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def api() -> Iterator[Hostile]:
    yield from serving()


@pytest.fixture
def elsewhere() -> Iterator[Hostile]:
    """A second host: where redirects point."""
    yield from serving()


def client_of(server: Hostile, **options: Any) -> MaytapiClient:
    settings = Settings(PRODUCT, SecretStr(TOKEN), f"{server.url}/api")
    return MaytapiClient(settings, **{"retries": 2, "backoff_factor": 0.01, **options})


def everything_said_about(error: BaseException) -> str:
    """str, repr, args, string attributes and the formatted traceback, chained errors included."""
    said = [str(error), repr(error), *map(repr, error.args), *traceback.format_exception(error)]
    said += [repr(v) for v in vars(error).values()]
    for linked in (error.__cause__, error.__context__):
        if linked is not None:
            said.append(everything_said_about(linked))
    return "\n".join(said)


def raised(call: Callable[[], Any], kind: type[MaytapiError] = MaytapiError) -> MaytapiError:
    """The error `call` raised (of `kind`), checked to carry no form of the token."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(kind) as info:
            call()
    said = everything_said_about(info.value)
    assert redact(said, TOKEN) == said, f"the token is in what the error says:\n{said}"
    return info.value


OPERATIONS: dict[str, tuple[str, Callable[[MaytapiClient], Any]]] = {
    "get config": ("/12/config", lambda c: c.get_config(12)),
    "set config": ("/12/config", lambda c: c.set_config(12, HOOK, True)),
    "redeploy": ("/12/redeploy", lambda c: c.redeploy(12)),
    "factoryreset": ("/12/factoryreset", lambda c: c.factory_reset(12)),
    "logout": ("/12/logout", lambda c: c.logout(12)),
    "list phones": ("/listPhones", lambda c: c.list_phones()),
    "status": ("/12/status", lambda c: c.status(12)),
    "backup": ("/12/backup", lambda c: c.backup(12)),
    "restore": ("/12/restore", lambda c: c.restore(12, {"a": 1})),
    "delete": ("/12/delete", lambda c: c.delete(12)),
    "restart": ("/12/restart", lambda c: c.restart(12)),
}


# -- 1. redirects are errors, never followed ----------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_a_redirect_is_an_error_and_the_target_gets_no_request(
    api: Hostile, elsewhere: Hostile, operation: str, status: int
) -> None:
    path, call = OPERATIONS[operation]
    api.on(path, redirect(status, f"{elsewhere.url}/steal?token=in-the-query#frag"))
    with client_of(api) as client:
        error = raised(lambda: call(client), ApiError)
    assert str(error).startswith(f"Maytapi {operation}")
    assert f"failed: HTTP {status}: redirected to {elsewhere.url}, not followed" in str(error)
    assert "in-the-query" not in str(error) and "steal" not in str(error)
    assert (len(api.requests), len(elsewhere.requests)) == (1, 0)


def test_a_relative_redirect_names_the_same_host_and_is_not_followed(api: Hostile) -> None:
    api.on("/12/config", redirect(302, "/api/other/12/config"))
    with client_of(api) as client:
        error = raised(lambda: client.get_config(12), ApiError)
    assert f"redirected to {api.url}, not followed" in str(error)
    assert api.requests == [("GET", f"/api/{PRODUCT}/12/config")]


def test_a_redirect_to_a_host_carrying_credentials_names_the_host_only(api: Hostile) -> None:
    api.on("/12/config", redirect(307, "https://user:pw@evil.example:8443/x?q=1"))
    with client_of(api) as client:
        error = raised(lambda: client.set_config(12, HOOK), ApiError)
    assert "redirected to https://evil.example:8443, not followed" in str(error)
    assert "pw" not in str(error)


# -- 2. the token is scrubbed from every error ---------------------------------------------------


@pytest.mark.parametrize("form", ["plain", "json", "html", "urlencoded", "base64"])
@pytest.mark.parametrize(
    ("status", "kind"), [(401, AuthenticationError), (403, AuthenticationError), (500, ApiError)]
)
def test_a_server_echoing_the_headers_never_puts_the_token_in_the_error(
    api: Hostile, form: str, status: int, kind: type[ApiError]
) -> None:
    api.on("/12/config", echo(status, form))
    with client_of(api) as client:
        error = raised(lambda: client.get_config(12), kind)
    assert f"Maytapi get config on phone 12 failed: HTTP {status}: " in str(error)
    assert "[redacted]" in str(error) or form in ("base64", "urlencoded")
    assert len(api.requests) == 1


def test_an_echo_in_a_redirect_target_host_is_scrubbed(api: Hostile) -> None:
    api.on("/12/config", redirect(302, f"http://{TOKEN}.evil.example/"))
    with client_of(api) as client:
        error = raised(lambda: client.get_config(12), ApiError)
    assert "redirected to http://[redacted].evil.example" in str(error)


TOKEN_FORMS = {
    "plain": TOKEN,
    "json": json.dumps({"x-maytapi-key": TOKEN}),
    "json-escaped-dashes": json.dumps(TOKEN).replace("-", "\\u002d"),
    "json-escaped-mixed": json.dumps(TOKEN).replace("o", "\\u006F", 1).replace("-", "\\u002D", 1),
    "html-mixed": TOKEN[:4] + "&#x53;&#069;" + TOKEN[6:],
    "url-mixed": quote(TOKEN[:6], safe="") + TOKEN[6:],
    "html": html.escape(f"<b>{TOKEN}</b>"),
    "html-entities": "".join(f"&#{ord(c)};" for c in TOKEN),
    "url-encoded": quote(f"key={TOKEN}", safe=""),
    "url-encoded-twice": quote(quote(TOKEN, safe=""), safe=""),
    "form-encoded": quote_plus(f"x-maytapi-key: {TOKEN}"),
    "base64": base64.b64encode(TOKEN.encode()).decode(),
    "base64-inside-a-dump-0": base64.b64encode(f"x-maytapi-key: {TOKEN}\r\n".encode()).decode(),
    "base64-inside-a-dump-1": base64.b64encode(f"x-maytapi-key:  {TOKEN}\r\n".encode()).decode(),
    "base64-inside-a-dump-2": base64.b64encode(f"x-maytapi-key:   {TOKEN}\r\n".encode()).decode(),
    "base64-url-safe": base64.urlsafe_b64encode(f"k={TOKEN}".encode()).decode(),
    "hex": TOKEN.encode().hex(),
    "upper-case": TOKEN.upper(),
}


@pytest.mark.parametrize("form", list(TOKEN_FORMS))
def test_redact_removes_every_form_of_the_token(form: str) -> None:
    echoed = f"before {TOKEN_FORMS[form]} after"
    scrubbed = redact(echoed, TOKEN)
    assert "[redacted]" in scrubbed and scrubbed.startswith("before") and scrubbed.endswith("after")
    # No 8-character run of any form survives (the base64 forms: decoding what is left fails).
    assert TOKEN not in scrubbed and TOKEN_FORMS[form] not in scrubbed
    if form.startswith("base64"):
        assert TOKEN.encode() not in _decode_any(scrubbed)


def _decode_any(text: str) -> bytes:
    decoded = b""
    for word in text.split():
        for offset in range(4):
            with contextlib.suppress(ValueError):
                decoded += base64.b64decode(word[offset:] + "===", altchars=b"-_")
    return decoded


def test_redact_leaves_text_without_the_token_alone() -> None:
    text = "Maytapi get config on phone 12 failed: HTTP 500: Internal error"
    assert redact(text, TOKEN) == text


# What a server may put in its message to forge a line, drive a terminal or pass for markup.
FORGERIES = [
    "\n",
    "\r\n",
    "\r",
    "\x1b[31m",
    "\x1b[2J\x1b[H",
    "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
]
FORGERIES += ["\x00", "\x07", "\x08", "\x7f", "\x9b31m", "\u202e", "\u2028", "\ufeff", "\t", "\\x1b", "|"]
FORGERIES += [
    "| 4103 | nothing | nothing |",
    "```",
    "`x`",
    "<img src=x onerror=alert(1)>",
    "<!-- -->",
    "&amp;",
]
FORGERIES += ["@admin", "#123", "\nerror: forged line", *TOKEN_FORMS.values()]
plain_text = st.text(st.characters(categories=["L", "N", "P", "S"], include_characters=" "), max_size=40)
server_text = st.one_of(
    plain_text,
    st.lists(st.one_of(st.sampled_from(FORGERIES), st.text(max_size=20), plain_text), max_size=12).map(
        "".join
    ),
)


@examples(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=server_text, shape=st.sampled_from(["json-500", "json-success-false", "plain-500", "json-503"]))
def test_a_server_message_is_shown_on_one_printable_capped_line_without_the_token(
    api: Hostile, caplog: pytest.LogCaptureFixture, text: str, shape: str
) -> None:
    """Whatever a server says, the error shows it printable (control characters and ANSI escapes
    as `\x1b`-style escapes, so one line that cannot drive a terminal), at most MAX_QUOTE
    characters of it in a message of at most MAX_MESSAGE, the token redacted; the retry log
    line quoting it too. Printable text comes through unchanged."""
    api.scripts, api.requests = [], []
    caplog.clear()
    status = {"json-500": 500, "json-success-false": 200, "plain-500": 500, "json-503": 503}[shape]
    if shape == "plain-500":
        api.on("/12/config", answer(status, text.encode(), {"Content-Type": "text/plain"}))
    else:
        api.on("/12/config", answer(status, {"success": False, "message": text}))
    with client_of(api, retries=1) as client:
        error = raised(lambda: client.get_config(12), ApiError)
    said = str(error)
    assert said.isprintable() and len(said) <= MAX_MESSAGE, said
    assert error.server_message.isprintable() and len(error.server_message) <= MAX_QUOTE
    logged = [record.getMessage() for record in caplog.records]
    assert all(line.isprintable() and redact(line, TOKEN) == line for line in logged)
    quoted = text if shape != "plain-500" else text.strip()
    if quoted and quoted.isprintable() and len(quoted) <= MAX_QUOTE and redact(quoted, TOKEN) == quoted:
        assert error.server_message == quoted
        event("quoted unchanged")
    else:
        event("escaped, cut or redacted")


def test_printable_escapes_what_a_terminal_acts_on_and_leaves_the_rest() -> None:
    text = "a\nb\r\x1b[31mred\x00\x7f\x9b\u202e\u2028\t|`<b>@x#1 é 漢 \\x1b"
    assert printable(text) == "a\\nb\\r\\x1b[31mred\\x00\\x7f\\x9b\\u202e\\u2028\\t|`<b>@x#1 é 漢 \\x1b"
    assert printable(printable(text)) == printable(text)


def test_shown_redacts_before_cutting_so_no_piece_of_the_token_is_left() -> None:
    text = "x" * (MAX_QUOTE - 5) + TOKEN
    assert shown(text, TOKEN, MAX_QUOTE) == "x" * (MAX_QUOTE - 5) + "[red…"
    assert len(shown("\x1b" * 400, TOKEN, MAX_QUOTE)) == MAX_QUOTE


# -- 3. strict answers ---------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["redeploy", "factoryreset", "logout", "delete", "restart", "status"])
def test_success_false_as_a_string_is_an_error_carrying_the_message(api: Hostile, operation: str) -> None:
    path, call = OPERATIONS[operation]
    api.on(path, answer(200, {"success": "false", "message": "Instance is busy"}))
    with client_of(api) as client:
        error = raised(lambda: call(client), ApiError)
    assert str(error) == f"Maytapi {operation} on phone 12 failed: HTTP 200: Instance is busy"
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({}, "no success: true in the answer '{}'"),
        ({"message": "Queued"}, "Queued"),
        ({"success": 1}, '{"success": 1}'),
        ([], "no success: true in the answer '[]'"),
    ],
    ids=["empty", "message-only", "success-1", "array"],
)
@pytest.mark.parametrize("operation", ["redeploy", "factoryreset", "logout", "restore"])
def test_an_acknowledgement_without_success_true_is_an_error(
    api: Hostile, operation: str, body: Any, said: str
) -> None:
    path, call = OPERATIONS[operation]
    api.on(path, answer(200, body))
    with client_of(api) as client:
        error = raised(lambda: call(client), ApiError)
    assert str(error) == f"Maytapi {operation} on phone 12 failed: HTTP 200: {said}"
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ([], "unexpected answer: no config in it"),
        ({"success": True}, "unexpected answer: no config in it"),
        ({"success": "false"}, '{"success": "false"}'),
        ({"success": True, "status": {"webhook": 5}}, "unexpected answer: 1 problem(s)"),
        (b"[" * 5000, "expected JSON"),
        (b"<html>maintenance</html>", "expected JSON, got '<html>maintenance</html>'"),
    ],
    ids=["array", "bare-success", "success-string-false", "webhook-a-number", "deep-json", "html"],
)
def test_junk_config_answer_is_an_api_error_not_an_empty_config(api: Hostile, body: Any, said: str) -> None:
    api.on("/12/config", answer(200, body))
    with client_of(api) as client:
        error = raised(lambda: client.get_config(12), ApiError)
    assert str(error).startswith("Maytapi get config on phone 12 failed: HTTP 200: ")
    assert said in str(error)


@pytest.mark.parametrize(
    "body",
    [
        {"success": True, "status": {"webhook": {"webhook": HOOK}, "ack_delivery": True}},
        {"success": True, "data": {"webhook": HOOK, "ack_delivery": True}},
        {"webhook": HOOK, "ack_delivery": True},
    ],
    ids=["under-status-nested", "under-data", "top-level-without-success"],
)
def test_the_lenient_config_shapes_the_reference_allows_still_read(api: Hostile, body: Any) -> None:
    api.on("/12/config", answer(200, body))
    with client_of(api) as client:
        config = client.get_config(12)
    assert (config.webhook, config.ack_delivery) == (HOOK, True)


@pytest.mark.parametrize("webhook", ["", None, "missing"])
def test_no_webhook_reads_as_empty_in_every_form(api: Hostile, webhook: Any) -> None:
    inner = {"ack_delivery": False} if webhook == "missing" else {"webhook": webhook, "ack_delivery": False}
    api.on("/12/config", answer(200, {"success": True, "status": inner}))
    with client_of(api) as client:
        assert client.get_config(12).webhook == ""


def test_a_config_post_answered_by_a_bare_success_is_taken_as_sent(api: Hostile) -> None:
    api.on("/12/config", answer(200, {"success": True}))
    with client_of(api) as client:
        config = client.set_config(12, HOOK, True)
    assert (config.webhook, config.ack_delivery) == (HOOK, True)


@pytest.mark.parametrize("body", [[], {}, {"message": "ok"}], ids=["array", "empty", "message-only"])
def test_a_config_post_answered_without_config_or_success_is_an_error(api: Hostile, body: Any) -> None:
    api.on("/12/config", answer(200, body))
    with client_of(api) as client:
        error = raised(lambda: client.set_config(12, HOOK, True), ApiError)
    assert "HTTP 200: unexpected answer: no config in it" in str(error)


# -- 4. bounded calls ----------------------------------------------------------------------------


def test_a_trickling_body_fails_at_the_deadline(api: Hostile) -> None:
    api.on("/12/config", trickle(every=0.3, count=200))
    started = time.monotonic()
    with client_of(api, connect_timeout=0.5, read_timeout=1.0, retries=0) as client:
        error = raised(lambda: client.get_config(12), TransportError)
    took = time.monotonic() - started
    print(f"\ntrickling body: failed after {took:.2f} s (bound 1.5 s)")
    assert str(error) == (
        "Maytapi get config on phone 12 failed: no complete answer within 1.5 s (the body was still arriving)"
    )
    assert took < 2.5 and len(api.requests) == 1


class Raw:
    """A TCP server on 127.0.0.1 that plays `script` on each connection, in a thread of its own:
    for the shapes an HTTP server library will not send (a status line a byte at a time, a chunk
    size line that never ends, silence in the middle of a TLS handshake)."""

    def __init__(self, script: Callable[[socket.socket], None], scheme: str = "http") -> None:
        self.script = script
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"{scheme}://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.listener.accept()
                self.connections += 1
                threading.Thread(target=self._play, args=(connection,), daemon=True).start()

    def _play(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            self.script(connection)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def raw() -> Iterator[Callable[..., Raw]]:
    servers: list[Raw] = []

    def start(script: Callable[[socket.socket], None], scheme: str = "http") -> Raw:
        servers.append(Raw(script, scheme))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def read_request(connection: socket.socket) -> None:
    """Up to the end of the request's headers (the calls these tests make send no body, or a small one)."""
    received = b""
    while b"\r\n\r\n" not in received and (part := connection.recv(65536)):
        received += part


def wait_for_the_client(connection: socket.socket, longest: float = 30.0) -> None:
    """Say nothing until the client closes the connection (or `longest` passes)."""
    connection.settimeout(longest)
    with contextlib.suppress(OSError):
        while connection.recv(65536):
            pass


def sending(
    head: bytes, pieces: list[bytes], every: float, *, then_wait: bool = False
) -> Callable[..., None]:
    """Read the request, send `head` at once, then each piece `every` seconds (then wait for the client)."""

    def script(connection: socket.socket) -> None:
        read_request(connection)
        connection.sendall(head)
        for piece in pieces:
            time.sleep(every)
            connection.sendall(piece)
        if then_wait:
            wait_for_the_client(connection)

    return script


def one_by_one(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
CONFIG = json.dumps({"success": True, "status": {"webhook": HOOK, "ack_delivery": True}}).encode()
# Each shape of a server that keeps an attempt going; none of its reads waits as long as the read timeout.
CHUNKED = OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
HEADERS = "no complete answer within 1.5 s (the headers were still arriving)"
BODY = "no complete answer within 1.5 s (the body was still arriving)"
# Each shape of a server that keeps an attempt going, with what the user is told (the bound is
# 1.5 s, the read timeout 1 s): the slow ones never wait as long as the read timeout.
SHAPES: dict[str, tuple[Callable[..., None], str]] = {
    "status line and headers a byte at a time": (
        sending(b"", one_by_one(OK_HEAD + b"X-Pad: " + b"a" * 200), 0.1),
        HEADERS,
    ),
    "a header line that never ends": (sending(OK_HEAD + b"X-Pad: ", [b"a"] * 200, 0.1), HEADERS),
    "body with a Content-Length, a byte at a time": (
        sending(OK_HEAD + b"Content-Length: 200\r\n\r\n", [b" "] * 200, 0.1),
        BODY,
    ),
    "chunked body, a chunk at a time": (sending(CHUNKED, [b"1\r\n \r\n"] * 200, 0.1), BODY),
    "chunked body, its framing a byte at a time": (
        sending(CHUNKED, one_by_one(b"1\r\n \r\n" * 40), 0.1),
        BODY,
    ),
    "chunked body, a chunk size line that never ends": (sending(CHUNKED, [b"0"] * 200, 0.1), BODY),
    "chunked body, one chunk that never ends": (sending(CHUNKED + b"fffff\r\n", [b" "] * 200, 0.1), BODY),
    "body without a length that never ends": (
        sending(OK_HEAD + b"Connection: close\r\n\r\n", [b" " * 10] * 400, 0.05),
        BODY,
    ),
    "no answer at all": (lambda c: (read_request(c), wait_for_the_client(c)), "Read timed out"),
    "headers, then nothing": (
        sending(OK_HEAD + b"Content-Length: 10\r\n\r\n", [], 0, then_wait=True),
        "Read timed out",
    ),
    "chunked headers, then nothing": (sending(CHUNKED, [], 0, then_wait=True), "Read timed out"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_shape_ends_within_the_attempt_bound(raw: Callable[..., Raw], shape: str) -> None:
    script, said = SHAPES[shape]
    server = raw(script)
    settings = Settings(PRODUCT, SecretStr(TOKEN), f"{server.url}/api")
    started = time.monotonic()
    with MaytapiClient(settings, connect_timeout=0.5, read_timeout=1.0, retries=0) as client:
        error = raised(lambda: client.get_config(12), TransportError)
    took = time.monotonic() - started
    print(f"\n{shape}: failed after {took:.2f} s (bound 1.5 s)")
    assert str(error).startswith("Maytapi get config on phone 12 failed: ") and said in str(error), str(error)
    assert took < 1.5 + SLACK and server.connections == 1


@pytest.mark.parametrize(
    "shape", ["status line and headers a byte at a time", "chunked body, its framing a byte at a time"]
)
def test_a_slow_shape_retried_ends_within_the_call_bound(raw: Callable[..., Raw], shape: str) -> None:
    server = raw(SHAPES[shape][0])
    settings = Settings(PRODUCT, SecretStr(TOKEN), f"{server.url}/api")
    started = time.monotonic()
    with MaytapiClient(
        settings, connect_timeout=0.2, read_timeout=0.8, retries=9, backoff_factor=0.05, call_timeout=2.5
    ) as client:
        error = raised(lambda: client.get_config(12), TransportError)
    took = time.monotonic() - started
    print(f"\n{shape}, retried: failed after {took:.2f} s, {server.connections} attempts (call bound 2.5 s)")
    assert " still arriving) (gave up after " in str(error)
    assert "the next attempt would pass the call's time bound of 2.5 s" in str(error)
    assert took < 2.5 + SLACK and server.connections >= 2


def tls_trickle(connection: socket.socket) -> None:
    """A TLS record header announcing 16 KiB of handshake, then its bytes one at a time."""
    connection.recv(65536)
    connection.sendall(b"\x16\x03\x03\x40\x00")
    for _ in range(200):
        time.sleep(0.1)
        connection.sendall(b"\x00")


@pytest.mark.parametrize(
    ("connect_timeout", "retries", "script", "said"),
    [
        (0.5, 0, wait_for_the_client, "Read timed out"),  # the connect timeout ends the handshake
        (0.5, 2, wait_for_the_client, "(the TLS handshake did not finish) (gave up after"),
        (5.0, 2, wait_for_the_client, "no connection within 1.5 s (the TLS handshake did not finish)"),
        (5.0, 2, tls_trickle, "no connection within 1.5 s (the TLS handshake did not finish)"),
    ],
    ids=["silent-connect-timeout", "silent-connect-timeout-retried", "silent-deadline", "trickled-deadline"],
)
def test_a_tls_handshake_that_stalls_ends_within_the_deadline(
    raw: Callable[..., Raw], connect_timeout: float, retries: int, script: Callable[..., None], said: str
) -> None:
    server = raw(script, scheme="https")
    settings = Settings(PRODUCT, SecretStr(TOKEN), f"{server.url}/api")
    started = time.monotonic()
    with MaytapiClient(
        settings,
        connect_timeout=connect_timeout,
        read_timeout=1.0,
        retries=retries,
        backoff_factor=0.01,
        call_timeout=1.5,
    ) as client:
        error = raised(lambda: client.redeploy(12), TransportError)
    took = time.monotonic() - started
    print(
        f"\nTLS handshake {script.__name__}, connect timeout {connect_timeout:g} s: "
        f"failed after {took:.2f} s, {server.connections} attempt(s)"
    )
    assert str(error).startswith("Maytapi redeploy on phone 12 failed: ") and said in str(error)
    # The handshake never finished, so no request went out: the action did not happen, and it
    # is retried while the call has time (when the connect timeout ends an attempt early).
    assert error.may_have_happened is False, str(error)
    assert server.connections >= 2 if retries and connect_timeout < 1.5 else server.connections == 1
    assert took < 1.5 + SLACK


def framed(body: bytes, framing: str, chunk: int) -> tuple[bytes, bytes]:
    """The end of the head and the body as sent with a length, in chunks, or until the close."""
    if framing == "length":
        return b"Content-Length: %d\r\n\r\n" % len(body), body
    if framing == "chunked":
        chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)]
        return b"Transfer-Encoding: chunked\r\n\r\n", b"".join(
            b"%x\r\n%s\r\n" % (len(c), c) for c in chunks
        ) + (b"0\r\n\r\n")
    return b"Connection: close\r\n\r\n", body


@examples(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    slow=st.sampled_from(["headers", "body"]),
    framing=st.sampled_from(["length", "chunked", "close"]),
    piece=st.integers(1, 64),
    every=st.floats(0.01, 0.3),
    padding=st.integers(0, 400),
    read_timeout=st.floats(0.2, 0.8),
    call_timeout=st.floats(0.3, 1.0),
    retries=st.integers(0, 2),
)
def test_no_server_pace_keeps_a_call_past_its_bound(
    slow: str,
    framing: str,
    piece: int,
    every: float,
    padding: int,
    read_timeout: float,
    call_timeout: float,
    retries: int,
) -> None:
    """Whatever the pace and shape of an answer, a call ends within call_timeout (and one attempt
    within connect_timeout + read_timeout); an answer that comes in good time is read."""
    if slow == "headers":
        ending, body = framed(CONFIG, framing, piece)
        head, rest = b"", OK_HEAD + b"X-Pad: " + b"a" * padding + b"\r\n" + ending + body
    else:
        ending, body = framed(CONFIG + b" " * padding, framing, piece)
        head, rest = OK_HEAD + ending, body
    pieces = [rest[i : i + piece] for i in range(0, len(rest), piece)]
    server = Raw(sending(head, pieces, every))
    settings = Settings(PRODUCT, SecretStr(TOKEN), f"{server.url}/api")
    client = MaytapiClient(
        settings, connect_timeout=0.2, read_timeout=read_timeout, retries=retries, call_timeout=call_timeout
    )
    bound = min(call_timeout, client.attempt_timeout) if retries == 0 else call_timeout
    started = time.monotonic()
    try:
        config = client.get_config(12)
        event("read in time")
    except TransportError as exc:
        config, error = None, exc
        event("cut at the deadline" if "within" in str(exc) else "a read timed out")
    finally:
        took = time.monotonic() - started
        client.close()
        server.close()
    assert took <= bound + SLACK, f"{took:.2f} s past a bound of {bound:.2f} s"
    if config is not None:
        assert config.webhook == HOOK
    elif every * len(pieces) < min(bound, read_timeout) / 4:
        raise AssertionError(f"an answer sent in {every * len(pieces):.2f} s was not read: {error}")
    else:
        assert redact(str(error), TOKEN) == str(error)


def test_a_trickling_action_answer_may_have_happened_and_is_not_repeated(api: Hostile) -> None:
    api.on("/12/redeploy", trickle(every=0.3, count=200))
    with client_of(api, connect_timeout=0.5, read_timeout=1.0) as client:
        error = raised(lambda: client.redeploy(12), TransportError)
    assert error.may_have_happened is True and "the action may have happened" in str(error)
    assert len(api.requests) == 1


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_answer_over_one_mib_is_refused_without_reading_it_whole(api: Hostile, declared: bool) -> None:
    api.on("/listPhones", huge(30 << 20, declared=declared))
    started = time.monotonic()
    with client_of(api) as client:
        error = raised(lambda: client.list_phones(), ApiError)
    took = time.monotonic() - started
    print(f"\n30 MiB answer ({'declared' if declared else 'chunked'}): refused after {took:.2f} s")
    assert (
        str(error)
        == "Maytapi list phones failed: HTTP 200: the answer is larger than 1 MiB; stopped reading it"
    )
    assert len(api.requests) == 1 and took < 2


def test_the_default_bounds_are_the_figures_the_docs_give(monkeypatch: pytest.MonkeyPatch) -> None:
    client = MaytapiClient(Settings(PRODUCT, SecretStr(TOKEN)))
    bounds = (client.connect_timeout, client.read_timeout, client.attempt_timeout, client.call_timeout)
    assert bounds == (5.0, 30.0, 35.0, 120.0) and client.retries == 9
    waits = {}
    for jitter in (0.5, 1.0):
        monkeypatch.setattr("maytapi_pulumi._client.random.uniform", lambda low, high, j=jitter: j)
        waits[jitter] = [client._backoff(attempt) for attempt in range(1, client.retries + 1)]
    assert waits[1.0] == [0.5, 1, 2, 4, 8, 8, 8, 8, 8]
    assert (sum(waits[0.5]), sum(waits[1.0])) == (23.75, 47.5)
    assert (
        _retry_after({"Retry-After": "3600"})
        == _retry_after({"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"})
        == 60
    )


def test_an_unreadable_retry_after_is_absent_and_the_call_is_retried(api: Hostile) -> None:
    api.on(
        "/12/config", answer(503, {"success": False}, {"Retry-After": "soon"}), answer(200, {"webhook": HOOK})
    )
    with client_of(api) as client:
        assert client.get_config(12).webhook == HOOK
    assert len(api.requests) == 2


@pytest.mark.parametrize(("status", "kind"), [(503, ApiError), (429, RateLimitedError)])
def test_a_refused_action_is_retried_and_never_may_have_happened(
    api: Hostile, status: int, kind: type[ApiError]
) -> None:
    api.on("/12/redeploy", answer(status, {"success": False, "message": "Busy"}, {"Retry-After": "soon"}))
    with client_of(api) as client:
        error = raised(lambda: client.redeploy(12), kind)
    assert str(error).startswith(f"Maytapi redeploy on phone 12 failed: HTTP {status}: Busy (gave up after 3")
    assert "may have happened" not in str(error)
    assert len(api.requests) == 3


def test_a_retry_after_beyond_the_call_bound_fails_at_once(api: Hostile) -> None:
    api.on("/12/config", answer(429, {"success": False, "message": "Later"}, {"Retry-After": "3600"}))
    started = time.monotonic()
    with client_of(api, call_timeout=5) as client:
        error = raised(lambda: client.get_config(12), RateLimitedError)
    assert time.monotonic() - started < 1
    assert str(error).endswith(
        "(gave up after 1 attempt(s) in 0.0 s: the next attempt would pass the call's time bound of 5 s)"
    )
    assert error.retry_after == "3600" and len(api.requests) == 1


def test_a_dropped_connection_is_retried_for_a_read_and_not_for_an_action(api: Hostile) -> None:
    api.on("/12/config", drop, answer(200, {"webhook": HOOK}))
    api.on("/12/logout", drop)
    with client_of(api) as client:
        assert client.get_config(12).webhook == HOOK
        error = raised(lambda: client.logout(12), TransportError)
    assert error.may_have_happened is True
    assert [path.rsplit("/", 1)[1] for _, path in api.requests] == ["config", "config", "logout"]


def test_a_dead_api_fails_in_bounded_time_naming_the_attempts() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(PRODUCT, SecretStr(TOKEN), f"http://127.0.0.1:{port}/api")
    started = time.monotonic()
    with MaytapiClient(settings, backoff_factor=0.01) as client:
        error = raised(lambda: client.set_config(12, HOOK), TransportError)
    took = time.monotonic() - started
    print(f"\ndead API: {settings.max_retries + 1} attempts in {took:.2f} s")
    assert str(error).startswith("Maytapi set config on phone 12 failed: ConnectionError: ")
    assert "Connection refused" in str(error)
    assert re.search(r" \(gave up after 10 attempt\(s\) in [\d.]+ s: maytapi:maxRetries is 9\)$", str(error))
    assert error.may_have_happened is False and took < 5


# -- 6. through the resources and the real CLI ---------------------------------------------------

FLEET = """
import pulumi
from maytapi_pulumi import PhoneConfig, Redeploy
PhoneConfig("redirected", phone_id="21", webhook="https://hooks.example.com/a")
PhoneConfig("echoed", phone_id="22", webhook="https://hooks.example.com/b")
Redeploy("said-false", phone_id="23", revision="r1")
PhoneConfig("junk", phone_id="24", webhook="https://hooks.example.com/c")
"""


def test_hostile_answers_fail_the_up_with_clear_errors_and_no_token(
    make_project: Callable[..., Project], api: Hostile, elsewhere: Hostile
) -> None:
    api.on("/21/config", redirect(302, f"{elsewhere.url}/collect?from=maytapi"))
    api.on("/22/config", echo(500, "json"))
    api.on("/23/redeploy", answer(200, {"success": "false", "message": "Instance is busy"}))
    api.on("/24/config", answer(200, []))
    project = make_project(FLEET, config={"maytapi:baseUrl": f"{api.url}/api"})

    # --continue-on-error: without it the engine stops starting resources after the first
    # failure, and which of the four get started would depend on timing.
    up = project.cli("up", "--yes", "--continue-on-error", check=False)

    assert up.returncode != 0
    output = up.output
    # each of the four fails with its own message (the CLI may print a failure in its progress
    # lines as well as in the diagnostics, depending on when its display refreshes)
    failures = set(re.findall(r"Maytapi [a-z ]+ on phone (\d+) failed: HTTP (\d+)", output))
    assert failures == {("21", "302"), ("22", "500"), ("23", "200"), ("24", "200")}, output
    assert (
        f"Maytapi set config on phone 21 failed: HTTP 302: redirected to {elsewhere.url}, not followed"
        in output
    )
    assert "Maytapi set config on phone 22 failed: HTTP 500: bad request" in output and "[redacted]" in output
    assert "Maytapi redeploy on phone 23 failed: HTTP 200: Instance is busy" in output
    assert "Maytapi set config on phone 24 failed: HTTP 200: unexpected answer: no config in it" in output
    assert redact(output, TOKEN) == output
    # One request per resource (none is retried), and none to where the redirect pointed.
    assert sorted(path.split("/")[3] for _, path in api.requests) == ["21", "22", "23", "24"]
    assert elsewhere.requests == []


HOSTILE_MESSAGE = f"\x1b[2J\x1b[31mred\x1b[0m\nerror: forged line | <b>x</b> @admin key={TOKEN} " + "y" * 500


def test_a_hostile_server_message_reaches_pulumi_up_printable_capped_and_without_the_token(
    make_project: Callable[..., Project], api: Hostile, family: Family
) -> None:
    api.on("/31/config", answer(500, {"success": False, "message": HOSTILE_MESSAGE}))
    program = family.imports("PhoneConfig") + (
        'PhoneConfig("hostile", phone_id="31", webhook="https://hooks.example.com/a")\n'
    )
    project = make_project(program, config={"maytapi:baseUrl": f"{api.url}/api"})

    up = project.cli("up", "--yes", check=False)

    output = up.output
    assert up.returncode != 0
    shown = "\\x1b[2J\\x1b[31mred\\x1b[0m\\nerror: forged line | <b>x</b> @admin key=[redacted] yyy"
    assert f"Maytapi set config on phone 31 failed: HTTP 500: {shown}" in output, output
    assert "\x1b" not in output and "y" * MAX_QUOTE not in output
    assert not any(line.lstrip().startswith("error: forged line") for line in output.splitlines())
    assert redact(output, TOKEN) == output


def test_an_echo_in_a_retried_answer_is_neither_logged_nor_raised(
    api: Hostile, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.on("/12/config", echo(503, "json"))
    with client_of(api) as client:
        error = raised(lambda: client.get_config(12), ApiError)
    assert error.status_code == 503 and len(api.requests) == 3
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged.count("Retrying in ") == 2 and "[redacted]" in logged
    assert redact(logged, TOKEN) == logged
