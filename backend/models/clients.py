"""Clients (服务对象): the people the bureau serves, with their categories and contacts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import Resident, StaffAccount
from backend.models.base import BaseModel, TimestampedModel, Versioned, utcnow
from backend.models.geography import Village

if TYPE_CHECKING:
    from backend.models.applications import Application
    from backend.models.plans import PlanStop
    from backend.models.visits import Booking, CareVisit, Visit


CLIENT_CATEGORIES = {
    "subsistence_allowance": "低保对象",
    "extreme_poverty": "特困供养人员",
    "left_behind_child": "留守儿童",
    "left_behind_woman": "留守妇女",
    "left_behind_elder": "留守老人",
    "special_care": "优抚对象",
    "elderly": "高龄老人",
    "disabled": "残疾人",
}
# Who a linked WeChat account is to the client (与服务对象关系).
LINK_RELATIONS = {
    "self": "本人",
    "spouse": "配偶",
    "child": "子女",
    "guardian": "监护人",
    "other_family": "其他家庭成员",
}
# How a link was verified: at the counter or door with the ID document seen, or by the phone
# number WeChat vouches for matching the one on record; "legacy" rows predate verification.
LINK_METHODS = {"in_person": "当面核验", "phone": "微信手机号核验",
                "legacy": "早期关联（未记录核验方式）"}
SPECIAL_CARE_SUBTYPES = {
    "veteran_test_or_war": "两参退役人员",
    "rural_veteran_60": "60岁农村籍退役士兵",
    "martyr_child": "烈士子女",
}


class Client(TimestampedModel, Versioned):
    """A person served by home visits or benefits; personal numbers are stored encrypted."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        village_id: int
        usual_worker_id: int | None
        categories: pw.ModelSelect[ClientCategory]
        resident_links: pw.ModelSelect[ClientContact]
        applications: pw.ModelSelect[Application]
        plan_stops: pw.ModelSelect[PlanStop]
        bookings: pw.ModelSelect[Booking]
        care_visits: pw.ModelSelect[CareVisit]
        visits: pw.ModelSelect[Visit]

    name = pw.CharField(max_length=50, index=True)
    village = pw.ForeignKeyField(Village, backref="clients", on_delete="RESTRICT")
    area_code = pw.CharField(max_length=12, index=True)  # the village's code, for scoping
    sex = pw.CharField(max_length=6)  # male | female, derived from the ID number
    birth_date = pw.DateField()
    id_number_enc = pw.TextField()
    id_number_index = pw.CharField(max_length=64, unique=True)  # HMAC blind index
    # Masked forms are kept beside the ciphertext so lists never decrypt (nor log an access).
    id_number_masked = pw.CharField(max_length=18)  # region and last four: 110105********002X
    phone_enc = pw.TextField(null=True)
    phone_masked = pw.CharField(max_length=11, null=True)  # 138****1234
    address = pw.CharField(max_length=200)
    lat = pw.DoubleField()
    lng = pw.DoubleField()
    household_code = pw.CharField(max_length=30, null=True)  # 户号
    household_size = pw.IntegerField(default=1)
    guardian_name = pw.CharField(max_length=50, null=True)
    guardian_relation = pw.CharField(max_length=20, null=True)
    guardian_phone_enc = pw.TextField(null=True)
    guardian_phone_masked = pw.CharField(max_length=11, null=True)
    usual_worker = pw.ForeignKeyField(StaffAccount, null=True, backref="usual_clients",
                                      on_delete="SET NULL")
    # Why every home visit needs two social workers (care_rules.json two_worker_visits
    # client_flags: safety_risk, psychological_crisis); null: the category rule decides.
    two_worker_flag = pw.CharField(max_length=24, null=True)
    notes = pw.TextField(default="")


class ClientCategory(BaseModel):
    """One category a client belongs to (a client can have several), with its benefit if any."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        client_id: int

    client = pw.ForeignKeyField(Client, backref="categories", on_delete="CASCADE")
    category = pw.CharField(max_length=30)  # CLIENT_CATEGORIES
    subtype = pw.CharField(max_length=30, null=True)  # SPECIAL_CARE_SUBTYPES for special_care
    since = pw.DateField(null=True)
    benefit_fen = pw.IntegerField(null=True)  # monthly benefit where the category pays one
    ended_on = pw.DateField(null=True)

    class Meta:
        indexes = ((("client", "category"), True),)


class ClientContact(BaseModel):
    """A verified link: a resident account allowed to act for a client (themselves or family).

    Nothing else gives a WeChat account a client's records: filing with an ID number does not.
    """

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        resident_id: int
        client_id: int
        verified_by_id: int | None

    resident = pw.ForeignKeyField(Resident, backref="client_links", on_delete="CASCADE")
    client = pw.ForeignKeyField(Client, backref="resident_links", on_delete="CASCADE")
    relation = pw.CharField(max_length=20, default="self")  # LINK_RELATIONS
    method = pw.CharField(max_length=12, default="legacy")  # LINK_METHODS
    verified_by = pw.ForeignKeyField(StaffAccount, null=True, backref="verified_links",
                                     on_delete="SET NULL")  # who saw the ID document
    linked_at = pw.DateTimeField(null=True, default=utcnow)  # NULL: linked before it was kept

    class Meta:
        indexes = ((("resident", "client"), True),)
