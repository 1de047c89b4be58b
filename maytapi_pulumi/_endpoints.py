"""The operational actions Maytapi offers, by endpoint. A module of its own, with no imports,
so that the resources' rules and adapters can name an action without loading the HTTP client
(requests, pydantic) into a process that never calls the API: a program, or a preview."""

from __future__ import annotations

import enum


class Action(enum.Enum):
    """An operational action: its endpoint, and its name in messages and type tokens."""

    REDEPLOY = "redeploy"
    FACTORY_RESET = "factoryreset"
    LOGOUT = "logout"
