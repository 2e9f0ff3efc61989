"""Named accountability (强化责任追究): each open stage of an application is held by a named
person, so a late step is someone's, and the bulletin names them.

A stage gets its holder when it begins, by rule: the person the township's head named for that
stage (while in post), else the least-loaded member of the stage's role in post that day
(not on a day off) whose scope covers the application. The head (or the city) may reassign it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any, cast

import peewee as pw

from backend import audit, outbox
from backend.db import db
from backend.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from backend.models import (
    Application,
    HoldingRule,
    StaffAccount,
    StageAssignmentRule,
    StageHolder,
    StepEscalation,
    Township,
    WorkerDayOff,
    utcnow,
)
from backend.models.accounts import Role
from backend.models.applications import ApplicationStatus
from backend.permissions import Actor, get_scoped, require, scoped
from backend.workflows import STAGE_LABELS


def _scopes_covering(area_code: str) -> list[str]:
    """The area codes a staff member covering this village may hold: city, township, village."""
    return [area_code[:6], area_code[:9], area_code]


def _current(application: Application) -> pw.Expression:
    return ((StageHolder.application == application.id)
            & (StageHolder.stage == application.stage)
            & (StageHolder.started_on == application.stage_started_on))


def holder_of(application: Application) -> StageHolder | None:
    """The row naming who holds the application's current stage, if it is open."""
    if application.status != ApplicationStatus.IN_REVIEW or application.stage is None:
        return None
    return StageHolder.select().where(_current(application)).first()


def current_holder(application_id: int, *, actor: Actor) -> StageHolder:
    """Who holds an application's open stage (in the actor's scope), or NotFound."""
    require(actor, "stage_holders.read")
    application = get_scoped(Application, application_id, Application.area_code, actor)
    row = holder_of(application)
    if row is None:
        raise NotFound("该申请当前没有在办环节", code="no_open_stage")
    return row


def _open_load(candidate_ids: list[int]) -> dict[int, int]:
    """How many open stages each candidate holds now."""
    rows = (StageHolder.select(StageHolder.holder, pw.fn.COUNT(StageHolder.id))
            .join(Application, on=(StageHolder.application == Application.id))
            .where(StageHolder.holder.in_(candidate_ids),
                   Application.status == ApplicationStatus.IN_REVIEW,
                   Application.stage == StageHolder.stage,
                   Application.stage_started_on == StageHolder.started_on)
            .group_by(StageHolder.holder).tuples())
    return dict(cast(Iterable[tuple[int, int]], rows))


def _candidates(application: Application) -> pw.ModelSelect[StaffAccount]:
    return StaffAccount.select().where(
        StaffAccount.role == application.stage_role, StaffAccount.is_active == True,  # noqa: E712
        StaffAccount.area_code.in_(_scopes_covering(application.area_code)))


def _head_choice(application: Application) -> StaffAccount | None:
    rule = (StageAssignmentRule.select(StageAssignmentRule, StaffAccount)
            .join(StaffAccount).join_from(StageAssignmentRule, Township)
            .where(Township.code == application.area_code[:9],
                   StageAssignmentRule.stage == application.stage).first())
    if rule is None:
        return None
    chosen = rule.holder
    in_post = chosen.is_active and chosen.role == application.stage_role
    return chosen if in_post and application.area_code.startswith(chosen.area_code) else None


def choose_by_rule(application: Application, day: date) -> tuple[StaffAccount | None, str]:
    """Who should hold the application's current stage, and by which rule."""
    chosen = _head_choice(application)
    if chosen is not None:
        return chosen, HoldingRule.HEAD_CHOICE
    candidates = list(_candidates(application).order_by(StaffAccount.id))
    away = {row.worker_id for row in WorkerDayOff.select(WorkerDayOff.worker).where(
        WorkerDayOff.worker.in_([c.id for c in candidates] or [0]), WorkerDayOff.day == day)}
    on_duty = [c for c in candidates if c.id not in away] or candidates
    if not on_duty:
        return None, HoldingRule.ON_DUTY
    load = _open_load([c.id for c in on_duty])
    return min(on_duty, key=lambda c: (load.get(c.id, 0), c.id)), HoldingRule.ON_DUTY


