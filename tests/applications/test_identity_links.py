"""Verified links (issue 20): in person with a link code, or by WeChat's phone number; unlinking.

A WeChat account reaches a client's records only through a link that was verified, recorded
(relation, method, who) and audited, made and ended.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from backend.commands.clients import CategoryEntry, RegisterClient
from backend.models import AuditEntry, ClientContact, LinkAttempt, LinkCode, PiiAccess, utcnow
from backend.permissions import SYSTEM
from backend.services import clients
from fake_wechat import FakeWeChatServer
from tests.conftest import Api
from tests.factories import id_number

A1_PHONE = "13800000001"  # client a1's phone on record (tests/factories.py)


@pytest.fixture
def wechat_user(api: Api, fake_wechat: FakeWeChatServer) -> Callable[[str], str]:
    """Log a fresh WeChat user in through the API; answers the name to call the API as."""

    def login(name: str) -> str:
        answer = api.client.post("/api/v1/auth/wechat", json={"code": f"test-{name}"})
        assert answer.status_code == 200, answer.json
        api._tokens[name] = answer.json["access_token"]
        return name

    return login


def phone_link(api: Api, who: str, code: str, **body: Any) -> Any:
    """POST /me/links with a phone-number code and the client's name and ID number."""
    payload = {"phone_code": code, "name": "对象a1", "id_number": id_number(1), **body}
    return api.post("/api/v1/me/links", who, json=payload)


def link_code(api: Api, who: str) -> str:
    """A fresh link code for a resident."""
    answer = api.post("/api/v1/me/link-codes", who)
    assert answer.status_code == 201, answer.json
    assert answer.json["expires_in"] == 600 and len(answer.json["code"]) == 8
    return str(answer.json["code"])


def test_a_matching_phone_links_the_account_and_me_shows_where_the_client_lives(
    api: Api, fake_wechat: FakeWeChatServer, wechat_user: Callable[[str], str]
) -> None:
    who = wechat_user("alice")
    assert api.get("/api/v1/me", who).json["clients"] == []
    linked = phone_link(api, who, fake_wechat.state.phone_code(A1_PHONE))
    assert linked.status_code == 201, linked.json
    me = api.get("/api/v1/me", who).json
    assert me["phone"] == "138****0001"  # the number WeChat vouched for, masked
    [entry] = me["clients"]
    assert entry == linked.json
    assert (entry["id"], entry["relation"], entry["method"]) == (
        api.world.clients["a1"].id, "self", "phone")
    assert (entry["township_name"], entry["village_name"]) == ("测试A镇", "A1村")
    assert entry["township_id"] == api.world.townships["a"].id
    assert entry["village_id"] == api.world.villages["a1"].id
    audit = AuditEntry.get(AuditEntry.action == "client.link_resident")
    assert audit.changes["method"] == [None, "phone"] and audit.chain == "township:410184001"
    assert PiiAccess.get(PiiAccess.purpose == "phone_link_match").field == "phone"
    inbox = api.get("/api/v1/me/messages", who).json
    assert [m["topic"] for m in inbox] == ["client.linked"] and "对象a1" in inbox[0]["body"]
    again = phone_link(api, who, fake_wechat.state.phone_code(A1_PHONE))
    assert again.status_code == 409 and again.json["code"] == "already_linked"


def test_a_mismatch_answers_the_same_words_whatever_did_not_match_and_is_throttled(
    api: Api, fake_wechat: FakeWeChatServer, wechat_user: Callable[[str], str]
) -> None:
    who, state = wechat_user("mallory"), fake_wechat.state
    answers = [
        phone_link(api, who, state.phone_code("13900009999")),  # someone else's phone
        phone_link(api, who, state.phone_code(A1_PHONE), name="别人"),  # wrong name
        phone_link(api, who, state.phone_code(A1_PHONE), id_number=id_number(40)),  # no client
        phone_link(api, who, state.phone_code(A1_PHONE), id_number=id_number(2)),  # client a2
    ]
    assert {a.status_code for a in answers} == {422}
    assert len({a.get_data(as_text=True) for a in answers}) == 1
    assert answers[0].json["code"] == "identity_mismatch"
    assert LinkAttempt.select().count() == 4 and ClientContact.select().count() == 1
    assert phone_link(api, who, state.phone_code("13900009998")).status_code == 422
    # Five failures in a day: even the right answer waits (and WeChat's code is not spent).
    code = state.phone_code(A1_PHONE)
    throttled = phone_link(api, who, code)
    assert throttled.status_code == 429 and throttled.json["code"] == "link_throttled"
    LinkAttempt.update(created_at=utcnow() - timedelta(days=2)).execute()
    assert phone_link(api, who, code).status_code == 201
    bad_id = phone_link(api, who, state.phone_code(A1_PHONE), id_number="410184195003010011")
    assert bad_id.status_code == 422 and bad_id.json["code"] == "invalid_id_number"


