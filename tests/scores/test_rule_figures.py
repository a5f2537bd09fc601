"""Band rules may test test scores, targets and prior attainment."""

import pytest

from tests.factories import World
from trackwell.analysis.evaluation import point_results
from trackwell.analysis.models import Band, BandRule, BandSet
from trackwell.analysis.rules import parse_conditions
from trackwell.core.models import AssessmentPoint
from trackwell.scores import prior, services, targets
from trackwell.scores.models import KeyStage, KeyStageResult, Test

pytestmark = pytest.mark.django_db


def _set(world: World, conditions: str) -> BandSet:
    band_set = BandSet.objects.create(
        school=world.school, name="Using scores", kind=BandSet.Kind.ATTAINMENT
    )
    Band.objects.create(
        school=world.school, band_set=band_set, key="not-yet", label="Not yet", order=0
    )
    yes = Band.objects.create(
        school=world.school,
        band_set=band_set,
        key="yes",
        label="Yes",
        order=1,
        meets_expectation=True,
    )
    BandRule.objects.create(school=world.school, band=yes, conditions=parse_conditions(conditions))
    return band_set


def _bands(world: World, subject_id: int, band_set: BandSet) -> dict[int, str]:
    point = AssessmentPoint.objects.get(school=world.school, name="Autumn")
    results = point_results(point, subject_ids=[subject_id])
    return {
        pid: row.bands[band_set.pk].shown.key
        for (pid, _), row in results.rows.items()
        if band_set.pk in row.bands
    }


def test_a_rule_on_the_latest_test_score(world: World, reading_test: Test) -> None:
    band_set = _set(world, "test_score >= 100")
    a, b = world.pupils_a[0], world.pupils_a[1]
    # Maths has a framework in the test school: score this test as a maths test.
    reading_test.subject = world.maths
    reading_test.save()
    services.apply_results(user=None, test=reading_test, marks={a.pk: 27, b.pk: 26})
    found = _bands(world, world.maths.pk, band_set)
    assert found[a.pk] == "yes" and found[b.pk] == "not-yet"


def test_a_rule_on_prior_attainment(world: World) -> None:
    prior.ensure_groups(world.school)
    band_set = _set(world, "prior_attainment >= 3")
    high, low = world.pupils_a[0], world.pupils_a[1]
    for pupil, outcome in ((high, "GDS"), (low, "WTS")):
        KeyStageResult.objects.create(
            school=world.school, pupil=pupil, stage=KeyStage.KS1, subject="maths", outcome=outcome
        )
    found = _bands(world, world.maths.pk, band_set)
    assert found[high.pk] == "yes" and found[low.pk] == "not-yet"


def test_a_rule_on_the_target_at_the_point(world: World) -> None:
    band_set = _set(world, "target_met = 1")
    point = AssessmentPoint.objects.get(school=world.school, name="Autumn")
    a, b = world.pupils_a[0], world.pupils_a[1]
    targets.save_targets(
        user=world.users["teacher"],
        school_class=world.class_a,
        subject=world.maths,
        point=point,
        entries=[
            targets.TargetInput(a.pk, "pct_secure", None, 0, 0),
            targets.TargetInput(b.pk, "pct_secure", None, 50, 0),
        ],
    )
    found = _bands(world, world.maths.pk, band_set)
    assert found[a.pk] == "yes" and found[b.pk] == "not-yet"


def test_a_rule_on_the_teachers_judgement_of_progress(world: World) -> None:
    band_set = _set(world, "teacher_progress = 1")
    point = AssessmentPoint.objects.get(school=world.school, name="Autumn")
    good, not_yet, unjudged = world.pupils_a[0], world.pupils_a[1], world.pupils_a[2]
    prior.save_progress_judgements(
        user=world.users["teacher"],
        school_class=world.class_a,
        subject=world.maths,
        point=point,
        entries=[
            prior.JudgementInput(good.pk, True, "Reads fluently now", 0),
            prior.JudgementInput(not_yet.pk, False, "Missed much of the term", 0),
        ],
    )
    found = _bands(world, world.maths.pk, band_set)
    assert found[good.pk] == "yes"
    assert found[not_yet.pk] == "not-yet" and found[unjudged.pk] == "not-yet"
    results = point_results(point, subject_ids=[world.maths.pk])
    row = results.rows[(good.pk, world.maths.pk)]
    assert row.figures["teacher_progress"] == 1.0
    assert "the teacher's word at this point" in row.bands[band_set.pk].explanation
    assert results.rows[(unjudged.pk, world.maths.pk)].figures.get("teacher_progress") is None
