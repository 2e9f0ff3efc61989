"""Fixtures for grievances: the applications' clock and filing bodies, a second township clerk."""

from __future__ import annotations

import pytest

from backend.models import StaffAccount
from tests.applications.conftest import clock, filing, small_uploads  # noqa: F401 - used here too
from tests.factories import World


@pytest.fixture
def clerk(world: World) -> StaffAccount:
    """A second member of township A's staff, not its head: grievances go to them first."""
    head = world.staff["ts-a"]
    staff = StaffAccount.create(username="ts-a2", password_hash=head.password_hash,
                                name="测试ts-a2", role="township_staff",
                                area_code=head.area_code, township=head.township_id)
    world.staff["ts-a2"] = staff
    return staff
