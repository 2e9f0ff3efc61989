"""City → township → village; every record in the product hangs somewhere in this tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.base import BaseModel

if TYPE_CHECKING:
    from backend.models.accounts import StaffAccount
    from backend.models.applications import Application
    from backend.models.clients import Client
    from backend.models.plans import Plan
    from backend.models.supervision import NursingHome, TownshipProfile
    from backend.models.visits import Booking, CareVisit, VisitCapacity


TOWNSHIP_KINDS = {"town": "乡镇", "subdistrict": "街道", "zone": "管委会"}
VILLAGE_KINDS = {"village": "村", "community": "居委会"}


class City(BaseModel):
    """A city (or county-level city) whose bureau supervises its townships."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        townships: pw.ModelSelect[Township]

    code = pw.CharField(max_length=6, unique=True)  # statistical area code, 6 digits
    name = pw.CharField(max_length=50)


class Township(BaseModel):
    """A township, subdistrict or zone with its civil-affairs office."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        city_id: int
        villages: pw.ModelSelect[Village]
        staff: pw.ModelSelect[StaffAccount]
        plans: pw.ModelSelect[Plan]
        profiles: pw.ModelSelect[TownshipProfile]
        nursing_homes: pw.ModelSelect[NursingHome]
        visit_capacities: pw.ModelSelect[VisitCapacity]
        bookings: pw.ModelSelect[Booking]
        care_visits: pw.ModelSelect[CareVisit]

    city = pw.ForeignKeyField(City, backref="townships", on_delete="CASCADE")
    code = pw.CharField(max_length=9, unique=True)  # 9-digit area code
    name = pw.CharField(max_length=50)
    kind = pw.CharField(max_length=12)  # TOWNSHIP_KINDS
    population = pw.IntegerField()
    elderly_population = pw.IntegerField()
    office_address = pw.CharField(max_length=200)
    lat = pw.DoubleField()
    lng = pw.DoubleField()
    office_area_m2 = pw.IntegerField(null=True)
    phone = pw.CharField(max_length=20, null=True)  # office landline: public, not personal data


class Village(BaseModel):
    """A village or community; its 12-digit code is the scope key of every record in it."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        township_id: int
        stations: pw.ModelSelect[ServiceStation]
        staff: pw.ModelSelect[StaffAccount]
        clients: pw.ModelSelect[Client]
        application_set: pw.ModelSelect[Application]

    township = pw.ForeignKeyField(Township, backref="villages", on_delete="CASCADE")
    code = pw.CharField(max_length=12, unique=True)
    name = pw.CharField(max_length=50)
    kind = pw.CharField(max_length=12)  # VILLAGE_KINDS
    lat = pw.DoubleField()
    lng = pw.DoubleField()


class ServiceStation(BaseModel):
    """The village's civil-affairs service station and its five elements (五有)."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        village_id: int

    village = pw.ForeignKeyField(Village, backref="stations", unique=True, on_delete="CASCADE")
    sign = pw.CharField(max_length=100, default="")
    place = pw.CharField(max_length=200, default="")
    has_person = pw.BooleanField(default=False)
    has_sign = pw.BooleanField(default=False)
    has_place = pw.BooleanField(default=False)
    has_rules = pw.BooleanField(default=False)
    has_ledger = pw.BooleanField(default=False)
