"""Typed commands: what a service is asked to do, as frozen dataclasses, one module per area.

The API's schemas build them (``post_load``) and services take them with a keyword-only actor,
so a service never reads a loosely shaped dict. For edits that change only what was sent
(PATCH), a field left ``UNSET`` was not sent; ``None`` means "clear it".
"""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from typing import Any


class _Unset(Enum):
    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset.UNSET
Unset = _Unset


def given(command: Any) -> dict[str, Any]:
    """The fields of a command that were sent (not ``UNSET``), by name."""
    return {f.name: getattr(command, f.name) for f in fields(command)
            if getattr(command, f.name) is not UNSET}
