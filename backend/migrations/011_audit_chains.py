"""Split the audit trail into chains (one per township, a few shared ones), each with its own
lock, so audited writes in different townships no longer queue on one city-wide lock.

The rows already written keep their hashes and become the chain ``legacy``: the column's
default fills them in without an UPDATE, which the append-only guard (008) would refuse, and
without SQLite rebuilding the table, which would drop that guard.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add audit_entry.chain (existing rows: 'legacy') and an index on (chain, id)."""
    chain = pw.CharField(max_length=32, constraints=[pw.SQL("DEFAULT 'legacy'")])
    migrator.add_fields("audit_entry", allow_not_null=True, chain=chain)
    migrator.add_index("audit_entry", "chain", "id")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the index and the column: the trail is then one chain again only if it held one."""
    migrator.drop_index("audit_entry", "chain", "id")
    migrator.remove_fields("audit_entry", "chain")
