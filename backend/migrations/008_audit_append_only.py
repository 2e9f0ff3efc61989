"""Make the audit trail append-only in the database itself, not only by convention.

A row can still be forged by someone who drops the guard first; the hash chain is what finds
that. This stops the ordinary ways (a stray UPDATE, an ORM save) from ever changing history.
"""

import peewee as pw
from peewee_migrate import Migrator

SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
]


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Refuse UPDATE and DELETE on audit_entry."""
    is_postgres = isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase)
    for statement in POSTGRES if is_postgres else SQLITE:
        migrator.sql(statement)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Allow UPDATE and DELETE again."""
    if isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase):
        migrator.sql("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        migrator.sql("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    else:
        migrator.sql("DROP TRIGGER IF EXISTS audit_entry_no_update")
        migrator.sql("DROP TRIGGER IF EXISTS audit_entry_no_delete")
