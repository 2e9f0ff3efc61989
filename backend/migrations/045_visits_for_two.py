"""Home visits two social workers make together: the client's flag that asks for it, and on a
plan's stops how many workers the visit needs and who the other one is.

A visit for two is a stop on each worker's route, so a plan's stops are unique by visit and
worker, no longer by visit alone. Existing rows keep their values (one worker, no partner).
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add client.two_worker_flag, plan_stop.workers_needed and plan_stop.partner_worker_id;
    plan_stop is unique by (plan, visit_key, worker)."""
    migrator.add_fields("client", two_worker_flag=pw.CharField(max_length=24, null=True))
    workers_needed = pw.IntegerField(default=1, constraints=[pw.SQL("DEFAULT 1")])
    partner = pw.ForeignKeyField(column_name="partner_worker_id", field="id",
                                 model=migrator.orm["staff_account"], null=True,
                                 on_delete="SET NULL")
    migrator.add_fields("plan_stop", allow_not_null=True, workers_needed=workers_needed,
                        partner_worker=partner)
    # 006 made the index from its model's name (planstop_...), not the table's.
    migrator.sql('DROP INDEX IF EXISTS "planstop_plan_id_visit_key"')
    migrator.add_index("plan_stop", "plan", "visit_key", "worker", unique=True)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Back to one stop per visit: the second worker's stops of visits for two are deleted."""
    migrator.sql("DELETE FROM plan_stop WHERE partner_worker_id IS NOT NULL AND id NOT IN "
                 "(SELECT MIN(id) FROM plan_stop GROUP BY plan_id, visit_key)")
    migrator.drop_index("plan_stop", "plan", "visit_key", "worker")
    migrator.sql('CREATE UNIQUE INDEX "planstop_plan_id_visit_key" ON "plan_stop" '
                 '("plan_id", "visit_key")')
    migrator.sql('DROP INDEX IF EXISTS "plan_stop_partner_worker_id"')
    migrator.remove_fields("plan_stop", "workers_needed", "partner_worker")
    migrator.remove_fields("client", "two_worker_flag")
