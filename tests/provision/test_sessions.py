"""Sessions delivered, attendance and version checks; classroom strategies; budgets."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import World
from trackwell.core.versioning import EditConflict
from trackwell.provision import services, sessions
from trackwell.provision.models import Attendance, ClassroomStrategy, Session, Status

pytestmark = pytest.mark.django_db


def _group(world: World):
    intervention = services.create_intervention(
        user=world.users["senco"],
        school=world.school,
        name="Reading fluency",
        area="cognition",
        start_date=date(2026, 11, 2),
        weeks=6,
        sessions_per_week=3,
        minutes_per_session=20,
        staff=[services.StaffSpec(user_id=world.users["ta"].pk, hourly_rate=Decimal("14.50"))],
        pupil_ids=[p.pk for p in world.pupils_a[:3]],
    )
    return intervention, list(intervention.participants.order_by("pk"))


def test_record_a_session_and_attendance(world: World) -> None:
    intervention, people = _group(world)
    session = sessions.record_session(
        user=world.users["ta"],
        intervention=intervention,
        day=date(2026, 11, 3),
        present={people[0].pk, people[1].pk},
        note="Good focus",
    )
    assert session.minutes == 20 and session.delivered_by == world.users["ta"]
    present = dict(
        Attendance.objects.filter(session=session).values_list("participant_id", "present")
    )
    assert present == {people[0].pk: True, people[1].pk: True, people[2].pk: False}
    intervention.refresh_from_db()
    assert intervention.status == Status.RUNNING  # the first session starts it


def test_second_recording_of_same_day_is_a_conflict(world: World) -> None:
    intervention, people = _group(world)
    first = sessions.record_session(
        user=world.users["ta"],
        intervention=intervention,
        day=date(2026, 11, 3),
        present={people[0].pk},
    )
    with pytest.raises(EditConflict):
        sessions.record_session(
            user=world.users["senco"],
            intervention=intervention,
            day=date(2026, 11, 3),
            present=set(),
        )
    corrected = sessions.record_session(
        user=world.users["senco"],
        intervention=intervention,
        day=date(2026, 11, 3),
        present={people[0].pk, people[2].pk},
        expected_version=first.version,
    )
    assert corrected.pk == first.pk
    assert Session.objects.filter(intervention=intervention).count() == 1
    assert Attendance.objects.filter(session=corrected, present=True).count() == 2


def test_session_refuses_future_and_strangers(world: World) -> None:
    intervention, _people = _group(world)
    with pytest.raises(ValidationError, match="before it happens"):
        sessions.record_session(
            user=None, intervention=intervention, day=date(2099, 1, 1), present=set()
        )
    other, _ = _group(world)
    stranger = other.participants.first()
    assert stranger is not None
    with pytest.raises(ValidationError, match="not in the group"):
        sessions.record_session(
            user=None, intervention=intervention, day=date(2026, 11, 4), present={stranger.pk}
        )


def test_strategies_for_class_and_pupil(world: World) -> None:
    whole = sessions.add_strategy(
        user=None, school_class=world.class_a, title="Word banks", area="cognition"
    )
    personal = sessions.add_strategy(
        user=None, school_class=world.class_a, title="Visual timetable", pupil=world.pupils_a[0]
    )
    assert personal.pupil == world.pupils_a[0] and whole.pupil is None
    with pytest.raises(ValidationError, match="not in this class"):
        sessions.add_strategy(
            user=None, school_class=world.class_a, title="X", pupil=world.pupils_b[0]
        )
    sessions.update_strategy(
        user=None,
        strategy_id=whole.pk,
        school_class=world.class_a,
        expected_version=whole.version,
        title="Word banks",
        description="On every table",
        area="cognition",
        active=False,
    )
    with pytest.raises(EditConflict):
        sessions.update_strategy(
            user=None,
            strategy_id=whole.pk,
            school_class=world.class_a,
            expected_version=whole.version,
            title="Word mats",
            description="",
            area="",
            active=True,
        )
    assert ClassroomStrategy.objects.get(pk=whole.pk).active is False


def test_budget(world: World) -> None:
    budget = sessions.set_budget(
        user=None,
        school=world.school,
        year=world.year,
        source="pupil_premium",
        amount=Decimal(12000),
    )
    again = sessions.set_budget(
        user=None,
        school=world.school,
        year=world.year,
        source="pupil_premium",
        amount=Decimal(15000),
    )
    assert again.pk == budget.pk and again.amount == 15000
    with pytest.raises(ValidationError):
        sessions.set_budget(
            user=None, school=world.school, year=world.year, source="lottery", amount=Decimal(1)
        )
