"""A visit at the door, from the worker's phone: check in (with the browser's position when it
gives one), the visit record (services delivered, notes, follow-up, photos from the camera) at
check-out, or the visit marked missed with the reason. The same commands and services as the
API's visit endpoints; a refusal is shown beside the form that caused it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, BinaryIO, cast

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.commands.visits import CheckIn, CheckOut, MarkMissed
from backend.db import db
from backend.errors import DomainError, NotFound, ValidationFailed
from backend.models import Visit
from backend.models.clients import CLIENT_CATEGORIES
from backend.models.visits import MISSED_REASONS, VISIT_SERVICES
from backend.services import visits
from console import forms, worker

# What the API allows for the free text (its schemas' limits).
NOTES_LIMIT, MISSED_NOTES_LIMIT = 5000, 2000
PHOTO_CODES = frozenset({"file_too_large", "empty_file", "unsupported_file_type",
                         "too_many_photos"})


def _distance_text(distance_m: int | None) -> str:
    return "位置未知（未获得定位）" if distance_m is None else f"距住址约 {distance_m} 米"


def _target(form: Any) -> CheckIn:
    source, raw_id = form.get("source"), form.get("source_id", "")
    if source not in ("booking", "care_visit") or not raw_id.isdigit():
        raise ValidationFailed("请从探访列表中选择要签到的对象", code="visit_target_required")
    return (CheckIn(booking_id=int(raw_id)) if source == "booking"
            else CheckIn(care_visit_id=int(raw_id)))


def _open_visit(target: CheckIn) -> Visit | None:
    """One's visit of this stop still under way (a second tap, the back button)."""
    query = visits.list_visits(actor=g.actor, worker_id=g.actor.id).where(
        Visit.status == "in_progress")
    if target.booking_id is not None:
        return query.where(Visit.booking == target.booking_id).first()
    return query.where(Visit.care_visit == target.care_visit_id).first()


def check_in() -> ResponseReturnValue:
    """Arrive at a stop; then the visit's page, where it is recorded."""
    errors: forms.FormErrors = {}
    target = _target(request.form)
    lat, lng = forms.position(request.form, errors)
    key = (f"booking:{target.booking_id}" if target.booking_id
           else f"care:{target.care_visit_id}")
    asked = forms.day(request.form, "date", errors)
    if not errors and (open_visit := _open_visit(target)) is not None:
        flash(f"{open_visit.person_name}的探访已签到，请继续填写记录", "info")
        return redirect(url_for("console.worker_visit", visit_id=open_visit.id))
    if not errors:
        try:
            visit = visits.check_in(replace(target, lat=lat, lng=lng), actor=g.actor)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            errors["check_in"] = exc.message
        else:
            flash(f"已签到：{visit.person_name}，{_distance_text(visit.check_in_distance_m)}",
                  "info")
            return redirect(url_for("console.worker_visit", visit_id=visit.id))
    return worker.day_page({key: errors}, 409 if "check_in" in errors else 422, asked)


def visit_page(visit_id: int, errors: forms.FormErrors | None = None, status: int = 200
               ) -> ResponseReturnValue:
    """One visit: the client, the check-in, and the forms to finish it (when it is one's own)."""
    visit = visits.get_visit(visit_id, actor=g.actor)
    return render_template(
        "console/worker/visit.html", visit=visit, client=visit.client,
        mine=visit.worker_id == g.actor.id, photos=visit.photos.count(),
        errors=errors or {}, form=request.form if errors else {}, services=VISIT_SERVICES,
        missed_reasons=MISSED_REASONS, categories=CLIENT_CATEGORIES,
        distance_text=_distance_text), status


def _refused(visit_id: int, exc: DomainError, field: str) -> ResponseReturnValue:
    if isinstance(exc, NotFound):
        raise exc
    where = "photos" if exc.code in PHOTO_CODES else field
    return visit_page(visit_id, {where: exc.message}, forms.status_of(exc))


def record(visit_id: int) -> ResponseReturnValue:
    """Check out with the visit record; photos taken at the door are stored with it."""
    form, errors = request.form, forms.FormErrors()
    notes = forms.text(form, "notes", errors, label="探访记录", limit=NOTES_LIMIT)
    lat, lng = forms.position(form, errors)
    photos = [f for f in request.files.getlist("photos") if f.filename]
    if errors:
        return visit_page(visit_id, errors, 422)
    command = CheckOut(services=tuple(form.getlist("services")), notes=notes,
                       follow_up_needed=form.get("follow_up_needed") == "1", lat=lat, lng=lng)
    try:
        with db.atomic():  # a refused photo leaves the visit open, nothing half-recorded
            for photo in photos:
                visits.add_visit_photo(visit_id, cast(BinaryIO, photo.stream), actor=g.actor)
            visit = visits.check_out(visit_id, command, actor=g.actor)
    except DomainError as exc:
        return _refused(visit_id, exc, "services" if exc.code == "unknown_service" else "record")
    flash(f"已签退：{visit.person_name}的探访记录已保存（照片 {len(photos)} 张），"
          f"{_distance_text(visit.check_out_distance_m)}", "info")
    return redirect(url_for("console.worker_today"))


def missed(visit_id: int) -> ResponseReturnValue:
    """Close the visit as not having happened, with the reason."""
    errors: forms.FormErrors = {}
    reason = request.form.get("reason", "")
    if reason not in MISSED_REASONS:
        errors["reason"] = "请选择未遇原因"
    notes = forms.text(request.form, "missed_notes", errors, label="说明",
                       limit=MISSED_NOTES_LIMIT, required=reason == "other")
    if errors:
        return visit_page(visit_id, errors, 422)
    try:
        visit = visits.mark_missed(visit_id, MarkMissed(reason=reason, notes=notes),
                                   actor=g.actor)
    except DomainError as exc:
        return _refused(visit_id, exc, "reason")
    flash(f"已登记未遇：{visit.person_name}（{MISSED_REASONS[reason]}）", "info")
    return redirect(url_for("console.worker_today"))


def add_photos(visit_id: int) -> ResponseReturnValue:
    """More photos for one's visit while it is under way (the backend refuses them after)."""
    photos = [f for f in request.files.getlist("more_photos") if f.filename]
    if not photos:
        return visit_page(visit_id, {"more_photos": "请先拍照或选择照片"}, 422)
    try:
        with db.atomic():
            for photo in photos:
                visits.add_visit_photo(visit_id, cast(BinaryIO, photo.stream), actor=g.actor)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return visit_page(visit_id, {"more_photos": exc.message}, forms.status_of(exc))
    flash(f"已添加 {len(photos)} 张照片", "info")
    return redirect(url_for("console.worker_visit", visit_id=visit_id))


def register(blueprint: Blueprint) -> None:
    """Check-in, the visit's page, its record, a miss and more photos."""
    blueprint.add_url_rule("/worker/check-in", "worker_check_in", check_in, methods=["POST"])
    blueprint.add_url_rule("/worker/visits/<int:visit_id>", "worker_visit", visit_page)
    for path, endpoint, view in (("record", "worker_record", record),
                                 ("missed", "worker_missed", missed),
                                 ("photos", "worker_photos", add_photos)):
        blueprint.add_url_rule(f"/worker/visits/<int:visit_id>/{path}", endpoint, view,
                               methods=["POST"])
