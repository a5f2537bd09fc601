"""Key stage results stored without a method (entered, or kept before the method was) are
matched by a later CTF, and migration 0006 fills their method: no second record."""

import importlib

import pytest
from django.apps import apps

from tests.factories import World
from tests.interop.conftest import upn
from tests.interop.test_ctf import _ctf
from trackwell.interop import pipeline
from trackwell.pupils.models import Pupil
from trackwell.scores.models import KeyStageResult

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module(
    "trackwell.scores.migrations.0006_key_stage_result_method_for_every_source"
)


def _import_ctf(world: World) -> pipeline.Plan:
    prepared, _ = pipeline.apply_now(
        user=None, school=world.school, kind="ctf", data=_ctf(), options={}
    )
    assert prepared.problems == [] and prepared.plan is not None
    return prepared.plan


def _entered_without_method(outcome: str = "EXS") -> KeyStageResult:
    """The CTF's KS1 maths result as if the school had entered it (no method, not a CTF's)."""
    result = KeyStageResult.objects.get(pupil__upn=upn(41), stage="ks1", subject="MAT")
    KeyStageResult.objects.filter(pk=result.pk).update(
        method="", source=KeyStageResult.Source.ENTERED, outcome=outcome
    )
    return result


def test_a_ctf_after_a_result_stored_without_its_method_does_not_duplicate_it(
    world: World,
) -> None:
    _import_ctf(world)
    result = _entered_without_method()
    count = KeyStageResult.objects.count()
    again = pipeline.prepare(school=world.school, kind="ctf", data=_ctf(), options={})
    assert again.plan is not None and again.plan.changes == []
    # The CTF says EXS where the school had WTS: the stored record changes, and gains its method.
    KeyStageResult.objects.filter(pk=result.pk).update(outcome="WTS")
    plan = _import_ctf(world)
    changes = [(c.action, c.kind) for c in plan.changes]
    assert changes == [("change", "key stage result")]
    assert KeyStageResult.objects.count() == count
    result.refresh_from_db()
    assert (result.outcome, result.method, result.source) == ("EXS", "TA", "ctf")


def test_migration_0006_fills_the_method_of_every_source_and_leaves_duplicates(
    world: World,
) -> None:
    _import_ctf(world)
    aoife = Pupil.objects.get(upn=upn(41))
    entered = KeyStageResult.objects.create(
        school=world.school, pupil=aoife, stage="ks2", subject="REA", outcome="EXS"
    )
    scored = KeyStageResult.objects.create(
        school=world.school,
        pupil=aoife,
        stage="ks2",
        subject="MAT",
        scaled_score=104,
        source=KeyStageResult.Source.IMPORT,
    )
    # A blank KS1 maths beside the CTF's TA one (the duplicate the fault made): kept as it is.
    duplicate = KeyStageResult.objects.create(
        school=world.school, pupil=aoife, stage="ks1", subject="MAT", outcome="EXS"
    )
    # The same in another case: a CTF matches subjects in any case, so it is one too.
    lower = KeyStageResult.objects.create(
        school=world.school, pupil=aoife, stage="ks1", subject="mat", outcome="EXS"
    )
    MIGRATION.methods_of_every_source(apps, None)
    pks = [entered.pk, scored.pk, duplicate.pk, lower.pk]
    methods = {r.pk: r.method for r in KeyStageResult.objects.filter(pk__in=pks)}
    assert methods == {entered.pk: "TA", scored.pk: "TT", duplicate.pk: "", lower.pk: ""}
    # Nothing deleted; a later CTF matches the filled ones.
    assert KeyStageResult.objects.filter(pupil=aoife).count() == 7


@pytest.mark.django_db(transaction=True)
def test_migration_0006_run_by_the_migrator_fills_entered_results(world: World) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("scores", "0005_key_stage_result_component_and_method")]
    after = [("scores", "0006_key_stage_result_method_for_every_source")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    pupil = world.pupils_a[0]
    entered = KeyStageResult.objects.create(
        school=world.school, pupil=pupil, stage="ks1", subject="MAT", outcome="EXS"
    )
    executor = MigrationExecutor(connection)  # a fresh graph, as `migrate` would load
    executor.migrate(after)
    entered.refresh_from_db()
    assert entered.method == "TA"
    # Forward to the latest of every app (0006 is not the last): the database is left whole.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
