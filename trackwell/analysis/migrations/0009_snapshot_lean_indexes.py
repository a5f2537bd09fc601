"""Drop three indexes that others already cover, so a closure writes fewer.

`Snapshot.closure` and `Snapshot.point` begin the unique (closure, pupil, subject)
and the index on (point, subject); `SnapshotBand.snapshot` begins the unique
(snapshot, band_set). Only the indexes go: on SQLite, Django's own AlterField
would rebuild both tables, and with them lose their append-only triggers.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, the index Django named for the column)
DROPPED = (
    ("analysis_snapshot", "closure_id", "analysis_snapshot_closure_id_965b574a"),
    ("analysis_snapshot", "point_id", "analysis_snapshot_point_id_016e061d"),
    ("analysis_snapshotband", "snapshot_id", "analysis_snapshotband_snapshot_id_6e3e083f"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0008_snapshot_band_shown"),
        ("core", "0005_erasure_grants"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="snapshot",
                    name="closure",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="snapshots",
                        to="analysis.pointclosure",
                    ),
                ),
                migrations.AlterField(
                    model_name="snapshot",
                    name="point",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.assessmentpoint",
                    ),
                ),
                migrations.AlterField(
                    model_name="snapshotband",
                    name="snapshot",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="bands",
                        to="analysis.snapshot",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in DROPPED
            ],
        )
    ]
