"""Configuration read from the environment when an app or worker starts, never at import time."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from backend.errors import DomainError
from backend.pii import DataVault
from backend.wechat import OFFICIAL_API_BASE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(DomainError):
    """The process cannot start with the configuration it was given."""

    code = "configuration_error"
    message = "配置错误"


@dataclass(frozen=True)
class Settings:
    """Everything a process needs to know about its surroundings."""

    env: str = "development"  # development | test | production
    instance_path: Path = PROJECT_ROOT / "instance"
    # Where stored files (uploads, report files) live; a mount shared by every API machine and
    # worker when there are several. Empty = the instance folder (one machine).
    storage_path: str = ""
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    data_key: str = ""
    wechat_appid: str = "wx-demo-appid"
    wechat_secret: str = "demo-secret"
    wechat_api_base: str = OFFICIAL_API_BASE
    wechat_miniprogram_state: str = "formal"
    # An OSRM server (osrm-routed) for road travel times; empty = straight-line estimates.
    osrm_url: str = ""
    # Bearer token for /metrics; empty = served only to the machine itself (loopback).
    metrics_token: str = ""
    # Without Redis: run each committed event's job on a background thread (the demo), so a
    # request that plans a whole city answers at once; otherwise right after the commit.
    inline_jobs_in_background: bool = False
    # The console's map tiles, e.g. 天地图's WMTS URL with its key; empty = no tiles (offline).
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    access_token_ttl_seconds: int = 2 * 3600
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    login_failures_before_lockout: int = 5
    login_lockout_seconds: int = 15 * 60
    max_upload_bytes: int = 10 * 1024 * 1024
    # PostgreSQL connections one process may hold (gunicorn.conf.py sets it from its threads);
    # past it a request waits for one instead of failing.
    db_pool_size: int = 20
    # The hottest statements (the session lookup) PREPAREd on each PostgreSQL connection; turn
    # off behind a pooler that hands a session's statements to different servers (PgBouncer in
    # transaction mode), where a statement prepared on one is missing on the next.
    db_prepared_statements: bool = True
    # A social worker checks in on the visit's planned day; this many days either side also do.
    visit_checkin_tolerance_days: int = 0
    standards_file: str = ""  # a city's own dated standards (JSON); empty = the policy's defaults
    # The bank's payroll CSV layout (JSON, format bank_payroll/1); empty = the shipped example.
    bank_payroll_layout: str = ""
    # WeChat subscribe-message template ids by our template key, as the mini-program registered
    # them ({"booking_approved": "aBcD…"}); an unset key uses tmpl-<key>, which the fake accepts.
    wechat_templates: dict[str, str] = field(default_factory=dict)
    # The Token typed beside the message server URL (消息推送) in the mini-program's admin
    # console; WeChat signs every push with it. Empty: pushes are refused (403).
    wechat_message_token: str = ""
    # Where WeChat reaches this API from outside (https://mz.example.gov.cn), to fetch the image
    # it checks from a signed URL; empty: images cannot be sent for checking (flagged instead).
    public_base_url: str = ""
    media_check_url_ttl_seconds: int = 15 * 60  # how long that signed URL works
    # Search processes in one plan's solve; 0 = the solver's default (up to 2, one per core).
    # 1 where a machine runs a planning worker per core: the nightly fan-out keeps every core
    # busy with a township of its own, and two processes a solve would halve each one's share.
    planning_processes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        """True when running for real users: no generated keys, no defaults for secrets."""
        return self.env == "production"

    @property
    def jobs_inline(self) -> bool:
        """Without Redis, jobs run in-process right after commit."""
        return not self.redis_url

    @property
    def storage_root(self) -> Path:
        """The folder of the file store: ``STORAGE_PATH``, else the instance folder."""
        return Path(self.storage_path) if self.storage_path else self.instance_path

    @property
    def uploads_path(self) -> Path:
        """Where uploaded materials and photos are stored, content-addressed."""
        return self.storage_root / "uploads"

    def vault(self) -> DataVault:
        """The personal-data vault built from ``DATA_KEY``."""
        return DataVault.from_key_string(self.data_key)


_ENV_NAMES = {
    "env": "APP_ENV",
    "instance_path": "INSTANCE_PATH",
    "storage_path": "STORAGE_PATH",
    "database_url": "DATABASE_URL",
    "redis_url": "REDIS_URL",
    "secret_key": "SECRET_KEY",
    "data_key": "DATA_KEY",
    "wechat_appid": "WECHAT_APPID",
    "wechat_secret": "WECHAT_SECRET",
    "wechat_api_base": "WECHAT_API_BASE",
    "wechat_miniprogram_state": "WECHAT_MINIPROGRAM_STATE",
    "osrm_url": "OSRM_URL",
    "metrics_token": "METRICS_TOKEN",
    "inline_jobs_in_background": "INLINE_JOBS_IN_BACKGROUND",
    "map_tile_url": "MAP_TILE_URL",
    "map_tile_attribution": "MAP_TILE_ATTRIBUTION",
    "standards_file": "STANDARDS_FILE",
    "bank_payroll_layout": "BANK_PAYROLL_LAYOUT",
    "wechat_templates": "WECHAT_TEMPLATES",
    "visit_checkin_tolerance_days": "VISIT_CHECKIN_TOLERANCE_DAYS",
    "wechat_message_token": "WECHAT_MESSAGE_TOKEN",
    "public_base_url": "PUBLIC_BASE_URL",
    "media_check_url_ttl_seconds": "MEDIA_CHECK_URL_TTL_SECONDS",
    "db_pool_size": "DB_POOL_SIZE",
    "db_prepared_statements": "DB_PREPARED_STATEMENTS",
    "planning_processes": "PLANNING_PROCESSES",
}


def load_settings(environ: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build settings from the environment, then overrides; fill development defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, env_name in _ENV_NAMES.items():
        if environ.get(env_name):
            values[name] = environ[env_name]
    if isinstance(values.get("inline_jobs_in_background"), str):
        values["inline_jobs_in_background"] = values["inline_jobs_in_background"] in ("1", "true")
    if isinstance(values.get("db_prepared_statements"), str):
        values["db_prepared_statements"] = values["db_prepared_statements"].lower() not in (
            "0", "false", "no", "off")
    if isinstance(values.get("visit_checkin_tolerance_days"), str):
        values["visit_checkin_tolerance_days"] = _non_negative_int(
            values["visit_checkin_tolerance_days"], "VISIT_CHECKIN_TOLERANCE_DAYS")
    if isinstance(values.get("media_check_url_ttl_seconds"), str):
        values["media_check_url_ttl_seconds"] = _non_negative_int(
            values["media_check_url_ttl_seconds"], "MEDIA_CHECK_URL_TTL_SECONDS")
    if isinstance(values.get("db_pool_size"), str):
        values["db_pool_size"] = max(1, _non_negative_int(values["db_pool_size"], "DB_POOL_SIZE"))
    if isinstance(values.get("planning_processes"), str):
        values["planning_processes"] = _non_negative_int(values["planning_processes"],
                                                         "PLANNING_PROCESSES")
    if isinstance(values.get("wechat_templates"), str):
        values["wechat_templates"] = _json_object(values["wechat_templates"], "WECHAT_TEMPLATES")
    known = {f.name for f in fields(Settings)}
    for key, value in (overrides or {}).items():
        values[key.lower() if key.lower() in known else key] = value
    unknown = set(values) - known
    extra = {key: values.pop(key) for key in unknown}
    settings = Settings(**values, extra=extra)
    settings = replace(settings, instance_path=Path(settings.instance_path))
    return _fill_defaults(settings)


# Values that are shipped in code or documentation, never a real secret.
DEMO_WECHAT = {"wx-demo-appid", "demo-secret", "wx-test-appid", "test-secret"}
PLACEHOLDERS = {"change-me", "changeme", "secret", "demo", "test", "dev", "development"}
MIN_SECRET_KEY_CHARS = 32


def production_problems(settings: Settings) -> list[str]:
    """Why these settings must not serve real users, one line each (empty: they may)."""
    problems = []
    if settings.wechat_appid in DEMO_WECHAT or settings.wechat_secret in DEMO_WECHAT:
        problems.append("WECHAT_APPID / WECHAT_SECRET 仍是演示值，请配置小程序的真实凭据")
    if (len(settings.secret_key) < MIN_SECRET_KEY_CHARS
            or settings.secret_key.lower() in PLACEHOLDERS):
        problems.append(f"SECRET_KEY 过短或为示例值，须至少 {MIN_SECRET_KEY_CHARS} 个随机字符")
    if settings.data_key.lower() in PLACEHOLDERS:
        problems.append("DATA_KEY 为示例值，请用 32 字节随机密钥（urlsafe base64）")
    if not settings.redis_url:
        problems.append("缺少 REDIS_URL：没有它，夜间排线、提醒与超期督办都不会运行")
    # Without these two, residents' images are never judged by WeChat (media_check_async
    # fetches them from PUBLIC_BASE_URL and pushes its verdict signed with the Token).
    if len(settings.wechat_message_token) < 3 or settings.wechat_message_token.startswith("demo"):
        problems.append("缺少 WECHAT_MESSAGE_TOKEN（小程序后台“消息推送”的 Token）："
                        "微信的图片审核结果无法送达")
    if not settings.public_base_url.startswith("https://"):
        problems.append("PUBLIC_BASE_URL 须为本服务对外的 https 地址："
                        "否则微信无法取回待审核的图片")
    return problems


def _non_negative_int(text: str, env_name: str) -> int:
    """A whole number of at least 0 from an environment variable, or a clear error."""
    if not text.strip().isdigit():
        raise ConfigurationError(f"{env_name} 须为不小于 0 的整数，如 0 或 1")
    return int(text)


def _json_object(text: str, env_name: str) -> dict[str, str]:
    """A JSON object from an environment variable, or a clear configuration error."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigurationError(
            f"{env_name} 须为 JSON 对象，如 {{\"booking_approved\": \"模板ID\"}}")
    return value


