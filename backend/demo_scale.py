"""A county or a whole city at real size, for measuring (``flask demo seed --scale city``).

The demo's realism at 200 townships: each township is one of the demo's townships moved and
renamed, its villages cycled to the scale's count; clients in the proportions a city's rolls
have; a year of visits, applications (with re-reviews falling due) and bookings behind them;
township profiles for supervision. Rows go in with ``insert_many`` in batches, not through
the services one by one (30 000 clients would take an hour); personal data is still encrypted
row-bound and blind-indexed exactly as the services do, and the seeding is audited in bulk.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import peewee as pw

from backend import audit, demo, pii, runtime, workflows
from backend.db import db, is_postgres
from backend.demo_profiles import seed_demo_profiles
from backend.models import (
    Application,
    ApplicationStep,
    Booking,
    City,
    Client,
    ClientCategory,
    StaffAccount,
    Township,
    Village,
    Visit,
)
from backend.models.clients import SPECIAL_CARE_SUBTYPES
from backend.permissions import SYSTEM
from backend.services import care_plans
from backend.services.applications._shared import enter, reference, set_applicant
from backend.services.auth import hash_password

BATCH = 1000  # rows per INSERT: large enough to amortise a round trip, small enough for SQLite


@dataclass(frozen=True)
class Scale:
    """How big a seeded place is."""

    townships: int
    villages_per_township: int
    clients_per_township: int
    new_applications_per_township: int  # filed over the past year, beyond the benefit rolls
    bookings_per_township: int  # requested over the past year


SCALES = {
    "county": Scale(20, 15, 150, 40, 60),
    "city": Scale(200, 15, 150, 40, 60),
}

# Share of a city's rolls per client profile (the demo's _PROFILES, in the same order): the
# subsistence allowance is the largest group, then the left-behind elderly and the very old.
_PROFILE_WEIGHTS = (30, 7, 3, 7, 4, 12, 5, 6, 12, 4, 10)
# Eight-and-a-half names per township template: enough for 200 distinct township names.
_NAME_PREFIXES = "东西南北中新前后上下大小高石河桥林"


@dataclass
class ScaleSummary:
    """What was built, how long each part took and how big the database is."""

    scale: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    database_bytes: int | None = None

    def describe(self) -> str:
        """Lines for the terminal."""
        lines = [f"规模 {self.scale}：" + "，".join(f"{k} {v}" for k, v in self.counts.items())]
        lines += [f"  {part:<24} {seconds:8.1f} s" for part, seconds in self.seconds.items()]
        lines.append(f"  {'total':<24} {sum(self.seconds.values()):8.1f} s")
        if self.database_bytes is not None:
            lines.append(f"数据库大小：{self.database_bytes / 1024 / 1024:.0f} MB")
        return "\n".join(lines)


def scaled_fixture(fixture: dict[str, Any], scale: Scale) -> dict[str, Any]:
    """The demo fixture grown to ``scale``: townships spread on a grid around the city."""
    templates = fixture["townships"]
    side = int(scale.townships ** 0.5) + 1
    townships = []
    for n in range(scale.townships):
        template = templates[n % len(templates)]
        code = f"{fixture['city']['code']}{n + 1:03d}"
        row, col = divmod(n, side)
        # ~11 km between township centres: the demo's spread repeated over a prefecture.
        dlat = (row - side / 2) * 0.1 + template["lat"] - fixture["city"]["lat"]
        dlng = (col - side / 2) * 0.12 + template["lng"] - fixture["city"]["lng"]
        prefix = _NAME_PREFIXES[(n // len(templates)) % len(_NAME_PREFIXES)]
        villages = []
        for v in range(scale.villages_per_township):
            source = template["villages"][v % len(template["villages"])]
            again = v // len(template["villages"])
            villages.append({**source, "code": f"{code}{v + 1:03d}",
                             "name": source["name"] if not again else f"新{source['name']}",
                             "lat": round(source["lat"] + dlat + again * 0.004, 6),
                             "lng": round(source["lng"] + dlng + again * 0.004, 6)})
        townships.append({**template, "code": code, "name": prefix + template["name"],
                          "lat": round(template["lat"] + dlat, 6),
                          "lng": round(template["lng"] + dlng, 6), "villages": villages})
    return {**fixture, "townships": townships}


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def _insert(model: type[pw.Model], rows: list[dict[str, Any]]) -> int:
    # insert_many takes its columns from a batch's first row: give every row every key, or a
    # column the first row lacks is silently dropped from all the others.
    columns = list(dict.fromkeys(key for row in rows for key in row))
    for batch in _batches(rows):
        model.insert_many([{c: row.get(c) for c in columns} for row in batch]).execute()
    return len(rows)


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    """A query's rows as plain tuples (the typing stubs only know model rows)."""
    return list(query.tuples())


