"""Demo casework at the township's window (一门受理): receipts to print and one in an inbox.

In the first township the office files two walk-in applications through the same services as
the window would: one for a newcomer (no WeChat account yet, so the receipt is on paper only)
and one for the client the first demo resident is linked to, whose inbox gets the receipt.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Protocol

from backend.commands.applications import CounterIntake, FileApplication
from backend.models import Client, ClientContact, Resident, StaffAccount, Township, Village
from backend.permissions import Actor
from backend.services import applications, auth, clients, materials

# A minimal PDF standing in for the scanned, signed application form.
SIGNED_FORM = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class People(Protocol):
    """Where the demo takes fictional names, ID numbers and phones from."""

    def name(self, sex: str) -> str:
        """A name."""

    def id_number(self, birth: date, sex: str) -> str:
        """A valid ID number."""

    def phone(self) -> str:
        """A mobile number."""


def seed_window_intake(people: People, first_resident_openid: str) -> None:
    """Two submitted window applications in the first township, with their signed forms."""
    township = Township.select().order_by(Township.code).first()
    if township is None:
        return
    office = auth.actor_for("staff", StaffAccount.get(
        StaffAccount.role == "township_staff", StaffAccount.township == township,
        StaffAccount.is_head == True).id)  # noqa: E712
    village = township.villages.order_by(Village.code).first()
    newcomer = people.name("female")
    walk_ins = [("subsistence_allowance", newcomer,
                 people.id_number(date(1962, 8, 9), "female"), village.id)]
    resident = Resident.get_or_none(Resident.openid == first_resident_openid)
    link = (ClientContact.get_or_none(ClientContact.resident == resident)
            if resident is not None else None)
    if link is not None:
        client = Client.get_by_id(link.client_id)
        walk_ins.append(("temporary_relief", client.name, _id_number_of(client, office),
                         client.village_id))
    for service_code, name, id_number, village_id in walk_ins:
        filed = applications.file_application(FileApplication(
            service_code=service_code, applicant_name=name, applicant_id_number=id_number,
            phone=people.phone(), village_id=village_id, address=f"{township.name}窗口来访",
            declared_income_fen=45_000, reason="家中突发困难，到乡镇民政窗口申请",
            counter=CounterIntake(id_document_checked=True)), actor=office)
        materials.upload_material(filed.id, "application_form", io.BytesIO(SIGNED_FORM),
                                  actor=office)
        applications.submit_application(filed.id, actor=office)


def _id_number_of(client: Client, office: Actor) -> str:
    return clients.reveal_client_field(client.id, "id_number", "demo_window_intake",
                                       actor=office)
