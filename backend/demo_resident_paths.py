"""The demo city's resident-facing paths: a public notice running on each township's first
village board (公示), and grievances (诉求) from the demo residents, one of them answered.

Built through the same services as real requests, so the notice list, the printed board, the
grievance lists and the residents' inboxes have something to show from the first login.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from backend.commands.applications import (
    AdvanceApplication,
    FileApplication,
    HouseholdMember,
    ProxyFiling,
)
from backend.commands.grievances import FileGrievance, ResolveGrievance
from backend.models import Client, ClientContact, Resident, StaffAccount, Township, Village
from backend.services import applications, auth, grievances

# What 核查 proposes per household member each month (fen), for the demo's notices.
_PROPOSED_PER_PERSON_FEN = 40_000
_GRIEVANCES = (
    "村口到卫生室的路灯坏了半个多月，老人晚上看病不方便，请协调修好。",
    "上次社工上门时说的助餐服务一直没有消息，想问问什么时候能办。",
)
_ANSWER = "经核实，助餐服务申请已登记，下周一起由社区老年食堂每天中午送餐上门。"


def seed_resident_paths(name: Callable[[str], str],
                        id_number: Callable[[date, str], str]) -> None:
    """A running notice in every township's first village, and the demo residents' grievances."""
    for township in Township.select().order_by(Township.code):
        _running_notice(township, name, id_number)
    _grievances()


def head_of_office(township: Township) -> StaffAccount:
    """The township office's head: who the demo's office moves are made by."""
    return StaffAccount.get(StaffAccount.role == "township_staff",
                            StaffAccount.township == township,
                            StaffAccount.is_head == True)  # noqa: E712


def _running_notice(township: Township, name: Callable[[str], str],
                    id_number: Callable[[date, str], str]) -> None:
    """A 低保 application walked through acceptance, verification and 评议 into its notice today."""
    village = township.villages.order_by(Village.code).first()
    coordinator = auth.actor_for("staff", StaffAccount.get(
        StaffAccount.role == "coordinator", StaffAccount.village == village).id)
    office = auth.actor_for("staff", head_of_office(township).id)
    applicant = name("female")
    members = (HouseholdMember(name=name("male"), relation="配偶",
                               id_number=id_number(date(1960, 8, 2), "male")),
               HouseholdMember(name=name("male"), relation="子女",
                               id_number=id_number(date(2012, 4, 9), "male")))
    filed = applications.file_application(FileApplication(
        service_code="subsistence_allowance", applicant_name=applicant,
        applicant_id_number=id_number(date(1962, 11, 3), "female"), village_id=village.id,
        address=f"{township.name}{village.name}2组18号", household_members=members,
        declared_income_fen=90_000, reason="丈夫重病，孩子上学，家庭收入低于当地低保标准",
        submit=True, proxy=ProxyFiling(authorised_by=applicant, authorised_at=datetime.now(UTC),
                                       method="signed_form")), actor=coordinator)
    applications.advance_application(filed.id, AdvanceApplication(comment="材料齐全，予以受理"),
                                     actor=office)
    proposed = _PROPOSED_PER_PERSON_FEN * (1 + len(members))
    applications.advance_application(filed.id, AdvanceApplication(
        comment="入户核查属实，家庭经济状况核对无异常", proposed_benefit_fen=proposed),
        actor=office)
    applications.advance_application(filed.id, AdvanceApplication(comment="民主评议通过"),
                                     actor=coordinator)


def _grievances() -> None:
    """Each demo resident raises one; the township answers the second."""
    residents = Resident.select().order_by(Resident.id)
    for n, resident in enumerate(residents[:len(_GRIEVANCES)]):
        link = ClientContact.get(ClientContact.resident == resident)
        client = Client.get_by_id(link.client_id)
        actor = auth.actor_for("resident", resident.id)
        filed = grievances.file_grievance(FileGrievance(
            subject="other", content=_GRIEVANCES[n], village_id=client.village_id), actor=actor)
        if n == 1:
            township = Village.get_by_id(client.village_id).township
            grievances.resolve_grievance(filed.id, ResolveGrievance(resolution=_ANSWER),
                                         actor=auth.actor_for("staff", head_of_office(township).id))
