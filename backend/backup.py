"""Backups of the database, and restoring one into a fresh database.

SQLite is copied with its online backup API (consistent while the API runs); PostgreSQL is
dumped with ``pg_dump --format=custom`` and restored with ``pg_restore``. The personal-data key
(``DATA_KEY``) and ``SECRET_KEY`` are deliberately not in the backup: encrypted columns stay
encrypted in it, and they are kept (and restored) separately, as the README says.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from backend import migrate
from backend.config import ConfigurationError
from backend.db import db, is_postgres


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _plain_postgres(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url


def create_backup(folder: Path, database_url: str) -> Path:
    """Write a backup of the database and its manifest into ``folder``; answer the file."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if database_url.startswith("sqlite"):
        target = folder / f"minzheng-{stamp}.sqlite3"
        with sqlite3.connect(_sqlite_path(database_url)) as source, \
                sqlite3.connect(target) as copy:
            source.backup(copy)
        copy.close()
    else:
        target = folder / f"minzheng-{stamp}.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={target}", f"--dbname={_plain_postgres(database_url)}"])
    manifest = {"file": target.name, "created_at": stamp,
                "database": "postgresql" if is_postgres() else "sqlite",
                "migrations_pending": migrate.pending_migrations(db.obj),
                "keys": "DATA_KEY and SECRET_KEY are not in this backup: restore them separately"}
    (folder / f"{target.name}.json").write_text(json.dumps(manifest, indent=2),
                                                encoding="utf-8")
    return target


def restore_backup(backup: Path, database_url: str) -> None:
    """Restore a backup into an empty database at ``database_url`` (never over a live one)."""
    if database_url.startswith("sqlite"):
        target = _sqlite_path(database_url)
        if target.exists() and target.stat().st_size:
            raise ConfigurationError(f"目标数据库 {target.name} 已存在，请恢复到新的数据库")
        shutil.copyfile(backup, target)
        return
    if not urlsplit(database_url).path.strip("/"):
        raise ConfigurationError("请在 DATABASE_URL 中写明要恢复到的数据库名")
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
          f"--dbname={_plain_postgres(database_url)}", str(backup)])


def _run(command: list[str]) -> None:
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise ConfigurationError(f"{command[0]} 失败：{finished.stderr.strip()[:500]}")
