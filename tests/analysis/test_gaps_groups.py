"""Gaps for pupils, classes and year groups; groups compared, with small groups suppressed."""

from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analysis.helpers import judge, objectives, point, teach, with_bands
from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.analysis.evaluation import PupilResult, evaluate_live
from trackwell.analysis.gaps import pupil_gaps, shared_gaps
from trackwell.analysis.groups import (
    PupilFacts,
    compare_groups,
    group_choices,
    group_test,
    is_summer_born,
    pupil_facts,
)
from trackwell.analysis.services import create_group
from trackwell.pupils.models import Pupil, SenStatus, Sex

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


# ---------------------------------------------------------------------------
# Suppression cannot be undone by subtraction (docs/analysis.md, "Suppression")

_pupil = st.tuples(
    st.sampled_from([3, 4, 5]),  # NC year
    st.sampled_from([Sex.FEMALE, Sex.MALE]),
    st.booleans(),  # disadvantaged
    st.booleans(),  # FSM
    st.sampled_from([SenStatus.NONE, SenStatus.NONE, SenStatus.SUPPORT, SenStatus.EHCP]),
    st.booleans(),  # EAL
    st.integers(1, 12),  # month of birth
    st.booleans(),  # in the school's group
)


def _school(pupils: list[tuple]) -> tuple[list[PupilResult], dict[int, PupilFacts]]:
    rows, facts = [], {}
    for pupil_id, (nc_year, sex, dis, fsm, sen, eal, month, grouped) in enumerate(pupils, 1):
        rows.append(PupilResult(pupil_id, 1, None, nc_year, None, nc_year, figures={"x": pupil_id}))
        facts[pupil_id] = PupilFacts(
            pupil_id,
            sex,
            date(2018, month, 1),
            dis,
            fsm,
            sen,
            eal,
            looked_after=pupil_id % 7 == 0,
            groups=frozenset({1} if grouped else ()),
        )
    return rows, facts


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pupils=st.lists(_pupil, max_size=40), minimum=st.integers(2, 6))
def test_no_hidden_group_is_a_difference_of_shown_figures(
    pupils: list[tuple], minimum: int
) -> None:
    """For random small schools, on the whole-school page and each year group's page.

    What can be worked out by subtraction is empty or has at least the minimum
    number of pupils: one shown set taken from another that holds it (on one page
    or across pages), and what is left of a whole-school figure (a group, the
    pupils it is compared with, or the difference of two nested ones) after
    taking away the year groups' shares of the same figure shown on their pages.
    So a year group may hide a small group while the whole school shows it, when
    the hidden shares together are large enough not to single anyone out.
    """
    rows, facts = _school(pupils)
    choices = [*group_choices([]), ("group-1", "Reading club")]
    tests = {key: group_test(key) for key, _ in choices}
    # page -> {(key, side): pupils} for what the page shows; side 1 is the group.
    shown: dict[int | None, dict[tuple[str, int], frozenset[int]]] = {}
    for nc_year in [None, 3, 4, 5]:  # None: the whole school
        page_rows = [r for r in rows if nc_year is None or r.nc_year == nc_year]
        found = compare_groups(page_rows, facts, choices, min_size=minimum, suppress=True)
        sizes = Counter(r.nc_year for r in page_rows)
        counted = frozenset(r.pupil_id for r in page_rows if sizes[r.nc_year] >= minimum)
        assert all(c.partial == (counted != {r.pupil_id for r in page_rows}) for c in found)
        page = shown.setdefault(nc_year, {})
        if counted:
            page[("all", 1)] = counted  # the year groups' totals are on the school overview
        for c in found:
            test = tests[c.key]
            assert test is not None
            inside = frozenset(p for p in counted if test(facts[p]))
            assert (c.group.pupils, c.others.pupils) == (len(inside), len(counted - inside))
            if not c.suppressed:
                assert c.group.pupils >= minimum and c.others.pupils >= minimum
                page[(c.key, 1)], page[(c.key, 0)] = inside, counted - inside

    def check(found: frozenset[int]) -> None:
        assert not 0 < len(found) < minimum, sorted(found)

    # Everything shown on any of these pages, and what is left of each whole-school
    # set after taking away the year groups' shares of the same figure.
    public = [pupils for page in shown.values() for pupils in page.values()]
    for name, whole in shown[None].items():
        shares = [shown[year][name] for year in (3, 4, 5) if name in shown.get(year, {})]
        public.append(whole - frozenset().union(*shares))
    for pupil_set in public:
        check(pupil_set)
    # One of those taken from another that holds it.
    for big in public:
        for small in public:
            if small <= big:
                check(big - small)
