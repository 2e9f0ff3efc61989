"""After approval: the client's category and benefit, and the periodic re-review (复核)."""

from __future__ import annotations

from datetime import date
from typing import Any

from backend import runtime, workflows
from backend.commands.clients import RegisterClient
from backend.models import Application, Client, ClientCategory, PiiAccess, utcnow
from backend.models.applications import ApplicationStatus, ReReviewOutcome
from backend.permissions import Actor
from backend.services import benefit_payments, clients
from backend.services.applications import _shared
from backend.services.applications._shared import (
    enter,
    open_key,
    placeholder_reference,
    record,
    reference,
    set_applicant,
    step,
    workflow_of,
)
from backend.unit_of_work import unit_of_work


def _applicant_id_number(application: Application, actor: Actor, purpose: str) -> str:
    PiiAccess.create(actor_kind=actor.kind, actor_id=actor.id, entity="application",
                     entity_id=str(application.id), field="applicant_id_number",
                     purpose=purpose, request_id=runtime.request_id())
    return runtime.vault().decrypt(application.applicant_id_enc,
                                   context=f"application:{application.id}:applicant")


def _staff_taken_phone(application: Application, actor: Actor) -> str | None:
    """The applicant's phone when staff took it down in person (window, 代办), else None.

    A phone typed on the phone by whoever filed is not carried to the record: matching it later
    is how an account links itself, so it must come from someone who saw the person.
    """
    if application.channel not in ("counter", "proxy") or not application.phone_enc:
        return None
    PiiAccess.create(actor_kind=actor.kind, actor_id=actor.id, entity="application",
                     entity_id=str(application.id), field="phone",
                     purpose="approval_registers_client", request_id=runtime.request_id())
    return runtime.vault().decrypt(application.phone_enc,
                                   context=f"application:{application.id}:phone")


def _client_for(application: Application, actor: Actor) -> Client:
    if application.client is not None:
        return application.client
    existing = Client.get_or_none(Client.id_number_index == application.applicant_id_index)
    if existing is not None:
        return existing
    id_number = _applicant_id_number(application, actor, "approval_registers_client")
    return clients.create_client(RegisterClient(
        name=application.applicant_name, id_number=id_number,
        village_id=application.village_id, address=application.address,
        phone=_staff_taken_phone(application, actor)), actor=actor)


def grant_benefit(application: Application, benefit_fen: int | None, actor: Actor) -> None:
    """Make the applicant a client of the service's category (or end it) and date the re-review.

    Nobody's account is linked to the client here: an application only shows that someone typed
    the ID number; a link is made in person or by the phone on record (``services.links``).
    """
    entry = workflows.service(application.service_code)
    client, day = _client_for(application, actor), _shared.today()
    application.client = client
    category = entry["client_category"]
    if category:
        row = ClientCategory.get_or_none(ClientCategory.client == client,
                                         ClientCategory.category == category)
        if application.outcome == ReReviewOutcome.STOP and row is not None:
            row.ended_on = day
            row.save()
        elif row is None:
            ClientCategory.create(client=client, category=category, since=day,
                                  subtype=entry.get("special_care_subtype"),
                                  benefit_fen=benefit_fen)
        else:
            row.ended_on = None
            row.since = row.since or day
            row.benefit_fen = benefit_fen if benefit_fen is not None else row.benefit_fen
            row.save()
    application.benefit_fen = benefit_fen if benefit_fen is not None else (
        application.parent.benefit_fen if application.parent_id else None)
    months = entry.get("re_review_interval_months")
    if months and application.outcome != ReReviewOutcome.STOP:
        application.next_re_review_on = _add_months(day, months)
    benefit_payments.schedule_for_decision(application, day, actor=actor)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _copy_members(source: Application, target: Application) -> list[dict[str, Any]]:
    vault, copied = runtime.vault(), []
    for n, member in enumerate(source.household_members):
        number = vault.decrypt(member["id_enc"], context=f"application:{source.id}:member:{n}")
        copied.append({**member, "id_enc": vault.encrypt(
            number, context=f"application:{target.id}:member:{n}")})
    return copied


def _open_re_review(approved: Application, day: date, actor: Actor) -> Application | None:
    key = open_key("re_review", approved.service_code, approved.applicant_id_index)
    if Application.select().where(Application.open_key == key).exists():
        return None
    review = Application.create(
        reference=placeholder_reference(), service_code=approved.service_code, kind="re_review",
        parent=approved, resident=approved.resident_id, client=approved.client_id,
        village=approved.village_id, area_code=approved.area_code,
        applicant_name=approved.applicant_name, applicant_id_enc="",
        applicant_id_index=approved.applicant_id_index,
        applicant_id_masked=approved.applicant_id_masked, phone_masked=approved.phone_masked,
        address=approved.address, declared_income_fen=approved.declared_income_fen,
        declared_assets_fen=approved.declared_assets_fen, open_key=key,
        status=ApplicationStatus.IN_REVIEW, submitted_at=utcnow(),
        benefit_fen=approved.benefit_fen)
    review.reference = reference(review).replace("SQ", "FH", 1)
    id_number = _applicant_id_number(approved, actor, "re_review_opens")
    set_applicant(review, id_number, None)
    review.phone_enc = approved.phone_enc and runtime.vault().encrypt(
        runtime.vault().decrypt(approved.phone_enc, context=f"application:{approved.id}:phone"),
        context=f"application:{review.id}:phone")
    review.household_members = _copy_members(approved, review)
    enter(review, workflow_of(review).first(), day)
    review.save()
    approved.next_re_review_on = None
    approved.save()
    step(review, actor, "open_re_review", to_stage=review.stage,
         details={"parent_reference": approved.reference})
    record(review, actor, "open_re_review", {}, topic="re_review.due", parent_id=approved.id)
    return review


def open_due_re_reviews(today: date, *, actor: Actor) -> list[Application]:
    """Open a re-review (复核) for every approval whose review date has come; a periodic job."""
    due = (Application.select()
           .where(Application.status == ApplicationStatus.APPROVED,
                  Application.next_re_review_on <= today)
           .order_by(Application.next_re_review_on, Application.id))
    opened = []
    for approved in due:
        with unit_of_work(actor=actor):  # one unit each: a crash keeps the reviews opened
            review = _open_re_review(approved, today, actor)
        if review is not None:
            opened.append(review)
    return opened
