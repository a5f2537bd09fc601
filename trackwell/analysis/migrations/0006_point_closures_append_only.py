"""Point closures are append-only like their snapshots: the database refuses changes too."""

from django.db import migrations

from trackwell.core.append_only import migration_operations


class Migration(migrations.Migration):
    dependencies = [("analysis", "0005_merge_20261201_0945")]

    operations = [migration_operations("analysis_pointclosure")]
