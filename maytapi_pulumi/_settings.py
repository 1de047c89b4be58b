"""Where the client's settings come from: explicit values, stack config, or the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from . import _validation
from ._errors import InvalidInputError, MissingSettingError

if TYPE_CHECKING:
    from pydantic import SecretStr

DEFAULT_BASE_URL = "https://api.maytapi.com/api"
DEFAULT_READ_TIMEOUT = 30.0
# 10 attempts: a call fails only if all of them hit a transient fault; at a 30 % fault rate
# that is 0.3**10 = 6e-6, so a 50-phone fleet making ~150 calls converges in one `up` in all but
# ~1 in 1100 runs (with 4 attempts, 0.3**4 * 150 = 1.2: most such runs failed).
DEFAULT_MAX_RETRIES = 9
MAX_MAX_RETRIES = 100


class SettingSource(NamedTuple):
    """A setting's config key (namespace:name) and its environment variable."""

    config_key: str
    env_var: str
    secret: bool


SOURCES: dict[str, SettingSource] = {
    "product_id": SettingSource("maytapi:productId", "MAYTAPI_PRODUCT_ID", secret=False),
    "api_token": SettingSource("maytapi:apiToken", "MAYTAPI_API_TOKEN", secret=True),
    "base_url": SettingSource("maytapi:baseUrl", "MAYTAPI_BASE_URL", secret=False),
    "read_timeout": SettingSource("maytapi:readTimeout", "MAYTAPI_READ_TIMEOUT", secret=False),
    "max_retries": SettingSource("maytapi:maxRetries", "MAYTAPI_MAX_RETRIES", secret=False),
}


@dataclass(frozen=True)
class Settings:
    """What a client needs to reach one Maytapi product. The token never shows in a repr."""

    product_id: str
    api_token: SecretStr
    base_url: str = DEFAULT_BASE_URL
    read_timeout: float = DEFAULT_READ_TIMEOUT
    """Seconds to wait for a whole answer (after connecting). An action whose answer does not
    come in time is not repeated: it may have happened."""
    max_retries: int = DEFAULT_MAX_RETRIES
    """Attempts after the first for a call that met a transient fault (see docs/client.md)."""

    def __post_init__(self) -> None:
        # Normalise in place: callers compare and hash settings (one client per product).
        object.__setattr__(self, "product_id", _validation.product_id(self.product_id))
        if isinstance(self.api_token, str):
            object.__setattr__(self, "api_token", _secret(self.api_token))
        if not self.api_token.get_secret_value().strip():
            raise InvalidInputError("api_token", "is empty", "use the token shown in the Maytapi console")
        _validation.webhook(self.base_url, "base_url")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if not self.read_timeout > 0:
            raise InvalidInputError("read_timeout", f"{self.read_timeout!r} is not positive", "use e.g. 30")
        retries = self.max_retries
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= MAX_MAX_RETRIES:
            raise InvalidInputError(
                "max_retries",
                f"{retries!r} is not a whole number from 0 to {MAX_MAX_RETRIES}",
                f"use e.g. {DEFAULT_MAX_RETRIES}",
            )

    @property
    def product_url(self) -> str:
        return f"{self.base_url}/{self.product_id}"

    @classmethod
    def from_sources(cls, config: Mapping[str, str], env: Mapping[str, str] | None = None) -> Settings:
        """Each setting from `config` (keys such as "maytapi:productId"), else from the environment."""
        env = os.environ if env is None else env
        values: dict[str, str] = {}
        for name, source in SOURCES.items():
            value = config.get(source.config_key) or env.get(source.env_var)
            if value:
                values[name] = value
        missing = [name for name in ("product_id", "api_token") if name not in values]
        if missing:
            raise MissingSettingError(missing)
        return cls(
            product_id=values["product_id"],
            api_token=_secret(values["api_token"]),
            base_url=values.get("base_url", DEFAULT_BASE_URL),
            read_timeout=_seconds(values.get("read_timeout", DEFAULT_READ_TIMEOUT)),
            max_retries=_count(values.get("max_retries", DEFAULT_MAX_RETRIES)),
        )


def _secret(value: str) -> SecretStr:
    # Imported here: pydantic is a tenth of a Python process's start, and a program declaring
    # resources never builds settings (only the provider does).
    from pydantic import SecretStr

    return SecretStr(value)


def _seconds(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        raise InvalidInputError(
            "read_timeout", f"{value!r} is not a number of seconds", "use e.g. 30"
        ) from None


def _count(value: object) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_MAX_RETRIES):
        raise InvalidInputError(
            "max_retries",
            f"{value!r} is not a whole number from 0 to {MAX_MAX_RETRIES}",
            f"use e.g. {DEFAULT_MAX_RETRIES}",
        )
    return int(text)
