"""Care plans: recurring visits that fall due by themselves under the city's care rules.

The rules are data (``backend/fixtures/care_rules.json``) read through this one module, so a city
changes intervals, durations and requirements without touching code. The nightly job calls
``generate_due_care_visits``; running it twice on one day changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, cast

import peewee as pw

from backend import audit, outbox
from backend.models import CareVisit, Client, ClientCategory, Village, Visit
from backend.models.base import LOCAL_TZ, local_today
from backend.permissions import Actor, require, scoped, within_area
from backend.unit_of_work import unit_of_work

RULES_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "care_rules.json"
FEMALE_SKILL = "female"  # female workers hold it, so "needs a woman" is just another skill


@dataclass(frozen=True)
class CareRule:
    """One category's recurring-visit rule."""

    category: str
    label: str
    interval_days: int
    window_days: int
    grace_days: int
    visit_kind: str
    duration_minutes: int
    required_skills: tuple[str, ...]


@cache
def care_rules_data(path: str = str(RULES_PATH)) -> dict[str, Any]:
    """The care-rules document (read once per process)."""
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def visit_kinds() -> dict[str, dict[str, Any]]:
    """Visit kinds by code: label, default duration, required skill."""
    return {kind["code"]: kind for kind in care_rules_data()["visit_kinds"]}


def kind_duration_minutes(kind: str) -> int:
    """How long a visit of this kind takes on site."""
    return int(visit_kinds()[kind]["default_duration_minutes"])


def kind_skills(kind: str) -> tuple[str, ...]:
    """Skills a worker needs for a visit of this kind."""
    skill = visit_kinds()[kind]["required_skill"]
    return (skill,) if skill else ()


@dataclass(frozen=True)
class TwoWorkers:
    """A client whose home visits two social workers make together, and what each needs."""

    reason: str  # the category or client flag that asks for it
    extra_skills: tuple[str, ...]  # added to the visit's own: one of the two holds them all
    partner_skills: tuple[str, ...]  # what the other must hold
    sync_tolerance_s: int  # how far apart the two may arrive


def two_worker_flags() -> dict[str, dict[str, Any]]:
    """Client flags that make every home visit one for two workers, by code: label, skills."""
    return {flag["code"]: flag for flag in care_rules_data()["two_worker_visits"]["client_flags"]}


def two_workers(categories: list[str], flag: str | None) -> TwoWorkers | None:
    """Whether a client's home visits need two workers: the client carries a flag, or belongs
    to a category the city visits in twos; None when one worker goes alone."""
    rule = care_rules_data()["two_worker_visits"]
    tolerance = int(rule["sync_tolerance_minutes"]) * 60
    if flag is not None:
        item = two_worker_flags()[flag]
        return TwoWorkers(flag, tuple(s for s in (item["required_skill"],) if s),
                          tuple(s for s in (item["partner_skill"],) if s), tolerance)
    category = next((c for c in rule["categories"] if c in categories), None)
    return None if category is None else TwoWorkers(category, (), (), tolerance)


def rules_by_category() -> dict[str, CareRule]:
    """Every category's rule."""
    rules = {}
    for item in care_rules_data()["rules"]:
        skills = [item["required_skill"]] if item["required_skill"] else []
        if item["require_female_worker"]:
            skills.append(FEMALE_SKILL)
        rules[item["category"]] = CareRule(
            category=item["category"], label=item["label"], interval_days=item["interval_days"],
            window_days=item["window_days"], grace_days=item["grace_days"],
            visit_kind=item["visit_kind"], duration_minutes=item["duration_minutes"],
            required_skills=tuple(skills))
    return rules


def festival_dates(year: int) -> dict[str, date]:
    """The festivals of a year that have condolence visits before them."""
    found = {}
    for key, festival in care_rules_data()["festivals"].items():
        if "dates" in festival and str(year) in festival["dates"]:
            found[key] = date.fromisoformat(festival["dates"][str(year)])
        elif "month_day" in festival:
            month, day = festival["month_day"].split("-")
            found[key] = date(year, int(month), int(day))
    return found


def client_rule(categories: list[str], rules: dict[str, CareRule]) -> CareRule | None:
    """The strictest rule of a client's categories; needs of the others are kept too."""
    applicable = [rules[c] for c in categories if c in rules]
    if not applicable:
        return None
    strictest = min(applicable, key=lambda rule: (rule.interval_days, rule.category))
    skills = tuple(sorted({skill for rule in applicable for skill in rule.required_skills}))
    return CareRule(**{**strictest.__dict__, "required_skills": skills})


def _anchor(client: Client, since: date | None, last: datetime | str | None) -> date:
    """The date the next interval counts from: the last completed visit, else enrolment."""
    if last:
        # Stored in UTC: the visit counts on the city's calendar day, not the server's.
        moment = last if isinstance(last, datetime) else datetime.fromisoformat(str(last))
        return moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ).date()
    return since or client.created_at.replace(tzinfo=UTC).astimezone(LOCAL_TZ).date()


def _create_care_visit(client: Client, township_id: int, rule_key: str, kind: str, due: date,
                       earliest: date, latest: date, duration: int, skills: tuple[str, ...],
                       today: date) -> bool:
    """Insert one due visit unless it exists already; answer whether it was new."""
    inserted = (CareVisit.insert(
        client=client.id, area_code=client.area_code, township=township_id, rule=rule_key,
        kind=kind, due_date=due, earliest_date=earliest, latest_date=latest,
        duration_minutes=duration, required_skills=list(skills), status="due",
        is_overdue=latest < today).on_conflict_ignore().execute())
    # SQLite answers the last row id (0 when ignored), PostgreSQL a row id or None.
    return bool(inserted)


