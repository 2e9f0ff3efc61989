"""Evaluation (好差评): a resident rates a decided application; a poor rating gets a follow-up."""

from __future__ import annotations

import peewee as pw

from backend import audit, content_checks, outbox, workflows
from backend.commands.applications import CloseFollowUp, EvaluateApplication
from backend.db import db
from backend.errors import Conflict, ValidationFailed
from backend.models import ApplicationEvaluation, FollowUpTask, utcnow
from backend.models.applications import DECIDED_STATUSES
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services.applications import _shared
from backend.services.applications._shared import get_visible, step

POOR_RATING = 2  # 1–2 of 5 counts as 差评 and needs a follow-up
FOLLOW_UP_WORKING_DAYS = 5


def evaluate_application(application_id: int, command: EvaluateApplication, *,
                         actor: Actor) -> ApplicationEvaluation:
    """Rate a decided application 1–5; a poor rating opens a follow-up task for the township."""
    require(actor, "applications.evaluate")
    rating, comment = command.rating, command.comment
    if not 1 <= rating <= 5:
        raise ValidationFailed("评价须为1至5级", code="invalid_rating")
    screenings = content_checks.screen_text({"evaluation_comment": comment}, actor=actor,
                                            scene=content_checks.Scene.COMMENT)
    with db.atomic():
        application = get_visible(application_id, actor)
        if application.status not in DECIDED_STATUSES:
            raise Conflict("办结后才能评价", code="not_decided")
        if ApplicationEvaluation.select().where(
                ApplicationEvaluation.application == application).exists():
            raise Conflict("该申请已评价", code="already_evaluated")
        evaluation = ApplicationEvaluation.create(application=application, rating=rating,
                                                  comment=comment, resident=actor.id)
        if rating <= POOR_RATING:
            task = FollowUpTask.create(
                application=application, evaluation=evaluation, area_code=application.area_code,
                due_on=workflows.add_working_days(_shared.today(), FOLLOW_UP_WORKING_DAYS))
            outbox.emit("application.follow_up_created", application_id=application.id,
                        follow_up_id=task.id)
        step(application, actor, "evaluate", comment=comment, details={"rating": rating})
        audit.record(actor=actor, action="application.evaluate", entity="application",
                     entity_id=application.id, changes={"rating": [None, rating]})
        content_checks.record_screenings(screenings, subject="application",
                                         subject_id=application.id,
                                         area_code=application.area_code, actor=actor)
        outbox.emit("application.evaluated", application_id=application.id,
                    evaluation_id=evaluation.id)
    return evaluation


def follow_ups(*, actor: Actor) -> pw.ModelSelect[FollowUpTask]:
    """Open follow-up tasks from poor ratings in the actor's scope, soonest due first."""
    require(actor, "applications.queue")
    return (scoped(FollowUpTask.select(), FollowUpTask.area_code, actor)
            .where(FollowUpTask.status == "open").order_by(FollowUpTask.due_on, FollowUpTask.id))


def close_follow_up(task_id: int, command: CloseFollowUp, *, actor: Actor) -> FollowUpTask:
    """Close a follow-up of a poor rating with a note of what was found and done (回访办结)."""
    require(actor, "applications.follow_up")
    note = command.note.strip()
    if not note:
        raise ValidationFailed("请填写回访情况", code="note_required", errors={"note": ["必填"]})
    with db.atomic():
        task = get_scoped(FollowUpTask, task_id, FollowUpTask.area_code, actor)
        if task.status != "open":
            raise Conflict("该回访任务已办结", code="follow_up_closed")
        task.status, task.closed_at, task.close_note = "done", utcnow(), note
        task.closed_by_id = actor.id
        task.touch()
        task.save()
        step(task.application, actor, "close_follow_up", comment=note,
             details={"follow_up_id": task.id})
        audit.record(actor=actor, action="application.close_follow_up", entity="application",
                     entity_id=task.application_id, changes={"follow_up": ["open", "done"]},
                     reason=note, area_code=task.area_code)
        outbox.emit("application.follow_up_closed", application_id=task.application_id,
                    follow_up_id=task.id)
    return task
