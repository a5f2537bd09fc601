"""Refuse UPDATE and DELETE on test result history in the database itself."""

from django.db import migrations

from trackwell.core.append_only import migration_operations


class Migration(migrations.Migration):
    dependencies = [("scores", "0003_readable_threshold_colours")]

    operations = [migration_operations("scores_testresulthistory")]
