"""Remember refresh tokens rotated away, so presenting one again (a copied token) revokes the
whole login it came from."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create retired_refresh_token."""

    @migrator.create_model
    class RetiredRefreshToken(pw.Model):
        id = pw.AutoField()
        token_hash = pw.CharField(max_length=64, unique=True)
        session = pw.ForeignKeyField(column_name="session_id", field="id",
                                     model=migrator.orm["auth_session"], on_delete="CASCADE")
        retired_at = pw.DateTimeField()

        class Meta:
            table_name = "retired_refresh_token"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop retired_refresh_token."""
    migrator.remove_model("retired_refresh_token")
