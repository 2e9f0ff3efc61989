"""Thirty people race for the last place: exactly one wins, the rest hear 409, nobody a 500."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from typing import Any

import peewee as pw
import pytest
from flask import Flask

from backend.commands.bookings import PreferredDate, RequestBooking
from backend.commands.clients import RegisterClient
from backend.db import db
from backend.models import Booking, VisitCapacity
from backend.permissions import SYSTEM, Actor
from backend.services import bookings, clients
from tests.conftest import Api
from tests.factories import id_number
from tests.visits.conftest import booking_body

RACERS = 30


def race(app: Flask, calls: list[tuple[str, str, dict[str, Any]]]) -> Counter[int]:
    """Fire every (path, token, body) POST at once, each thread with its own test client."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []
    lock = threading.Lock()

    def run(path: str, token: str, body: dict[str, Any]) -> None:
        http = app.test_client()
        barrier.wait()
        response = http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(statuses)


@pytest.fixture
def pending_for_thirty_clients(api: Api, day1: date) -> list[int]:
    """Thirty clients of village a1, each with a pending booking for day1's morning."""
    world = api.world
    staff = world.staff["co-a1"]
    coordinator = Actor(kind="staff", id=staff.id, role="coordinator", area_code=staff.area_code)
    ids = []
    for n in range(RACERS):
        client = clients.create_client(
            RegisterClient(
                name=f"对象{n}",
                id_number=id_number(100 + n),
                village_id=world.villages["a1"].id,
                address=f"a1村2组{n}号",
            ),
            actor=SYSTEM,
        )
        request = RequestBooking(
            **{
                **booking_body(client.id, day1),
                "preferred": (PreferredDate(date=day1, window="morning"),),
            }
        )
        ids.append(bookings.create_booking(request, actor=coordinator).id)
    return ids


def test_thirty_approvals_for_the_last_place_give_one_success(
    app: Flask, api: Api, day1: date, pending_for_thirty_clients: list[int]
) -> None:
    township = api.world.townships["a"]
    VisitCapacity.create(township=township, day=day1, window="morning", capacity=5, used=4)
    token = api.token("ts-a")
    statuses = race(
        app,
        [
            (
                f"/api/v1/bookings/{booking_id}/decision",
                token,
                {"decision": "approve", "date": day1.isoformat(), "window": "morning"},
            )
            for booking_id in pending_for_thirty_clients
        ],
    )
    assert statuses == Counter({200: 1, 409: RACERS - 1})
    row = VisitCapacity.get(VisitCapacity.township == township, VisitCapacity.day == day1)
    assert row.used == row.capacity == 5
    assert Booking.select().where(Booking.status == "approved").count() == 1


def test_thirty_identical_bookings_give_one_booking(app: Flask, api: Api, day1: date) -> None:
    body = booking_body(api.world.clients["a1"].id, day1)
    token = api.token("res-owner")
    statuses = race(app, [("/api/v1/bookings", token, body)] * RACERS)
    assert statuses == Counter({201: 1, 409: RACERS - 1})
    assert Booking.select().count() == 1


def test_the_database_itself_refuses_overbooking_and_a_second_active_booking(
    api: Api, pending_booking: dict[str, Any], day1: date
) -> None:
    row = VisitCapacity.create(
        township=api.world.townships["a"], day=day1, window="morning", capacity=1, used=1
    )
    with pytest.raises(pw.IntegrityError), db.atomic():
        VisitCapacity.update(used=VisitCapacity.used + 1).where(
            VisitCapacity.id == row.id
        ).execute()
    first = Booking.get_by_id(pending_booking["id"])
    with pytest.raises(pw.IntegrityError), db.atomic():
        Booking.create(**{**first.__data__, "id": None})
