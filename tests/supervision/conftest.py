"""Demo-like cities for supervision: the demo fixture with chosen townships breaking chosen
standards, seeded through the real seeders (no clients: supervision does not need them)."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook

from backend.demo import load_fixture, seed_demo_city
from backend.demo_profiles import seed_demo_profiles

# backend/db.py passes peewee's deprecated ``autorollback`` for PostgreSQL; until the foundation
# drops it, that one warning must not turn every PostgreSQL run of these tests into an error.
_AUTOROLLBACK = pytest.mark.filterwarnings(
    'ignore:Peewee no longer uses the "autorollback" option:DeprecationWarning'
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Apply the autorollback filter to this folder's tests only."""
    for item in items:
        if "tests/supervision/" in item.nodeid:
            item.add_marker(_AUTOROLLBACK)


YEAR = 2026
PERIOD = "2026-11"
# Which standard each of the fixture's deviation kinds breaks.
DEVIATION_BREAKS = {
    "understaffed": "full_time_staff",
    "office_too_small": "office_area",
    "missing_equipment": "equipment",
    "underfunded": "funds",
    "station_incomplete": "station_elements",
    "training_short": "training_days",
}


def fixture_with(deviations: dict[str, list[str]]) -> dict[str, Any]:
    """The demo fixture where exactly the given townships (by code) break the given kinds."""
    fixture = copy.deepcopy(load_fixture())
    for township in fixture["townships"]:
        chosen = deviations.get(township["code"], [])
        township["deviations"] = list(chosen)
        township["office_area_m2"] = 30 if "office_too_small" in chosen else 60
        for n, village in enumerate(township["villages"]):
            station = village["station"]
            for element in ("has_person", "has_sign", "has_place", "has_rules", "has_ledger"):
                station[element] = True
            station["place"] = station["place"] or "村委会一楼"
            station["sign"] = station["sign"] or f"{village['name']}民政服务站"
            if n == 0 and "station_incomplete" in chosen:
                station["has_ledger"] = False
    return fixture


def seed(fixture: dict[str, Any]) -> dict[str, Any]:
    """Seed the city and its profiles; answer the fixture."""
    seed_demo_city(fixture=fixture, clients_per_township=0, casework=False)
    seed_demo_profiles(fixture, year=YEAR)
    return fixture


@pytest.fixture
def demo_city(clean_db: None) -> dict[str, Any]:
    """The shipped demo city, its deviations as the fixture names them."""
    return seed(load_fixture())


@pytest.fixture
def seed_city(clean_db: None) -> Callable[[dict[str, list[str]]], dict[str, Any]]:
    """Seed a demo-like city in which the given townships break the given standards."""
    return lambda deviations: seed(fixture_with(deviations))


def workbook(
    profiles: list[list[Any]],
    homes: list[list[Any]] | None = None,
    profile_header: list[str] | None = None,
) -> bytes:
    """An import workbook with the template's headers and these rows."""
    from backend.services.profiles_import import HOME_COLUMNS, PROFILE_COLUMNS

    book = Workbook()
    sheet = book.active
    sheet.title = "乡镇概况"
    sheet.append(profile_header or [c.header for c in PROFILE_COLUMNS])
    for row in profiles:
        sheet.append(row)
    if homes is not None:
        other = book.create_sheet("养老院")
        other.append([c.header for c in HOME_COLUMNS])
        for row in homes:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def profile_row(
    code: str,
    *,
    funds: Any = 200000,
    last: Any = 180000,
    training: Any = 8,
    assessment: Any = "是",
    equipment: int = 2,
) -> list[Any]:
    """A full profile row: office, elderly, ten items, funds (yuan), training, assessment."""
    return [code, YEAR, 60, 6000, *([equipment] * 10), funds, last, training, assessment, 60000]
