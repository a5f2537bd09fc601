"""Whole-school analysis on varied data equals a plain count and the rule engine, pupil by pupil.

Each seed builds a different school: ratings of every level, cleared cells, an
archived objective, objectives marked taught to some classes, a pupil enrolled in
two classes, a pupil tracked on last year's framework, a starting point set by
hand, a confirmed band, and a closed point before the one evaluated so that the
progress set has something to compare with. Then:

- `compute_metrics` is checked against counts worked out in Python from the
  judgements, marks and enrolments themselves;
- every band of `evaluate_live` is checked against `BandSetSpec.evaluate` for
  that pupil's figures alone, with the same wording;
- closing the point stores, for every band, the engine's explanation.
"""

import json
import random
from collections import defaultdict
from typing import Any

import pytest

from tests.analysis.helpers import add_points, judge, objectives, point, teach, with_bands
from tests.factories import World, make_pupils
from trackwell.analysis.evaluation import PointResults, evaluate_live, load_band_sets
from trackwell.analysis.figures import compute_metrics
from trackwell.analysis.models import (
    BandConfirmation,
    PupilFramework,
    PupilStartingPoint,
    SnapshotBand,
    StartingPoint,
)
from trackwell.analysis.services import close_point
from trackwell.assessment.models import Judgement
from trackwell.curriculum.models import Objective, RatingLevel, TaughtObjective
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass

pytestmark = pytest.mark.django_db

CODES = ["0", "1", "2", "3"]
PROGRESS_ONLY = ("band_change", "secure_gain")


