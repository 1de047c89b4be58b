"""Infrastructure as code for the Maytapi WhatsApp API.

The Pulumi resources (PhoneConfig, Fleet, Redeploy, FactoryReset, Logout, and the fleet
actions FleetRedeploy, FleetFactoryReset, FleetLogout) and functions
(get_phones, get_phone_config, get_phone_status) are loaded on first use, so the client
(MaytapiClient, its models, settings and errors) can be imported without Pulumi; the client and
its models are loaded on first use too, so a program (or a preview) that never calls the API
does not load requests and pydantic's models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._endpoints import Action
from ._errors import (
    ApiError,
    AuthenticationError,
    InvalidInputError,
    MaytapiError,
    MissingSettingError,
    PhoneNotFoundError,
    RateLimitedError,
    TransportError,
)
from ._settings import DEFAULT_BASE_URL, Settings
from ._version import __version__

if TYPE_CHECKING:
    from ._actions import ActionArgs, FactoryReset, Logout, Redeploy, RedeployArgs
    from ._client import MaytapiClient
    from ._fleet import Fleet, FleetArgs, FleetPhone
    from ._fleet_actions import (
        FleetActionArgs,
        FleetFactoryReset,
        FleetLogout,
        FleetRedeploy,
        FleetRedeployArgs,
    )
    from ._functions import (
        GetPhoneConfigResult,
        GetPhoneStatusResult,
        ProductPhone,
        get_phone_config,
        get_phone_status,
        get_phones,
    )
    from ._models import (
        BackupSuccess,
        ConfigRequest,
        ConnectionState,
        DeleteSuccess,
        JustSuccess,
        Phone,
        PhoneStatus,
        RedeployResponse,
        StatusResponse,
    )
    from ._models import PhoneConfig as PhoneConfigBody
    from ._phone_config import PhoneConfig, PhoneConfigArgs

# name: its module (":" and its name there, where that differs)
_LAZY = {
    "MaytapiClient": "._client",
    **dict.fromkeys(
        [
            "BackupSuccess",
            "ConfigRequest",
            "ConnectionState",
            "DeleteSuccess",
            "JustSuccess",
            "Phone",
            "PhoneStatus",
            "RedeployResponse",
            "StatusResponse",
        ],
        "._models",
    ),
    "PhoneConfigBody": "._models:PhoneConfig",
    "PhoneConfig": "._phone_config",
    "PhoneConfigArgs": "._phone_config",
    "Redeploy": "._actions",
    "RedeployArgs": "._actions",
    "FactoryReset": "._actions",
    "Logout": "._actions",
    "ActionArgs": "._actions",
    "get_phones": "._functions",
    "get_phone_config": "._functions",
    "get_phone_status": "._functions",
    "ProductPhone": "._functions",
    "GetPhoneConfigResult": "._functions",
    "GetPhoneStatusResult": "._functions",
    "Fleet": "._fleet",
    "FleetArgs": "._fleet",
    "FleetPhone": "._fleet",
    **dict.fromkeys(
        ["FleetActionArgs", "FleetFactoryReset", "FleetLogout", "FleetRedeploy", "FleetRedeployArgs"],
        "._fleet_actions",
    ),
}

__all__ = [
    "DEFAULT_BASE_URL",
    "Action",
    "ActionArgs",
    "ApiError",
    "AuthenticationError",
    "BackupSuccess",
    "ConfigRequest",
    "ConnectionState",
    "DeleteSuccess",
    "FactoryReset",
    "Fleet",
    "FleetActionArgs",
    "FleetArgs",
    "FleetFactoryReset",
    "FleetLogout",
    "FleetPhone",
    "FleetRedeploy",
    "FleetRedeployArgs",
    "GetPhoneConfigResult",
    "GetPhoneStatusResult",
    "InvalidInputError",
    "JustSuccess",
    "Logout",
    "MaytapiClient",
    "MaytapiError",
    "MissingSettingError",
    "Phone",
    "PhoneConfig",
    "PhoneConfigArgs",
    "PhoneConfigBody",
    "PhoneNotFoundError",
    "PhoneStatus",
    "ProductPhone",
    "RateLimitedError",
    "Redeploy",
    "RedeployArgs",
    "RedeployResponse",
    "Settings",
    "StatusResponse",
    "TransportError",
    "__version__",
    "get_phone_config",
    "get_phone_status",
    "get_phones",
]


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'maytapi_pulumi' has no attribute {name!r}")
    module, _, attribute = where.partition(":")
    return getattr(importlib.import_module(module, __name__), attribute or name)
