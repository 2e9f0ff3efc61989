"""The demo city: the README's demo command builds a plausible, policy-shaped city."""

from __future__ import annotations

from collections import Counter

from flask import Flask

from backend import demo, standards
from backend.db import db
from backend.models import (
    Application,
    Booking,
    CareVisit,
    City,
    Client,
    ClientCategory,
    StaffAccount,
    Township,
    Village,
)
from backend.models.clients import CLIENT_CATEGORIES


def test_the_demo_city_follows_the_policy_except_where_the_fixture_says(
    app: Flask, clean_db: None
) -> None:
    summary = demo.seed_demo_city()
    db.connect(reuse_if_open=True)
    fixture = demo.load_fixture()
    assert (summary.townships, summary.villages) == (12, 160)
    bands = Counter(standards.required_full_time_staff(t.population) for t in Township.select())
    assert set(bands) == {3, 4, 5}  # every population band of the staffing standard
    for t in fixture["townships"]:
        township = Township.get(Township.code == t["code"])
        staff = Counter(
            s.role
            for s in StaffAccount.select().where(StaffAccount.area_code.startswith(township.code))
        )
        expected = standards.required_full_time_staff(t["population"]) - (
            "understaffed" in t["deviations"]
        )
        assert staff["township_staff"] == expected, t["name"]
        assert staff["social_worker"] == standards.SOCIAL_WORKERS_PER_TOWNSHIP
        assert staff["coordinator"] == len(t["villages"]) == township.villages.count()
    categories = {c.category for c in ClientCategory.select()}
    assert categories == set(CLIENT_CATEGORIES)
    assert Client.select().count() == 12 * demo.CLIENTS_PER_TOWNSHIP
    # A few homes every township visits in twos, besides the left-behind children.
    flags = Counter(c.two_worker_flag for c in Client.select())
    assert flags == {None: 12 * 45, "safety_risk": 12 * 3, "psychological_crisis": 12 * 2}
    assert all(34.0 < v.lat < 34.8 and 113.3 < v.lng < 114.2 for v in Village.select())
    due = CareVisit.select().where(CareVisit.status == "due")
    assert 0 < due.where(CareVisit.is_overdue == True).count() < due.count() / 2  # noqa: E712
    # Every township office has casework waiting: applications at two stages, bookings to decide.
    stages = Counter(a.stage for a in Application.select().where(Application.status == "in_review"))
    assert stages == {"acceptance": 12, "verification": 24}
    assert Counter(b.status for b in Booking.select()) == {"pending": 12, "approved": 12}


def test_seeding_twice_changes_nothing(app: Flask, clean_db: None) -> None:
    demo.seed_demo_city(clients_per_township=3)
    db.connect(reuse_if_open=True)
    before = (City.select().count(), Client.select().count(), StaffAccount.select().count())
    again = demo.seed_demo_city(clients_per_township=3)
    db.connect(reuse_if_open=True)
    assert (City.select().count(), Client.select().count(), StaffAccount.select().count()) == before
    assert again.townships == 0 and "已存在" in again.describe()