@dataclass(frozen=True)
class _BatchFacts:
    """What deciding a batch of clients' next visits reads, in three queries for the batch."""

    categories: dict[int, list[ClientCategory]]
    open_kinds: set[tuple[int, str]]  # (client id, visit kind) of care visits still due
    last_visits: dict[int, Any]  # client id -> last completed visit's check-out


def _batch_facts(client_ids: list[int]) -> _BatchFacts:
    categories: dict[int, list[ClientCategory]] = {}
    for category in ClientCategory.select().where(ClientCategory.client.in_(client_ids),
                                                  ClientCategory.ended_on.is_null()):
        categories.setdefault(category.client_id, []).append(category)
    open_kinds = {(visit.client_id, visit.kind) for visit in CareVisit.select(
        CareVisit.client, CareVisit.kind).where(CareVisit.client.in_(client_ids),
                                                CareVisit.status == "due")}
    last = (Visit.select(Visit.client, pw.fn.MAX(Visit.check_out_at))
            .where(Visit.client.in_(client_ids), Visit.status == "completed")
            .group_by(Visit.client).tuples())
    return _BatchFacts(categories, open_kinds, dict(cast(Iterable[tuple[int, Any]], last)))


def _generate_for_client(client: Client, facts: _BatchFacts, rules: dict[str, CareRule],
                         today: date) -> int:
    categories = facts.categories.get(client.id, [])
    created = 0
    rule = client_rule([c.category for c in categories], rules)
    open_visit = rule is not None and (client.id, rule.visit_kind) in facts.open_kinds
    township_id = client.village.township_id
    if rule and not open_visit:
        since = min((c.since for c in categories if c.since), default=None)
        due = _anchor(client, since, facts.last_visits.get(client.id)) + timedelta(
            days=rule.interval_days)
        earliest = due - timedelta(days=rule.window_days)
        if today >= earliest:
            created += _create_care_visit(client, township_id, rule.category, rule.visit_kind,
                                          due, earliest, due + timedelta(days=rule.grace_days),
                                          rule.duration_minutes, rule.required_skills, today)
    if any(c.category == "special_care" for c in categories):
        created += _generate_festival_visits(client, township_id, today)
    return created


def _generate_festival_visits(client: Client, township_id: int, today: date) -> int:
    created = 0
    for festival_rule in care_rules_data()["festival_rules"]:
        for year in (today.year, today.year + 1):
            festival = festival_dates(year).get(festival_rule["before"])
            if festival is None:
                continue
            earliest = festival - timedelta(days=festival_rule["days_before"])
            if earliest <= today < festival:
                latest = festival - timedelta(days=1)
                created += _create_care_visit(
                    client, township_id, f"festival:{festival_rule['before']}",
                    festival_rule["kind"], latest, earliest, latest,
                    festival_rule["duration_minutes"], kind_skills(festival_rule["kind"]), today)
    return created


CLIENT_BATCH = 500  # clients read and decided per unit of work by the nightly generation


def generate_due_care_visits(today: date, *, actor: Actor) -> int:
    """Let every client's next care visit fall due and flag the late ones; answer how many new."""
    require(actor, "care_visits.generate")
    rules = rules_by_category()
    created, after = 0, 0
    # A batch of clients per unit of work (their facts in three queries), never the whole
    # city's clients in one list; a second run skips what is made (unique client/rule/due).
    while True:
        with unit_of_work(actor=actor):
            batch = list(scoped(Client.select(Client, Village).join(Village), Client.area_code,
                                actor).where(Client.id > after).order_by(Client.id)
                         .limit(CLIENT_BATCH))
            if not batch:
                break
            facts = _batch_facts([client.id for client in batch])
            created += sum(_generate_for_client(client, facts, rules, today) for client in batch)
        after = batch[-1].id
    with unit_of_work(actor=actor):
        flagged = (CareVisit.update(is_overdue=True)
                   .where(CareVisit.status == "due", CareVisit.is_overdue == False,  # noqa: E712
                          CareVisit.latest_date < today,
                          within_area(CareVisit.area_code, actor.area_code))
                   .execute())
        if created or flagged:
            audit.record(actor=actor, action="care_visit.generate", entity="care_visit",
                         entity_id=today.isoformat(),
                         changes={"created": [0, created], "flagged_overdue": [0, flagged]})
            outbox.emit("care_visits.generated", day=today.isoformat(), created=created,
                        flagged_overdue=flagged)
    return created


def list_care_visits(*, actor: Actor, status: str | None = None, today: date | None = None,
                     worker_id: int | None = None) -> pw.ModelSelect[CareVisit]:
    """Due care visits in the actor's scope, earliest deadline first; ``overdue`` or ``due``."""
    require(actor, "care_visits.read")
    today = today or local_today()
    query = scoped(CareVisit.select(), CareVisit.area_code, actor).where(
        CareVisit.status == "due")
    if status == "overdue":
        query = query.where(CareVisit.latest_date < today)
    elif status == "due":
        query = query.where(CareVisit.latest_date >= today)
    if worker_id is not None:
        query = query.join(Client).where(Client.usual_worker == worker_id)
    return query.order_by(CareVisit.latest_date, CareVisit.id)


def mark_care_visit_done(care_visit: CareVisit, when: datetime) -> None:
    """A completed visit closes the care visit it served (inside the caller's transaction)."""
    care_visit.status, care_visit.done_at = "done", when
    care_visit.touch()
    care_visit.save()
