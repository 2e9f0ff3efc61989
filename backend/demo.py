"""The demo city: townships, villages, staff and clients built from ``fixtures/demo_city.json``.

Everything is generated from a fixed random seed, so every run builds the same city; ID
numbers are fictional but valid (real check digits), and everything goes through the same
services and audit trail as real data.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from backend import audit, demo_files, migrate, outbox, pii, standards
from backend.commands.applications import AdvanceApplication, FileApplication, ProxyFiling
from backend.commands.bookings import ApproveBooking, PreferredDate, RequestBooking
from backend.commands.clients import CategoryEntry, RegisterClient
from backend.db import db
from backend.demo_decisions import seed_decided_cases
from backend.demo_intake import seed_window_intake
from backend.demo_profiles import seed_demo_profiles
from backend.demo_resident_paths import seed_resident_paths
from backend.demo_training import seed_demo_training
from backend.models import (
    ALL_MODELS,
    City,
    Client,
    ClientContact,
    MessageDelivery,
    OutboxEvent,
    Resident,
    ServiceStation,
    StaffAccount,
    Township,
    Village,
    Visit,
)
from backend.models.clients import SPECIAL_CARE_SUBTYPES
from backend.permissions import SYSTEM
from backend.services import (
    applications,
    auth,
    bookings,
    care_plans,
    clients,
    materials,
    messages,
)
from backend.services.auth import hash_password

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "demo_city.json"
DEMO_PASSWORD = "demo-2026"
VISIT_SERVICES_DELIVERED = ["emotional_support", "support_network", "relationship_mediation",
                            "capacity_building"]
CLIENTS_PER_TOWNSHIP = 50
DEMO_RESIDENT_OPENIDS = ("demo-resident-1", "demo-resident-2")
MOBILE_PREFIXES = ("38", "39", "37", "35", "36", "50", "51", "52", "58", "59", "86", "87", "88",
                   "89")
# Of the clients with a care rule, this share have let their last visit lapse past its grace
# period, so supervision and the planner have overdue visits to show from the first day.
LAPSED_SHARE = 0.06


@dataclass
class SeedSummary:
    """What the seeder built and how to log in."""

    townships: int = 0
    villages: int = 0
    staff: int = 0
    clients: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # role, username, password

    def describe(self) -> str:
        """A few lines for the terminal."""
        built = (f"演示城市已生成：{self.townships} 个乡镇（街道），{self.villages} 个村（居），"
                 f"{self.staff} 名工作人员，{self.clients} 名服务对象。" if self.townships
                 else "演示城市已存在，未重复生成（--reset 可重建）。")
        return built + "\n" + self.describe_logins()

    def describe_logins(self) -> str:
        """How to log in as each role."""
        lines = ["登录方式："]
        lines += [f"  {role:<16} 用户名 {user:<22} 密码 {password}"
                  for role, user, password in self.logins]
        lines.append("  resident         微信登录 code：test-demo-resident-1"
                     "（每个 code 只能用一次，"
                     "test-<openid> 形式均可）")
        lines.append("  关联服务对象     小程序获取关联码后到窗口当面关联，或用手机号自助关联"
                     "（演示手机号 code：test-phone-<登记的手机号>）")
        return "\n".join(lines)


def load_fixture(path: Path = FIXTURE) -> dict[str, Any]:
    """The demo city's fixture file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class _People:
    """Deterministic fictional people from the fixture's name pools."""

    def __init__(self, fixture: dict[str, Any], rng: random.Random) -> None:
        self.pools = fixture["name_pools"]
        self.patterns = fixture["address_patterns"]
        self.rng = rng
        self.sequence = 0

    def name(self, sex: str) -> str:
        chars = self.pools["given_name_chars_male" if sex == "male"
                           else "given_name_chars_female"]
        given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(self.pools["surnames"]) + given

    def id_number(self, birth: date, sex: str) -> str:
        self.sequence += 1
        # The 17th digit's parity is the sex: odd for men, even for women.
        seq = (self.sequence * 2 + (1 if sex == "male" else 0)) % 1000
        return pii.make_id_number("410184", birth, f"{seq:03d}")

    def phone(self) -> str:
        # Allocated mobile prefixes only: libphonenumber refuses unallocated ones such as 154.
        return "1" + self.rng.choice(MOBILE_PREFIXES) + "".join(self.rng.choice("0123456789")
                                                                for _ in range(8))

    def address(self, township: dict[str, Any], village: dict[str, Any]) -> str:
        p, r = self.patterns, self.rng
        if village["kind"] == "village":
            return p["village"].format(township=township["name"], village=village["name"],
                                       group=r.randint(*p["group_range"]),
                                       number=r.randint(*p["house_number_range"]))
        room = p["room_format"].format(floor=r.randint(*p["floor_range"]),
                                       door=r.randint(1, p["rooms_per_floor"]))
        return p["community"].format(township=township["name"], street=r.choice(p["street_names"]),
                                     number=r.randint(*p["house_number_range"]),
                                     building=r.randint(*p["building_range"]),
                                     unit=r.randint(*p["unit_range"]), room=room)