def hold_current_stage(application: Application) -> StageHolder | None:
    """Name the holder of the application's open stage by rule, unless it has one; runs inside
    the move's transaction (``applications._shared.record``)."""
    if (application.status != ApplicationStatus.IN_REVIEW or application.stage is None
            or application.stage_started_on is None):
        return None
    existing = holder_of(application)
    if existing is not None:
        return existing
    holder, rule = choose_by_rule(application, application.stage_started_on)
    return StageHolder.create(application=application.id, stage=application.stage,
                              started_on=application.stage_started_on, holder=holder,
                              rule=rule, area_code=application.area_code)


def _check_head_or_city(actor: Actor, township_code: str) -> None:
    """Only the township's head (or the city bureau) names who holds a stage."""
    if actor.role == Role.CITY_ADMIN or actor.kind == "system":
        return
    me = StaffAccount.get_or_none(StaffAccount.id == actor.id)
    if me is None or not me.is_head or me.area_code != township_code:
        raise PermissionDenied("只有乡镇民政办负责人或市局可以指定环节责任人",
                               code="not_township_head")


def _eligible(staff_id: int, role: str | None, area_code: str, actor: Actor) -> StaffAccount:
    try:
        staff = get_scoped(StaffAccount, staff_id, StaffAccount.area_code, actor)
    except NotFound:
        raise NotFound("未找到该工作人员", code="staff_not_found") from None
    if not staff.is_active or staff.role != role or not area_code.startswith(staff.area_code):
        raise ValidationFailed("责任人须为负责该环节、管辖该申请的在岗人员",
                               code="holder_not_eligible",
                               errors={"staff_id": ["须为该环节角色、管辖该申请的在岗人员"]})
    return staff


def reassign_stage(application_id: int, staff_id: int, reason: str, *,
                   actor: Actor) -> StageHolder:
    """Hand the application's open stage to another named person; audited."""
    require(actor, "stage_holders.assign")
    with db.atomic():
        application = get_scoped(Application, application_id, Application.area_code, actor)
        if application.status != ApplicationStatus.IN_REVIEW:
            raise Conflict("该申请当前没有在办环节", code="no_open_stage")
        _check_head_or_city(actor, application.area_code[:9])
        staff = _eligible(staff_id, application.stage_role, application.area_code, actor)
        row = hold_current_stage(application)
        assert row is not None  # an application in review always has its stage's row
        before = row.holder_id
        row.holder, row.rule, row.assigned_at = staff, HoldingRule.REASSIGNED, utcnow()
        row.save()
        audit.record(actor=actor, action="application.stage_reassigned", entity="application",
                     entity_id=application.id, changes={"stage_holder": [before, staff.id]},
                     reason=reason or None, area_code=application.area_code)
        outbox.emit("application.stage_reassigned", application_id=application.id,
                    stage=application.stage, holder_id=staff.id)
    return row


def set_stage_rule(township_id: int, stage: str, staff_id: int | None, *,
                   actor: Actor) -> StageAssignmentRule | None:
    """The head names who holds a stage of the township's applications from now on (None: back
    to the person on duty); audited. Stages already begun keep their holder."""
    require(actor, "stage_holders.assign")
    if stage not in STAGE_LABELS:
        raise ValidationFailed("没有这个环节", code="invalid_stage",
                               errors={"stage": [f"可选：{'、'.join(STAGE_LABELS)}"]})
    with db.atomic():
        township = scoped(Township.select(), Township.code, actor).where(
            Township.id == township_id).first()
        if township is None:
            raise NotFound("未找到该乡镇（街道）", code="township_not_found")
        _check_head_or_city(actor, township.code)
        existing = StageAssignmentRule.get_or_none(StageAssignmentRule.township == township,
                                                   StageAssignmentRule.stage == stage)
        before = existing.holder_id if existing else None
        rule = None
        if staff_id is None:
            if existing is not None:
                existing.delete_instance()
        else:
            staff = get_scoped(StaffAccount, staff_id, StaffAccount.area_code, actor)
            if not staff.is_active or not staff.area_code.startswith(township.code):
                raise ValidationFailed("须为本乡镇在岗人员", code="holder_not_eligible",
                                       errors={"staff_id": ["须为本乡镇在岗人员"]})
            rule = existing or StageAssignmentRule(township=township, stage=stage,
                                                   area_code=township.code)
            rule.holder = staff
            rule.save()
        audit.record(actor=actor, action="township.stage_rule_set", entity="township",
                     entity_id=township.id, changes={f"holder_{stage}": [before, staff_id]},
                     area_code=township.code)
    return rule


