"""Running it for real: health and readiness probes, metrics not for the public, request ids,
a lost database answered as 503, gunicorn with the repo's config."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import peewee as pw
import pytest
import requests

import notifications
from backend import runtime
from backend.config import PROJECT_ROOT
from backend.services import service_guide
from tests.conftest import Api


def test_healthz_answers_and_readyz_checks_the_database(api: Api) -> None:
    assert api.get("/healthz").json == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"]["database"] == "ok"


def test_readyz_names_an_unreachable_redis(api: Api) -> None:
    settings = runtime.settings()
    notifications.install(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    try:
        ready = api.get("/readyz")
    finally:
        notifications.install(settings)
    assert ready.status_code == 503
    assert ready.json["checks"]["redis"].startswith("Redis 不可用")
    assert ready.json["checks"]["database"] == "ok"


def test_metrics_need_the_token_when_one_is_configured(api: Api) -> None:
    api.get("/api/v1/services")
    local = api.get("/metrics")
    assert local.status_code == 200
    assert 'route="/api/v1/services"' in local.get_data(as_text=True)
    assert "minzheng_outbox_backlog" in local.get_data(as_text=True)
    settings = runtime.settings()
    runtime.configure(replace(settings, metrics_token="s3cret-token"))
    try:
        assert api.get("/metrics").status_code == 404
        allowed = api.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
        assert allowed.status_code == 200
    finally:
        runtime.configure(settings)
    remote = api.client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert remote.status_code == 404


def test_a_request_id_is_kept_only_when_short_and_plain(api: Api) -> None:
    assert api.get("/healthz", headers={"X-Request-Id": "abc-123"}).headers[
        "X-Request-Id"] == "abc-123"
    long_id = api.get("/healthz", headers={"X-Request-Id": "x" * 65}).headers["X-Request-Id"]
    odd_id = api.get("/healthz", headers={"X-Request-Id": "a b;c"}).headers["X-Request-Id"]
    assert len(long_id) == len(odd_id) == 32 and long_id != "x" * 65


def test_a_lost_database_answers_503_with_retry_after(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down() -> list[dict[str, object]]:
        raise pw.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(service_guide, "list_services", down)
    monkeypatch.setattr(service_guide, "guide_stamp", down)  # the guide's first read, cached
    answer = api.get("/api/v1/services")
    assert answer.status_code == 503 and answer.json["code"] == "database_unavailable"
    assert answer.headers["Retry-After"] == "5"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_gunicorn_serves_the_app_with_the_repo_config(api: Api, tmp_path: Path) -> None:
    settings = runtime.settings()
    port = _free_port()
    env = {**os.environ, "APP_ENV": "test", "INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": settings.database_url, "SECRET_KEY": settings.secret_key,
           "DATA_KEY": settings.data_key, "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_WORKERS": "1", "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("REDIS_URL", None)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as errors:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
             "miniprogram_api.wsgi:app"],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        base, ready = f"http://127.0.0.1:{port}", None
        deadline = time.monotonic() + 90  # importing the app on a busy machine takes a while
        while ready is None and time.monotonic() < deadline and server.poll() is None:
            try:
                ready = requests.get(f"{base}/readyz", timeout=30)
            except requests.RequestException:  # not listening yet, or busy starting
                time.sleep(0.2)
        assert ready is not None and ready.status_code == 200, log.read_text()[-2000:]
        metrics = requests.get(f"{base}/metrics", timeout=30)
        assert metrics.status_code == 200 and 'route="/readyz"' in metrics.text
    finally:
        server.terminate()
        server.wait(timeout=20)