# A client's categories and the age range that fits them.
_PROFILES: list[tuple[list[str], tuple[int, int], str | None]] = [
    (["subsistence_allowance"], (25, 70), None),
    (["extreme_poverty"], (60, 90), None),
    (["extreme_poverty", "disabled"], (40, 80), None),
    (["left_behind_child"], (6, 15), None),
    (["left_behind_woman"], (25, 50), "female"),
    (["left_behind_elder"], (65, 88), None),
    (["left_behind_elder", "subsistence_allowance"], (66, 85), None),
    (["special_care"], (60, 90), "male"),
    (["elderly"], (80, 98), None),
    (["elderly", "disabled"], (80, 95), None),
    (["disabled"], (20, 70), None),
]


# Every _FLAG_EVERY-th client from these offsets carries a two-worker flag.
_FLAG_EVERY = 20
_TWO_WORKER_FLAGS = {5: "safety_risk", 12: "psychological_crisis"}


def _staff(username: str, name: str, role: str, area_code: str, **extra: Any) -> StaffAccount:
    return StaffAccount.create(username=username, password_hash=extra.pop("password_hash"),
                               name=name, role=role, area_code=area_code, **extra)


def prepare_database(*, reset: bool) -> bool:
    """Migrate the database (emptied first on ``reset``); True when it holds a city already."""
    if reset:
        db.drop_tables(list(reversed(ALL_MODELS)), safe=True)
        db.execute_sql("DROP TABLE IF EXISTS migratehistory")
    migrate.upgrade(db.obj)
    return bool(City.select().exists())


def seed_demo_city(*, reset: bool = False, clients_per_township: int = CLIENTS_PER_TOWNSHIP,
                   fixture: dict[str, Any] | None = None, casework: bool = True) -> SeedSummary:
    """Build the demo city into the configured database (migrating it first)."""
    fixture = fixture or load_fixture()
    today = care_plans.local_today()
    rng = random.Random(20261125)
    people = _People(fixture, rng)
    summary = SeedSummary()
    with db.connection_context():
        if prepare_database(reset=reset):
            summary.logins = demo_logins()
            return summary
        password_hash = hash_password(DEMO_PASSWORD)
        with db.atomic():
            city = City.create(code=fixture["city"]["code"], name=fixture["city"]["name"])
            _staff("city-admin", "市民政局管理员", "city_admin", city.code,
                   password_hash=password_hash)
            summary.staff += 1
            for t in fixture["townships"]:
                _seed_township(city, t, people, password_hash, summary)
            audit.record(actor=SYSTEM, action="demo.seed", entity="city", entity_id=city.id,
                         changes={"townships": [None, summary.townships]})
        for t in Township.select().order_by(Township.code):
            summary.clients += _seed_clients(t, fixture, people, rng, clients_per_township,
                                             today)
        _seed_residents()
        seed_demo_profiles(fixture, year=today.year)
        _seed_visit_history(rng, today)
        care_plans.generate_due_care_visits(today, actor=SYSTEM)
        if casework:
            # Its own generator: the draws after it stay what they were before it was added.
            seed_demo_training(fixture, today=today, rng=random.Random(20261206))
            _seed_casework(people, today)
            seed_window_intake(people, DEMO_RESIDENT_OPENIDS[0])
            seed_resident_paths(people.name, people.id_number)
            _seed_interrupted_send()
            seed_decided_cases(people.name, people.id_number, today,
                               family_openid=DEMO_RESIDENT_OPENIDS[1])
    summary.logins = demo_logins()
    return summary


