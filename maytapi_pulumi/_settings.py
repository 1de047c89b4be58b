"""Where the client's settings come from: explicit values, stack config, or the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from pydantic import SecretStr

from . import _validation
from ._errors import InvalidInputError, MissingSettingError

DEFAULT_BASE_URL = "https://api.maytapi.com/api"
DEFAULT_READ_TIMEOUT = 30.0


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
}


@dataclass(frozen=True)
class Settings:
    """What a client needs to reach one Maytapi product. The token never shows in a repr."""

    product_id: str
    api_token: SecretStr
    base_url: str = DEFAULT_BASE_URL
    read_timeout: float = DEFAULT_READ_TIMEOUT
    """Seconds to wait for an answer. An action whose answer does not come in time is not
    repeated: it may have happened."""

    def __post_init__(self) -> None:
        # Normalise in place: callers compare and hash settings (one client per product).
        object.__setattr__(self, "product_id", _validation.product_id(self.product_id))
        if isinstance(self.api_token, str):
            object.__setattr__(self, "api_token", SecretStr(self.api_token))
        if not self.api_token.get_secret_value().strip():
            raise InvalidInputError("api_token", "is empty", "use the token shown in the Maytapi console")
        _validation.webhook(self.base_url, "base_url")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if not self.read_timeout > 0:
            raise InvalidInputError("read_timeout", f"{self.read_timeout!r} is not positive", "use e.g. 30")

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
            api_token=SecretStr(values["api_token"]),
            base_url=values.get("base_url", DEFAULT_BASE_URL),
            read_timeout=_seconds(values.get("read_timeout", DEFAULT_READ_TIMEOUT)),
        )


def _seconds(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        raise InvalidInputError(
            "read_timeout", f"{value!r} is not a number of seconds", "use e.g. 30"
        ) from None
