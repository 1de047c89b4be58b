"""The exceptions this package raises: one base, one class per way a call can fail."""

from __future__ import annotations


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
