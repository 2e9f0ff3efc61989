"""Request bodies load as the typed commands their services take, and nothing more."""

from __future__ import annotations

from datetime import date, time

from backend.commands import UNSET, given
from backend.commands.bookings import (
    ApproveBooking,
    PreferredDate,
    ProposeBookingDate,
    RejectBooking,
    RequestBooking,
)
from backend.commands.clients import CategoryEntry, EditClient, RegisterClient
from backend.commands.service_guide import EditServiceGuide
from backend.commands.visits import CheckOut
from miniprogram_api.resources.bookings.schemas import BookingCreateSchema, BookingDecisionSchema
from miniprogram_api.resources.clients.schemas import ClientCreateSchema, ClientUpdateSchema
from miniprogram_api.resources.services.schemas import ServiceUpdateSchema
from miniprogram_api.resources.visits.schemas import CheckOutSchema


def test_a_booking_request_keeps_its_preferred_dates_in_order() -> None:
    cmd = BookingCreateSchema().load(
        {
            "client_id": 7,
            "kind": "routine_visit",
            "preferred": [
                {"date": "2031-05-06", "window": "morning"},
                {"date": "2031-05-07", "start": "14:00", "end": "15:00"},
            ],
        }
    )
    assert cmd == RequestBooking(
        client_id=7,
        kind="routine_visit",
        preferred=(
            PreferredDate(date(2031, 5, 6), "morning"),
            PreferredDate(date(2031, 5, 7), start=time(14), end=time(15)),
        ),
    )


def test_each_decision_names_its_own_command() -> None:
    schema = BookingDecisionSchema()
    assert schema.load({"decision": "approve"}) == ApproveBooking()
    assert schema.load(
        {
            "decision": "propose",
            "date": "2031-05-06",
            "window": "afternoon",
            "reason": "当天社工外出培训",
        }
    ) == ProposeBookingDate(date=date(2031, 5, 6), window="afternoon", reason="当天社工外出培训")
    # A refusal takes no date: one sent along is ignored, as it always was.
    assert schema.load(
        {"decision": "reject", "reason": "不在服务范围", "date": "2031-05-06"}
    ) == RejectBooking(reason="不在服务范围")


def test_an_edit_carries_only_what_was_sent() -> None:
    cmd = ClientUpdateSchema().load(
        {"phone": None, "categories": [{"category": "left_behind_elder"}], "reason": "搬家"}
    )
    assert cmd.name is UNSET and cmd.reason == "搬家"
    assert given(cmd) == {
        "phone": None,
        "categories": (CategoryEntry("left_behind_elder"),),
        "reason": "搬家",
    }
    assert given(ClientUpdateSchema().load({})) == {"reason": None} == given(EditClient())


def test_a_registration_takes_its_defaults_from_the_command() -> None:
    cmd = ClientCreateSchema().load(
        {"name": "王秀英", "id_number": "x", "village_id": 3, "address": "1组1号"}
    )
    assert cmd == RegisterClient(name="王秀英", id_number="x", village_id=3, address="1组1号")
    assert (cmd.lat, cmd.household_size, cmd.categories, cmd.notes) == (None, 1, (), "")


def test_a_guide_edit_keeps_the_guide_content_as_sent() -> None:
    form = {
        "title": "申请表",
        "fields": [{"code": "name", "label": "姓名", "type": "text", "required": True}],
    }
    cmd = ServiceUpdateSchema().load({"sample_form": form})
    assert isinstance(cmd, EditServiceGuide) and given(cmd) == {"sample_form": form}


def test_a_check_out_lists_its_services() -> None:
    cmd = CheckOutSchema().load({"services": ["counselling", "other"]})
    assert cmd == CheckOut(services=("counselling", "other"))
