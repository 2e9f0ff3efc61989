"""Search by a name of one or two characters at city size (PostgreSQL).

Most Chinese names are two or three characters, and a clerk often types two ("文华"). The
trigram index of 080 serves three or more; for fewer, ``name ILIKE '%文华%'`` read all of a
city's clients (30 000 names, three times a page before the page's related rows were read by
id, twice since). Here every client's name is indexed by its characters and pairs of characters
(``client_name_grams``, lower-cased), so a short search looks its pair up in a GIN index; the
ILIKE stays beside it and decides.
"""

import peewee as pw
from peewee_migrate import Migrator

GRAMS_INDEX = "client_name_grams"
GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION client_name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(lower(name), i, n)), '{}')
    FROM generate_series(1, 2) AS n, generate_series(1, char_length(name)) AS i
    WHERE i + n - 1 <= char_length(name)
$$
"""


def _is_postgres(database: pw.Database) -> bool:
    return isinstance(database, pw.PostgresqlDatabase)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Index client names by their characters and pairs of characters (PostgreSQL only)."""
    if _is_postgres(database):
        migrator.sql(GRAMS_FUNCTION)
        migrator.sql(f"CREATE INDEX IF NOT EXISTS {GRAMS_INDEX} ON client "
                     "USING gin (client_name_grams(name))")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the index and its function."""
    if _is_postgres(database):
        migrator.sql(f"DROP INDEX IF EXISTS {GRAMS_INDEX}")
        migrator.sql("DROP FUNCTION IF EXISTS client_name_grams(text)")
