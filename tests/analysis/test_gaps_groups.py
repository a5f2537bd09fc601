"""Gaps for pupils, classes and year groups; groups compared, with small groups suppressed."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.analysis.helpers import judge, objectives, point, teach, with_bands
from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.analysis.evaluation import evaluate_live
from trackwell.analysis.gaps import pupil_gaps, shared_gaps
from trackwell.analysis.groups import compare_groups, group_choices, is_summer_born, pupil_facts
from trackwell.analysis.services import create_group
from trackwell.pupils.models import Pupil

pytestmark = pytest.mark.django_db


def test_pupil_gaps_and_carried_forward_gaps(world: World) -> None:
    y3, y2 = objectives(world.framework), objectives(world.framework_y2)
    teach(world, y3[:3])
    pupil = world.pupils_a[0]
    judge(world, pupil, y3[0], "2")
    judge(world, pupil, y3[1], "1")
    judge(world, pupil, y3[4], "0")  # rated though not marked taught: a gap too
    judge(world, pupil, y2[0], "3")
    judge(world, pupil, y2[1], "1")
    gaps = pupil_gaps(pupil, world.framework, world.framework_y2, [world.class_a.pk])
    assert [g.objective for g in gaps.gaps] == [y3[1], y3[2], y3[4]]
    assert [g.status for g in gaps.gaps] == [
        "Developing",
        "not yet assessed",
        "Taught, limited understanding",
    ]
    assert [g.objective for g in gaps.carried] == [y2[1], y2[2], y2[3]]
    steps = gaps.next_steps
    assert len(steps) == 5
    assert steps[0] in {y2[1], y2[2], y2[3]}  # last year's first, key objectives first
    assert {o.framework_id for o in steps[:3]} == {world.framework_y2.pk}


def test_class_gaps_are_ordered_by_pupils_not_yet_secure(world: World) -> None:
    y3 = objectives(world.framework)
    teach(world, y3[:3])
    for p in world.pupils_a:
        judge(world, p, y3[0], "2")
    for p in world.pupils_a[:3]:
        judge(world, p, y3[1], "3")
    gaps = shared_gaps(world.pupils_a, world.framework, [world.class_a.pk])
    assert [(g.objective, g.count) for g in gaps] == [(y3[2], 5), (y3[1], 2)]
    assert gaps[1].not_secure == world.pupils_a[3:]
    assert gaps[1].share == 40


def test_saving_a_shared_gap_as_a_group(world: World) -> None:
    ids = [p.pk for p in world.pupils_a[:2]]
    group = create_group(
        user=world.users["teacher"], school=world.school, name="Column addition", pupil_ids=ids
    )
    assert set(group.pupils.values_list("pk", flat=True)) == set(ids)
    assert AuditEntry.objects.filter(action="group.create", object_id=str(group.pk)).exists()
    with pytest.raises(ValidationError, match="already a group"):
        create_group(user=None, school=world.school, name="Column addition", pupil_ids=ids)


def test_groups_from_other_schools_are_refused(world: World, other_world: World) -> None:
    with pytest.raises(ValidationError, match="not at this school"):
        create_group(
            user=None, school=world.school, name="Mixed", pupil_ids=[other_world.pupils_a[0].pk]
        )


def test_summer_born() -> None:
    assert is_summer_born(date(2018, 4, 1)) and is_summer_born(date(2018, 8, 31))
    assert not is_summer_born(date(2018, 9, 1)) and not is_summer_born(date(2018, 3, 31))


def test_group_comparison_and_suppression(world: World) -> None:
    with_bands(world)
    y3 = objectives(world.framework)
    teach(world, y3[:3])
    Pupil.objects.filter(pk=world.pupils_a[0].pk).update(eal=True)
    for o in y3[:3]:
        judge(world, world.pupils_a[0], o, "2")
    rows = list(evaluate_live(point(world)).rows.values())
    facts = pupil_facts({r.pupil_id for r in rows})
    choices = group_choices([])
    shown = {c.key: c for c in compare_groups(rows, facts, choices, min_size=5, suppress=False)}
    eal = shown["eal"]
    assert (eal.group.pupils, eal.others.pupils) == (1, 7)
    assert eal.group.meets == 100 and eal.others.meets == 0
    assert eal.meets_difference == 100
    assert eal.group.secure == 50.0 and eal.secure_difference == 50.0
    assert not eal.suppressed
    hidden = {c.key: c for c in compare_groups(rows, facts, choices, min_size=5, suppress=True)}
    assert hidden["eal"].suppressed
    # 3 girls, 5 boys: both hidden, as a comparison needs both sides to reach the minimum.
    assert (hidden["female"].group.pupils, hidden["male"].group.pupils) == (3, 5)
    assert hidden["female"].suppressed and hidden["male"].suppressed
    lower = {c.key: c for c in compare_groups(rows, facts, choices, min_size=3, suppress=True)}
    assert not lower["male"].suppressed and lower["eal"].suppressed
