"""Give every existing framework, strand, objective and scale its own identifier.

Adding a column with a callable default gives existing rows one shared value;
this replaces it with a fresh one per row before identifiers must be unique.
"""

import uuid

from django.db import migrations


def fill(apps, schema_editor):
    for name in ("Framework", "Strand", "Objective", "RatingScale"):
        model = apps.get_model("curriculum", name)
        rows = list(model.objects.only("pk"))
        for row in rows:
            row.identifier = str(uuid.uuid4())
        model.objects.bulk_update(rows, ["identifier"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("curriculum", "0002_school_curriculum")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