def test_wechat_errors_are_mapped_as_for_login_and_a_stale_token_is_refreshed(
    api: Api, fake_wechat: FakeWeChatServer, wechat_user: Callable[[str], str]
) -> None:
    who, state = wechat_user("bob"), fake_wechat.state
    made_up = phone_link(api, who, "made-up-code")
    assert made_up.status_code == 422 and made_up.json["code"] == "wechat_invalid_code"
    expired = state.phone_code(A1_PHONE)
    state.advance_clock(301)
    assert phone_link(api, who, expired).json["code"] == "wechat_invalid_code"
    state.fail_next("getuserphonenumber", -1)
    busy = phone_link(api, who, state.phone_code(A1_PHONE))
    assert busy.status_code == 503 and busy.json["code"] == "wechat_busy"
    state.fail_next("getuserphonenumber", 45011)
    assert phone_link(api, who, state.phone_code(A1_PHONE)).status_code == 429
    other_app = phone_link(api, who, state.phone_code(A1_PHONE, appid="wx-another"))
    assert other_app.status_code == 503 and other_app.json["code"] == "wechat_misconfigured"
    assert LinkAttempt.select().count() == 0  # WeChat's refusals are not the resident's guesses
    state.expire_tokens()  # the cached access token dies: refreshed once, the call goes through
    code = state.phone_code(A1_PHONE)
    assert phone_link(api, who, code).status_code == 201
    used = phone_link(api, who, code)
    assert used.status_code == 422 and used.json["code"] == "wechat_invalid_code"


@pytest.fixture
def minor(api: Api) -> Any:
    """A left-behind child of village a1 with a guardian (and the guardian's phone) on file."""
    return clients.create_client(RegisterClient(
        name="小明", id_number=id_number(60, birth=date(2016, 5, 1)),
        village_id=api.world.villages["a1"].id, address="a1村3组", guardian_name="王芳",
        guardian_relation="祖母", guardian_phone="13700001234",
        categories=(CategoryEntry("left_behind_child"),)), actor=SYSTEM)


def test_guardians_act_for_minors_by_phone_and_in_person(
    api: Api, fake_wechat: FakeWeChatServer, wechat_user: Callable[[str], str], minor: Any
) -> None:
    who, state = wechat_user("grandma"), fake_wechat.state
    body = {"name": "小明", "id_number": id_number(60, birth=date(2016, 5, 1))}
    as_self = phone_link(api, who, state.phone_code("13700001234"), **body)
    assert as_self.status_code == 422 and as_self.json["code"] == "minor_needs_guardian"
    in_person = api.post(f"/api/v1/clients/{minor.id}/links", "ts-a", json={
        "link_code": link_code(api, who), "relation": "self", "id_document_checked": True})
    assert in_person.json["code"] == "minor_needs_guardian"
    # The guardian's phone on record, not the child's (none), is what matches.
    guardian = phone_link(api, who, state.phone_code("13700001234"), relation="guardian", **body)
    assert guardian.status_code == 201, guardian.json
    assert guardian.json["relation"] == "guardian" and guardian.json["relation_label"] == "监护人"
    # An adult without a guardian on file has no guardian to link.
    adult = api.post(f"/api/v1/clients/{api.world.clients['a2'].id}/links", "ts-a", json={
        "link_code": link_code(api, who), "relation": "guardian", "id_document_checked": True})
    assert adult.status_code == 422 and adult.json["code"] == "guardian_not_applicable"


