"""Identifiers are unique within a framework (a separate step from filling them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("curriculum", "0003_fill_identifiers")]

    operations = [
        migrations.AddConstraint(
            model_name="objective",
            constraint=models.UniqueConstraint(
                fields=("framework", "identifier"), name="objective_identifier_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="strand",
            constraint=models.UniqueConstraint(
                fields=("framework", "identifier"), name="strand_identifier_unique"
            ),
        ),
    ]
