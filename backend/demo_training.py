"""The demo city's training and yearly assessments, imported the way a city admin would: one
workbook through the training import, so 培训考核 and the supervision's per-person checks have
a year of records. A township whose ``deviations`` name ``training_short`` falls short."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook

from backend.models import Role, StaffAccount
from backend.services import auth, training

# (kind label, days) of a year's courses; people differ in the extra course they take.
_COURSES = (("业务培训", 3), ("法治培训", 2), ("警示教育", 1), ("礼仪培训", 1))
_EXTRA = (("岗前培训", 2), ("业务培训", 1), None)
_SHORT = (("业务培训", 2), ("警示教育", 1))  # a township short of the 7 days
_GRADES = ("称职",) * 6 + ("优秀",) * 3 + ("基本称职",)
_ORGANISER = "市民政局"


def seed_demo_training(fixture: dict[str, Any], *, today: date,
                       rng: random.Random) -> training.TrainingImportReport:
    """Import a year of training and this year's assessment for every trained person."""
    short = {t["code"] for t in fixture["townships"] if "training_short" in t.get("deviations", [])}
    book = Workbook()
    courses = book.active
    assert courses is not None
    courses.title = training.TRAINING_SHEET
    courses.append([c.header for c in training.TRAINING_COLUMNS])
    grades = book.create_sheet(training.ASSESSMENT_SHEET)
    grades.append([c.header for c in training.ASSESSMENT_COLUMNS])
    people = (StaffAccount.select().where(StaffAccount.role.in_(training.TRAINED_ROLES))
              .order_by(StaffAccount.username))
    for person in people:
        falls_short = any(person.area_code.startswith(code) for code in short)
        taken = list(_SHORT if falls_short else _COURSES)
        extra = rng.choice(_EXTRA)
        if extra and not falls_short:
            taken.append(extra)
        for n, (kind, days) in enumerate(taken):
            starts = _course_day(today, n, len(taken), days)
            courses.append([person.username, person.name, kind, starts.isoformat(),
                            (starts + timedelta(days=days - 1)).isoformat(), days, _ORGANISER])
        grades.append([person.username, person.name, today.year, rng.choice(_GRADES),
                       _ORGANISER])
    content = io.BytesIO()
    book.save(content)
    admin = StaffAccount.get(StaffAccount.role == Role.CITY_ADMIN)
    report = training.import_training(content.getvalue(), "演示培训记录.xlsx", dry_run=False,
                                      actor=auth.actor_for("staff", admin.id))
    if report.errors:  # the demo's own file: a bad cell is a bug here, not a user's mistake
        raise RuntimeError(f"demo training import refused: {report.errors[:3]}")
    return report


def _course_day(today: date, n: int, count: int, days: int) -> date:
    """The first day of the n-th of a year's courses, spread over the year so far, moved back
    so that the course ends by Friday."""
    first = date(today.year, 1, 2)
    day = first + timedelta(days=max(0, (today - first).days) * (n + 1) // (count + 1))
    while day.weekday() + days - 1 >= 5 and day > first:
        day -= timedelta(days=1)
    return day