def test_staff_link_in_person_with_the_code_the_resident_shows(
    api: Api, wechat_user: Callable[[str], str]
) -> None:
    who = wechat_user("carol")
    a2 = api.world.clients["a2"]
    path = f"/api/v1/clients/{a2.id}/links"
    code = link_code(api, who)
    assert LinkCode.get().code_hash != code  # only a keyed hash is kept
    unseen = api.post(path, "co-a2", json={"link_code": code, "relation": "child",
                                           "id_document_checked": False})
    assert unseen.status_code == 422 and unseen.json["code"] == "id_document_not_checked"
    elsewhere = api.post(path, "co-a1", json={"link_code": code, "relation": "child",
                                              "id_document_checked": True})
    assert elsewhere.status_code == 404  # another village's coordinator
    assert api.post(path, who, json={"link_code": code, "relation": "child",
                                     "id_document_checked": True}).status_code == 403
    linked = api.post(path, "co-a2", json={"link_code": code.lower()[:4] + "-" + code[4:],
                                           "relation": "child", "id_document_checked": True,
                                           "note": "查验身份证及户口簿"})
    assert linked.status_code == 201, linked.json
    assert (linked.json["method"], linked.json["verified_by_name"]) == ("in_person", "测试co-a2")
    assert linked.json["relation_label"] == "子女"
    reused = api.post(path, "ts-a", json={"link_code": code, "relation": "child",
                                          "id_document_checked": True})
    assert reused.status_code == 422 and reused.json["code"] == "invalid_link_code"
    listed = api.get(path, "ts-a").json
    assert [(x["resident_id"], x["relation"]) for x in listed] == [
        (linked.json["resident_id"], "child")]
    assert api.get(path, "ts-b").status_code == 404
    [entry] = api.get("/api/v1/me", who).json["clients"]
    assert (entry["id"], entry["relation"], entry["village_name"]) == (a2.id, "child", "A2村")
    audit = AuditEntry.get(AuditEntry.action == "client.link_resident")
    assert audit.reason == "查验身份证及户口簿" and audit.actor_id == api.world.staff["co-a2"].id


def test_a_code_expires_and_a_new_one_ends_the_old(
    api: Api, wechat_user: Callable[[str], str]
) -> None:
    who = wechat_user("dave")
    path = f"/api/v1/clients/{api.world.clients['a1'].id}/links"
    first, second = link_code(api, who), link_code(api, who)
    body = {"relation": "spouse", "id_document_checked": True}
    assert api.post(path, "ts-a", json={"link_code": first, **body}).json[
        "code"] == "invalid_link_code"
    LinkCode.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
    assert api.post(path, "ts-a", json={"link_code": second, **body}).status_code == 422
    assert api.post(path, "ts-a", json={"link_code": link_code(api, who), **body}
                    ).status_code == 201
    assert api.post("/api/v1/me/link-codes", "ts-a").status_code == 403


def test_unlinking_by_the_resident_or_staff_in_scope_is_audited_and_ends_access(
    api: Api, wechat_user: Callable[[str], str]
) -> None:
    owner_link = ClientContact.get()  # res-owner ↔ a1, made before links were verified
    assert api.get("/api/v1/me", "res-owner").json["clients"][0]["method"] == "legacy"
    assert api.delete(f"/api/v1/me/links/{owner_link.id}", "res-other").status_code == 404
    gone = api.delete(f"/api/v1/me/links/{owner_link.id}?reason=换了手机", "res-owner")
    assert gone.status_code == 204
    assert api.get("/api/v1/me", "res-owner").json["clients"] == []
    assert api.get("/api/v1/bookings", "res-owner").json == []
    audit = AuditEntry.get(AuditEntry.action == "client.unlink_resident")
    assert audit.reason == "换了手机" and audit.changes["relation"] == ["self", None]
    # Staff end a link they manage; outside their scope the link is not found.
    who = wechat_user("erin")
    client_id = api.world.clients["a1"].id
    made = api.post(f"/api/v1/clients/{client_id}/links", "ts-a", json={
        "link_code": link_code(api, who), "relation": "other_family",
        "id_document_checked": True}).json
    path = f"/api/v1/clients/{client_id}/links/{made['id']}"
    assert api.delete(path, "ts-b").status_code == 404
    assert api.delete(f"/api/v1/clients/{api.world.clients['a2'].id}/links/{made['id']}",
                      "ts-a").status_code == 404
    assert api.delete(path + "?reason=家属关系已变更", "ts-a").status_code == 204
    assert api.get("/api/v1/me", who).json["clients"] == []
    topics = [m["topic"] for m in api.get("/api/v1/me/messages", who).json]
    assert topics == ["client.unlinked", "client.linked"]
