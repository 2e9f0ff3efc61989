"""The demo city's decided cases: in each township a 低保 and a 特困 household approved this
month through every stage of the workflow, so the payroll (救助金发放), the residents' payments
and the supervision's figures have something to show from the first login. The second demo
resident is the first township's 低保 household's child, linked at the office, and reads its
payments in the mini-program.

Built through the same services as real requests. The public notice must have run its seven
days before the approval, so the applications' calendar (``applications._shared.today``, the
hook tests also use to move time) stands nine days back while the case is walked up to the
notice, then returns to today for the notice's close and the decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from backend.commands.applications import (
    AdvanceApplication,
    ApproveApplication,
    FileApplication,
    ProxyFiling,
)
from backend.demo_resident_paths import head_of_office
from backend.models import (
    Application,
    ClientContact,
    Resident,
    Role,
    StaffAccount,
    Township,
    Village,
)
from backend.permissions import Actor
from backend.services import applications, auth
from backend.services.applications import _shared

NOTICE_STAGE = "public_notice"
NOTICE_RAN_DAYS = 9  # the notice's seven days, with a weekend's margin
# (service, monthly benefit in fen, household income declared, reason)
_CASES = (("subsistence_allowance", 86_000, 50_000, "独自抚养两个孩子，务工收入低于低保标准"),
          ("extreme_poverty_support", 112_000, 0, "无劳动能力、无生活来源、无法定赡养人"))
_COMMENTS = {"acceptance": "材料齐全，予以受理",
             "verification": "入户核查属实，家庭经济状况核对无异常",
             NOTICE_STAGE: "公示期满无异议"}


def seed_decided_cases(name: Callable[[str], str], id_number: Callable[[date, str], str],
                       today: date, family_openid: str) -> int:
    """Approve a 低保 and a 特困 case in every township's second village; answer how many."""
    approved = 0
    for township in Township.select().order_by(Township.code):
        villages = list(township.villages.order_by(Village.code).limit(2))
        village = villages[-1]
        actors = _stage_actors(township, village)
        for n, (service, benefit_fen, income_fen, reason) in enumerate(_CASES):
            sex = ("female", "male")[n]
            applicant = name(sex)
            with _calendar_at(today - timedelta(days=NOTICE_RAN_DAYS)):
                filed = applications.file_application(FileApplication(
                    service_code=service, applicant_name=applicant,
                    applicant_id_number=id_number(date(1956 + 9 * n, 3, 14), sex),
                    village_id=village.id, address=f"{township.name}{village.name}5组{n + 7}号",
                    declared_income_fen=income_fen, reason=reason, submit=True,
                    proxy=ProxyFiling(authorised_by=applicant, authorised_at=datetime.now(UTC),
                                      method="signed_form")),
                    actor=actors[Role.COORDINATOR])
                _walk(filed.id, actors, benefit_fen, until=NOTICE_STAGE)
            _walk(filed.id, actors, benefit_fen, until=None)
            if approved == 0:
                _link_family(family_openid, Application.get_by_id(filed.id), actors)
            approved += 1
    return approved


def _link_family(openid: str, application: Application, actors: dict[str, Actor]) -> None:
    """Link a demo resident as the household's child, as the office would with the ID seen."""
    resident = Resident.get_or_none(Resident.openid == openid)
    if resident is not None:
        ClientContact.create(resident=resident, client=application.client_id, relation="child",
                             method="in_person", verified_by=actors[Role.TOWNSHIP_STAFF].id)


def _stage_actors(township: Township, village: Village) -> dict[str, Actor]:
    """Who holds each role's stages for a village: its coordinator, the township's head of
    office, the city admin."""
    coordinator = StaffAccount.get(StaffAccount.role == Role.COORDINATOR,
                                   StaffAccount.village == village)
    city_admin = StaffAccount.get(StaffAccount.role == Role.CITY_ADMIN)
    return {Role.COORDINATOR: auth.actor_for("staff", coordinator.id),
            Role.TOWNSHIP_STAFF: auth.actor_for("staff", head_of_office(township).id),
            Role.CITY_ADMIN: auth.actor_for("staff", city_admin.id)}


def _walk(application_id: int, actors: dict[str, Actor], benefit_fen: int, *,
          until: str | None) -> None:
    """Advance through the stages until ``until`` is reached; with None, approve at the end."""
    while True:
        application = Application.get_by_id(application_id)
        if application.stage == until:
            return
        workflow = _shared.workflow_of(application)
        stage = workflow.get(application.stage or "")
        actor = actors[stage.actor_role]
        if workflow.after(stage.stage) is None:
            applications.approve_application(application_id, ApproveApplication(
                comment="经审批，同意纳入", benefit_fen=benefit_fen), actor=actor)
            return
        applications.advance_application(application_id, AdvanceApplication(
            comment=_COMMENTS.get(stage.stage, "同意"),
            proposed_benefit_fen=benefit_fen if stage.stage == "verification" else None),
            actor=actor)


@contextmanager
def _calendar_at(day: date) -> Iterator[None]:
    """The applications' calendar on another day while the block runs (seeding only)."""
    real = _shared.today
    _shared.today = lambda: day  # the hook tests move time with
    try:
        yield
    finally:
        _shared.today = real
