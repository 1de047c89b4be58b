"""A local emulator of the Maytapi WhatsApp API's phone-session endpoints.

Run it with ``python -m maytapi_pulumi.emulator``; see docs/emulator.md. Needs the
``emulator`` extra (aiohttp).
"""

from ._app import STATE, create_app
from ._state import DEFAULT_PHONES, DEFAULT_PRODUCT_ID, DEFAULT_TOKEN, EmulatorState

__all__ = [
    "DEFAULT_PHONES",
    "DEFAULT_PRODUCT_ID",
    "DEFAULT_TOKEN",
    "STATE",
    "EmulatorState",
    "create_app",
]
