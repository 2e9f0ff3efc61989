"""A backup restored into a fresh database: the audit chain verifies and personal data still
decrypts with the instance's key."""

from __future__ import annotations

from pathlib import Path

import pytest
from playhouse.db_url import connect

from backend import audit, backup, runtime
from backend.config import ConfigurationError
from backend.db import db
from backend.models import Client
from tests.conftest import Api
from tests.factories import id_number


def test_a_restored_backup_verifies_its_audit_chain_and_decrypts_ids(
    api: Api, tmp_path: Path, fresh_database_url: str
) -> None:
    number = id_number(901)
    created = api.post("/api/v1/clients", "ts-a", json={
        "name": "备份对象", "id_number": number, "village_id": api.world.villages["a1"].id,
        "address": "a1村1组"})
    assert created.status_code == 201
    written = backup.create_backup(tmp_path / "backups", runtime.settings().database_url)
    assert written.exists() and Path(f"{written}.json").exists()

    backup.restore_backup(written, fresh_database_url)
    live = db.obj
    restored = connect(fresh_database_url.replace("+pool", ""))
    db.initialize(restored)
    try:
        with db.connection_context():
            report = audit.verify_chain()
            client = Client.get(Client.name == "备份对象")
            clear = runtime.vault().decrypt(client.id_number_enc,
                                            context=f"client:{client.id}:id_number")
    finally:
        db.initialize(live)
        restored.close()
    assert report.ok and report.rows_checked > 0
    assert clear == number


def test_a_backup_is_never_restored_over_an_existing_database(tmp_path: Path) -> None:
    existing = tmp_path / "live.db"
    existing.write_bytes(b"not empty")
    with pytest.raises(ConfigurationError, match="已存在"):
        backup.restore_backup(tmp_path / "any.sqlite3", f"sqlite:///{existing}")
