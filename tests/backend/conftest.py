"""Fixtures of the backend's tests: a second, empty database beside the test database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from backend import runtime
from backend.db import is_postgres


@pytest.fixture
def fresh_database_url(app: Flask, tmp_path: Path) -> Iterator[str]:
    """An empty database beside the test database (a new one on PostgreSQL)."""
    if not is_postgres():
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    import psycopg2

    base, _, name = runtime.settings().database_url.rpartition("/")
    fresh = f"{name}_fresh_{os.getpid()}"
    admin = psycopg2.connect(f"{base.replace('+pool', '')}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    yield f"{base}/{fresh}"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
    admin.close()