def _fill_defaults(settings: Settings) -> Settings:
    """Production refuses to guess secrets; development keeps generated ones under instance/."""
    if settings.is_production:
        missing = [name for name in ("database_url", "secret_key", "data_key")
                   if not getattr(settings, name)]
        if missing:
            raise ConfigurationError(
                "生产环境缺少必需配置: " + ", ".join(_ENV_NAMES[m] for m in missing))
        settings.vault()  # a malformed key fails now, not on the first request
        problems = production_problems(settings)
        if problems:
            raise ConfigurationError("生产环境拒绝启动：\n" + "\n".join(problems))
        return settings
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    changes: dict[str, Any] = {}
    if not settings.database_url:
        changes["database_url"] = f"sqlite:///{settings.instance_path / 'minzheng.db'}"
    if not settings.secret_key:
        changes["secret_key"] = _instance_secret(settings.instance_path / "secret_key",
                                                 lambda: secrets.token_urlsafe(48))
    if not settings.data_key:
        changes["data_key"] = _instance_secret(settings.instance_path / "data_key",
                                               DataVault.generate_key_string)
    return replace(settings, **changes)


def _instance_secret(path: Path, make: Any) -> str:
    """Read a generated secret from instance/, creating it (mode 600) on first run."""
    if path.exists():
        return path.read_text().strip()
    value: str = make()
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value
