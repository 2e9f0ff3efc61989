"""A county or city to measure: the demo's realism at size, inserted in bulk, still a city the
services work on (personal data encrypted row-bound, ids that new rows continue from)."""

from __future__ import annotations

from flask import Flask

from backend import demo_scale
from backend.commands.clients import CategoryEntry, RegisterClient
from backend.db import db
from backend.models import Application, Booking, CareVisit, Client, Township, Village, Visit
from backend.permissions import SYSTEM
from backend.services import clients
from tests.factories import id_number

TINY = demo_scale.Scale(townships=3, villages_per_township=4, clients_per_township=12,
                        new_applications_per_township=3, bookings_per_township=4)


def test_a_scaled_city_is_seeded_in_bulk_and_works_like_one_built_through_the_services(
    app: Flask, clean_db: None
) -> None:
    summary = demo_scale.seed_scaled_city("tiny", scale=TINY)
    db.connect(reuse_if_open=True)
    assert Township.select().count() == 3 and Village.select().count() == 12
    assert summary.counts["clients"] == Client.select().count() == 36
    assert len({t.name for t in Township.select()}) == 3
    assert Visit.select().count() > 36  # a year of visits, not only the last one
    assert Application.select().where(Application.next_re_review_on.is_null(False)).exists()
    decided = Application.select().where(Application.status.in_(("approved", "rejected")))
    assert all(a.decided_at for a in decided)  # every row keeps every column, decided or open
    assert all(a.stage for a in Application.select().where(Application.status == "in_review"))
    assert Booking.select().count() == summary.counts["bookings"] > 0
    assert CareVisit.select().count() == summary.counts["care_visits_due"]
    first = Client.select().order_by(Client.id).first()
    revealed = clients.reveal_client_field(first.id, "id_number", "核对", actor=SYSTEM)
    assert first.id_number_masked[:6] == revealed[:6] and first.id_number_enc != revealed
    village = Village.select().first()
    added = clients.create_client(RegisterClient(
        name="新登记", id_number=id_number(9090), village_id=village.id, address="一组1号",
        categories=(CategoryEntry(category="elderly"),)), actor=SYSTEM)
    assert added.id > max(c.id for c in Client.select().where(Client.id != added.id))


def test_seeding_again_leaves_an_existing_city_alone(app: Flask, clean_db: None) -> None:
    demo_scale.seed_scaled_city("tiny", scale=TINY)
    again = demo_scale.seed_scaled_city("tiny", scale=TINY)
    db.connect(reuse_if_open=True)
    assert again.counts == {"existing": 1} and Township.select().count() == 3
