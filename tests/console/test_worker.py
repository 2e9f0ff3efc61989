"""The social worker's day in the console: the stops in order, calling and navigating, checking
in and out with the phone's position, the visit record with photos, and a missed visit."""

from __future__ import annotations

import io
from typing import Any

import pytest

from backend.models import CareVisit, PiiAccess, Visit, VisitPhoto
from backend.services.care_plans import local_today
from tests.console.conftest import Browser
from tests.console.routes import due_care_visit, publish_route
from tests.factories import World
from tests.visits.conftest import working_day

JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
        + b"\xff\xd9")


@pytest.fixture
def todays_round(world: World) -> list[CareVisit]:
    """sw-a1's route of today: clients a1 then a2, both care visits due."""
    today = local_today()
    due = [due_care_visit(world.clients[key], today) for key in ("a1", "a2")]
    publish_route(world.townships["a"], today, world.staff["sw-a1"],
                  [("care_visit", c.id, c.client) for c in due])
    return due


@pytest.fixture
def worker(signed_in: Any, todays_round: list[CareVisit]) -> Browser:
    """sw-a1 signed in, on the day page."""
    browser: Browser = signed_in("sw-a1")
    browser.get("/console/worker")
    return browser


def check_in(browser: Browser, care_visit: CareVisit, **position: str) -> Any:
    """Tap 签到 on a stop (with the position the script filled in, if any)."""
    return browser.post("/console/worker/check-in", {
        "source": "care_visit", "source_id": care_visit.id, "lat": position.get("lat", ""),
        "lng": position.get("lng", "")})


def test_the_day_lists_the_stops_in_order_with_calls_and_navigation(worker: Browser) -> None:
    page = worker.get("/console/worker").get_data(as_text=True)
    assert "今日探访" in page
    assert page.index("对象a1") < page.index("对象a2")
    assert "08:45–09:45" in page  # the arrival window told around the planned start
    assert "138****0001" in page and "uri.amap.com/navigation" in page
    assert "拨打电话" in page and "签到" in page and "留守老人" in page


def test_with_no_route_today_the_next_planned_day_is_offered(signed_in: Any,
                                                             world: World) -> None:
    day = working_day(2)
    care = due_care_visit(world.clients["a1"], day)
    publish_route(world.townships["a"], day, world.staff["sw-a1"],
                  [("care_visit", care.id, care.client)])
    page = signed_in("sw-a1").get("/console/worker").get_data(as_text=True)
    assert "今天没有排出路线" in page and f"{day.month}月{day.day}日" in page
    assert "对象a1" in page


def test_checking_in_with_a_position_records_the_distance(worker: Browser,
                                                          todays_round: list[CareVisit]) -> None:
    client = todays_round[0].client
    response = check_in(worker, todays_round[0], lat=f"{client.lat + 0.001:.6f}",
                        lng=f"{client.lng:.6f}")
    visit = Visit.get()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/console/worker/visits/{visit.id}"
    assert visit.status == "in_progress" and 100 < visit.check_in_distance_m < 120
    page = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert "已签到" in page and "距住址约" in page and "签退并保存" in page
    day = worker.get("/console/worker").get_data(as_text=True)
    assert "进行中" in day and "填写探访记录" in day


def test_checking_in_without_a_position_says_it_is_unknown(worker: Browser,
                                                           todays_round: list[CareVisit]) -> None:
    response = check_in(worker, todays_round[1])
    visit = Visit.get()
    assert visit.check_in_lat is None and visit.check_in_distance_m is None
    assert "位置未知" in worker.get(response.headers["Location"]).get_data(as_text=True)


def test_a_second_tap_on_check_in_goes_to_the_visit_under_way(
        worker: Browser, todays_round: list[CareVisit]) -> None:
    first = check_in(worker, todays_round[0])
    again = check_in(worker, todays_round[0])
    assert again.headers["Location"] == first.headers["Location"]
    assert Visit.select().count() == 1


