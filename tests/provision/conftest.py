"""Provision fixtures: a school with two interventions, a session and a strategy."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from tests.factories import World
from trackwell.provision import builtin, services, sessions
from trackwell.provision.models import ClassroomStrategy, Intervention, Participant


@dataclass
class Provision:
    world: World
    group_a: Intervention  # class A pupils, delivered by the assistant, planned by the SENCO
    group_b: Intervention  # class B pupils, nobody delivering
    participant_a: Participant
    strategy: ClassroomStrategy


def make_provision(world: World) -> Provision:
    measures = services.ensure_builtin_measures(world.school)
    group_a = services.create_intervention(
        user=world.users["senco"],
        school=world.school,
        name="Number sense group",
        area="academic",
        subject_id=world.maths.pk,
        start_date=date(2026, 11, 2),
        weeks=6,
        sessions_per_week=3,
        minutes_per_session=20,
        staff=[services.StaffSpec(user_id=world.users["ta"].pk, hourly_rate=Decimal("14.00"))],
        funding={"pupil_premium": 100},
        objective_ids=[o.pk for o in world.objectives[:2]],
        measure_ids=[measures[builtin.GRID].pk, measures[builtin.WELLBEING].pk],
        pupil_ids=[p.pk for p in world.pupils_a[:3]],
    )
    group_b = services.create_intervention(
        user=world.users["senco"],
        school=world.school,
        name="Talk boost",
        area="communication",
        start_date=date(2026, 11, 2),
        measure_ids=[measures[builtin.INVOLVEMENT].pk],
        pupil_ids=[world.pupils_b[0].pk],
    )
    participant = group_a.participants.order_by("pk").first()
    assert participant is not None
    sessions.record_session(
        user=world.users["ta"],
        intervention=group_a,
        day=date(2026, 11, 3),
        present={participant.pk},
    )
    group_a.refresh_from_db()
    strategy = sessions.add_strategy(
        user=world.users["teacher"], school_class=world.class_a, title="Word banks"
    )
    return Provision(world, group_a, group_b, participant, strategy)


@pytest.fixture
def provision(world: World) -> Provision:
    return make_provision(world)


@pytest.fixture
def other_provision(other_world: World) -> Provision:
    return make_provision(other_world)
