"""Impact: outcomes, change per hour and per pound, comparisons with pupils not in it, flags."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.analysis.helpers import judge
from tests.factories import World
from trackwell.provision import builtin, from_gaps, services, sessions
from trackwell.provision.impact import by_area, impact_of
from trackwell.provision.models import Intervention
from trackwell.provision.queries import load_map

pytestmark = pytest.mark.django_db


def _at(d: date) -> datetime:
    return timezone.make_aware(datetime(d.year, d.month, d.day, 10))


def _grid_group(world: World) -> Intervention:
    objs = world.objectives[:3]
    for p in world.pupils_a + world.pupils_b:
        judge(world, p, objs[0], "1", at=_at(date(2026, 9, 1)))
    intervention = from_gaps.create_from_gap_group(
        user=world.users["teacher"],
        school_class=world.class_a,
        objective_ids=[o.pk for o in objs],
        pupil_ids=[p.pk for p in world.pupils_a[:2]],
        start_date=date(2026, 9, 7),
        weeks=6,
        staff=[services.StaffSpec(user_id=world.users["ta"].pk, hourly_rate=Decimal(15))],
        minutes_per_session=30,
        sessions_per_week=2,
    )
    for p in world.pupils_a[:2]:
        judge(world, p, objs[0], "2", at=_at(date(2026, 10, 15)))
        judge(world, p, objs[1], "2", at=_at(date(2026, 10, 15)))
    judge(world, world.pupils_b[0], objs[0], "2", at=_at(date(2026, 10, 15)))
    people = list(intervention.participants.order_by("pk"))
    for day in (date(2026, 9, 8), date(2026, 9, 10), date(2026, 9, 15)):
        present = {people[0].pk, people[1].pk} if day.day != 15 else {people[0].pk}
        sessions.record_session(
            user=world.users["ta"], intervention=intervention, day=day, present=present
        )
    intervention.refresh_from_db()
    return services.stop_intervention(
        user=None,
        intervention=intervention,
        expected_version=intervention.version,
        on=date(2026, 10, 20),
    )


def test_cost_dosage_and_comparison(world: World) -> None:
    intervention = _grid_group(world)
    (row,) = load_map(Intervention.objects.filter(pk=intervention.pk))
    assert row.sessions_held == 3 and row.session_minutes == 90
    # Planned: 2 x 30 min x 6 weeks = 6 hours at £15; actual: 1.5 hours at £15.
    assert row.planned_cost == Decimal("90.00") and row.actual_cost == Decimal("22.50")
    first, second = row.participants
    assert (first.attended, first.possible, first.minutes) == (3, 3, 90)
    assert (second.attended, second.possible) == (2, 3)
    # Two sessions shared by two (£3.75 each), one for the first pupil alone (£7.50).
    assert first.cost == Decimal("15.00") and second.cost == Decimal("7.50")  # adds to 22.50
    (impact,) = impact_of([row])
    assert impact.met == 0 and impact.partly == 2  # 2 of 3 secured, target was all 3
    grid = impact.measures[0]
    assert grid.mean_change == 2
    assert grid.change_per_hour == Decimal("1.60")  # 4 objectives over 2.5 pupil-hours
    comparison = grid.comparison
    assert comparison is not None
    # The other six Year 3 pupils: one secured one objective over the same dates.
    assert comparison.pupils == 6
    assert comparison.mean_change == Decimal("0.2")
    assert comparison.participants == 2 and comparison.participants_change == Decimal("2.0")
    assert comparison.too_small is True


def test_leuven_has_no_comparison_and_says_why(world: World) -> None:
    measures = services.ensure_builtin_measures(world.school)
    wellbeing = measures[builtin.WELLBEING]
    intervention = services.create_intervention(
        user=None,
        school=world.school,
        name="Lego therapy",
        area="communication",
        start_date=date(2026, 9, 7),
        measure_ids=[wellbeing.pk],
    )
    participant = services.add_participant(
        user=None,
        intervention=intervention,
        pupil=world.pupils_a[0],
        targets={wellbeing.pk: "+1"},
        entry={wellbeing.pk: Decimal(2)},
    )
    services.record_exit(
        user=None,
        participant=participant,
        measure=wellbeing,
        expected_version=participant.version,
        value=Decimal(4),
    )
    (impact,) = impact_of(load_map(Intervention.objects.filter(pk=intervention.pk)))
    assert impact.met == 1
    (m,) = impact.measures
    assert (
        m.comparison is None
        and "recorded only for pupils in interventions" in m.no_comparison_reason
    )
    assert m.mean_change_text == "+2 steps"


def test_flag_names_no_adult(world: World) -> None:
    measures = services.ensure_builtin_measures(world.school)
    wellbeing = measures[builtin.WELLBEING]
    results = {"Group A": [4, 4, 4, 4, 4, 4], "Group B": [2, 2, 2]}
    for name, exits in results.items():
        intervention = services.create_intervention(
            user=None,
            school=world.school,
            name=name,
            area="semh",
            start_date=date(2026, 9, 7),
            measure_ids=[wellbeing.pk],
            staff=[services.StaffSpec(user_id=world.users["ta"].pk)],
        )
        for pupil, value in zip(world.pupils_a + world.pupils_b, exits, strict=False):
            p = services.add_participant(
                user=None,
                intervention=intervention,
                pupil=pupil,
                targets={wellbeing.pk: "+1"},
                entry={wellbeing.pk: Decimal(2)},
            )
            services.record_exit(
                user=None,
                participant=p,
                measure=wellbeing,
                expected_version=p.version,
                value=Decimal(value),
            )
    impacts = impact_of(load_map(Intervention.objects.filter(school=world.school)))
    flagged = {i.row.intervention.name: i.flag for i in impacts}
    assert flagged["Group A"] == ""
    assert "0 of 3 pupils met their targets here, against 6 of 6" in flagged["Group B"]
    assert world.users["ta"].display_name not in flagged["Group B"]
    assert world.users["ta"].last_name not in flagged["Group B"]
    semh = next(a for a in by_area(impacts) if a.area == "semh")
    assert semh.interventions == 2 and semh.pupil_count == 6 and semh.met == 6


def test_map_queries_constant_as_interventions_grow(
    world: World, django_assert_max_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            impact_of(load_map(Intervention.objects.filter(school=world.school)))
        return len(ctx.captured_queries)

    _grid_group(world)
    small = count()
    for n in range(4):
        from_gaps.create_from_gap_group(
            user=None,
            school_class=world.class_a,
            objective_ids=[world.objectives[3 + n % 3].pk],
            pupil_ids=[p.pk for p in world.pupils_a[n % 3 : n % 3 + 2]],
            start_date=date(2026, 9, 7),
            name=f"Group {n}",
        )
    assert count() == small
