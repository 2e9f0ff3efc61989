"""One rule for every timestamp the API answers: ISO 8601 with its offset.

Timestamps are stored in UTC without a zone (both databases give back naive values), and
marshmallow writes a naive value without an offset, which a client can only guess at. Every
``DateTime`` field of every schema therefore writes a naive value as UTC (``+00:00``); a value
that carries its zone keeps it. Dates (``Date``) are calendar days in Asia/Shanghai and carry no
offset.
"""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma

RULE = ("时间：所有时间字段均为 ISO 8601 格式并带时区偏移（存储为 UTC，输出如 "
        "2026-12-03T01:30:00+00:00，客户端按 Asia/Shanghai 显示）；日期字段（如 2026-12-03）"
        "为 Asia/Shanghai 的自然日，不带偏移。")


def iso_with_offset(value: datetime) -> str:
    """A timestamp as ISO 8601 with its offset; a naive one is UTC."""
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


def install() -> None:
    """Make marshmallow's ISO format write offsets (every DateTime field reads this table)."""
    for name in ("iso", "iso8601"):
        ma.fields.DateTime.SERIALIZATION_FUNCS[name] = iso_with_offset
