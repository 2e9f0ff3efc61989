"""Configuration comes from the environment when a process starts, with safe defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import ConfigurationError, load_settings
from backend.pii import DataVault


def test_development_generates_and_keeps_its_keys_under_instance(tmp_path: Path) -> None:
    first = load_settings({"INSTANCE_PATH": str(tmp_path)})
    again = load_settings({"INSTANCE_PATH": str(tmp_path)})
    assert first.data_key == again.data_key and first.secret_key == again.secret_key
    assert first.database_url == f"sqlite:///{tmp_path / 'minzheng.db'}"
    assert (tmp_path / "data_key").stat().st_mode & 0o777 == 0o600
    assert first.jobs_inline


def test_production_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="DATA_KEY"):
        load_settings(
            {
                "APP_ENV": "production",
                "DATABASE_URL": "postgresql://x/y",
                "SECRET_KEY": "s",
                "INSTANCE_PATH": str(tmp_path),
            }
        )
    assert not (tmp_path / "data_key").exists()


def test_production_refuses_a_malformed_data_key(tmp_path: Path) -> None:
    with pytest.raises(Exception):  # noqa: B017 - whatever the vault raises, start-up stops
        load_settings(
            {
                "APP_ENV": "production",
                "DATABASE_URL": "postgresql://x/y",
                "SECRET_KEY": "s",
                "DATA_KEY": "too-short",
            }
        )


def test_wechat_template_ids_come_from_json(tmp_path: Path) -> None:
    settings = load_settings(
        {"INSTANCE_PATH": str(tmp_path), "WECHAT_TEMPLATES": '{"booking_approved": "AbC123"}'}
    )
    assert settings.wechat_templates == {"booking_approved": "AbC123"}
    with pytest.raises(ConfigurationError, match="WECHAT_TEMPLATES"):
        load_settings({"INSTANCE_PATH": str(tmp_path), "WECHAT_TEMPLATES": "[1, 2]"})


def _production(tmp_path: Path, **changes: str) -> dict[str, str]:
    return {"APP_ENV": "production", "DATABASE_URL": "postgresql://x/y",
            "SECRET_KEY": "k" * 48, "DATA_KEY": DataVault.generate_key_string(),
            "REDIS_URL": "redis://127.0.0.1:6379/0", "WECHAT_APPID": "wx1234567890abcdef",
            "WECHAT_SECRET": "a-real-looking-secret", "INSTANCE_PATH": str(tmp_path),
            "WECHAT_MESSAGE_TOKEN": "Qm3xT9wLp2", "PUBLIC_BASE_URL": "https://mz.example.gov.cn",
            **changes}


def test_a_complete_production_configuration_starts(tmp_path: Path) -> None:
    assert load_settings(_production(tmp_path)).is_production


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"WECHAT_APPID": "wx-demo-appid"}, "WECHAT_APPID / WECHAT_SECRET 仍是演示值"),
        ({"WECHAT_SECRET": "demo-secret"}, "WECHAT_APPID / WECHAT_SECRET 仍是演示值"),
        ({"SECRET_KEY": "s"}, "SECRET_KEY 过短或为示例值"),
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY 过短或为示例值"),
        ({"REDIS_URL": ""}, "缺少 REDIS_URL"),
        ({"WECHAT_MESSAGE_TOKEN": ""}, "缺少 WECHAT_MESSAGE_TOKEN"),
        ({"WECHAT_MESSAGE_TOKEN": "demo-message-token"}, "缺少 WECHAT_MESSAGE_TOKEN"),
        ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL 须为本服务对外的 https"),
        ({"PUBLIC_BASE_URL": "http://mz.example.gov.cn"}, "PUBLIC_BASE_URL 须为本服务对外的 https"),
    ],
)
def test_production_refuses_each_unsafe_setting_with_one_clear_line(
    tmp_path: Path, changes: dict[str, str], said: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(_production(tmp_path, **changes))
    lines = refused.value.message.splitlines()
    assert len(lines) == 2 and lines[1].startswith(said)


def test_production_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    from backend import health
    from backend.db import db, open_database

    previous = db.obj
    open_database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(ConfigurationError, match="数据库结构未迁移到最新"):
            health.refuse_unmigrated()
    finally:
        db.initialize(previous)
