"""A small city for tests: every role, two townships, enough to test scope in every direction.

Names used by tests (``who``): ``city-admin``; ``ts-a`` / ``ts-b`` (township staff of A and B);
``sw-a1``, ``sw-a2``, ``sw-b1``; ``co-a1``, ``co-a2``, ``co-b1`` (coordinators of villages
a1, a2, b1); residents ``res-owner`` (linked to client ``a1``) and ``res-other``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend import pii
from backend.commands.clients import CategoryEntry, RegisterClient
from backend.models import (
    City,
    ClientContact,
    Resident,
    ServiceStation,
    StaffAccount,
    Township,
    Village,
)
from backend.permissions import SYSTEM
from backend.services import auth, clients

# A cheap, fixed hash: tests that check passwords set their own with hash_password.
_HASH = auth.hash_password("test-password")


def id_number(n: int, birth: date = date(1950, 3, 1), sex: str = "male") -> str:
    """A valid fictional ID number, different for each n."""
    seq = (n * 2 + (1 if sex == "male" else 0)) % 1000
    return pii.make_id_number("410184", birth, f"{seq:03d}")


@dataclass
class World:
    """Handles on everything the small city holds."""

    city: City
    townships: dict[str, Township] = field(default_factory=dict)
    villages: dict[str, Village] = field(default_factory=dict)
    staff: dict[str, StaffAccount] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)
    clients: dict[str, Any] = field(default_factory=dict)

    def token_for(self, who: str) -> str:
        """An access token for a staff username or resident name."""
        if who in self.staff:
            return auth.issue_tokens("staff", self.staff[who].id).access_token
        return auth.issue_tokens("resident", self.residents[who].id).access_token


def _staff(world: World, username: str, role: str, area_code: str, **extra: Any) -> StaffAccount:
    staff = StaffAccount.create(
        username=username,
        password_hash=_HASH,
        name=f"测试{username}",
        role=role,
        area_code=area_code,
        **extra,
    )
    world.staff[username] = staff
    return staff


def build_world() -> World:
    """Create the small city in the current (empty) database."""
    world = World(city=City.create(code="410184", name="测试市"))
    _staff(world, "city-admin", "city_admin", "410184")
    for key, code, kind in (("a", "410184001", "subdistrict"), ("b", "410184100", "town")):
        township = Township.create(
            city=world.city,
            code=code,
            name=f"测试{key.upper()}镇",
            kind=kind,
            population=32_000,
            elderly_population=6_000,
            office_address="测试路1号",
            lat=34.40,
            lng=113.74,
            office_area_m2=60,
        )
        world.townships[key] = township
        _staff(world, f"ts-{key}", "township_staff", code, township=township, is_head=True)
        for n in (1, 2):
            _staff(
                world,
                f"sw-{key}{n}",
                "social_worker",
                code,
                township=township,
                sex="female" if n == 1 else "male",
                skills=["counselling"] if n == 1 else [],
            )
            village = Village.create(
                township=township,
                code=f"{code}{200 + n:03d}",
                name=f"{key.upper()}{n}村",
                kind="village",
                lat=34.40 + n / 100,
                lng=113.74 + n / 100,
            )
            ServiceStation.create(
                village=village,
                has_person=True,
                has_sign=True,
                has_place=True,
                has_rules=True,
                has_ledger=True,
            )
            world.villages[f"{key}{n}"] = village
            _staff(
                world,
                f"co-{key}{n}",
                "coordinator",
                village.code,
                township=township,
                village=village,
                monthly_allowance_fen=50_000,
            )
    for n, key in enumerate(("a1", "a2", "b1"), start=1):
        world.clients[key] = clients.create_client(
            RegisterClient(
                name=f"对象{key}",
                id_number=id_number(n),
                village_id=world.villages[key].id,
                address=f"{key}村1组{n}号",
                phone=f"1380000{n:04d}",
                categories=(CategoryEntry("left_behind_elder"),),
            ),
            actor=SYSTEM,
        )
    world.residents["res-owner"] = Resident.create(openid="openid-owner", name="业主")
    world.residents["res-other"] = Resident.create(openid="openid-other", name="他人")
    ClientContact.create(
        resident=world.residents["res-owner"], client=world.clients["a1"], relation="self"
    )
    return world
