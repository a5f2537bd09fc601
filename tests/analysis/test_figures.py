"""Whole-school figures in SQL: counting rules, last year's framework, below-year tracking."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.analysis.helpers import judge, objectives, teach
from tests.factories import World, make_pupils
from trackwell.analysis.figures import compute_metrics, figure_phrase, format_figure
from trackwell.analysis.metrics import pupil_summaries
from trackwell.analysis.models import PupilFramework
from trackwell.pupils.models import SchoolClass

pytestmark = pytest.mark.django_db


def test_figures_match_the_grid_summaries(world: World) -> None:
    y3 = objectives(world.framework)
    teach(world, y3[:2])
    pupil = world.pupils_a[0]
    judge(world, pupil, y3[1], "2")
    judge(world, pupil, y3[4], "3")  # rated, not marked taught: taught to this pupil
    judge(world, pupil, y3[5], "0")
    m = compute_metrics([world.year.pk])[(pupil.pk, world.maths.pk)]
    grid = pupil_summaries(world.class_a, world.framework, [pupil.pk], len(y3))[pupil.pk]
    assert (
        (m.objectives, m.taught, m.assessed, m.secure, m.greater_depth)
        == (
            grid.objectives,
            grid.taught,
            grid.assessed,
            grid.secured,
            grid.greater_depth,
        )
        == (6, 4, 3, 2, 1)
    )
    figures = m.figures()
    assert figures["pct_taught"] == pytest.approx(66.7)
    assert figures["pct_secure_of_taught"] == 50.0
    assert figures["pct_secure_of_year"] == pytest.approx(33.3)
    assert figures["pct_greater_depth"] == 25.0
    assert figures["average_depth"] == pytest.approx(5 / 3, abs=0.01)
    other = compute_metrics([world.year.pk])[(world.pupils_a[1].pk, world.maths.pk)]
    assert (other.taught, other.assessed, other.figures()["average_depth"]) == (2, 0, None)


def test_last_years_framework_is_carried_over(world: World) -> None:
    y2 = objectives(world.framework_y2)
    pupil = world.pupils_a[0]
    judge(world, pupil, y2[0], "2")
    judge(world, pupil, y2[1], "3")
    judge(world, pupil, y2[2], "1")
    m = compute_metrics([world.year.pk])[(pupil.pk, world.maths.pk)]
    assert m.framework_id == world.framework.pk
    assert m.prev_framework_id == world.framework_y2.pk
    assert (m.prev_objectives, m.prev_secure, m.prev_greater_depth) == (4, 2, 1)
    assert m.figures()["pct_prev_secure"] == 50.0
    # Last year's ratings never count towards this year's framework.
    assert (m.assessed, m.secure) == (0, 0)


def test_pupils_below_their_year_are_counted_on_their_own_framework(world: World) -> None:
    pupil = world.pupils_a[2]
    PupilFramework.objects.create(
        school=world.school, pupil=pupil, subject=world.maths, framework=world.framework_y2
    )
    judge(world, pupil, objectives(world.framework_y2)[0], "2")
    judge(world, pupil, objectives(world.framework)[0], "2")
    m = compute_metrics([world.year.pk])[(pupil.pk, world.maths.pk)]
    assert m.below_year
    assert (m.framework_id, m.framework_year, m.class_year) == (world.framework_y2.pk, 2, 3)
    assert (m.objectives, m.secure) == (4, 1)
    assert m.prev_framework_id is None  # no Year 1 framework in this school


def test_archived_objectives_are_left_out(world: World) -> None:
    y3 = objectives(world.framework)
    judge(world, world.pupils_a[0], y3[0], "2")
    y3[0].archived_at = timezone.now()
    y3[0].save()
    m = compute_metrics([world.year.pk])[(world.pupils_a[0].pk, world.maths.pk)]
    assert (m.objectives, m.assessed, m.secure) == (5, 0, 0)


def test_as_of_reads_the_history(world: World) -> None:
    y3 = objectives(world.framework)
    pupil = world.pupils_a[0]
    then = timezone.now() - timedelta(days=10)
    judge(world, pupil, y3[0], "1", at=then)
    judge(world, pupil, y3[0], "3")
    before = compute_metrics([world.year.pk], as_of=then + timedelta(days=1))
    now = compute_metrics([world.year.pk])
    key = (pupil.pk, world.maths.pk)
    assert (before[key].assessed, before[key].secure) == (1, 0)
    assert (now[key].assessed, now[key].secure, now[key].greater_depth) == (1, 1, 1)
    earlier = compute_metrics([world.year.pk], as_of=then - timedelta(days=1))
    assert earlier[key].assessed == 0


def test_query_count_does_not_grow_with_the_school(world: World) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            compute_metrics([world.year.pk])
        return len(ctx.captured_queries)

    small = count()
    extra = SchoolClass.objects.create(
        school=world.school, year=world.year, name="3 Elm", nc_year=3
    )
    for p in make_pupils(world.school, extra, 12):
        judge(world, p, objectives(world.framework)[0], "2")
    assert count() == small


def test_figures_read_as_people_say_them() -> None:
    assert format_figure("pct_secure_of_year", 58.0) == "58%"
    assert format_figure("band_change", -1) == "down 1 band"
    assert format_figure("band_change", 2) == "up 2 bands"
    assert format_figure("band_change", 0) == "same band"
    assert figure_phrase("pct_secure_of_year", 58.0) == "58% secure of the year"
    assert figure_phrase("average_depth", None) == "average depth: no figure yet"


def test_figures_for_some_pupils_equal_the_whole_school_figures(world: World) -> None:
    # Regression: narrowing to a few pupils once joined the judgements twice, so ratings on
    # objectives taught to the class were over-counted and coverage went negative.
    y3 = objectives(world.framework)
    teach(world, y3[:4])
    for pupil in world.pupils_a[:3]:
        for objective in y3[:3]:
            judge(world, pupil, objective, "2")
    judge(world, world.pupils_a[0], y3[5], "1")
    everyone = compute_metrics([world.year.pk])
    some = compute_metrics([world.year.pk], pupil_ids=[world.pupils_a[0].pk])
    mine = some[(world.pupils_a[0].pk, world.maths.pk)]
    assert mine == everyone[(world.pupils_a[0].pk, world.maths.pk)]
    assert (mine.taught, mine.assessed, mine.secure) == (5, 4, 3)
    assert all(value is None or value >= 0 for value in mine.figures().values())
