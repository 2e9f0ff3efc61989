"""What the running process was configured with: settings, the data vault, the request's id.

The app factory or the worker calls ``configure`` once; services read from here instead of
from the environment, so nothing is read at import time and tests can swap settings freely.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar, Token
from functools import cache

from backend.config import Settings
from backend.pii import DataVault

_settings: Settings | None = None
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def configure(settings: Settings) -> None:
    """Install the settings for this process."""
    global _settings
    _settings = settings
    _vault_for.cache_clear()


def settings() -> Settings:
    """The installed settings; failing loudly if the process forgot to configure."""
    if _settings is None:
        raise RuntimeError("backend.runtime.configure() has not been called")
    return _settings


@cache
def _vault_for(data_key: str) -> DataVault:
    return DataVault.from_key_string(data_key)


def vault() -> DataVault:
    """The personal-data vault for the installed ``DATA_KEY``."""
    return _vault_for(settings().data_key)


def request_id() -> str | None:
    """The id of the request or job being served, stamped on audit rows and logs."""
    return _request_id.get()


def set_request_id(value: str | None = None) -> str:
    """Start a unit of work with an id (given or new); answer it."""
    value = value or uuid.uuid4().hex
    _request_id.set(value)
    return value


def use_request_id(value: str | None) -> tuple[str, Token[str | None]]:
    """Serve under an id (given or new) until ``reset_request_id``; answer it and the token."""
    value = value or uuid.uuid4().hex
    return value, _request_id.set(value)


def reset_request_id(token: Token[str | None]) -> None:
    """Go back to the id served before ``use_request_id``."""
    _request_id.reset(token)
