"""The demo city: the README's demo command builds a plausible, policy-shaped city."""

from __future__ import annotations

from collections import Counter

from flask import Flask

from backend import demo, standards
from backend.db import db
from backend.models import (
    Application,
    BenefitPayment,
    Booking,
    CareVisit,
    City,
    Client,
    ClientCategory,
    Grievance,
    OutboxEvent,
    Resident,
    StaffAccount,
    Township,
    Village,
)
from backend.models.base import local_today
from backend.models.clients import CLIENT_CATEGORIES
from backend.permissions import SYSTEM
from backend.services import auth, benefit_payments, supervision, training


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
    decided = 12 * 2  # each township's two approved households (below) became clients
    assert Client.select().count() == 12 * demo.CLIENTS_PER_TOWNSHIP + decided
    # A few homes every township visits in twos, besides the left-behind children.
    flags = Counter(c.two_worker_flag for c in Client.select())
    assert flags == {None: 12 * 45 + decided, "safety_risk": 12 * 3, "psychological_crisis": 12 * 2}
    assert all(34.0 < v.lat < 34.8 and 113.3 < v.lng < 114.2 for v in Village.select())
    due = CareVisit.select().where(CareVisit.status == "due")
    assert 0 < due.where(CareVisit.is_overdue == True).count() < due.count() / 2  # noqa: E712
    # Every township office has casework waiting: applications at two stages, bookings to decide.
    in_review = Application.select().where(Application.status == "in_review")
    stages = Counter(a.stage for a in in_review.where(Application.channel != "counter"))
    # …and one on its first village's board (公示), so the public notice list is not empty.
    assert stages == {"acceptance": 12, "verification": 24, "public_notice": 12}
    # And the first township's window has taken two walk-ins, receipts ready to print (issue 20).
    window = in_review.where(Application.channel == "counter")
    assert window.count() == 2 and all(a.materials.count() == 1 for a in window)
    receipts = OutboxEvent.select().where(OutboxEvent.topic == "application.receipt_issued")
    assert receipts.count() == 1  # the first demo resident's client: the receipt in their inbox
    assert Counter(b.status for b in Booking.select()) == {"pending": 12, "approved": 12}
    # And two households per township approved this month, on this month's payroll.
    approved = Application.select().where(Application.status == "approved")
    assert Counter(a.service_code for a in approved) == {"subsistence_allowance": 12,
                                                         "extreme_poverty_support": 12}
    this_month = BenefitPayment.select().where(
        BenefitPayment.month == benefit_payments.month_start(local_today()))
    assert Counter(p.status for p in this_month) == {"scheduled": 24}
    family = auth.actor_for("resident", Resident.get(Resident.openid == "demo-resident-2").id)
    assert [p.service_code for p in benefit_payments.visible_payments(actor=family)][:1] == [
        "subsistence_allowance"]  # the second demo resident's parent's, in the mini-program


def test_seeding_twice_changes_nothing(app: Flask, clean_db: None) -> None:
    demo.seed_demo_city(clients_per_township=3)
    db.connect(reuse_if_open=True)
    before = (City.select().count(), Client.select().count(), StaffAccount.select().count())
    again = demo.seed_demo_city(clients_per_township=3)
    db.connect(reuse_if_open=True)
    assert (City.select().count(), Client.select().count(), StaffAccount.select().count()) == before
    assert again.townships == 0 and "已存在" in again.describe()


def test_the_demo_shows_a_running_notice_and_the_residents_grievances(
    app: Flask, clean_db: None
) -> None:
    demo.seed_demo_city(clients_per_township=3)
    db.connect(reuse_if_open=True)
    village = Township.select().order_by(Township.code).first().villages.order_by(Village.code)
    client = app.test_client()
    notices = client.get("/api/v1/notices", query_string={"village_id": village.first().id})
    assert notices.status_code == 200 and len(notices.json) == 1
    [notice] = notices.json
    assert "*" in notice["name"] and notice["household_size"] == 3
    assert notice["proposed_benefit_fen"] == 120_000 and notice["township_phone"]
    assert Grievance.select().count() == 2
    assert Counter(g.status for g in Grievance.select()) == {"open": 1, "resolved": 1}
    assert all(g.owner_id for g in Grievance.select())


def test_the_demo_staff_have_a_year_of_training_and_an_assessment_read_per_person(
    app: Flask, clean_db: None
) -> None:
    fixture = demo.load_fixture()
    fixture["townships"][4]["deviations"] = ["training_short"]  # 新村镇 falls short
    demo.seed_demo_city(fixture=fixture, clients_per_township=3)
    db.connect(reuse_if_open=True)
    today = local_today()
    short_code = fixture["townships"][4]["code"]
    for person in training.summary(today.year, actor=SYSTEM):
        short = person.person.area_code.startswith(short_code)
        assert (person.days < 7) == short, person.person.username
        assert person.grade is not None
    # The city's figures read the records, person by person.
    report = supervision.get_compliance(f"{today:%Y-%m}", actor=SYSTEM)
    failing = {t["township_code"]: t["failed_standards"] for t in report["townships"]}
    assert "training_days" in failing[short_code]
    assert not any("training_days" in failed for code, failed in failing.items()
                   if code != short_code)
