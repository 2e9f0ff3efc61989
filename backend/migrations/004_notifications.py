"""Peewee migrations -- 004_notifications.py: the inbox, subscription credits, send outcomes.

Only the tables of issue #6; written by peewee-migrate's create_revision, trimmed to these models.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create the notification tables."""

    @migrator.create_model
    class InboxMessage(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        recipient_kind = pw.CharField(max_length=10)
        recipient_id = pw.IntegerField()
        event_id = pw.IntegerField(null=True)
        topic = pw.CharField(max_length=60)
        title = pw.CharField(max_length=60)
        body = pw.TextField()
        page = pw.CharField(max_length=200, null=True)
        read_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "inbox_message"
            indexes = [(('recipient_kind', 'recipient_id', 'event_id'), True),
                       (('recipient_kind', 'recipient_id', 'read_at'), False)]

    @migrator.create_model
    class MessageDelivery(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        event_id = pw.IntegerField(index=True)
        resident = pw.ForeignKeyField(column_name='resident_id', field='id',
                                      model=migrator.orm['resident'], on_delete='CASCADE')
        area_code = pw.CharField(default='', index=True, max_length=12)
        topic = pw.CharField(max_length=60)
        template_key = pw.CharField(max_length=60)
        template_id = pw.CharField(max_length=64)
        page = pw.CharField(max_length=200, null=True)
        data = pw.TextField()
        status = pw.CharField(default='pending', index=True, max_length=10)
        errcode = pw.IntegerField(null=True)
        error = pw.CharField(max_length=200, null=True)
        attempts = pw.IntegerField(default=0)
        msgid = pw.CharField(max_length=40, null=True)
        sent_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "message_delivery"
            indexes = [(('event_id', 'resident', 'template_key'), True)]

    @migrator.create_model
    class SubscriptionCredit(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        resident = pw.ForeignKeyField(column_name='resident_id', field='id',
                                      model=migrator.orm['resident'], on_delete='CASCADE')
        template_key = pw.CharField(max_length=60)
        template_id = pw.CharField(max_length=64)
        remaining = pw.IntegerField(default=0)
        granted_total = pw.IntegerField(default=0)

        class Meta:
            table_name = "subscription_credit"
            indexes = [(('resident', 'template_id'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the notification tables."""

    migrator.remove_model('subscription_credit')

    migrator.remove_model('message_delivery')

    migrator.remove_model('inbox_message')
