"""Per-pupil and per-objective summaries."""

import pytest
from django.utils import timezone

from tests.factories import World
from trackwell.analysis.metrics import objective_summaries, pupil_summaries
from trackwell.assessment.services import set_judgement
from trackwell.curriculum.models import TaughtObjective

pytestmark = pytest.mark.django_db


def rate(world: World, pupil: int, objective: int, code: str) -> None:
    set_judgement(
        user=world.users["teacher"],
        school_class=world.class_a,
        framework=world.framework,
        pupil_id=world.pupils_a[pupil].pk,
        objective_id=world.objectives[objective].pk,
        code=code,
        expected_version=0,
    )


def test_taught_counts_class_coverage_and_any_rating(world: World) -> None:
    for index in (0, 1):
        TaughtObjective.objects.create(
            school=world.school, school_class=world.class_a, objective=world.objectives[index]
        )
    rate(world, 0, 1, "2")  # taught to the class already
    rate(world, 0, 4, "3")  # rated but not marked taught: still taught to this pupil
    rate(world, 0, 5, "0")
    ids = [p.pk for p in world.pupils_a]
    summaries = pupil_summaries(world.class_a, world.framework, ids, len(world.objectives))
    mine = summaries[world.pupils_a[0].pk]
    assert (mine.objectives, mine.taught, mine.assessed, mine.secured, mine.greater_depth) == (
        6,
        4,
        3,
        2,
        1,
    )
    assert mine.pct_secured_of_taught == 50
    assert mine.pct_secured_of_year == 33
    assert mine.pct_greater_depth == 25
    assert mine.average_depth == pytest.approx(5 / 3)
    other = summaries[world.pupils_a[1].pk]
    assert (other.taught, other.assessed, other.secured, other.average_depth) == (2, 0, 0, None)
    assert other.pct_secured_of_taught == 0


def test_archived_objectives_drop_out_of_figures(world: World) -> None:
    rate(world, 0, 2, "2")
    rate(world, 1, 2, "1")
    ids = [p.pk for p in world.pupils_a]
    assert objective_summaries(world.framework, ids)[world.objectives[2].pk].pct_secured == 20
    world.objectives[2].archived_at = timezone.now()
    world.objectives[2].save()
    assert world.objectives[2].pk not in objective_summaries(world.framework, ids)
    assert (
        pupil_summaries(world.class_a, world.framework, ids, 5)[world.pupils_a[0].pk].assessed == 0
    )


def test_no_taught_objectives_gives_no_percentage(world: World) -> None:
    summary = pupil_summaries(world.class_a, world.framework, [world.pupils_a[0].pk], 6)[
        world.pupils_a[0].pk
    ]
    assert summary.taught == 0
    assert summary.pct_secured_of_taught is None
    assert summary.as_dict()["average_depth"] is None
