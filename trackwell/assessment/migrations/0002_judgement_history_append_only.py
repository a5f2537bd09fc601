"""Refuse UPDATE and DELETE on append-only rows in the database itself."""

from django.db import migrations

from trackwell.core.append_only import migration_operations


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migration_operations("assessment_judgementhistory")]
