"""The exceptions this package raises: one base, one class per way a call can fail."""

from __future__ import annotations

import base64
import functools
import re
from urllib.parse import quote, quote_plus


class MaytapiError(Exception):
    """Base of every error raised by maytapi_pulumi."""


class InvalidInputError(MaytapiError, ValueError):
    """An input was refused before any request was made; names the field and the fix."""

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}; {fix}")


class MissingSettingError(MaytapiError):
    """A required setting (product id, API token) was found in none of its sources."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__("missing Maytapi settings: " + ", ".join(missing))


class _CallError(MaytapiError):
    """Shared shape of errors raised by an API call: operation, phone id and what failed."""

    def __init__(self, operation: str, phone_id: str | None, detail: str) -> None:
        self.operation = operation
        self.phone_id = phone_id
        target = f" on phone {phone_id}" if phone_id is not None else ""
        super().__init__(f"Maytapi {operation}{target} failed: {detail}")


class ApiError(_CallError):
    """Maytapi answered with an error; carries the HTTP status and the server's message."""

    def __init__(self, operation: str, phone_id: str | None, status_code: int, server_message: str) -> None:
        self.status_code = status_code
        self.server_message = server_message
        super().__init__(operation, phone_id, f"HTTP {status_code}: {server_message}")


class AuthenticationError(ApiError):
    """Maytapi refused the API token or the product id."""


class PhoneNotFoundError(ApiError):
    """The phone id is not an instance of this product."""


class RateLimitedError(ApiError):
    """Maytapi still answered 429 after every retry; carries Retry-After when it was sent."""

    def __init__(
        self,
        operation: str,
        phone_id: str | None,
        status_code: int,
        server_message: str,
        retry_after: str | None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(operation, phone_id, status_code, server_message)


class TransportError(_CallError):
    """The request failed on the way: no connection, a dropped connection or a timeout."""

    def __init__(self, operation: str, phone_id: str | None, detail: str, *, may_have_happened: bool) -> None:
        self.may_have_happened = may_have_happened
        if may_have_happened:
            detail += (
                "; the request reached Maytapi, so the action may have happened: "
                "check the phone before asking for it again"
            )
        super().__init__(operation, phone_id, detail)


REDACTED = "[redacted]"
MAX_MESSAGE = 1000  # characters of an error's message or a log line quoting one, escapes included
MAX_QUOTE = 300  # characters of a server's text (its message, or its body) an error quotes


def redact(text: str, secret: str) -> str:
    """`text` with every form of `secret` a server could echo replaced by [redacted].

    A server may echo the request's headers in its error page as plain text, JSON, HTML,
    URL-encoded, hex or base64 (e.g. a debug dump of the raw request): each form is matched,
    ignoring case, and the base64 one at any alignment inside a longer encoded blob.
    """
    return _forms(secret).sub(REDACTED, text) if secret else text


def printable(text: str) -> str:
    """`text` with every character that is not printable shown as its Python escape (`\\x1b`,
    `\\n`, `\\u202e`): an ANSI sequence loses its ESC and prints as plain text, and a newline
    or a carriage return cannot start a line of its own in a terminal or a log."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shown(text: str, secret: str, limit: int = MAX_MESSAGE) -> str:
    """Text from outside as an error or a log line shows it: `secret` redacted first (so that no
    cut piece of it is left), then made printable, then cut to `limit` characters."""
    text = printable(redact(text, secret))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def scrub(error: BaseException, secret: str) -> BaseException:
    """The error with its args, string attributes and notes `shown`; every error a call raises
    passes here, so no server echo carries the token out, nor a control character or an escape
    sequence into a terminal or a log."""
    error.args = tuple(shown(a, secret) if isinstance(a, str) else a for a in error.args)
    for name, value in list(vars(error).items()):
        if isinstance(value, str):
            setattr(error, name, shown(value, secret))
        elif name == "__notes__" and isinstance(value, list):
            value[:] = [shown(str(note), secret) for note in value]
    return error


@functools.lru_cache(maxsize=16)
def _forms(secret: str) -> re.Pattern[str]:
    raw = secret.encode()
    # Character by character, each in any escape a JSON, HTML or URL encoder may apply to it
    # (encoders differ in which characters they escape, so escapes mix within one echo).
    escaped = "".join(_char(c) for c in secret)
    forms = {quote_plus(secret), quote(quote(secret, safe=""), safe=""), raw.hex()}
    for offset in range(3):
        # The token's own whole base64 groups, wherever it sits in the encoded text.
        first, last = -(-offset // 3), (offset + len(raw)) // 3
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            middle = encode(b"\0" * offset + raw)[4 * first : 4 * last].decode()
            if len(middle) >= 8:
                forms.add(middle)
    forms.add(base64.b64encode(raw).decode().rstrip("="))
    forms.add(base64.b32encode(raw).decode().rstrip("="))
    alternatives = [escaped, *map(re.escape, sorted((f for f in forms if f), key=len, reverse=True))]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _char(c: str) -> str:
    import html  # only to redact a token: programs and previews, which call nothing, never do

    code = ord(c)
    forms = {
        re.escape(c),
        re.escape("\\" + c),  # \/ and the like
        re.escape(html.escape(c)),
        rf"\\u0*{code:x}",
        rf"&#0*{code};",
        rf"&#x0*{code:x};",
        re.escape(quote(c, safe="")),
    }
    if c == " ":
        forms.add(r"\+")
    return "(?:" + "|".join(sorted(forms)) + ")"