def release_held_stages(staff_id: int) -> int:
    """A deactivated person's open stages go to someone in post, by rule; answers how many."""
    moved = 0
    rows = (StageHolder.select(StageHolder, Application).join(Application)
            .where(StageHolder.holder == staff_id,
                   Application.status == ApplicationStatus.IN_REVIEW,
                   Application.stage == StageHolder.stage,
                   Application.stage_started_on == StageHolder.started_on))
    for row in rows:
        holder, rule = choose_by_rule(row.application, utcnow().date())
        row.holder, row.rule, row.assigned_at = holder, rule, utcnow()
        row.save()
        moved += 1
    return moved


# --- who is late --------------------------------------------------------------------------

def overdue_by_holder(township_codes: list[str], on: date) -> dict[str, Any]:
    """Open stages past their due date on a day, by township and by the person holding them."""
    holder = StaffAccount.alias("holder")
    query = (Application.select(Application.id, Application.reference, Application.area_code,
                                Application.stage, Application.stage_due_on,
                                StageHolder.holder, holder.name)
             .join(StageHolder, pw.JOIN.LEFT_OUTER, on=(
                 (StageHolder.application == Application.id)
                 & (StageHolder.stage == Application.stage)
                 & (StageHolder.started_on == Application.stage_started_on)))
             .join(holder, pw.JOIN.LEFT_OUTER, on=(StageHolder.holder == holder.id))
             .where(Application.status == ApplicationStatus.IN_REVIEW,
                    Application.stage_due_on < on,
                    pw.fn.SUBSTR(Application.area_code, 1, 9).in_(township_codes or [""]))
             .order_by(Application.area_code, Application.stage_due_on).tuples())
    names = {t.code: t.name for t in Township.select(Township.code, Township.name)
             .where(Township.code.in_(township_codes or [""]))}
    people: dict[tuple[str, int | None], dict[str, Any]] = {}
    townships: dict[str, int] = defaultdict(int)
    rows = cast(Iterable[tuple[int, str, str, str, date, int | None, str | None]], query)
    for _, reference, area_code, stage, due_on, holder_id, holder_name in rows:
        code = area_code[:9]
        townships[code] += 1
        entry = people.setdefault((code, holder_id), {
            "township_code": code, "township_name": names.get(code, ""),
            "holder_id": holder_id, "holder_name": holder_name or "（未指定责任人）",
            "overdue": 0, "steps": []})
        entry["overdue"] += 1
        entry["steps"].append({"reference": reference, "stage": stage,
                               "stage_label": STAGE_LABELS.get(stage, stage),
                               "due_on": due_on.isoformat(),
                               "days_late": (on - due_on).days})
    by_person = sorted(people.values(), key=lambda p: (p["township_code"], -p["overdue"],
                                                       p["holder_name"]))
    return {"by_township": [{"township_code": code, "township_name": names.get(code, ""),
                             "overdue": count} for code, count in sorted(townships.items())],
            "by_person": by_person}


def city_queue(*, actor: Actor) -> list[dict[str, Any]]:
    """Stages late past the city's threshold and still open: the city's own queue."""
    require(actor, "applications.report")
    holder, head = StaffAccount.alias("holder"), StaffAccount.alias("head")
    query = (StepEscalation.select(StepEscalation, Application, holder, head)
             .join(Application)
             .join_from(StepEscalation, holder, pw.JOIN.LEFT_OUTER,
                        on=(StepEscalation.holder == holder.id))
             .join_from(StepEscalation, head, pw.JOIN.LEFT_OUTER,
                        on=(StepEscalation.head == head.id))
             .where(StepEscalation.city_escalated_on.is_null(False),
                    Application.status == ApplicationStatus.IN_REVIEW,
                    Application.stage == StepEscalation.stage,
                    Application.stage_due_on == StepEscalation.due_on))
    query = scoped(query, Application.area_code, actor).order_by(StepEscalation.due_on,
                                                                Application.id)
    return [{"application_id": e.application.id, "reference": e.application.reference,
             "township_code": e.area_code[:9], "stage": e.stage,
             "stage_label": STAGE_LABELS.get(e.stage, e.stage), "due_on": e.due_on,
             "city_escalated_on": e.city_escalated_on,
             "holder_id": e.holder_id, "holder_name": _name(e.holder),
             "head_id": e.head_id, "head_name": _name(e.head)}
            for e in query]


def _name(staff: StaffAccount | None) -> str | None:
    return staff.name if staff is not None and staff.id else None
