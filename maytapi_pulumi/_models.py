"""pydantic models of Maytapi's request and response bodies.

Response models accept extra fields: Maytapi adds keys without notice. The config's response
shape was never checked against live traffic, so PhoneConfig reads every shape the public
sources allow (see docs/operations/client.md, "Assumptions about the real API").
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class PhoneConfig(_Response):
    """A phone's own webhook ("" = the product's webhook is used) and delivery acks."""

    webhook: str = ""
    ack_delivery: bool = False

    @field_validator("webhook", mode="before")
    @classmethod
    def _unwrap_webhook(cls, value: object) -> object:
        # Seen as null, "", a plain string, or {"webhook": "..."} from a generated client.
        if value is None:
            return ""
        if isinstance(value, dict):
            return cls._unwrap_webhook(value.get("webhook"))
        return value

    @field_validator("ack_delivery", mode="before")
    @classmethod
    def _null_is_false(cls, value: object) -> object:
        return False if value is None else value

    @classmethod
    def from_body(cls, body: object) -> PhoneConfig | None:
        """The config in a response body, under `status`, `data` or at the top level; None if absent."""
        if not isinstance(body, dict):
            return None
        for key in ("status", "data"):
            inner = body.get(key)
            if isinstance(inner, dict) and ("webhook" in inner or "ack_delivery" in inner):
                return cls.model_validate(inner)
        if "webhook" in body or "ack_delivery" in body:
            return cls.model_validate(body)
        return None


class ConfigRequest(BaseModel):
    """The body of POST /{phone_id}/config, sent in the flat form Maytapi's OpenAPI document gives."""

    model_config = ConfigDict(extra="forbid")

    webhook: str
    ack_delivery: bool


class JustSuccess(_Response):
    """A bare acknowledgement: factoryreset, logout, restore, restart."""

    success: bool = True
    message: str | None = None


class RedeployResponse(JustSuccess):
    """The answer to GET /{phone_id}/redeploy."""


class DeleteSuccess(JustSuccess):
    """The answer to the deprecated GET /{phone_id}/delete."""

    type: str | None = None
    pid: str | None = None
    phone_id: str | None = None

    @field_validator("phone_id", mode="before")
    @classmethod
    def _digits(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class BackupSuccess(JustSuccess):
    """The answer to the deprecated GET /{phone_id}/backup, with the backup's data."""

    data: dict[str, Any] = Field(default_factory=dict)


class Phone(_Response):
    """One row of GET /listPhones."""

    id: int
    number: str | None = None
    status: str | None = None


class ConnectionState(_Response):
    """The WhatsApp connection state inside a phone's status."""

    state: str | None = None
    can_send: bool | None = Field(default=None, alias="canSend")


class PhoneStatus(_Response):
    """A phone's session status, from GET /{phone_id}/status."""

    logged_in: bool | None = Field(default=None, alias="loggedIn")
    is_qr: bool | None = Field(default=None, alias="isQr")
    loading: bool | None = None
    conn_retry: bool | None = Field(default=None, alias="connRetry")
    message: str | None = None
    state: ConnectionState | None = None
    number: str | None = None
    multidevice: bool | None = None

    @property
    def connected(self) -> bool:
        """Logged in, or when that is not reported, in the CONNECTED state."""
        if self.logged_in is not None:
            return self.logged_in
        return self.state is not None and self.state.state == "CONNECTED"

    @property
    def ready(self) -> bool:
        """Logged in (or, when that is not reported, connected), not loading, no QR code shown."""
        return self.connected and not self.loading and not self.is_qr


class StatusResponse(JustSuccess):
    """The answer to GET /{phone_id}/status."""

    status: PhoneStatus = Field(default_factory=PhoneStatus)
