"""Support from the provision map is shown to parents only once the school chooses it."""

from django.db import migrations, models


def support_off(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Until now "support in school" showed nothing (provision was not on main), so no
    # school has chosen to share its provision map with parents: start with it off.
    apps.get_model("parents", "ParentSettings").objects.update(show_support=False)


class Migration(migrations.Migration):
    dependencies = [("parents", "0001_contacts_links_invitations_settings")]

    operations = [
        migrations.AlterField(
            model_name="parentsettings",
            name="show_support",
            field=models.BooleanField(
                default=False, verbose_name="support in school (from the provision map)"
            ),
        ),
        migrations.AddField(
            model_name="parentsettings",
            name="show_support_need",
            field=models.BooleanField(
                default=False,
                verbose_name="what the support is for, by area of need (SEN words)",
            ),
        ),
        migrations.RunPython(support_off, migrations.RunPython.noop),
    ]
