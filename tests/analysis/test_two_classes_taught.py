"""A pupil in two classes: an objective both classes marked taught counts once."""

import pytest
from django.utils import timezone

from tests.analysis.helpers import judge, teach
from tests.factories import World
from trackwell.analysis.figures import compute_metrics
from trackwell.pupils.models import Enrolment

pytestmark = pytest.mark.django_db


def test_an_objective_marked_by_both_of_a_pupils_classes_is_counted_once(world: World) -> None:
    pupil = world.pupils_a[0]
    Enrolment.objects.create(school=world.school, pupil=pupil, school_class=world.class_b)
    both, unmarked = world.objectives[0], world.objectives[1]
    teach(world, [both], world.class_a)
    teach(world, [both], world.class_b)
    judge(world, pupil, both, "2")
    judge(world, pupil, unmarked, "2")  # rated but marked taught to neither class
    live = compute_metrics([world.year.pk], pupil_ids=[pupil.pk])
    rebuilt = compute_metrics([world.year.pk], pupil_ids=[pupil.pk], as_of=timezone.now())
    key = (pupil.pk, world.framework.subject_id)
    # Taught: the one objective the class marked, and the one rated beyond what was marked.
    assert live[key].taught == 2
    assert live[key].assessed == 2
    assert rebuilt[key].taught == live[key].taught