def _seed_township(city: City, t: dict[str, Any], people: _People, password_hash: str,
                   summary: SeedSummary) -> None:
    township = Township.create(
        city=city, code=t["code"], name=t["name"], kind=t["kind"], population=t["population"],
        elderly_population=t["elderly_population"], office_address=t["office_address"],
        lat=t["lat"], lng=t["lng"], office_area_m2=t.get("office_area_m2"), phone=t.get("phone"))
    summary.townships += 1
    full_time = standards.required_full_time_staff(t["population"])
    if "understaffed" in t.get("deviations", []):
        full_time -= 1
    for n in range(1, full_time + 1):
        sex = "female" if n % 2 == 0 else "male"
        _staff(f"ts-{t['code']}-{n}", people.name(sex), "township_staff", t["code"],
               township=township, sex=sex, is_head=n == 1, password_hash=password_hash)
    for n in range(1, standards.SOCIAL_WORKERS_PER_TOWNSHIP + 1):
        # One certified counsellor (a woman) and one generalist per township.
        sex = "female" if n == 1 else "male"
        _staff(f"sw-{t['code']}-{n}", people.name(sex), "social_worker", t["code"],
               township=township, sex=sex, skills=["counselling"] if n == 1 else [],
               password_hash=password_hash)
    summary.staff += full_time + standards.SOCIAL_WORKERS_PER_TOWNSHIP
    for v in t["villages"]:
        village = Village.create(township=township, code=v["code"], name=v["name"],
                                 kind=v["kind"], lat=v["lat"], lng=v["lng"])
        station = v.get("station", {})
        ServiceStation.create(village=village, **{k: station.get(k, False) for k in (
            "has_person", "has_sign", "has_place", "has_rules", "has_ledger")},
            sign=station.get("sign", ""), place=station.get("place", ""))
        sex = people.rng.choice(("male", "female"))
        _staff(f"co-{v['code']}", people.name(sex), "coordinator", v["code"], township=township,
               village=village, sex=sex,
               monthly_allowance_fen=standards.COORDINATOR_MONTHLY_ALLOWANCE_FEN,
               password_hash=password_hash)
        summary.villages += 1
        summary.staff += 1


def _seed_clients(township: Township, fixture: dict[str, Any], people: _People,
                  rng: random.Random, count: int, today: date) -> int:
    t = next(item for item in fixture["townships"] if item["code"] == township.code)
    villages = list(township.villages.order_by(Village.code))
    workers = list(StaffAccount.select().where(StaffAccount.role == "social_worker",
                                               StaffAccount.township == township))
    for n in range(count):
        categories, (low, high), sex = _PROFILES[n % len(_PROFILES)]
        sex = sex or rng.choice(("male", "female"))
        age = rng.randint(low, high)
        birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
        village = villages[n % len(villages)]
        v = next(item for item in t["villages"] if item["code"] == village.code)
        items = tuple(CategoryEntry(
            category=c, since=today - timedelta(days=rng.randint(30, 2000)),
            subtype=rng.choice(list(SPECIAL_CARE_SUBTYPES)) if c == "special_care" else None)
            for c in categories)
        data: dict[str, Any] = {
            "name": people.name(sex), "id_number": people.id_number(birth, sex),
            "village_id": village.id, "address": people.address(t, v),
            # Homes lie within about a kilometre of the village centre.
            "lat": round(village.lat + rng.uniform(-0.009, 0.009), 6),
            "lng": round(village.lng + rng.uniform(-0.011, 0.011), 6),
            "phone": people.phone() if age >= 18 else None, "categories": items,
            "household_size": rng.randint(1, 6),
        }
        if "left_behind_child" in categories:
            data |= {"guardian_name": people.name("female"), "guardian_relation": "祖母",
                     "guardian_phone": people.phone()}
        # A few homes are visited by two workers for a reason of their own (left-behind
        # children are, by the city's rule): the plans then show pairs of every kind.
        data["two_worker_flag"] = _TWO_WORKER_FLAGS.get(n % _FLAG_EVERY)
        client = clients.create_client(RegisterClient(**data), actor=SYSTEM)
        client.usual_worker = workers[n % len(workers)]
        client.save()
    return count