def _next_id(model: type[pw.Model]) -> int:
    key = model._meta.primary_key
    return int(model.select(pw.fn.COALESCE(pw.fn.MAX(key), 0)).scalar()) + 1


def _reset_sequences(models: Iterable[type[pw.Model]]) -> None:
    """Rows inserted with their ids: move PostgreSQL's sequences past them."""
    if not is_postgres():
        return
    for model in models:
        table = model._meta.table_name
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")


def seed_scaled_city(scale_name: str, *, reset: bool = False,
                     scale: Scale | None = None) -> ScaleSummary:
    """Build a county or city of ``SCALES[scale_name]`` (or ``scale``) into the database."""
    scale = scale or SCALES[scale_name]
    summary = ScaleSummary(scale_name)
    fixture = scaled_fixture(demo.load_fixture(), scale)
    today = care_plans.local_today()
    rng = random.Random(20261206)
    people = demo._People(fixture, rng)
    with db.connection_context():
        if demo.prepare_database(reset=reset):
            summary.counts["existing"] = 1
            return summary
        parts = (("geography_and_staff", lambda: _seed_geography(fixture, people)),
                 ("clients", lambda: _seed_clients(fixture, people, rng, scale, today)),
                 ("profiles", lambda: seed_demo_profiles(fixture, year=today.year)),
                 ("visit_history", lambda: _seed_visit_year(rng, today)),
                 ("applications", lambda: _seed_applications(people, rng, scale, today)),
                 ("bookings", lambda: _seed_bookings(rng, scale, today)))
        for name, part in parts:
            started = clock.perf_counter()
            with db.atomic():
                summary.counts[name] = part()
            summary.seconds[name] = clock.perf_counter() - started
        started = clock.perf_counter()  # its own unit of work, as the nightly job runs it
        summary.counts["care_visits_due"] = care_plans.generate_due_care_visits(today,
                                                                                actor=SYSTEM)
        summary.seconds["care_visits_due"] = clock.perf_counter() - started
        if is_postgres():
            db.execute_sql("ANALYZE")
            summary.database_bytes = int(db.execute_sql(
                "SELECT pg_database_size(current_database())").fetchone()[0])
    return summary


def _seed_geography(fixture: dict[str, Any], people: demo._People) -> int:
    """The city, its townships, villages, stations and staff, as the demo builds them."""
    password_hash = hash_password(demo.DEMO_PASSWORD)
    city = City.create(code=fixture["city"]["code"], name=fixture["city"]["name"])
    demo._staff("city-admin", "市民政局管理员", "city_admin", city.code,
                password_hash=password_hash)
    built = demo.SeedSummary()
    for t in fixture["townships"]:
        demo._seed_township(city, t, people, password_hash, built)
    audit.record(actor=SYSTEM, action="demo.seed", entity="city", entity_id=city.id,
                 changes={"townships": [None, built.townships]})
    return built.villages


def _unique_id_number(people: demo._People, birth: date, sex: str, taken: set[str]) -> str:
    while True:  # the demo's sequence wraps at 1000: at city size two people would collide
        number = people.id_number(birth, sex)
        if number not in taken:
            taken.add(number)
            return number


