"""Staff administration through the API: accounts of every role, one-time passwords,
deactivation that ends sessions at once, the township's head, compliance counting active staff."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from backend.models import AuditEntry, StaffAccount
from backend.permissions import SYSTEM
from backend.services.supervision import periods
from backend.services.supervision.compliance import compute_compliance
from tests.conftest import Api
from tests.factories import World


def _create(api: Api, who: str = "city-admin", **fields: Any) -> Any:
    body = {"username": "new-sw", "name": "新社工", "role": "social_worker",
            "township_id": api.world.townships["a"].id, **fields}
    return api.post("/api/v1/staff", who, json=body)


def _login(client: FlaskClient, username: str, password: str) -> Any:
    return client.post("/api/v1/auth/staff", json={"username": username, "password": password})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_city_opens_an_account_whose_one_time_password_must_be_changed_first(
        api: Api, client: FlaskClient) -> None:
    created = _create(api, phone="13912345678")
    assert created.status_code == 201, created.json
    account, password = created.json["account"], created.json["one_time_password"]
    assert account["must_change_password"] and account["area_code"] == "410184001"
    assert account["phone"] == "139****5678"
    login = _login(client, "new-sw", password)
    assert login.status_code == 200 and login.json["user"]["must_change_password"] is True
    headers = _bearer(login.json["access_token"])
    refused = client.get("/api/v1/me/route", headers=headers)
    assert refused.status_code == 403 and refused.json["code"] == "password_change_required"
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    weak = client.post("/api/v1/me/password", headers=headers,
                       json={"current_password": password, "new_password": "short"})
    assert weak.status_code == 422 and weak.json["code"] == "weak_password"
    changed = client.post("/api/v1/me/password", headers=headers,
                          json={"current_password": password, "new_password": "Chosen-2026"})
    assert changed.status_code == 204
    assert client.get("/api/v1/me/route", headers=headers).status_code != 403
    assert _login(client, "new-sw", password).status_code == 401
    actions = {e.action for e in AuditEntry.select()}
    assert {"staff.create", "staff.password_changed"} <= actions
    assert password not in "".join(str(e.changes) for e in AuditEntry.select())


def test_a_deactivated_account_token_stops_working_at_once(api: Api, world: World) -> None:
    token = api.token("sw-a1")
    assert api.client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    worker = world.staff["sw-a1"]
    off = api.patch(f"/api/v1/staff/{worker.id}", "city-admin",
                    json={"is_active": False, "reason": "离职"})
    assert off.status_code == 200 and off.json["is_active"] is False
    refused = api.client.get("/api/v1/me", headers=_bearer(token))
    assert refused.status_code == 401 and refused.json["code"] == "account_inactive"
    entry = AuditEntry.get(AuditEntry.action == "staff.deactivate")
    assert entry.reason == "离职" and entry.entity_id == str(worker.id)


def test_a_township_manages_its_own_coordinators_and_social_workers_only(
        api: Api, world: World) -> None:
    own = _create(api, "ts-a", username="co-new", role="coordinator",
                  village_id=world.villages["a1"].id, township_id=None)
    assert own.status_code == 201, own.json
    assert own.json["account"]["monthly_allowance_fen"] == 50_000
    assert own.json["account"]["area_code"] == world.villages["a1"].code
    elsewhere = _create(api, "ts-a", username="co-b", role="coordinator",
                        village_id=world.villages["b1"].id, township_id=None)
    assert elsewhere.status_code == 404
    colleague = _create(api, "ts-a", username="ts-new", role="township_staff")
    assert colleague.status_code == 403 and colleague.json["code"] == "staff_role_not_manageable"
    other_office = api.patch(f"/api/v1/staff/{world.staff['sw-b1'].id}", "ts-a",
                             json={"name": "改名"})
    assert other_office.status_code == 404
    assert api.post("/api/v1/staff", "sw-a1", json={}).status_code == 403
    listed = api.get("/api/v1/staff?role=coordinator", "ts-a")
    assert {s["username"] for s in listed.json} == {"co-a1", "co-a2", "co-new"}


def test_the_city_appoints_a_township_head_and_only_one_holds_it(api: Api, world: World) -> None:
    second = _create(api, username="ts-a2", name="副职", role="township_staff").json["account"]
    township = world.townships["a"]
    appointed = api.call("PUT", f"/api/v1/townships/{township.id}/head", "city-admin",
                         json={"staff_id": second["id"]})
    assert appointed.status_code == 200 and appointed.json["is_head"] is True
    heads = StaffAccount.select().where(StaffAccount.township == township,
                                        StaffAccount.is_head == True)  # noqa: E712
    assert [s.username for s in heads] == ["ts-a2"]
    worker = api.call("PUT", f"/api/v1/townships/{township.id}/head", "city-admin",
                      json={"staff_id": world.staff["sw-a1"].id})
    assert worker.status_code == 422 and worker.json["code"] == "head_not_eligible"
    by_township = api.call("PUT", f"/api/v1/townships/{township.id}/head", "ts-a",
                           json={"staff_id": second["id"]})
    assert by_township.status_code == 403


def test_a_reset_password_ends_sessions_and_must_be_changed(api: Api, world: World) -> None:
    token = api.token("co-a1")
    reset = api.post(f"/api/v1/staff/{world.staff['co-a1'].id}/password-reset", "ts-a")
    assert reset.status_code == 200 and reset.json["account"]["must_change_password"]
    assert api.client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    login = _login(api.client, "co-a1", reset.json["one_time_password"])
    assert login.json["user"]["must_change_password"] is True


def test_a_username_already_taken_is_a_conflict(api: Api) -> None:
    taken = _create(api, username="sw-a1")
    assert taken.status_code == 409 and taken.json["code"] == "username_taken"


def test_compliance_counts_only_active_social_workers(api: Api, world: World) -> None:
    def social_workers_passed() -> bool:
        report = compute_compliance(periods.parse_period(None), actor=SYSTEM)
        row = next(r for r in report["townships"] if r["township_code"] == "410184001")
        return next(i for i in row["items"] if i["code"] == "social_workers")["passed"]

    assert social_workers_passed()
    api.patch(f"/api/v1/staff/{world.staff['sw-a2'].id}", "ts-a", json={"is_active": False})
    assert not social_workers_passed()
