"""The demo city's township profiles and nursing homes, meeting the standards except where a
township's ``deviations`` in ``fixtures/demo_city.json`` say it should fall short."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from backend import audit, standards
from backend.db import db
from backend.models import (
    AllowancePayment,
    NursingHome,
    Role,
    StaffAccount,
    Township,
    TownshipProfile,
)
from backend.models.base import local_today
from backend.permissions import SYSTEM
from backend.services.supervision import standards_book


def seed_demo_profiles(fixture: dict[str, Any], *, year: int) -> int:
    """Profiles and nursing homes for the demo city, breaking what its ``deviations`` name."""
    edition = standards_book().on(date(year, 12, 31))
    count = 0
    with db.atomic():
        for t in fixture["townships"]:
            township = Township.get_or_none(Township.code == t["code"])
            if township is None:
                continue
            _seed_township_profile(township, set(t.get("deviations", [])), edition, year)
            _seed_allowances(township, year)
            count += 1
        audit.record(actor=SYSTEM, action="supervision.demo_profiles_seeded", entity="city",
                     entity_id=fixture["city"]["code"], changes={"profiles": [None, count]})
    return count


def _seed_township_profile(township: Township, deviations: set[str],
                           edition: standards.Standards, year: int) -> None:
    equipment = dict(edition.equipment_min)
    if "missing_equipment" in deviations:
        equipment["relief_vehicle"] = 0  # the item townships most often lack
    funds = edition.required_funds_fen(township.population)
    if "underfunded" in deviations:
        funds = funds * 4 // 5
    TownshipProfile.delete().where(TownshipProfile.township == township,
                                   TownshipProfile.year == year).execute()
    TownshipProfile.create(
        township=township, area_code=township.code, year=year, equipment=equipment,
        funds_this_year_fen=funds, funds_last_year_fen=funds * 9 // 10,
        training_days_per_person=edition.training_days_per_person_min - 2
        if "training_short" in deviations else edition.training_days_per_person_min + 1,
        assessment_done=True,
        coordinator_allowance_paid_fen=township.villages.count()
        * edition.coordinator_monthly_allowance_fen * 11)
    NursingHome.delete().where(NursingHome.township == township).execute()
    needed = math.ceil(township.elderly_population * edition.beds_per_1000_elderly_min / 1000)
    private_beds = 60
    own_beds = max(edition.township_nursing_home_min_beds, needed - private_beds)
    NursingHome.create(township=township, area_code=township.code, name=f"{township.name}敬老院",
                       beds=own_beds, medical_care=True, township_run=True)
    NursingHome.create(township=township, area_code=township.code,
                       name=f"{township.name}康乐养老院", beds=private_beds, medical_care=False)


def _seed_allowances(township: Township, year: int) -> None:
    """Each coordinator paid their allowance for every month of the year already over, on the
    5th of the next month (one insert for the township)."""
    today = local_today()
    coordinators = list(StaffAccount.select().where(StaffAccount.township == township,
                                                    StaffAccount.role == Role.COORDINATOR))
    months = [(f"{year}-{m:02d}", date(year + m // 12, m % 12 + 1, 5)) for m in range(1, 13)
              if date(year + m // 12, m % 12 + 1, 1) <= today]
    AllowancePayment.delete().where(AllowancePayment.township == township,
                                    AllowancePayment.month.startswith(f"{year}-")).execute()
    rows = [{"coordinator": c.id, "village": c.village_id, "township": township.id,
             "area_code": c.area_code, "month": month, "paid_on": paid_on,
             "amount_fen": c.monthly_allowance_fen or standards.COORDINATOR_MONTHLY_ALLOWANCE_FEN}
            for c in coordinators for month, paid_on in months]
    if rows:
        AllowancePayment.insert_many(rows).execute()