def _seed_visit_history(rng: random.Random, today: date) -> None:
    """Each client's last completed visit, spread over their rule's interval.

    A city that starts using the product has a visit history; without one every client would
    fall due on the first day, far beyond what two social workers per township can visit.
    """
    rules = care_plans.rules_by_category()
    rows: list[dict[str, Any]] = []
    for client in Client.select().where(Client.usual_worker.is_null(False)):
        rule = care_plans.client_rule([c.category for c in client.categories], rules)
        if rule is None:
            continue
        days_ago = rng.randint(1, rule.interval_days)
        if rng.random() < LAPSED_SHARE:
            days_ago = rule.interval_days + rule.grace_days + rng.randint(1, 10)
        # 09:00–16:00 in Beijing is 01:00–08:00 UTC, the zone every timestamp is stored in.
        check_in = datetime.combine(today - timedelta(days=days_ago), time(1)) + timedelta(
            minutes=rng.randint(0, 420))
        rows.append({
            "client": client.id, "area_code": client.area_code, "worker": client.usual_worker_id,
            "kind": rule.visit_kind, "status": "completed", "check_in_at": check_in,
            "check_out_at": check_in + timedelta(minutes=rule.duration_minutes),
            "services": rng.sample(VISIT_SERVICES_DELIVERED, 2), "notes": "",
            "created_at": check_in, "updated_at": check_in})
    with db.atomic():
        for batch in range(0, len(rows), 200):
            Visit.insert_many(rows[batch:batch + 200]).execute()
        audit.record(actor=SYSTEM, action="demo.seed_visits", entity="visit", entity_id="demo",
                     changes={"visits": [None, len(rows)]})


# Each township's demo casework: (service, how many times township staff advance it).
_DEMO_APPLICATIONS = (("subsistence_allowance", 0), ("extreme_poverty_support", 1),
                      ("temporary_relief", 1))


def _next_working_day(day: date, after: int) -> date:
    day += timedelta(days=after)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _seed_casework(people: _People, today: date) -> None:
    """Applications waiting at several stages and bookings to decide, so queues are not empty.

    Everything goes through the same services as a real request: a coordinator files on a
    resident's behalf (代办) and books a visit, township staff move and decide them.
    """
    scans = {"id_card": demo_files.sample_png(),
             "application_form": demo_files.sample_pdf("Application form (sample)")}
    for township in Township.select().order_by(Township.code):
        village = township.villages.order_by(Village.code).first()
        coordinator = auth.actor_for("staff", StaffAccount.get(
            StaffAccount.role == "coordinator", StaffAccount.village == village).id)
        office = auth.actor_for("staff", StaffAccount.get(
            StaffAccount.role == "township_staff", StaffAccount.township == township,
            StaffAccount.is_head == True).id)  # noqa: E712
        for service_code, advances in _DEMO_APPLICATIONS:
            sex = people.rng.choice(("male", "female"))
            name = people.name(sex)
            filed = applications.file_application(FileApplication(
                service_code=service_code, applicant_name=name,
                applicant_id_number=people.id_number(date(1958, 5, 17), sex),
                phone=people.phone(), village_id=village.id,
                address=f"{township.name}{village.name}3组{people.rng.randint(1, 60)}号",
                declared_income_fen=60_000, reason="因病致贫，无固定收入", submit=True,
                proxy=ProxyFiling(authorised_by=name, authorised_at=datetime.now(UTC),
                                  method="in_person", doorstep=True)), actor=coordinator)
            _attach_scans(filed.id, scans, coordinator)
            for _ in range(advances):
                applications.advance_application(
                    filed.id, AdvanceApplication(comment="材料齐全，予以受理"), actor=office)
        linked = list(Client.select().where(Client.village == village).order_by(Client.id)
                      .limit(2))
        day = _next_working_day(today, 2)
        for n, client in enumerate(linked):
            booking = bookings.create_booking(RequestBooking(
                client_id=client.id, kind="routine_visit",
                reason="老人独居，想请社工上门看看", contact_name=client.name,
                preferred=(PreferredDate(date=day, window="morning"),)),
                actor=coordinator)
            if n == 0:
                bookings.approve_booking(booking.id, ApproveBooking(), actor=office)


