"""Refuse UPDATE and DELETE on append-only rows in the database itself."""

from django.db import migrations

from trackwell.core.append_only import migration_operations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_trust_leader")]

    operations = [migration_operations("accounts_auditentry")]