def _seed_clients(fixture: dict[str, Any], people: demo._People, rng: random.Random,
                  scale: Scale, today: date) -> int:
    """Every township's clients, encrypted and indexed as ``clients.create_client`` does."""
    vault = runtime.vault()
    next_id = _next_id(Client)
    clients: list[dict[str, Any]] = []
    categories: list[dict[str, Any]] = []
    taken: set[str] = set()
    workers: dict[int, list[int]] = {}
    for worker in _tuples(StaffAccount.select(StaffAccount.id, StaffAccount.township).where(
            StaffAccount.role == "social_worker").order_by(StaffAccount.id)):
        workers.setdefault(worker[1], []).append(worker[0])
    places = {t["code"]: t for t in fixture["townships"]}
    now = datetime.now(UTC).replace(tzinfo=None)
    for township in Township.select().order_by(Township.code):
        t = places[township.code]
        villages = list(township.villages.order_by(Village.code))
        for n in range(scale.clients_per_township):
            profile = rng.choices(demo._PROFILES, weights=_PROFILE_WEIGHTS)[0]
            codes, (low, high), sex = profile
            sex = sex or rng.choice(("male", "female"))
            birth = today - timedelta(days=rng.randint(low, high) * 365 + rng.randint(0, 364))
            village = villages[n % len(villages)]
            id_number = _unique_id_number(people, birth, sex, taken)
            client_id = next_id + len(clients)
            phone = people.phone() if "left_behind_child" not in codes else None
            row = {
                "id": client_id, "name": people.name(sex), "village": village.id,
                "area_code": village.code, "sex": pii.id_sex(id_number),
                "birth_date": pii.id_birth_date(id_number),
                "id_number_enc": vault.encrypt(id_number, context=f"client:{client_id}:id_number"),
                "id_number_index": vault.blind_index(id_number, kind="id_number"),
                "id_number_masked": pii.mask_id_number(id_number, viewer="staff"),
                "phone_enc": phone and vault.encrypt(phone, context=f"client:{client_id}:phone"),
                "phone_masked": phone and pii.mask_phone(phone),
                "address": people.address(t, next(v for v in t["villages"]
                                                  if v["code"] == village.code)),
                "lat": round(village.lat + rng.uniform(-0.009, 0.009), 6),
                "lng": round(village.lng + rng.uniform(-0.011, 0.011), 6),
                "household_size": rng.randint(1, 6),
                "usual_worker": workers[township.id][n % len(workers[township.id])],
                "two_worker_flag": demo._TWO_WORKER_FLAGS.get(n % demo._FLAG_EVERY),
                "guardian_name": None, "guardian_relation": None,
                "guardian_phone_enc": None, "guardian_phone_masked": None,
                "notes": "", "version": 1, "created_at": now, "updated_at": now}
            if "left_behind_child" in codes:
                guardian = people.phone()
                row |= {"guardian_name": people.name("female"), "guardian_relation": "祖母",
                        "guardian_phone_enc": vault.encrypt(
                            guardian, context=f"client:{client_id}:guardian_phone"),
                        "guardian_phone_masked": pii.mask_phone(guardian)}
            clients.append(row)
            categories += [{"client": client_id, "category": c,
                            "since": today - timedelta(days=rng.randint(30, 2000)),
                            "subtype": rng.choice(list(SPECIAL_CARE_SUBTYPES))
                            if c == "special_care" else None} for c in codes]
    _insert(Client, clients)
    _insert(ClientCategory, categories)
    _reset_sequences([Client])
    audit.record(actor=SYSTEM, action="demo.seed_clients", entity="client", entity_id="demo",
                 changes={"clients": [None, len(clients)]})
    return len(clients)


