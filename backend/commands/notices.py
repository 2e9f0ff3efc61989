"""Commands of the published public notice (公示): a resident's objection."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectToNotice:
    """Object to a running notice, saying why (异议); staff must resolve it before approval."""

    reason: str