def _vary(world: World, rng: random.Random) -> list[Pupil]:
    """Ratings and marks at random, with the awkward cases every school ends up with."""
    with_bands(world)
    add_points(world)
    elm = SchoolClass.objects.create(school=world.school, year=world.year, name="3 Elm", nc_year=3)
    pupils = [*world.pupils_a, *world.pupils_b, *make_pupils(world.school, elm, 6)]
    y3, y2 = objectives(world.framework), objectives(world.framework_y2)
    for school_class in (world.class_a, world.class_b, elm):
        teach(world, rng.sample(y3, rng.randint(0, len(y3))), school_class)
    for pupil in pupils:
        for objective in y3 + y2:
            if rng.random() < 0.6:
                judge(world, pupil, objective, rng.choice(CODES))
    # Moved into a second class of the same year, keeping the first enrolment.
    moved = rng.choice(world.pupils_a)
    Enrolment.objects.create(school=world.school, pupil=moved, school_class=world.class_b)
    # Cleared cells keep their row with no level.
    cleared = list(Judgement.objects.filter(school=world.school).order_by("pk"))
    Judgement.objects.filter(pk__in=[j.pk for j in rng.sample(cleared, 3)]).update(level=None)
    if rng.random() < 0.5:
        Objective.objects.filter(pk=rng.choice(y3).pk).update(archived_at="2026-10-01T00:00Z")
    PupilFramework.objects.create(
        school=world.school,
        pupil=rng.choice(pupils),
        subject=world.maths,
        framework=world.framework_y2,
    )
    close_point(user=world.users["leader"], point=point(world, "Autumn"))
    # Things move on after the autumn point.
    for pupil in rng.sample(pupils, len(pupils) // 2):
        for objective in rng.sample(y3, 3):
            judge(world, pupil, objective, rng.choice(CODES))
    PupilStartingPoint.objects.create(
        school=world.school,
        pupil=rng.choice(pupils),
        subject=world.maths,
        year=world.year,
        starting_point=StartingPoint.objects.get(school=world.school, key="secure-last-year"),
    )
    sets = load_band_sets(world.school.pk)
    assert sets.attainment is not None
    BandConfirmation.objects.create(
        school=world.school,
        point=point(world, "Spring"),
        pupil=rng.choice(pupils),
        subject=world.maths,
        band_set_id=sets.attainment.pk,
        band=rng.choice(sets.attainment.bands),
        reason="Seen in class",
    )
    return pupils


def _plain_counts(world: World, pupil_ids: set[int] | None = None) -> dict[Any, list[int]]:
    """(pupil, framework) -> assessed, secure, greater depth, depth total, rated and marked."""
    years = [world.year.pk]
    classes_of: dict[int, list[int]] = defaultdict(list)
    for pupil_id, class_id in Enrolment.objects.filter(school_class__year_id__in=years).values_list(
        "pupil_id", "school_class_id"
    ):
        classes_of[pupil_id].append(class_id)
    framework_of = dict(
        Objective.objects.filter(school=world.school, archived_at__isnull=True).values_list(
            "pk", "framework_id"
        )
    )
    marked = set(
        TaughtObjective.objects.filter(school_class__year_id__in=years).values_list(
            "school_class_id", "objective_id"
        )
    )
    levels = {
        lv.pk: (lv.value, lv.counts_as_secure, lv.is_greater_depth)
        for lv in RatingLevel.objects.filter(school=world.school)
    }
    counts: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for pupil_id, objective_id, level_id in Judgement.objects.filter(
        school=world.school, level__isnull=False
    ).values_list("pupil_id", "objective_id", "level_id"):
        if objective_id not in framework_of or pupil_id not in classes_of:
            continue
        if pupil_ids is not None and pupil_id not in pupil_ids:
            continue
        value, secure, greater = levels[level_id]
        row = counts[(pupil_id, framework_of[objective_id])]
        row[0] += 1
        row[1] += secure
        row[2] += greater
        row[3] += value
        # Marked taught to any of the pupil's classes: once, however many classes marked it.
        row[4] += any((c, objective_id) in marked for c in classes_of[pupil_id])
    return counts


def _check_figures(world: World, pupil_ids: set[int] | None) -> None:
    counts = _plain_counts(world, pupil_ids)
    marked_to_class: dict[Any, int] = defaultdict(int)
    for class_id, framework_id in TaughtObjective.objects.filter(
        school_class__year=world.year, objective__archived_at__isnull=True
    ).values_list("school_class_id", "objective__framework_id"):
        marked_to_class[(class_id, framework_id)] += 1
    found = compute_metrics([world.year.pk], pupil_ids=pupil_ids)
    assert found
    for (pupil_id, _), m in found.items():
        assessed, secure, greater, depth, rated_marked = counts[(pupil_id, m.framework_id)]
        assert (m.assessed, m.secure, m.greater_depth, m.depth_total) == (
            assessed,
            secure,
            greater,
            depth,
        ), pupil_id
        assert m.taught == marked_to_class[(m.class_id, m.framework_id)] + assessed - rated_marked
        if m.prev_framework_id:
            prev = counts[(pupil_id, m.prev_framework_id)]
            assert (m.prev_secure, m.prev_greater_depth) == (prev[1], prev[2])


def _check_bands(results: PointResults) -> int:
    """Every band against the engine for that pupil alone; the number of bands checked."""
    checked = 0
    for row in results.rows.values():
        for loaded in results.sets.active:
            band = row.bands.get(loaded.pk)
            figures = dict(row.figures)
            if loaded.model.kind == "attainment":
                for name in PROGRESS_ONLY:
                    figures.pop(name, None)
            elif "band_change" not in figures:
                assert band is None  # no earlier band to compare with
                continue
            expected = loaded.spec.evaluate(
                figures,
                results.point.name,
                row.starting_point,
                results.sets.start_labels,
                year=row.nc_year,
            )
            assert band is not None
            assert band.suggested.key == expected.band.key, (row.pupil_id, loaded.pk)
            assert band.explained is not None
            assert band.explained.rule == expected.rule
            assert band.explained.text == expected.text
            assert band.because == expected.because and band.next_text == expected.next_text
            assert json.dumps(band.explanation_json()) == json.dumps(expected.as_json())
            checked += 1
    return checked


@pytest.mark.parametrize("seed", range(6))
def test_figures_equal_a_plain_count_of_the_judgements(world: World, seed: int) -> None:
    rng = random.Random(seed)
    pupils = _vary(world, rng)
    _check_figures(world, None)
    _check_figures(world, {p.pk for p in rng.sample(pupils, 4)})


@pytest.mark.parametrize("seed", range(6))
def test_every_band_is_the_engines_band_for_that_pupil(world: World, seed: int) -> None:
    _vary(world, random.Random(seed))
    spring = point(world, "Spring")
    results = evaluate_live(spring)
    # Attainment for every pupil-subject, progress for those with an autumn band.
    assert _check_bands(results) > len(results.rows)
    assert any(
        r.bands.get(b.pk) and r.bands[b.pk].is_confirmed
        for r in results.rows.values()
        for b in results.sets.active
    )


@pytest.mark.parametrize("seed", range(3))
def test_closing_stores_the_engines_explanation_of_every_band(world: World, seed: int) -> None:
    _vary(world, random.Random(seed))
    spring = point(world, "Spring")
    before = evaluate_live(spring)
    expected = {
        (row.pupil_id, set_id): json.loads(json.dumps(band.explained.as_json()))
        for row in before.rows.values()
        for set_id, band in row.bands.items()
        if band.explained is not None
    }
    summary = close_point(user=world.users["leader"], point=spring)
    stored = {
        (sb.snapshot.pupil_id, sb.band_set_id): sb.explanation
        for sb in SnapshotBand.objects.filter(snapshot__closure=summary.closure).select_related(
            "snapshot"
        )
    }
    assert stored == expected