def _seed_visit_year(rng: random.Random, today: date) -> int:
    """A year of completed visits per client, at their care rule's interval (a few lapsed)."""
    rules = care_plans.rules_by_category()
    codes: dict[int, list[str]] = {}
    for client_id, category in _tuples(ClientCategory.select(
            ClientCategory.client, ClientCategory.category)):
        codes.setdefault(client_id, []).append(category)
    rows: list[dict[str, Any]] = []
    for client_id, area_code, worker_id in _tuples(Client.select(
            Client.id, Client.area_code, Client.usual_worker)):
        rule = care_plans.client_rule(codes.get(client_id, []), rules)
        if rule is None:
            continue
        days_ago = rng.randint(1, rule.interval_days)
        if rng.random() < demo.LAPSED_SHARE:
            days_ago = rule.interval_days + rule.grace_days + rng.randint(1, 10)
        while days_ago <= 365:
            check_in = datetime.combine(today - timedelta(days=days_ago), time(1)) + timedelta(
                minutes=rng.randint(0, 420))
            rows.append({
                "client": client_id, "area_code": area_code, "worker": worker_id,
                "kind": rule.visit_kind, "status": "completed", "check_in_at": check_in,
                "check_out_at": check_in + timedelta(minutes=rule.duration_minutes),
                "services": rng.sample(demo.VISIT_SERVICES_DELIVERED, 2), "notes": "",
                "created_at": check_in, "updated_at": check_in})
            days_ago += rule.interval_days + rng.randint(-2, 3)
    _insert(Visit, rows)
    audit.record(actor=SYSTEM, action="demo.seed_visits", entity="visit", entity_id="demo",
                 changes={"visits": [None, len(rows)]})
    return len(rows)


# Benefits on the rolls are re-reviewed; the year's other applications are one-off relief.
_ROLL_SERVICES = {"subsistence_allowance": "subsistence_allowance",
                  "extreme_poverty": "extreme_poverty_support"}
_RELIEF_SERVICES = ("temporary_relief", "medical_relief", "subsistence_allowance")


def _seed_applications(people: demo._People, rng: random.Random, scale: Scale,
                       today: date) -> int:
    """Approved benefits with their re-reviews spread over the year ahead (some due now), and
    a year of new applications per township: most decided, the rest open at some stage."""
    vault = runtime.vault()
    next_id = _next_id(Application)
    staff = {code: sid for sid, code in _tuples(StaffAccount.select(
        StaffAccount.id, StaffAccount.area_code).where(
            StaffAccount.role == "township_staff", StaffAccount.is_head == True))}  # noqa: E712
    on_rolls = {client_id: _ROLL_SERVICES[category] for client_id, category in
                _tuples(ClientCategory.select(ClientCategory.client, ClientCategory.category).where(
                    ClientCategory.category.in_(list(_ROLL_SERVICES))))}
    applications: list[Application] = []
    steps: list[dict[str, Any]] = []

    def add(client: tuple[int, int, str, str, str], service: str, filed: date,
            decided: bool) -> Application:
        client_id, village_id, area_code, name, address = client
        app_id = next_id + len(applications)
        created = datetime.combine(filed, time(2))
        sex = rng.choice(("male", "female"))
        application = Application(
            id=app_id, service_code=service, client=client_id, village=village_id,
            area_code=area_code, applicant_name=name, address=address, channel="proxy",
            declared_income_fen=rng.randint(0, 90_000), reason="因病致贫，无固定收入",
            status="in_review", submitted_at=created, created_at=created, updated_at=created,
            filed_by=None, household_members=[])
        id_number = people.id_number(date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000)),
                                     sex)
        application.applicant_id_index = vault.blind_index(id_number, kind="id_number")
        application.applicant_id_masked = pii.mask_id_number(id_number, viewer="staff")
        application.reference = reference(application)
        set_applicant(application, id_number, people.phone())
        wf = workflows.workflow(service)
        if decided:
            approved = rng.random() < 0.85
            application.status = "approved" if approved else "rejected"
            application.decided_at = created + timedelta(days=rng.randint(5, 25))
            application.decision_reason = "符合条件" if approved else "家庭收入超过标准"
            interval = workflows.service(service).get("re_review_interval_months")
            if approved and interval:
                application.next_re_review_on = today + timedelta(days=rng.randint(-5, 360))
        else:
            stage = rng.choice(wf.stages)
            enter(application, stage, today - timedelta(days=rng.randint(0, 12)))
        actor = staff.get(area_code[:9])
        steps.append({"application": app_id, "created_at": created, "actor_kind": "staff",
                      "actor_id": actor, "action": "submit", "to_stage": wf.first().stage})
        if decided:
            steps.append({"application": app_id, "created_at": application.decided_at,
                          "actor_kind": "staff", "actor_id": actor,
                          "action": "approve" if application.status == "approved" else "reject",
                          "stage": "approval"})
        applications.append(application)
        return application

    clients = list(_tuples(Client.select(Client.id, Client.village, Client.area_code, Client.name,
                                 Client.address)))
    for client in clients:
        if client[0] in on_rolls:
            add(client, on_rolls[client[0]], today - timedelta(days=rng.randint(30, 900)), True)
    by_township: dict[str, list[tuple[int, int, str, str, str]]] = {}
    for client in clients:
        by_township.setdefault(client[2][:9], []).append(client)
    for members in by_township.values():
        for _ in range(scale.new_applications_per_township):
            filed = today - timedelta(days=rng.randint(0, 365))
            add(rng.choice(members), rng.choice(_RELIEF_SERVICES), filed,
                decided=(today - filed).days > 30 or rng.random() < 0.5)
    _insert(Application, [a.__data__ for a in applications])
    _insert(ApplicationStep, [{"actor_name": "", "comment": "", "details": {}, "stage": None,
                               "to_stage": None, **s} for s in steps])
    _reset_sequences([Application])
    audit.record(actor=SYSTEM, action="demo.seed_applications", entity="application",
                 entity_id="demo", changes={"applications": [None, len(applications)]})
    return len(applications)


