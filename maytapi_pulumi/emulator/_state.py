"""The emulator's in-memory world: phones, the call log and the armed faults.

Everything runs on the server's single asyncio loop and no method here awaits, so each
method is atomic with respect to concurrent requests.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_PRODUCT_ID = "00000000-0000-4000-8000-000000000001"
DEFAULT_TOKEN = "emulator-token"
DEFAULT_PHONES = ("12", "13")

PhoneStatus = Literal["active", "qr-code", "phone-error", "idle", "loading", "disabled"]

# What /status says for each listPhones status: loggedIn, isQr, loading, WhatsApp Web state, message.
# Only active/qr-code/loading are grounded in the published examples; the rest are guesses.
_SESSION_VIEWS: dict[str, tuple[bool, bool, bool, str, str]] = {
    "active": (True, False, False, "CONNECTED", "Phone is connected"),
    "qr-code": (False, True, False, "UNPAIRED", "Scan the QR code to log in"),
    "loading": (False, False, True, "OPENING", "Instance is starting"),
    "phone-error": (True, False, False, "TIMEOUT", "Phone is not reachable"),
    "idle": (True, False, False, "CONFLICT", "WhatsApp is open on another device"),
    "disabled": (False, False, False, "UNLAUNCHED", "Instance is disabled"),
}


def canonical_phone_id(text: str) -> str | None:
    """A phone id as the API names it: ASCII digits without leading zeros ("0012" is "12");
    None for anything else ("١٢" and "1e3" are no phone ids, not another name of phone 12)."""
    return str(int(text)) if re.fullmatch(r"[0-9]{1,18}", text) else None


def canonical_phone_ids(ids: Sequence[str]) -> list[str]:
    """Each id canonical; ValueError naming the first that is not a phone id."""
    canonical = [canonical_phone_id(p) for p in ids]
    bad = next((p for p, c in zip(ids, canonical, strict=True) if c is None), None)
    if bad is not None:
        raise ValueError(f"phone ids are ASCII digit strings, {bad!r} is not")
    return [c for c in canonical if c is not None]


def default_number(phone_id: str) -> str:
    return f"90555{int(phone_id):07d}"


@dataclass
class Phone:
    id: str
    number: str
    status: PhoneStatus = "active"
    webhook: str = ""
    ack_delivery: bool = False

    def config(self) -> dict[str, Any]:
        return {"webhook": self.webhook, "ack_delivery": self.ack_delivery}

    def listing(self) -> dict[str, Any]:
        return {"id": int(self.id), "number": self.number, "status": self.status}

    def session(self) -> dict[str, Any]:
        logged_in, is_qr, loading, state, message = _SESSION_VIEWS[self.status]
        return {
            "loggedIn": logged_in,
            "isQr": is_qr,
            "loading": loading,
            "connRetry": False,
            "message": message,
            "state": {"state": state, "canSend": state == "CONNECTED"},
            "number": self.number,
            "multidevice": True,
        }

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "status": self.status, **self.config()}


class PhoneSpec(BaseModel):
    """Body of PUT /_emulator/phones/{phone_id}; absent fields keep their value."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: PhoneStatus | None = None
    webhook: str | None = None
    ack_delivery: bool | None = None
    number: str | None = None


class ResetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    phones: list[str] | None = None

    @field_validator("phones")
    @classmethod
    def _digits(cls, phones: list[str] | None) -> list[str] | None:
        return None if phones is None else canonical_phone_ids(phones)


_EFFECTS = ("status", "success_false", "latency_ms", "drop")


class FaultSpec(BaseModel):
    """Body of POST /_emulator/faults."""

    model_config = ConfigDict(extra="forbid", strict=True)

    method: str | None = None
    path: str = ""
    times: int | None = Field(default=None, ge=1)
    rate: float | None = Field(default=None, ge=0.0, le=1.0)
    seed: int | None = None
    status: int | None = Field(default=None, ge=200, le=599)
    body: Any = None
    retry_after: int | None = Field(default=None, ge=0)
    success_false: str | None = None
    latency_ms: float | None = Field(default=None, ge=0.0)
    drop: Literal[True] | None = None

    @field_validator("method")
    @classmethod
    def _upper(cls, method: str | None) -> str | None:
        return None if method is None else method.upper()

    @model_validator(mode="after")
    def _consistent(self) -> FaultSpec:
        if sum(getattr(self, name) is not None for name in _EFFECTS) != 1:
            raise ValueError(f"give exactly one effect among {', '.join(_EFFECTS)}")
        if self.times is not None and self.rate is not None:
            raise ValueError("give times or rate, not both")
        if self.seed is not None and self.rate is None:
            raise ValueError("seed only applies with rate")
        if (self.body is not None or self.retry_after is not None) and self.status is None:
            raise ValueError("body and retry_after only apply with status")
        try:
            re.compile(self.path)
        except re.error as exc:
            raise ValueError(f"path is not a regular expression: {exc}") from exc
        return self


