"""Peewee migrations -- 001_foundation.py.

Some examples (model - class or model name)::

    > Model = migrator.orm['table_name']            # Return model in current state by name
    > Model = migrator.ModelClass                   # Return model in current state by name

    > migrator.sql(sql)                             # Run custom SQL
    > migrator.run(func, *args, **kwargs)           # Run python function with the given args
    > migrator.create_model(Model)                  # Create a model (could be used as decorator)
    > migrator.remove_model(model, cascade=True)    # Remove a model
    > migrator.add_fields(model, **fields)          # Add fields (allow_not_null=True skips default)
    > migrator.change_fields(model, **fields)       # Change fields
    > migrator.remove_fields(model, *field_names, cascade=True)
    > migrator.rename_field(model, old_field_name, new_field_name)
    > migrator.rename_table(model, new_table_name)
    > migrator.add_index(model, *col_names, unique=False)
    > migrator.add_not_null(model, *field_names)
    > migrator.add_default(model, field_name, default)
    > migrator.add_constraint(model, name, sql)
    > migrator.drop_index(model, *col_names)
    > migrator.drop_not_null(model, *field_names)
    > migrator.drop_constraints(model, *constraints)

"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""
    
    @migrator.create_model
    class AuditEntry(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        actor_kind = pw.CharField(max_length=10)
        actor_id = pw.IntegerField(null=True)
        action = pw.CharField(max_length=60)
        entity = pw.CharField(max_length=40)
        entity_id = pw.CharField(max_length=40)
        changes = pw.TextField()
        reason = pw.TextField(null=True)
        request_id = pw.CharField(max_length=64, null=True)
        prev_hash = pw.CharField(max_length=64)
        hash = pw.CharField(max_length=64, unique=True)

        class Meta:
            table_name = "audit_entry"
            indexes = [(('entity', 'entity_id'), False)]

    @migrator.create_model
    class AuthSession(pw.Model):
        id = pw.AutoField()
        subject_kind = pw.CharField(max_length=10)
        subject_id = pw.IntegerField()
        refresh_token_hash = pw.CharField(max_length=64, unique=True)
        created_at = pw.DateTimeField()
        expires_at = pw.DateTimeField()
        revoked_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "auth_session"
            indexes = [(('subject_kind', 'subject_id'), False)]

    @migrator.create_model
    class City(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=6, unique=True)
        name = pw.CharField(max_length=50)

        class Meta:
            table_name = "city"

    @migrator.create_model
    class Township(pw.Model):
        id = pw.AutoField()
        city = pw.ForeignKeyField(column_name='city_id', field='id', model=migrator.orm['city'], on_delete='CASCADE')
        code = pw.CharField(max_length=9, unique=True)
        name = pw.CharField(max_length=50)
        kind = pw.CharField(max_length=12)
        population = pw.IntegerField()
        elderly_population = pw.IntegerField()
        office_address = pw.CharField(max_length=200)
        lat = pw.FloatField()
        lng = pw.FloatField()
        office_area_m2 = pw.IntegerField(null=True)
        phone = pw.CharField(max_length=20, null=True)

        class Meta:
            table_name = "township"

    @migrator.create_model
    class Village(pw.Model):
        id = pw.AutoField()
        township = pw.ForeignKeyField(column_name='township_id', field='id', model=migrator.orm['township'], on_delete='CASCADE')
        code = pw.CharField(max_length=12, unique=True)
        name = pw.CharField(max_length=50)
        kind = pw.CharField(max_length=12)
        lat = pw.FloatField()
        lng = pw.FloatField()

        class Meta:
            table_name = "village"

    @migrator.create_model
    class StaffAccount(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        username = pw.CharField(max_length=50, unique=True)
        password_hash = pw.CharField(max_length=200)
        name = pw.CharField(max_length=50)
        role = pw.CharField(index=True, max_length=20)
        area_code = pw.CharField(index=True, max_length=12)
        township = pw.ForeignKeyField(column_name='township_id', field='id', model=migrator.orm['township'], null=True, on_delete='SET NULL')
        village = pw.ForeignKeyField(column_name='village_id', field='id', model=migrator.orm['village'], null=True, on_delete='SET NULL')
        phone_enc = pw.TextField(null=True)
        phone_masked = pw.CharField(max_length=11, null=True)
        sex = pw.CharField(max_length=6, null=True)
        skills = pw.TextField()
        is_head = pw.BooleanField(default=False)
        monthly_allowance_fen = pw.IntegerField(null=True)
        is_active = pw.BooleanField(default=True)
        failed_logins = pw.IntegerField(default=0)
        locked_until = pw.DateTimeField(null=True)

        class Meta:
            table_name = "staff_account"

    @migrator.create_model
    class Client(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        name = pw.CharField(index=True, max_length=50)
        village = pw.ForeignKeyField(column_name='village_id', field='id', model=migrator.orm['village'], on_delete='RESTRICT')
        area_code = pw.CharField(index=True, max_length=12)
        sex = pw.CharField(max_length=6)
        birth_date = pw.DateField()
        id_number_enc = pw.TextField()
        id_number_index = pw.CharField(max_length=64, unique=True)
        id_number_masked = pw.CharField(max_length=18)
        phone_enc = pw.TextField(null=True)
        phone_masked = pw.CharField(max_length=11, null=True)
        address = pw.CharField(max_length=200)
        lat = pw.FloatField()
        lng = pw.FloatField()
        household_code = pw.CharField(max_length=30, null=True)
        household_size = pw.IntegerField(default=1)
        guardian_name = pw.CharField(max_length=50, null=True)
        guardian_relation = pw.CharField(max_length=20, null=True)
        guardian_phone_enc = pw.TextField(null=True)
        guardian_phone_masked = pw.CharField(max_length=11, null=True)
        usual_worker = pw.ForeignKeyField(column_name='usual_worker_id', field='id', model=migrator.orm['staff_account'], null=True, on_delete='SET NULL')
        notes = pw.TextField(default='')

        class Meta:
            table_name = "client"

    @migrator.create_model
    class ClientCategory(pw.Model):
        id = pw.AutoField()
        client = pw.ForeignKeyField(column_name='client_id', field='id', model=migrator.orm['client'], on_delete='CASCADE')
        category = pw.CharField(max_length=30)
        subtype = pw.CharField(max_length=30, null=True)
        since = pw.DateField(null=True)
        benefit_fen = pw.IntegerField(null=True)
        ended_on = pw.DateField(null=True)

        class Meta:
            table_name = "client_category"
            indexes = [(('client', 'category'), True)]

    @migrator.create_model
    class Resident(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        openid = pw.CharField(max_length=64, unique=True)
        unionid = pw.CharField(max_length=64, null=True)
        name = pw.CharField(max_length=50, null=True)
        phone_enc = pw.TextField(null=True)
        phone_masked = pw.CharField(max_length=11, null=True)
        last_login_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "resident"

    @migrator.create_model
    class ClientContact(pw.Model):
        id = pw.AutoField()
        resident = pw.ForeignKeyField(column_name='resident_id', field='id', model=migrator.orm['resident'], on_delete='CASCADE')
        client = pw.ForeignKeyField(column_name='client_id', field='id', model=migrator.orm['client'], on_delete='CASCADE')
        relation = pw.CharField(default='self', max_length=20)

        class Meta:
            table_name = "client_contact"
            indexes = [(('resident', 'client'), True)]

    @migrator.create_model
    class IdempotencyRecord(pw.Model):
        id = pw.AutoField()
        actor_key = pw.CharField(max_length=40)
        key = pw.CharField(max_length=100)
        endpoint = pw.CharField(max_length=100)
        request_hash = pw.CharField(max_length=64)
        status_code = pw.IntegerField(null=True)
        response_body = pw.TextField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "idempotency_record"
            indexes = [(('actor_key', 'key'), True)]

    @migrator.create_model
    class LoginAttempt(pw.Model):
        id = pw.AutoField()
        username = pw.CharField(index=True, max_length=50)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "login_attempt"

    @migrator.create_model
    class OutboxEvent(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        topic = pw.CharField(index=True, max_length=60)
        payload = pw.TextField()
        status = pw.CharField(default='pending', index=True, max_length=12)
        attempts = pw.IntegerField(default=0)
        dispatched_at = pw.DateTimeField(null=True)
        last_error = pw.TextField(null=True)

        class Meta:
            table_name = "outbox_event"

    @migrator.create_model
    class PiiAccess(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        actor_kind = pw.CharField(max_length=10)
        actor_id = pw.IntegerField(null=True)
        entity = pw.CharField(max_length=40)
        entity_id = pw.CharField(max_length=40)
        field = pw.CharField(max_length=40)
        purpose = pw.CharField(max_length=60)
        request_id = pw.CharField(max_length=64, null=True)

        class Meta:
            table_name = "pii_access"

    @migrator.create_model
    class ServiceStation(pw.Model):
        id = pw.AutoField()
        village = pw.ForeignKeyField(column_name='village_id', field='id', model=migrator.orm['village'], on_delete='CASCADE', unique=True)
        sign = pw.CharField(default='', max_length=100)
        place = pw.CharField(default='', max_length=200)
        has_person = pw.BooleanField(default=False)
        has_sign = pw.BooleanField(default=False)
        has_place = pw.BooleanField(default=False)
        has_rules = pw.BooleanField(default=False)
        has_ledger = pw.BooleanField(default=False)

        class Meta:
            table_name = "service_station"

    @migrator.create_model
    class WeChatSessionKey(pw.Model):
        id = pw.AutoField()
        resident = pw.ForeignKeyField(column_name='resident_id', field='id', model=migrator.orm['resident'], on_delete='CASCADE', unique=True)
        session_key_enc = pw.TextField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "wechat_session_key"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    
    migrator.remove_model('wechat_session_key')

    migrator.remove_model('service_station')

    migrator.remove_model('pii_access')

    migrator.remove_model('outbox_event')

    migrator.remove_model('login_attempt')

    migrator.remove_model('idempotency_record')

    migrator.remove_model('client_contact')

    migrator.remove_model('resident')

    migrator.remove_model('client_category')

    migrator.remove_model('client')

    migrator.remove_model('staff_account')

    migrator.remove_model('village')

    migrator.remove_model('township')

    migrator.remove_model('city')

    migrator.remove_model('auth_session')

    migrator.remove_model('audit_entry')
