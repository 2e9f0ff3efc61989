"""Staff administration in the console: opening an account shows its one-time password once,
the first sign-in goes to the password page and nowhere else, deactivation ends the session."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from backend.models import StaffAccount, WorkerDayOff, WorkerShift
from tests.console.conftest import Browser
from tests.factories import World

ONE_TIME = re.compile(r'class="one-time-password"><code>([^<]+)</code>')


def _open_account(browser: Browser, world: World, **fields: Any) -> str:
    browser.get("/console/staff/new")
    form = {"username": "co-new", "name": "新协管员", "role": "coordinator",
            "village_id": str(world.villages["a2"].id), **fields}
    response = browser.post("/console/staff/new", form)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    found = ONE_TIME.search(response.get_data(as_text=True))
    assert found
    return found.group(1)


def test_a_township_opens_a_coordinator_who_must_change_the_password_first(
        signed_in: Any, world: World, app: Flask) -> None:
    password = _open_account(signed_in("ts-a"), world)
    newcomer = Browser(app.test_client())
    assert newcomer.sign_in("co-new", password).status_code == 302
    elsewhere = newcomer.get("/console/")
    assert elsewhere.status_code == 302 and elsewhere.location.endswith("/console/password")
    page = newcomer.get("/console/password").get_data(as_text=True)
    assert "一次性初始密码" in page
    mismatch = newcomer.post("/console/password", {"current_password": password,
                                                   "new_password": "Mine-2026x",
                                                   "confirm_password": "other"})
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.get_data(
        as_text=True)
    changed = newcomer.post("/console/password", {"current_password": password,
                                                  "new_password": "Mine-2026x",
                                                  "confirm_password": "Mine-2026x"})
    assert changed.status_code == 302
    assert not StaffAccount.get(StaffAccount.username == "co-new").must_change_password


def test_a_refused_account_says_what_is_wrong_beside_the_field(signed_in: Any,
                                                             world: World) -> None:
    browser = signed_in("ts-a")
    browser.get("/console/staff/new")
    taken = browser.post("/console/staff/new", {"username": "co-a1", "name": "重名",
                                                "role": "coordinator",
                                                "village_id": str(world.villages["a1"].id)})
    page = taken.get_data(as_text=True)
    assert taken.status_code == 409
    assert 'id="username-error"' in page and "该用户名已被使用" in page
    no_village = browser.post("/console/staff/new", {"username": "co-x", "name": "无村",
                                                     "role": "coordinator"})
    assert 'id="village_id-error"' in no_village.get_data(as_text=True)


def test_deactivating_in_the_console_ends_that_persons_session(
        signed_in: Any, world: World, app: Flask) -> None:
    other = Browser(app.test_client())
    assert other.sign_in("sw-a1").status_code == 302
    admin = signed_in("city-admin")
    admin.get(f"/console/staff/{world.staff['sw-a1'].id}")
    done = admin.post(f"/console/staff/{world.staff['sw-a1'].id}/active",
                      {"active": "0", "reason": "离职"})
    assert done.status_code == 302
    after = other.get("/console/worker")
    assert after.status_code == 302 and "/console/login" in after.location


def test_the_staff_list_shows_only_the_township_s_own_people(signed_in: Any) -> None:
    page = signed_in("ts-a").get("/console/staff?active=all").get_data(as_text=True)
    assert "测试sw-a1" in page and "测试sw-b1" not in page and "测试city-admin" not in page


def test_a_township_sets_its_social_worker_s_shift_and_day_off(signed_in: Any,
                                                               world: World) -> None:
    browser = signed_in("ts-a")
    worker = world.staff["sw-a1"]
    page = browser.get(f"/console/staff/{worker.id}").get_data(as_text=True)
    assert "班次与休息日" in page and "（默认）" in page
    saved = browser.post(f"/console/staff/{worker.id}/shifts/5",
                         {"start": "09:00", "end": "12:00", "is_working": "1"})
    assert saved.status_code == 302
    shift = WorkerShift.get(WorkerShift.worker == worker, WorkerShift.weekday == 5)
    assert shift.is_working and shift.start.hour == 9
    backwards = browser.post(f"/console/staff/{worker.id}/shifts/1",
                             {"start": "12:00", "end": "09:00", "is_working": "1"})
    assert backwards.status_code == 302
    page = browser.get(f"/console/staff/{worker.id}").get_data(as_text=True)
    assert "周二班次未保存" in page
    off = browser.post(f"/console/staff/{worker.id}/days-off", {"day": "2026-12-24",
                                                                "reason": "培训"})
    assert off.status_code == 302 and WorkerDayOff.get().reason == "培训"
    assert browser.post(f"/console/staff/{world.staff['sw-b1'].id}/shifts/5",
                        {"start": "09:00", "end": "12:00"}).status_code == 404