def _attach_scans(application_id: int, scans: dict[str, bytes], filer: Any) -> None:
    """The coordinator photographs the ID card and scans the form, so materials show inline."""
    for code, content in scans.items():
        materials.upload_material(application_id, code, io.BytesIO(content), actor=filer)


def _seed_residents() -> None:
    """Two demo WeChat users linked to clients, for logging in as a resident."""
    first_clients = list(clients.list_clients(clients.ClientFilter(), actor=SYSTEM)
                         .order_by(clients.Client.id).limit(len(DEMO_RESIDENT_OPENIDS)))
    with db.atomic():
        for openid, client in zip(DEMO_RESIDENT_OPENIDS, first_clients, strict=False):
            resident = Resident.create(openid=openid, name=client.name)
            # Linked as the window would: ID document seen by the township's office.
            head = StaffAccount.get_or_none(StaffAccount.role == "township_staff",
                                            StaffAccount.area_code == client.area_code[:9])
            ClientContact.create(resident=resident, client=client, relation="self",
                                 method="in_person", verified_by=head)


def _seed_interrupted_send() -> None:
    """The first demo resident's booking approval, whose WeChat send a crashed worker left
    ``unknown``: the city's operations view shows it with a resend; the inbox already has it.

    The same calls a worker makes: file the notice, claim the send (and a credit) and die
    before WeChat answers; the job run again finds it half-done. One credit is left for the
    resend.
    """
    resident = Resident.get_or_none(Resident.openid == DEMO_RESIDENT_OPENIDS[0])
    if resident is None or not outbox.has_handlers("booking.approved"):
        return  # notifications are not wired (a bare seed): no notices to file
    linked = {c.client_id for c in ClientContact.select().where(ClientContact.resident == resident)}
    event = next((e for e in OutboxEvent.select().where(OutboxEvent.topic == "booking.approved")
                  .order_by(OutboxEvent.id) if e.payload["client_id"] in linked), None)
    if event is None:
        return
    outbox.process_event(event.id)
    delivery = MessageDelivery.get_or_none(MessageDelivery.event_id == event.id)
    if delivery is None:
        return
    as_resident = auth.actor_for("resident", resident.id)
    for _ in range(2):  # the send that was lost, and the resend
        messages.record_subscriptions({delivery.template_id: delivery.template_key},
                                      actor=as_resident)
    messages.claim_delivery(delivery.id)
    messages.claim_delivery(delivery.id)


def demo_logins() -> list[tuple[str, str, str]]:
    """Usernames and the password to log in as each staff role of the demo city."""
    first_township = Township.select().order_by(Township.code).first()
    if first_township is None:
        return []
    code = first_township.code
    first_village = first_township.villages.order_by(Village.code).first()
    return [("city_admin", "city-admin", DEMO_PASSWORD),
            ("township_staff", f"ts-{code}-1", DEMO_PASSWORD),
            ("social_worker", f"sw-{code}-1", DEMO_PASSWORD),
            ("coordinator", f"co-{first_village.code}", DEMO_PASSWORD)]