def _seed_bookings(rng: random.Random, scale: Scale, today: date) -> int:
    """A year of visit bookings per township: most done or cancelled, some pending decision."""
    rows: list[dict[str, Any]] = []
    clients = list(_tuples(Client.select(Client.id, Client.area_code, Client.name)))
    townships = dict(_tuples(Township.select(Township.code, Township.id)))
    by_township: dict[str, list[tuple[int, str, str]]] = {}
    for client in clients:
        by_township.setdefault(client[1][:9], []).append(client)
    active: set[int] = set()  # one open booking of a kind per client, as the service keeps
    for code, members in by_township.items():
        for _ in range(scale.bookings_per_township):
            client_id, area_code, name = rng.choice(members)
            requested = today - timedelta(days=rng.randint(0, 365))
            day = requested + timedelta(days=rng.randint(2, 7))
            status = ("pending" if day >= today and rng.random() < 0.5
                      else "approved" if day >= today else rng.choice(
                          ("completed", "completed", "completed", "cancelled", "rejected")))
            is_open = status in ("pending", "approved")
            if is_open and client_id in active:
                continue
            if is_open:
                active.add(client_id)
            created = datetime.combine(requested, time(2))
            rows.append({
                "client": client_id, "area_code": area_code, "township": townships[code],
                "kind": "routine_visit", "status": status, "requested_by_kind": "staff",
                "requested_by_id": 0, "reason": "老人独居，想请社工上门看看",
                "contact_name": name, "version": 1,
                "active_key": f"{client_id}:routine_visit" if is_open else None,
                "preferred": [{"date": day.isoformat(), "window": "morning"}],
                "scheduled_date": day if status in ("approved", "completed") else None,
                "scheduled_window": "morning" if status in ("approved", "completed") else None,
                "created_at": created, "updated_at": created})
    _insert(Booking, rows)
    audit.record(actor=SYSTEM, action="demo.seed_bookings", entity="booking", entity_id="demo",
                 changes={"bookings": [None, len(rows)]})
    return len(rows)
