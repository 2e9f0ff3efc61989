"""Configuration comes from the environment when a process starts, with safe defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import ConfigurationError, load_settings


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
