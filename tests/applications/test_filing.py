"""Filing: drafts, submit, withdraw, duplicates at intake, idempotent retries, who sees what."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask

from backend.models import Application, AuditEntry, OutboxEvent
from backend.services import applications
from backend.services.applications import _shared
from tests.applications.conftest import Clock
from tests.conftest import Api

Filing = Callable[..., dict[str, Any]]


def test_a_draft_is_submitted_and_withdrawn_before_a_decision(
    api: Api, clock: Clock, filing: Filing
) -> None:
    draft = api.post("/api/v1/applications", "res-owner", json=filing())
    assert draft.status_code == 201 and draft.json["status"] == "draft"
    assert draft.json["stage"] is None and draft.json["reference"].startswith("SQ")
    app_id = draft.json["id"]
    submitted = api.post(f"/api/v1/applications/{app_id}/submit", "res-owner")
    assert submitted.json["status"] == "in_review" and submitted.json["stage"] == "acceptance"
    again = api.post(f"/api/v1/applications/{app_id}/submit", "res-owner")
    assert again.status_code == 409 and again.json["code"] == "already_submitted"
    withdrawn = api.post(
        f"/api/v1/applications/{app_id}/withdraw", "res-owner", json={"reason": "家里情况好转"}
    )
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    twice = api.post(f"/api/v1/applications/{app_id}/withdraw", "res-owner", json={})
    assert twice.status_code == 409
    late = api.post(
        f"/api/v1/applications/{app_id}/transitions", "ts-a", json={"action": "advance"}
    )
    assert late.status_code == 409 and late.json["code"] == "invalid_in_status"
    # Withdrawn is closed: the same person may apply again.
    assert api.post("/api/v1/applications", "res-owner", json=filing()).status_code == 201


# What differs between two filings of the same body by the same account: the row itself.
OWN_FIELDS = {"id", "reference", "created_at"}


def test_a_second_open_filing_is_accepted_and_flagged_for_staff_and_the_filer_learns_nothing(
    api: Api, clock: Clock, filing: Filing
) -> None:
    # The same filer sends the same body twice: once with nobody else's application open for
    # that ID number and service, once with one open (issue 20: a 409 used to reveal it).
    alone = api.post("/api/v1/applications", "res-other", json=filing())
    assert alone.status_code == 201
    api.post(f"/api/v1/applications/{alone.json['id']}/withdraw", "res-other", json={})
    first = api.post("/api/v1/applications", "res-owner", json=filing(submit=True))
    beside = api.post("/api/v1/applications", "res-other", json=filing())
    assert beside.status_code == 201
    strip = lambda body: {k: v for k, v in body.items() if k not in OWN_FIELDS}  # noqa: E731
    assert strip(beside.json) == strip(alone.json)
    assert beside.headers.get("Content-Length") == alone.headers.get("Content-Length")
    assert first.json["reference"] not in beside.get_data(as_text=True)
    detail = api.get(f"/api/v1/applications/{beside.json['id']}", "res-other").json
    assert "possible_duplicate" not in detail and detail["client_id"] is None
    progress = api.get(f"/api/v1/applications/{beside.json['id']}/timeline", "res-other").json
    assert "possible_duplicate_of" not in progress["application"]
    # Staff see the flag and which application it may duplicate, in the detail and the queue.
    staff = api.get(f"/api/v1/applications/{beside.json['id']}", "ts-a").json
    assert staff["possible_duplicate"] is True
    assert staff["possible_duplicate_of"] == {"id": first.json["id"],
                                              "reference": first.json["reference"]}
    assert api.get(f"/api/v1/applications/{first.json['id']}", "ts-a").json[
        "possible_duplicate"] is False
    api.post(f"/api/v1/applications/{beside.json['id']}/submit", "res-other")
    queue = {a["id"]: a for a in api.get("/api/v1/applications/queue", "ts-a").json}
    assert queue[beside.json["id"]]["possible_duplicate"] is True
    assert queue[first.json["id"]]["possible_duplicate"] is False
    other_service = api.post("/api/v1/applications", "res-owner", json=filing("temporary_relief"))
    assert other_service.status_code == 201


def test_ten_concurrent_submits_with_one_key_create_one_application_with_one_answer(
    app: Flask, api: Api, clock: Clock, filing: Filing
) -> None:
    body, token = filing(submit=True), api.token("res-owner")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "phone-retry-1"}
    barrier, answers = threading.Barrier(10), [None] * 10

    def submit(n: int) -> None:
        http = app.test_client()
        barrier.wait()
        response = http.post("/api/v1/applications", json=body, headers=headers)
        answers[n] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Application.select().count() == 1
    assert {status for status, _ in answers} == {201}  # type: ignore[misc]
    assert len({text for _, text in answers}) == 1  # type: ignore[misc]
    assert AuditEntry.select().where(AuditEntry.action == "application.create").count() == 1


def test_household_id_numbers_are_encrypted_and_masked(api: Api, filing: Filing) -> None:
    filed = api.post("/api/v1/applications", "res-owner", json=filing())
    stored = Application.get_by_id(filed.json["id"])
    member = stored.household_members[0]
    assert member["id_enc"].startswith("v1.") and "id_number" not in member
    staff_view = api.get(f"/api/v1/applications/{stored.id}", "ts-a").json
    assert staff_view["household_members"][0]["id_number"].startswith("410184")
    assert "*" in staff_view["applicant_id_number"] and staff_view["phone"] == "138****1111"


def test_residents_see_their_own_and_staff_their_scope(api: Api, filing: Filing) -> None:
    mine = api.post("/api/v1/applications", "res-owner", json=filing()).json["id"]
    theirs = api.post("/api/v1/applications", "res-other", json=filing(n=30, village="b1")).json[
        "id"
    ]
    assert [a["id"] for a in api.get("/api/v1/applications", "res-owner").json] == [mine]
    assert api.get(f"/api/v1/applications/{theirs}", "res-owner").status_code == 404
    assert [a["id"] for a in api.get("/api/v1/applications", "ts-a").json] == [mine]
    assert [a["id"] for a in api.get("/api/v1/applications", "co-b1").json] == [theirs]
    assert api.get("/api/v1/applications", "co-a2").json == []
    assert len(api.get("/api/v1/applications", "city-admin").json) == 2
    assert api.get(f"/api/v1/applications/{mine}", "ts-b").status_code == 404
    assert api.get("/api/v1/applications", "sw-a1").status_code == 403
    assert api.get("/api/v1/applications").status_code == 401
    filtered = api.get("/api/v1/applications?status=draft&service_code=temporary_relief", "ts-a")
    assert filtered.status_code == 200 and filtered.json == []
    assert api.get("/api/v1/applications?status=nonsense", "ts-a").status_code == 422


def test_bad_filings_answer_422_with_the_field(api: Api, filing: Filing) -> None:
    events_before = OutboxEvent.select().count()
    cases = [
        (filing(applicant_id_number="410184195003010011"), "invalid_id_number"),
        (filing(phone="12345"), "invalid_phone"),
        (filing(service_code="made_up"), None),
        (filing(village_id="1"), None),
        (filing(extra_field=1), None),
        (
            filing(
                proxy={
                    "authorised_by": "某",
                    "authorised_at": "2026-03-01T00:00:00",
                    "method": "in_person",
                }
            ),
            "proxy_not_allowed",
        ),
    ]
    for body, code in cases:
        response = api.post("/api/v1/applications", "res-owner", json=body)
        assert response.status_code == 422, (body, response.json)
        if code:
            assert response.json["code"] == code
    missing_village = filing(village_id=99_999)
    assert (
        api.post("/api/v1/applications", "res-owner", json=missing_village).json["code"]
        == "unknown_village"
    )
    assert Application.select().count() == 0
    assert OutboxEvent.select().count() == events_before


def test_only_the_filer_submits_or_withdraws(api: Api, filing: Filing) -> None:
    proxy = {
        "authorised_by": "对象a1",
        "authorised_at": "2026-03-01T02:00:00",
        "method": "in_person",
    }
    filed = api.post("/api/v1/applications", "co-a1", json=filing(proxy=proxy)).json
    assert api.post(f"/api/v1/applications/{filed['id']}/submit", "ts-a").status_code == 403
    assert (
        api.post(f"/api/v1/applications/{filed['id']}/withdraw", "co-a2", json={}).status_code
        == 404
    )
    assert api.post(f"/api/v1/applications/{filed['id']}/submit", "co-a1").status_code == 200
    # The resident filed for may also act on it.
    assert (
        api.post(
            f"/api/v1/applications/{filed['id']}/withdraw", "res-owner", json={"reason": "不需要了"}
        ).status_code
        == 200
    )


def test_transition_errors_are_documented_4xx(api: Api, clock: Clock, filing: Filing) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json["id"]
    path = f"/api/v1/applications/{app_id}/transitions"
    assert api.post(path, "res-owner", json={"action": "advance"}).status_code == 403
    assert api.post(path, "sw-a1", json={"action": "advance"}).status_code == 403
    assert api.post(path, "ts-b", json={"action": "advance"}).status_code == 404
    assert (
        api.post(
            "/api/v1/applications/999999/transitions", "ts-a", json={"action": "advance"}
        ).status_code
        == 404
    )
    assert api.post(path, "ts-a", json={"action": "fly"}).status_code == 422
    no_reason = api.post(path, "ts-a", json={"action": "reject"})
    assert no_reason.status_code == 422 and no_reason.json["code"] == "reason_required"
    unknown = api.post(path, "ts-a", json={"action": "supplement", "missing_materials": ["x"]})
    assert unknown.status_code == 422 and unknown.json["errors"]["missing_materials"] == ["x"]
    assert api.post(path, "ts-a", json={"action": "supplement"}).status_code == 422
    early = api.post(path, "ts-a", json={"action": "approve"})
    assert early.status_code == 409 and early.json["code"] == "not_at_approval"
    objection = api.post(path, "ts-a", json={"action": "record_objection", "comment": "异议"})
    assert objection.status_code == 409 and objection.json["code"] == "not_in_public_notice"
    rejected = api.post(path, "ts-a", json={"action": "reject", "comment": "户籍不在本市"})
    assert rejected.status_code == 200 and rejected.json["decision_reason"] == "户籍不在本市"
    assert api.post(path, "ts-a", json={"action": "advance"}).status_code == 409
    timeline = api.get(f"/api/v1/applications/{app_id}/timeline", "res-owner").json
    assert timeline["steps"][-1]["comment"] == "户籍不在本市"
    assert timeline["current_stage"] is None and timeline["application"]["status"] == "rejected"


def test_evaluation_needs_a_decision_and_happens_once(
    api: Api, clock: Clock, filing: Filing
) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json["id"]
    path = f"/api/v1/applications/{app_id}/evaluation"
    early = api.post(path, "res-owner", json={"rating": 5})
    assert early.status_code == 409 and early.json["code"] == "not_decided"
    api.post(
        f"/api/v1/applications/{app_id}/transitions",
        "ts-a",
        json={"action": "reject", "comment": "不符合条件"},
    )
    assert api.post(path, "res-owner", json={"rating": 6}).status_code == 422
    assert api.post(path, "ts-a", json={"rating": 5}).status_code == 403
    assert api.post(path, "res-other", json={"rating": 5}).status_code == 404
    good = api.post(path, "res-owner", json={"rating": 5, "comment": "办事快"})
    assert good.status_code == 201 and good.json["follow_up_due_on"] is None
    assert api.post(path, "res-owner", json={"rating": 4}).status_code == 409


def test_the_work_queue_is_sorted_by_due_date_and_flags_overdue_ones(
    api: Api, clock: Clock, filing: Filing
) -> None:
    first = api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json
    clock.advance(1)
    second = api.post(
        "/api/v1/applications", "res-owner", json=filing("medical_relief", submit=True)
    ).json
    api.post("/api/v1/applications", "res-other", json=filing(n=40, village="b1", submit=True))
    queue = api.get("/api/v1/applications/queue", "ts-a").json
    assert [a["id"] for a in queue] == [first["id"], second["id"]]
    assert not any(a["overdue"] for a in queue)
    clock.advance(3)  # Friday: the first (due Wednesday) and the second (due Thursday) are late
    late = api.get("/api/v1/applications/queue?overdue_only=true", "ts-a").json
    assert [a["id"] for a in late] == [first["id"], second["id"]]
    assert all(a["overdue"] for a in late)
    assert api.get("/api/v1/applications/queue", "co-a1").json == []  # nothing at 评议 yet
    assert api.get("/api/v1/applications/queue", "res-owner").status_code == 403
    assert api.get("/api/v1/applications/queue?overdue_only=maybe", "ts-a").status_code == 422

    report = api.get("/api/v1/applications/overdue-report", "city-admin")
    assert report.status_code == 200
    rows = {(r["township_code"], r["stage"]): r for r in report.json}
    assert rows[("410184001", "acceptance")]["overdue_count"] == 2
    assert rows[("410184001", "acceptance")]["township_name"] == "测试A镇"
    assert rows[("410184100", "acceptance")]["open_count"] == 1
    assert api.get("/api/v1/applications/overdue-report", "ts-a").status_code == 403
    assert applications.is_overdue(Application.get_by_id(first["id"]))


def test_concurrent_filings_for_one_person_and_service_are_all_taken_and_all_but_one_flagged(
    app: Flask, api: Api, filing: Filing
) -> None:
    tokens = [api.token("res-owner"), api.token("res-other")] * 3
    barrier, statuses = threading.Barrier(6), [0] * 6

    def file(n: int) -> None:
        http = app.test_client()
        barrier.wait()
        response = http.post(
            "/api/v1/applications",
            json=filing(),
            headers={"Authorization": f"Bearer {tokens[n]}", "Idempotency-Key": f"key-{n}"},
        )
        statuses[n] = response.status_code

    threads = [threading.Thread(target=file, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 6
    assert Application.select().count() == 6
    holders = Application.select().where(Application.possible_duplicate_of.is_null())
    assert holders.count() == 1 and holders.get().open_key is not None
    flagged = Application.select().where(Application.possible_duplicate_of == holders.get())
    assert flagged.count() == 5


def test_a_filing_is_numbered_by_the_citys_calendar_day_not_utcs() -> None:
    # 23:30 UTC on 6 December is 07:30 on 7 December in the city.
    late_utc = datetime(2026, 12, 6, 23, 30)
    filed = Application(id=42, created_at=late_utc)
    assert _shared.reference(filed) == "SQ20261207000042"
    assert _shared.dated_number("SS", datetime(2026, 12, 6, 15, 59), 7) == "SS20261206000007"
