"""PostgreSQL: erasure past the append-only triggers needs a grant only the owner role
writes (trackwell_allow_erasure), no longer a setting any session could set itself."""

from django.db import migrations

from trackwell.core.append_only import setup_operation


class Migration(migrations.Migration):
    dependencies = [("core", "0004_school_untaught_ratings")]

    operations = [setup_operation()]
