"""Input rules shared by the client and the resources: each returns the normalised value or
raises InvalidInputError naming the field and the fix."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from ._errors import InvalidInputError

MAX_WEBHOOK_LENGTH = 2048
_DIGITS = re.compile(r"[0-9]{1,20}")
_FORBIDDEN_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")


def product_id(value: object, field: str = "product_id") -> str:
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise InvalidInputError(
            field, f"{value!r} is not a UUID", "use the product id shown in the Maytapi console"
        ) from None


def phone_id(value: object, field: str = "phone_id") -> str:
    """A phone id as Maytapi's paths want it: decimal digits. Accepts an int or a digit string."""
    fix = 'use the phone\'s numeric id from /listPhones, e.g. 12 or "12"'
    value = whole_number(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInputError(field, f"{value!r} is not a number", fix)
    text = str(value)
    if not _DIGITS.fullmatch(text):
        problem = "is empty" if not text.strip() else f"{text!r} is not a non-negative whole number"
        raise InvalidInputError(field, problem, fix)
    return str(int(text))


def whole_number(value: object) -> object:
    """An integral float as the int it stands for: numbers cross Pulumi's wire as doubles."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def is_loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    import ipaddress  # only for a plain-http webhook: every plugin and program imports this module

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook(value: object, field: str = "webhook", *, allow_insecure_http: bool = True) -> str:
    """A webhook URL, or "" for none (the phone then uses the product's webhook).

    Messages never repeat the URL: a webhook may carry a secret in its path or query.
    """
    if value is None or value == "":
        return ""
    fix = "use an absolute https:// URL such as https://hooks.example.com/maytapi, or none"
    if not isinstance(value, str):
        raise InvalidInputError(field, f"is a {type(value).__name__}, not a string", fix)
    if len(value) > MAX_WEBHOOK_LENGTH:
        raise InvalidInputError(field, f"is {len(value)} characters long, over {MAX_WEBHOOK_LENGTH}", fix)
    if _FORBIDDEN_IN_URL.search(value):
        raise InvalidInputError(
            field, "contains whitespace or control characters", fix + " (percent-encode them)"
        )
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise InvalidInputError(field, "is not a valid URL", fix) from None
    if parts.scheme not in ("http", "https"):
        shown = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
        raise InvalidInputError(field, f"has {shown}; only http(s) is allowed", fix)
    if not host:
        raise InvalidInputError(field, "has no host", fix)
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(host):
        raise InvalidInputError(
            field,
            "uses plain http to a host other than loopback",
            "use https://, or set allow_insecure_http=True to send messages unencrypted",
        )
    return value


def flag(field: str, default: bool = False) -> Callable[[object], bool]:
    """A rule for a boolean input: true or false, nothing that merely looks like one."""

    def rule(value: object) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise InvalidInputError(field, f"{value!r} is not a boolean", "use True or False")
        return value

    return rule
