"""Indexes the reads need at city size (benchmarks/city_scale): the supervision figures count
a period's decisions, which without an index on ``decided_at`` read every application and
booking of the city; on PostgreSQL, a trigram index lets a search for a client by a name of
three or more characters (``name ILIKE '%…%'``) skip the city's other clients.
"""

import peewee as pw
from peewee_migrate import Migrator

TRIGRAM_INDEX = "client_name_trigram"


def _is_postgres(database: pw.Database) -> bool:
    return isinstance(database, pw.PostgresqlDatabase)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Index application.decided_at and booking.decided_at; client.name by trigram on PG."""
    migrator.add_index("application", "decided_at")
    migrator.add_index("booking", "decided_at")
    if _is_postgres(database):
        migrator.sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        migrator.sql(f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON client "
                     "USING gin (name gin_trgm_ops)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the three indexes (the extension stays: others may use it)."""
    if _is_postgres(database):
        migrator.sql(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    migrator.drop_index("booking", "decided_at")
    migrator.drop_index("application", "decided_at")
