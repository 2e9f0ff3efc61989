"""Logging in and out, as the mini-program and staff screens do it."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from backend.models import AuditEntry, AuthSession, WeChatSessionKey
from backend.services.auth import hash_password
from fake_wechat import FakeWeChatServer
from tests.factories import World


def test_wechat_login_with_a_valid_code_answers_tokens_and_never_the_session_key(
    client: FlaskClient, fake_wechat: FakeWeChatServer
) -> None:
    response = client.post("/api/v1/auth/wechat", json={"code": "test-openid-alice"})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["token_type"] == "Bearer" and body["user"]["role"] == "resident"
    assert "session_key" not in response.get_data(as_text=True)
    stored = WeChatSessionKey.get()
    assert stored.session_key_enc.startswith("v1.")  # encrypted at rest
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json["kind"] == "resident"


def test_wechat_login_with_a_reused_code_is_refused_clearly(
    client: FlaskClient, fake_wechat: FakeWeChatServer
) -> None:
    assert client.post("/api/v1/auth/wechat", json={"code": "test-bob"}).status_code == 200
    again = client.post("/api/v1/auth/wechat", json={"code": "test-bob"})
    assert again.status_code == 422
    assert again.json["code"] == "wechat_code_used" and "已被使用" in again.json["message"]


def test_wechat_login_with_an_invalid_code_is_refused_clearly(
    client: FlaskClient, fake_wechat: FakeWeChatServer
) -> None:
    response = client.post("/api/v1/auth/wechat", json={"code": "made-up"})
    assert response.status_code == 422 and response.json["code"] == "wechat_invalid_code"


def test_wechat_busy_and_rate_limit_become_503_and_429(
    client: FlaskClient, fake_wechat: FakeWeChatServer
) -> None:
    fake_wechat.state.fail_next("jscode2session", -1)
    assert client.post("/api/v1/auth/wechat", json={"code": "test-x"}).status_code == 503
    fake_wechat.state.fail_next("jscode2session", 45011)
    assert client.post("/api/v1/auth/wechat", json={"code": "test-y"}).status_code == 429


def _staff_login(client: FlaskClient, world: World) -> dict[str, Any]:
    world.staff["ts-a"].password_hash = hash_password("right-password")
    world.staff["ts-a"].save()
    login = client.post(
        "/api/v1/auth/staff", json={"username": "ts-a", "password": "right-password"}
    )
    assert login.status_code == 200
    return dict(login.json)


def test_staff_login_refresh_and_logout_revoke_the_session(
    client: FlaskClient, world: World
) -> None:
    tokens = _staff_login(client, world)
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    headers = {"Authorization": f"Bearer {refreshed.json['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert AuthSession.select().where(AuthSession.revoked_at.is_null(False)).count() == 1
    after_logout = client.post("/api/v1/auth/refresh",
                               json={"refresh_token": refreshed.json["refresh_token"]})
    assert after_logout.status_code == 401


def test_a_rotated_refresh_token_used_again_revokes_the_whole_login(
    client: FlaskClient, world: World
) -> None:
    tokens = _staff_login(client, world)
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    # The old refresh token was rotated away; presenting it again means it was copied.
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 401 and reused.json["code"] == "refresh_token_reused"
    headers = {"Authorization": f"Bearer {refreshed.json['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    newest = client.post("/api/v1/auth/refresh",
                         json={"refresh_token": refreshed.json["refresh_token"]})
    assert newest.status_code == 401
    assert AuditEntry.select().where(AuditEntry.action == "auth.refresh_reused").count() == 1


def test_an_unknown_refresh_token_revokes_nothing(client: FlaskClient, world: World) -> None:
    tokens = _staff_login(client, world)
    made_up = client.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 43})
    assert made_up.status_code == 401 and made_up.json["code"] == "invalid_refresh_token"
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_a_deactivated_staff_account_is_signed_out_at_once(
    client: FlaskClient, world: World
) -> None:
    tokens = _staff_login(client, world)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    world.staff["ts-a"].is_active = False
    world.staff["ts-a"].save()
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and refused.json["code"] == "account_inactive"
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


def test_staff_login_is_throttled_after_five_failures(client: FlaskClient, world: World) -> None:
    for _ in range(5):
        bad = client.post("/api/v1/auth/staff", json={"username": "ts-b", "password": "nope"})
        assert bad.status_code == 401 and bad.json["code"] == "invalid_credentials"
    locked = client.post("/api/v1/auth/staff", json={"username": "ts-b", "password": "nope"})
    assert locked.status_code == 429 and locked.json["code"] == "login_throttled"


def test_a_garbage_token_is_401_with_the_envelope(client: FlaskClient) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert set(response.json) == {"code", "status", "message", "errors"}


def test_a_refused_token_says_why_so_the_app_knows_to_refresh(
    client: FlaskClient, world: World
) -> None:
    tokens = _staff_login(client, world)
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401 and forged.json["code"] == "invalid_token"
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    revoked = client.get("/api/v1/me", headers=headers)
    assert revoked.status_code == 401 and revoked.json["code"] == "session_revoked"
    # A public page stays readable with a stale token.
    assert client.get("/api/v1/services", headers=headers).status_code == 200