def test_a_closed_booking_cannot_be_checked_in_and_says_why(
        signed_in: Any, world: World, api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.services import visit_rules
    from tests.planning.conftest import approve_booking

    day = working_day(2)
    monkeypatch.setattr(visit_rules, "visit_day", lambda: day)  # the booked day has come
    booking_id = approve_booking(api, "res-owner", world.clients["a1"].id, day, "morning")
    publish_route(world.townships["a"], day, world.staff["sw-a1"],
                  [("booking", booking_id, world.clients["a1"])])
    browser = signed_in("sw-a1")
    browser.get("/console/worker")
    made = browser.post("/console/worker/check-in", {"source": "booking",
                                                      "source_id": booking_id})
    browser.get(made.headers["Location"])
    browser.post(f"{made.headers['Location']}/missed", {"reason": "refused"})
    browser.get("/console/worker")
    again = browser.post("/console/worker/check-in", {"source": "booking",
                                                       "source_id": booking_id,
                                                       "date": day.isoformat()})
    assert again.status_code == 409 and "尚未安排" in again.get_data(as_text=True)


def test_a_bad_position_is_refused_beside_the_stop(worker: Browser,
                                                   todays_round: list[CareVisit]) -> None:
    response = check_in(worker, todays_round[0], lat="95", lng="113.7")
    assert response.status_code == 422 and "定位数据无效" in response.get_data(as_text=True)
    assert Visit.select().count() == 0


def test_the_visit_record_with_a_photo_closes_the_care_visit(worker: Browser,
                                                             todays_round: list[CareVisit]
                                                             ) -> None:
    visit_url = check_in(worker, todays_round[0]).headers["Location"]
    worker.get(visit_url)
    response = worker.client.post(f"{visit_url}/record", data={
        "csrf_token": worker.token, "services": ["emotional_support", "support_network"],
        "notes": "老人精神状态良好", "follow_up_needed": "1", "lat": "34.41", "lng": "113.75",
        "photos": (io.BytesIO(JPEG), "door.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    visit = Visit.get()
    assert visit.status == "completed" and visit.follow_up_needed
    assert visit.services == ["emotional_support", "support_network"]
    assert VisitPhoto.select().where(VisitPhoto.visit == visit).count() == 1
    assert CareVisit.get_by_id(todays_round[0].id).status == "done"
    day = worker.get("/console/worker").get_data(as_text=True)
    assert "已签退" in day and "已完成" in day


def test_a_refused_photo_keeps_the_visit_open_and_says_why(worker: Browser,
                                                           todays_round: list[CareVisit]) -> None:
    visit_url = check_in(worker, todays_round[0]).headers["Location"]
    worker.get(visit_url)
    response = worker.client.post(f"{visit_url}/record", data={
        "csrf_token": worker.token, "services": ["emotional_support"], "notes": "",
        "photos": [(io.BytesIO(JPEG), "ok.jpg"), (io.BytesIO(b"not a photo"), "note.txt")]},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 415 and "只接受 JPEG、PNG 照片" in page
    assert 'id="photos-error"' in page and 'value="emotional_support" checked' in page
    assert Visit.get().status == "in_progress" and VisitPhoto.select().count() == 0


def test_a_missed_visit_needs_its_reason(worker: Browser,
                                         todays_round: list[CareVisit]) -> None:
    visit_url = check_in(worker, todays_round[0]).headers["Location"]
    worker.get(visit_url)
    refused = worker.post(f"{visit_url}/missed", {"missed_notes": ""})
    assert refused.status_code == 422 and "请选择未遇原因" in refused.get_data(as_text=True)
    done = worker.post(f"{visit_url}/missed", {"reason": "not_home", "missed_notes": "邻居说外出"})
    assert done.status_code == 302
    visit = Visit.get()
    assert (visit.status, visit.missed_reason, visit.notes) == ("missed", "not_home", "邻居说外出")
    day = worker.get("/console/worker").get_data(as_text=True)
    assert "未遇：不在家" in day and "再次签到" in day  # a care visit stays due


def test_photos_are_added_during_the_visit_and_refused_after(
        worker: Browser, todays_round: list[CareVisit]) -> None:
    # Issue 20's visit rule: photos are taken at the door, while checked in.
    visit_url = check_in(worker, todays_round[0]).headers["Location"]
    worker.get(visit_url)
    during = worker.client.post(f"{visit_url}/photos", data={
        "csrf_token": worker.token, "more_photos": (io.BytesIO(JPEG), "door.jpg")},
        content_type="multipart/form-data")
    assert during.status_code == 302 and VisitPhoto.select().count() == 1
    worker.post(f"{visit_url}/record", {"services": "counselling"})
    worker.get(visit_url)
    added = worker.client.post(f"{visit_url}/photos", data={
        "csrf_token": worker.token, "more_photos": (io.BytesIO(JPEG), "later.jpg")},
        content_type="multipart/form-data")
    assert added.status_code == 409 and VisitPhoto.select().count() == 1


def test_calling_a_client_on_the_round_reveals_the_number_once(worker: Browser,
                                                               world: World) -> None:
    client = world.clients["a1"]
    response = worker.post(f"/console/worker/clients/{client.id}/phone/reveal")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'href="tel:13800000001"' in page
    assert response.headers["Cache-Control"] == "no-store"
    access = PiiAccess.get()
    assert (access.field, access.purpose, access.entity_id) == ("phone", "探访电话联系",
                                                                str(client.id))


@pytest.mark.parametrize(("who", "status"), [("sw-a1", 404), ("sw-a2", 404), ("sw-b1", 404),
                                             ("ts-a", 403), ("co-a1", 403),
                                             ("city-admin", 403)])
def test_a_client_off_ones_round_stays_masked(signed_in: Any, world: World, who: str,
                                              status: int) -> None:
    browser = signed_in(who)
    browser.get("/console/", follow_redirects=True)
    target = world.clients["b1"] if who == "sw-a1" else world.clients["a1"]
    if who != "sw-a1":  # a1 is on sw-a1's round, not on theirs
        care = due_care_visit(world.clients["a1"], local_today())
        publish_route(world.townships["a"], local_today(), world.staff["sw-a1"],
                      [("care_visit", care.id, care.client)])
    response = browser.post(f"/console/worker/clients/{target.id}/phone/reveal")
    assert response.status_code == status
    assert PiiAccess.select().count() == 0


CALLERS_VISIT = {"sw-a1": 200, "sw-a2": 200, "sw-b1": 404, "ts-a": 200, "ts-b": 404,
                 "city-admin": 200, "co-a1": 200, "co-a2": 404}


@pytest.mark.parametrize(("who", "status"), CALLERS_VISIT.items())
def test_a_visit_page_follows_the_api_scope(signed_in: Any, api: Any,
                                            todays_round: list[CareVisit], who: str,
                                            status: int) -> None:
    made = api.post("/api/v1/visits", "sw-a1", json={"care_visit_id": todays_round[0].id})
    assert made.status_code == 201
    page = signed_in(who).get(f"/console/worker/visits/{made.json['id']}")
    assert page.status_code == status
    if status == 200:  # only the worker whose visit it is gets the forms
        assert ("签退并保存" in page.get_data(as_text=True)) == (who == "sw-a1")


@pytest.mark.parametrize("who", ["ts-a", "co-a1", "city-admin"])
def test_only_social_workers_have_a_day(signed_in: Any, who: str) -> None:
    assert signed_in(who).get("/console/worker").status_code == 403


def test_another_workers_open_visit_cannot_be_recorded(signed_in: Any, api: Any,
                                                       todays_round: list[CareVisit]) -> None:
    made = api.post("/api/v1/visits", "sw-a1", json={"care_visit_id": todays_round[0].id})
    other = signed_in("sw-a2")
    other.get("/console/worker")
    response = other.post(f"/console/worker/visits/{made.json['id']}/record",
                          {"services": "counselling"})
    assert response.status_code == 404 and Visit.get().status == "in_progress"


@pytest.mark.parametrize("path", ["/console/worker/check-in", "/console/worker/visits/{id}/record",
                                  "/console/worker/visits/{id}/missed",
                                  "/console/worker/visits/{id}/photos",
                                  "/console/worker/clients/{client}/phone/reveal"])
def test_the_workers_forms_refuse_a_post_without_its_csrf_token(
        worker: Browser, api: Any, todays_round: list[CareVisit], path: str) -> None:
    made = api.post("/api/v1/visits", "sw-a1", json={"care_visit_id": todays_round[1].id})
    url = path.format(id=made.json["id"], client=todays_round[0].client_id)
    response = worker.post(url, {"source": "care_visit", "source_id": todays_round[0].id,
                                 "reason": "not_home", "services": "counselling"}, csrf=False)
    assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)
    assert Visit.select().count() == 1 and Visit.get().status == "in_progress"
    assert PiiAccess.select().count() == 0
