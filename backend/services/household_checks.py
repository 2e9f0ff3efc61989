"""The household economic check (家庭经济状况核对) of an application at the 核查 stage.

Computed from the household's people (by blind index), what they declared and what other
departments' files say about them, against the 低保 standard per person per month of the
household's area (urban for a 居委会, rural for a 村) in the edition of the standards in force.
Each person's monthly income is the larger of what was declared and what the departments
report (the latest file of each department counts); assets are listed with their source. The
verification stage records the result, which is kept as it was computed then.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from backend import audit, outbox
from backend.db import db
from backend.errors import Conflict
from backend.models import (
    Application,
    CheckMember,
    DepartmentImport,
    DepartmentRecord,
    HouseholdCheck,
    StaffAccount,
    Village,
    utcnow,
)
from backend.models.applications import ApplicationStatus
from backend.permissions import Actor, get_scoped, require
from backend.services.applications import _shared
from backend.services.department_data import LAYOUTS, index_household
from backend.services.supervision.compliance import standards_book

FINDINGS = {"below_standard": "人均收入低于当地低保标准",
            "above_standard": "人均收入不低于当地低保标准"}
AREA_KINDS = {"urban": "城市", "rural": "农村"}
ASSET_KINDS = ("housing", "vehicle", "business", "provident_fund", "household")


def _latest_records(members: list[CheckMember]) -> list[tuple[DepartmentRecord, DepartmentImport]]:
    """Records of the household's people, only each department's latest file per person."""
    indexes = [m.id_index for m in members]
    rows = (DepartmentRecord.select(DepartmentRecord, DepartmentImport).join(DepartmentImport)
            .where(DepartmentRecord.id_index.in_(indexes))
            .order_by(DepartmentRecord.batch.desc(), DepartmentRecord.row_number))
    latest: dict[tuple[str, str], int] = {}
    kept = []
    for record in rows:
        batch = latest.setdefault((record.department, record.id_index), record.batch_id)
        if batch == record.batch_id:
            kept.append((record, record.batch))
    return kept


def _source(record: DepartmentRecord, batch: DepartmentImport) -> dict[str, Any]:
    layout = LAYOUTS[record.department]
    return {"record_id": record.id, "department": record.department,
            "department_label": layout.label, "kind": record.kind, "kind_label": layout.kind_label,
            "id_masked": record.id_masked, "monthly_income_fen": record.monthly_income_fen,
            "value_fen": record.value_fen, "details": record.details,
            "filename": batch.filename, "row_number": record.row_number,
            "imported_at": batch.created_at}


def compute_check(application: Application, actor: Actor, day: date | None = None
                  ) -> dict[str, Any]:
    """The check as it stands now (nothing written but the household's index)."""
    members = index_household(application, actor)
    records = _latest_records(members)
    matched = [_source(r, b) for r, b in records]
    verified: dict[str, int] = defaultdict(int)
    for record, _ in records:
        verified[record.id_index] += record.monthly_income_fen or 0
    people: list[dict[str, Any]] = [
              {"member_no": m.member_no, "name": m.name, "relation": m.relation,
               "id_masked": m.id_masked, "declared_income_fen": m.declared_income_fen,
               "verified_income_fen": verified[m.id_index],
               "assessed_income_fen": max(m.declared_income_fen, verified[m.id_index])}
              for m in members]
    village = Village.get_by_id(application.village_id)
    area_kind = "urban" if village.kind == "community" else "rural"
    edition = standards_book().on(day or _shared.today())
    threshold = (edition.subsistence_standard_urban_fen if area_kind == "urban"
                 else edition.subsistence_standard_rural_fen)
    household_income = sum(max(m.declared_income_fen, verified[m.id_index]) for m in members)
    per_capita = household_income // max(len(people), 1)
    finding = "below_standard" if per_capita < threshold else "above_standard"
    return {
        "application_id": application.id, "reference": application.reference,
        "members": people, "household_size": len(people),
        "income_by_source": [{"source": "declared", "source_label": "本人申报",
                              "id_masked": p["id_masked"],
                              "monthly_income_fen": p["declared_income_fen"]}
                             for p in people if p["declared_income_fen"]] + [
            {"source": s["department"], "source_label": s["department_label"],
             "id_masked": s["id_masked"], "monthly_income_fen": s["monthly_income_fen"]}
            for s in matched if s["monthly_income_fen"] is not None],
        "assets": {kind: [s for s in matched if s["kind"] == kind] for kind in ASSET_KINDS}
        | {"declared_assets_fen": application.declared_assets_fen,
           "assets_note": application.assets_note},
        "matched_records": matched,
        "household_income_fen": household_income, "per_capita_income_fen": per_capita,
        "area_kind": area_kind, "area_kind_label": AREA_KINDS[area_kind],
        "threshold_fen": threshold, "standard_effective_from": edition.effective_from,
        "standard_title": edition.title,
        "finding": finding, "finding_label": FINDINGS[finding]}


def household_check(application_id: int, *, actor: Actor) -> dict[str, Any]:
    """The check computed now, and the result the 核查 stage recorded, if any."""
    require(actor, "household_checks.read")
    with db.atomic():
        application = get_scoped(Application, application_id, Application.area_code, actor)
        check = compute_check(application, actor)
    recorded = HouseholdCheck.get_or_none(HouseholdCheck.application == application)
    return check | {"recorded": _recorded(recorded)}


def _recorded(check: HouseholdCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    by = StaffAccount.get_or_none(StaffAccount.id == check.recorded_by_id)
    return {"finding": check.finding, "finding_label": FINDINGS[check.finding],
            "per_capita_income_fen": check.per_capita_income_fen,
            "threshold_fen": check.threshold_fen, "comment": check.comment,
            "recorded_at": check.recorded_at, "recorded_by_name": by.name if by else ""}


def record_check(application_id: int, comment: str, *, actor: Actor) -> dict[str, Any]:
    """Record the check's result at the verification stage (核查); audited, replaceable there."""
    require(actor, "household_checks.record")
    with db.atomic():
        application = get_scoped(Application, application_id, Application.area_code, actor)
        if (application.status != ApplicationStatus.IN_REVIEW
                or application.stage != "verification"):
            raise Conflict("只有处于核查环节的申请可以登记家庭经济状况核对结果",
                           code="not_in_verification")
        check = compute_check(application, actor)
        row = HouseholdCheck.get_or_none(HouseholdCheck.application == application)
        before = {"finding": row.finding if row else None}
        row = row or HouseholdCheck(application=application, area_code=application.area_code)
        row.finding, row.per_capita_income_fen = check["finding"], check["per_capita_income_fen"]
        row.threshold_fen, row.result, row.comment = check["threshold_fen"], check, comment
        row.recorded_by_id, row.recorded_at = actor.id, utcnow()
        row.save()
        audit.record(actor=actor, action="household_check.recorded", entity="household_check",
                     entity_id=application.id,
                     changes=audit.diff(before, {"finding": row.finding}))
        outbox.emit("household_check.recorded", application_id=application.id)
    return check | {"recorded": _recorded(row)}
