"""The periods reports cover (a calendar month or an ISO week) and the two report kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from backend.errors import NotFound, ValidationFailed
from backend.models import utcnow

# Years a report can cover: the neighbouring periods (the previous one a report compares with)
# must exist too, and nothing outside this range is a real reporting period.
REPORT_YEARS = range(2000, 2100)

# Aliases the periodic job and the API accept for the two report kinds.
KIND_ALIASES = {"weekly": "weekly_supervision", "monthly": "monthly_bulletin",
                "weekly_supervision": "weekly_supervision",
                "monthly_bulletin": "monthly_bulletin"}


@dataclass(frozen=True)
class Period:
    """A calendar month (``2026-11``) or ISO week (``2026-W48``) a report covers."""

    label: str
    start: date
    end: date

    @property
    def is_week(self) -> bool:
        """True for an ISO week."""
        return "W" in self.label

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return period_containing(self.start - timedelta(days=1), week=self.is_week)


def period_containing(day: date, *, week: bool) -> Period:
    """The ISO week or calendar month a day falls in."""
    if week:
        year, number, weekday = day.isocalendar()
        start = day - timedelta(days=weekday - 1)
        return Period(f"{year}-W{number:02d}", start, start + timedelta(days=6))
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return Period(f"{day.year}-{day.month:02d}", start, following - timedelta(days=1))


def parse_period(text: str | None, *, week: bool = False, today: date | None = None) -> Period:
    """A period from ``2026-11`` or ``2026-W48``; empty means the current month (or week)."""
    today = today or utcnow().date()
    if not text:
        return period_containing(today, week=week)
    year = re.match(r"\d{4}", text)
    try:
        if year is None or int(year[0]) not in REPORT_YEARS:
            raise ValueError(text)
        if match := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            return period_containing(date.fromisocalendar(int(match[1]), int(match[2]), 1),
                                     week=True)
        if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return period_containing(date(int(match[1]), int(match[2]), 1), week=False)
    except ValueError:
        pass
    raise ValidationFailed("统计周期格式应为 2026-11（月）或 2026-W48（周）", code="bad_period",
                           errors={"period": [f"无法识别：{text}"]})


def report_kind(kind: str) -> str:
    """The glossary name of a report kind (``weekly`` → ``weekly_supervision``), or NotFound."""
    if kind not in KIND_ALIASES:
        raise NotFound("没有这种报告", code="report_kind_not_found")
    return KIND_ALIASES[kind]
