"""The method of key stage results of every source, not only those read from a CTF.

0005 filled `method` only where the source was "ctf", so a result entered by the
school or imported otherwise kept a blank method, and a later CTF with the same
result (its method TA or TT) did not match it and added a second record. This
fills the method for the rest the way 0005 did: a score is a test (TT), else a
teacher assessment (TA). Where a result of that method is stored already (the
duplicate the fault made), the blank one is left as it is: nothing is deleted.
Subjects and components are compared in any case, as a CTF matches them.
"""

from django.db import migrations

BATCH = 500


def methods_of_every_source(apps, schema_editor):
    KeyStageResult = apps.get_model("scores", "KeyStageResult")
    key_fields = ("pupil_id", "stage", "subject", "component", "method")
    taken = {
        _key(*values)
        for values in KeyStageResult.objects.exclude(method="").values_list(*key_fields)
    }
    filled = []
    for result in KeyStageResult.objects.filter(method="").order_by("pk").iterator():
        method = "TT" if result.scaled_score is not None else "TA"
        key = _key(result.pupil_id, result.stage, result.subject, result.component, method)
        if key in taken:
            continue
        taken.add(key)
        result.method = method
        filled.append(result)
    KeyStageResult.objects.bulk_update(filled, ["method"], batch_size=BATCH)


def _key(pupil_id, stage, subject, component, method):
    return (pupil_id, stage, subject.casefold(), component.casefold(), method)


class Migration(migrations.Migration):
    dependencies = [("scores", "0005_key_stage_result_component_and_method")]

    operations = [migrations.RunPython(methods_of_every_source, migrations.RunPython.noop)]
