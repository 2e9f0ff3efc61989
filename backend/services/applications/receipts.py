"""The acceptance receipt (受理回执) an applicant takes home from the window, and its inbox copy.

A receipt exists once an application is submitted: its number, the service, the materials the
window received, the time limit and where to follow progress. Staff print it at the window
(the console's receipt page); an application filed at the window also puts it in the inbox of
the applicant's WeChat account as soon as one is linked, if it was not there before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from backend import outbox, workflows
from backend.errors import Conflict
from backend.models import Application, ClientContact, StaffAccount, Township, Village, utcnow
from backend.models.applications import CHANNELS, OPEN_STATUSES
from backend.models.base import LOCAL_TZ
from backend.permissions import Actor, require
from backend.services import service_guide

# Through the module: filing hands window applications' receipts out through this one.
from backend.services.applications import filing
from backend.services.applications._shared import get_visible

# Where an applicant follows progress, printed on every receipt.
FOLLOW_UP = ("微信搜索小程序“民政服务”，进入“我的办件”查看办理进度；"
             "首次使用请在窗口出示小程序“关联码”，或用本人登记的手机号完成关联")
TOPIC = "application.receipt_issued"


def receipt(application_id: int, *, actor: Actor) -> dict[str, Any]:
    """The receipt of a submitted application, for whoever may read the application."""
    require(actor, "applications.read")
    application = get_visible(application_id, actor)
    if application.submitted_at is None:
        raise Conflict("申请尚未提交，还没有受理回执", code="not_submitted")
    return receipt_facts(application)


def receipt_facts(application: Application) -> dict[str, Any]:
    """What a receipt says: number, service, materials received, time limit, where to follow."""
    entry = workflows.service(application.service_code)
    township = Township.get_by_id(Village.get_by_id(application.village_id).township_id)
    submitted = application.submitted_at or utcnow()
    received_day = submitted.replace(tzinfo=UTC).astimezone(LOCAL_TZ).date()
    limit = int(entry["time_limit_days"])
    counts = Counter(m.material_code for m in application.materials)
    catalogue = [m["code"] for m in service_guide.materials_of(application.service_code)]
    codes = [code for code in catalogue if code in counts]
    received_by = (StaffAccount.get_by_id(application.filed_by_id).name
                   if application.channel == "counter" and application.filed_by_id else None)
    return {
        "application_id": application.id, "reference": application.reference,
        "service_code": application.service_code, "service_name": entry["name"],
        "channel": application.channel, "channel_label": CHANNELS[application.channel],
        "applicant_name": application.applicant_name,
        "applicant_id_masked": application.applicant_id_masked,
        "received_at": application.submitted_at, "received_by": received_by,
        "materials": [{"code": code, "name": name, "count": counts[code]}
                      for code, name in zip(codes, filing.material_names(application, codes),
                                            strict=True)],
        "missing_materials": filing.material_names(application,
                                                    filing.missing_materials(application)),
        "time_limit_days": limit, "fee": str((entry.get("fee") or {}).get("label") or ""),
        "expected_by": workflows.add_working_days(received_day, limit),
        "township_name": township.name, "office_address": township.office_address,
        "office_phone": township.phone, "complaint_phone": entry.get("complaint_phone"),
        "follow_up": FOLLOW_UP,
    }


def send_receipt(application: Application, resident_ids: Iterable[int]) -> None:
    """Put the receipt in each account's inbox: one outbox event per account."""
    for resident_id in sorted(set(resident_ids)):
        outbox.emit(TOPIC, application_id=application.id, resident_id=resident_id)


def receipt_accounts(application: Application) -> set[int]:
    """The accounts a window application's receipt goes to: its own and its client's links."""
    accounts = {application.resident_id} if application.resident_id else set()
    if application.client_id:
        links = ClientContact.select(ClientContact.resident).where(
            ClientContact.client == application.client_id)
        accounts |= {link.resident_id for link in links}
    return accounts


def send_receipts_to_new_link(client_id: int, resident_id: int) -> None:
    """A newly linked account gets the receipts of the client's open window applications."""
    window_applications = Application.select().where(
        Application.client == client_id, Application.channel == "counter",
        Application.submitted_at.is_null(False), Application.status.in_(OPEN_STATUSES))
    for application in window_applications:
        if application.resident_id != resident_id:  # its own account had it at submission
            send_receipt(application, [resident_id])