@dataclass
class Fault:
    id: int
    spec: FaultSpec
    remaining: int | None  # None: rate-based, never used up
    rng: random.Random
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.spec.path)

    @property
    def effect(self) -> str:
        return next(name for name in _EFFECTS if getattr(self.spec, name) is not None)

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "remaining": self.remaining, **self.spec.model_dump(exclude_none=True)}


@dataclass(frozen=True)
class Settings:
    product_id: str = DEFAULT_PRODUCT_ID
    token: str = DEFAULT_TOKEN
    phones: tuple[str, ...] = DEFAULT_PHONES
    latency_ms: float = 0.0
    redeploy_seconds: float = 0.5


class EmulatorState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.phones: dict[str, Phone] = {}
        self.calls: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        # phone id -> (timer that ends the redeploy, status the phone then returns to)
        self._redeploys: dict[str, tuple[asyncio.TimerHandle, PhoneStatus]] = {}
        self._fault_ids = 0
        self.reset()

    def reset(self, phones: Sequence[str] | None = None) -> None:
        for phone_id in list(self._redeploys):
            self._cancel_redeploy(phone_id)
        ids = canonical_phone_ids(self.settings.phones if phones is None else phones)
        self.phones = {p: Phone(id=p, number=default_number(p)) for p in ids}
        self.calls.clear()
        self.faults.clear()

    def record(self, **entry: Any) -> dict[str, Any]:
        """Append a call to the log; the caller fills in status and fault as the call goes on."""
        call = {
            "seq": len(self.calls) + 1,
            "time": datetime.now(timezone.utc).isoformat(),
            **entry,
            "status": None,
            "fault": None,
            "error": None,
        }
        self.calls.append(call)
        return call

    def arm(self, spec: FaultSpec) -> Fault:
        self._fault_ids += 1
        remaining = None if spec.rate is not None else (spec.times or 1)
        fault = Fault(self._fault_ids, spec, remaining, random.Random(spec.seed))
        self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first armed fault that fires for this call, used up by one if counted."""
        for fault in self.faults:
            if fault.spec.method not in (None, method) or not fault.pattern.search(path):
                continue
            if fault.remaining is None:
                if fault.rng.random() < (fault.spec.rate or 0.0):
                    return fault
                continue
            fault.remaining -= 1
            if fault.remaining == 0:
                self.faults.remove(fault)
            return fault
        return None

    def redeploy(self, phone: Phone) -> None:
        pending = self._redeploys.pop(phone.id, None)
        if pending is not None:
            pending[0].cancel()
            back_to = pending[1]
        else:
            # A session that was never scanned comes back to the QR screen; any other reconnects.
            back_to = "qr-code" if phone.status == "qr-code" else "active"
        phone.status = "loading"
        timer = asyncio.get_running_loop().call_later(
            self.settings.redeploy_seconds, self._end_redeploy, phone.id
        )
        self._redeploys[phone.id] = (timer, back_to)

    def _end_redeploy(self, phone_id: str) -> None:
        _, back_to = self._redeploys.pop(phone_id)
        self.phones[phone_id].status = back_to

    def _cancel_redeploy(self, phone_id: str) -> None:
        pending = self._redeploys.pop(phone_id, None)
        if pending is not None:
            pending[0].cancel()

    def factory_reset(self, phone: Phone) -> None:
        self.logout(phone)
        phone.webhook, phone.ack_delivery = "", False

    def logout(self, phone: Phone) -> None:
        self._cancel_redeploy(phone.id)
        phone.status = "qr-code"

    def put_phone(self, phone_id: str, spec: PhoneSpec) -> Phone:
        [phone_id] = canonical_phone_ids([phone_id])  # from a state file too: "0012" is phone 12
        phone = self.phones.setdefault(phone_id, Phone(id=phone_id, number=default_number(phone_id)))
        if spec.status is not None:
            self._cancel_redeploy(phone_id)
            phone.status = spec.status
        if spec.webhook is not None:
            phone.webhook = spec.webhook
        if spec.ack_delivery is not None:
            phone.ack_delivery = spec.ack_delivery
        if spec.number is not None:
            phone.number = spec.number
        return phone

    def remove_phone(self, phone_id: str) -> bool:
        self._cancel_redeploy(phone_id)
        return self.phones.pop(phone_id, None) is not None
