"""Provision services: measures, interventions, participants, values and outcomes."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.analysis.helpers import judge
from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.core.versioning import EditConflict
from trackwell.provision import builtin, from_gaps, services
from trackwell.provision.models import (
    FundingShare,
    Intervention,
    MeasureStep,
    Outcome,
    Participant,
    ParticipantMeasure,
    Status,
    TargetKind,
)
from trackwell.provision.values import format_value, parse_target, parse_value, work_out_outcome

pytestmark = pytest.mark.django_db


def _plan(world: World, **extra: object) -> Intervention:
    measures = services.ensure_builtin_measures(world.school)
    values: dict = {
        "user": world.users["senco"],
        "school": world.school,
        "name": "Nurture group",
        "area": "semh",
        "start_date": date(2026, 9, 14),
        "weeks": 10,
        "sessions_per_week": 2,
        "minutes_per_session": 45,
        "measure_ids": [measures[builtin.WELLBEING].pk, measures[builtin.INVOLVEMENT].pk],
        "funding": {"pupil_premium": 60, "sen_notional": 40},
    }
    values.update(extra)
    return services.create_intervention(**values)


def test_builtin_measures_quote_the_leuven_descriptors(world: World) -> None:
    measures = services.ensure_builtin_measures(world.school)
    wellbeing = measures[builtin.WELLBEING]
    steps = list(MeasureStep.objects.filter(measure=wellbeing).values_list("label", "descriptor"))
    assert steps[0] == ("1", "Outspoken signs of distress")
    assert steps[4] == ("5", "Outspoken signs of enjoyment")
    assert "cego.be" in wellbeing.source
    involvement = measures[builtin.INVOLVEMENT]
    assert involvement.steps.get(position=3).descriptor == "Activity without intensity"
    # Idempotent: a second call makes nothing new.
    again = services.ensure_builtin_measures(world.school)
    assert again[builtin.WELLBEING].pk == wellbeing.pk


def test_sub_levels_parse_and_targets(world: World) -> None:
    levels = services.create_sub_levels(user=None, school=world.school)
    assert parse_value(levels, "2c") == Decimal(4)
    assert format_value(levels, Decimal(6)) == "2a"
    with pytest.raises(ValidationError, match="not a step"):
        parse_value(levels, "6z")
    assert parse_target(levels, "+1 step") == (TargetKind.CHANGE, Decimal(1))
    assert parse_target(levels, "reach 3c") == (TargetKind.REACH, Decimal(7))
    assert parse_target(levels, "2b") == (TargetKind.REACH, Decimal(5))
    with pytest.raises(ValidationError, match="on objectives"):
        parse_target(levels, "secure 3 of these 5 objectives")


def test_numeric_measure_range(world: World) -> None:
    reading_age = services.create_measure(
        user=None,
        school=world.school,
        name="Reading age",
        kind="numeric",
        min_value=Decimal(48),
        max_value=Decimal(180),
        unit="months",
    )
    assert parse_value(reading_age, "92") == Decimal(92)
    assert format_value(reading_age, Decimal(92)) == "92 months"
    with pytest.raises(ValidationError, match="above"):
        parse_value(reading_age, "200")
    with pytest.raises(ValidationError, match="not a number"):
        parse_value(reading_age, "seven")
    assert parse_target(reading_age, "+6 months") == (TargetKind.CHANGE, Decimal(6))


@pytest.mark.parametrize(
    ("entry", "exit", "kind", "amount", "outcome"),
    [
        (4, 6, "change", 2, Outcome.MET),
        (4, 5, "change", 2, Outcome.PARTLY),
        (4, 4, "change", 2, Outcome.NOT_MET),
        (4, 3, "change", 1, Outcome.NOT_MET),
        (2, 4, "reach", 4, Outcome.MET),
        (2, 3, "reach", 4, Outcome.PARTLY),
        (2, 3, "", None, Outcome.PARTLY),
        (2, None, "reach", 4, ""),
    ],
)
def test_outcomes_a_senco_would_work_out(entry, exit, kind, amount, outcome) -> None:
    to_d = lambda v: None if v is None else Decimal(v)  # noqa: E731
    assert work_out_outcome(to_d(entry), to_d(exit), kind, to_d(amount)) == outcome


def test_intervention_with_two_measures_and_split_funding(world: World) -> None:
    intervention = _plan(world)
    assert intervention.status == Status.PLANNED
    assert intervention.end_date == date(2026, 9, 14) + timedelta(weeks=10, days=-3)
    assert sorted(
        FundingShare.objects.filter(intervention=intervention).values_list("percent", flat=True)
    ) == [40, 60]
    with pytest.raises(ValidationError, match="add up to 90%"):
        _plan(world, name="Other", funding={"pupil_premium": 50, "other": 40})
    assert AuditEntry.objects.filter(action="provision.intervention.create").count() == 1


def test_entry_exit_and_outcome_on_leuven(world: World) -> None:
    intervention = _plan(world)
    measures = services.ensure_builtin_measures(world.school)
    wellbeing, involvement = measures[builtin.WELLBEING], measures[builtin.INVOLVEMENT]
    pupil = world.pupils_a[0]
    participant = services.add_participant(
        user=world.users["senco"],
        intervention=intervention,
        pupil=pupil,
        target="To join in group games at playtime",
        targets={wellbeing.pk: "+2", involvement.pk: "reach 4"},
        entry={wellbeing.pk: Decimal(2), involvement.pk: Decimal(2)},
    )
    services.record_exit(
        user=world.users["ta"],
        participant=participant,
        measure=wellbeing,
        expected_version=participant.version,
        value=Decimal(4),
    )
    participant.refresh_from_db()
    assert (
        ParticipantMeasure.objects.get(participant=participant, measure=wellbeing).outcome
        == Outcome.MET
    )
    assert participant.outcome == Outcome.MET  # involvement has no exit yet
    services.record_exit(
        user=world.users["ta"],
        participant=participant,
        measure=involvement,
        expected_version=participant.version,
        value=Decimal(3),
    )
    participant.refresh_from_db()
    assert participant.outcome == Outcome.PARTLY


def test_stale_participant_edit_is_a_conflict(world: World) -> None:
    intervention = _plan(world)
    participant = services.add_participant(
        user=None, intervention=intervention, pupil=world.pupils_a[1]
    )
    seen = participant.version
    services.update_participant(
        user=world.users["senco"],
        participant_id=participant.pk,
        school=world.school,
        expected_version=seen,
        comment="Absent for two weeks with illness",
    )
    with pytest.raises(EditConflict) as caught:
        services.update_participant(
            user=world.users["ta"],
            participant_id=participant.pk,
            school=world.school,
            expected_version=seen,
            comment="Settled well",
        )
    fields = caught.value.as_dict()["fields"]
    assert fields[0]["yours"] == "Settled well"
    assert fields[0]["theirs"] == "Absent for two weeks with illness"


def test_stale_intervention_edit_is_a_conflict(world: World) -> None:
    intervention = _plan(world)
    services.update_intervention(
        user=None,
        intervention_id=intervention.pk,
        school=world.school,
        expected_version=intervention.version,
        changes={"minutes_per_session": 30},
    )
    with pytest.raises(EditConflict):
        services.update_intervention(
            user=None,
            intervention_id=intervention.pk,
            school=world.school,
            expected_version=intervention.version,
            changes={"minutes_per_session": 60},
        )
    intervention.refresh_from_db()
    assert intervention.minutes_per_session == 30


def test_pupil_in_two_interventions(world: World) -> None:
    first = _plan(world)
    second = _plan(world, name="Fine motor skills", area="sensory")
    pupil = world.pupils_a[0]
    services.add_participant(user=None, intervention=first, pupil=pupil)
    services.add_participant(user=None, intervention=second, pupil=pupil)
    assert Participant.objects.filter(pupil=pupil).count() == 2
    with pytest.raises(ValidationError, match="already in"):
        services.add_participant(user=None, intervention=first, pupil=pupil)


def test_shared_gap_group_reads_entry_and_exit_from_grid(world: World) -> None:
    """A teacher turns a shared gap into an intervention whose exit data comes from the grid."""
    objs = world.objectives[:3]
    pupils = world.pupils_a[:2]
    long_ago = timezone.make_aware(datetime(2026, 9, 1, 10))
    for p in pupils:
        judge(world, p, objs[0], "1", at=long_ago)
    judge(world, pupils[0], objs[1], "2", at=long_ago)
    intervention = from_gaps.create_from_gap_group(
        user=world.users["teacher"],
        school_class=world.class_a,
        objective_ids=[o.pk for o in objs],
        pupil_ids=[p.pk for p in pupils],
        start_date=date(2026, 9, 7),
    )
    grid = services.grid_measure(world.school)
    assert list(intervention.measures.all()) == [grid]
    assert intervention.area == "academic" and intervention.subject_id == world.maths.pk
    first = ParticipantMeasure.objects.get(participant__pupil=pupils[0], measure=grid)
    assert first.entry_value == 1  # objs[1] secure before the start
    assert first.target_kind == TargetKind.REACH and first.target_amount == 3
    # Teaching happens; the grid moves on after the start.
    later = timezone.make_aware(datetime(2026, 10, 15, 10))
    judge(world, pupils[0], objs[0], "2", at=later)
    judge(world, pupils[0], objs[2], "3", at=later)
    judge(world, pupils[1], objs[0], "2", at=later)
    services.stop_intervention(
        user=world.users["teacher"],
        intervention=intervention,
        expected_version=intervention.version,
        on=date(2026, 10, 20),
    )
    first.refresh_from_db()
    second = ParticipantMeasure.objects.get(participant__pupil=pupils[1], measure=grid)
    assert (first.exit_value, first.outcome) == (3, Outcome.MET)
    assert (second.entry_value, second.exit_value, second.outcome) == (0, 1, Outcome.PARTLY)
    assert first.exit_detail["codes"][str(objs[2].pk)] == "3"
    intervention.refresh_from_db()
    assert intervention.status == Status.ENDED


def test_gap_group_refuses_pupils_of_another_class(world: World) -> None:
    with pytest.raises(ValidationError, match="not in the class"):
        from_gaps.create_from_gap_group(
            user=None,
            school_class=world.class_a,
            objective_ids=[world.objectives[0].pk],
            pupil_ids=[world.pupils_b[0].pk],
        )


def test_extend_and_evaluate(world: World) -> None:
    intervention = _plan(world)
    end = intervention.end_date
    intervention = services.extend_intervention(
        user=None, intervention=intervention, expected_version=intervention.version, weeks=4
    )
    assert intervention.end_date == end + timedelta(weeks=4) and intervention.weeks == 14
    assert intervention.status == Status.RUNNING
    with pytest.raises(ValidationError, match="End the intervention"):
        services.evaluate_intervention(
            user=None,
            intervention=intervention,
            expected_version=intervention.version,
            evaluation="x",
        )
    intervention = services.stop_intervention(
        user=None,
        intervention=intervention,
        expected_version=intervention.version,
        on=date(2026, 11, 1),
    )
    intervention = services.evaluate_intervention(
        user=None,
        intervention=intervention,
        expected_version=intervention.version,
        evaluation="Worked well for most; continue in spring.",
    )
    assert intervention.status == Status.EVALUATED


def test_remove_participant_keeps_history(world: World) -> None:
    intervention = _plan(world)
    measures = services.ensure_builtin_measures(world.school)
    mistake = services.add_participant(
        user=None, intervention=intervention, pupil=world.pupils_a[0]
    )
    kept = services.add_participant(
        user=None,
        intervention=intervention,
        pupil=world.pupils_a[1],
        entry={measures[builtin.WELLBEING].pk: Decimal(3)},
    )
    assert (
        services.remove_participant(
            user=None, participant=mistake, expected_version=mistake.version
        )
        is None
    )
    left = services.remove_participant(
        user=None, participant=kept, expected_version=kept.version, on=date(2026, 10, 1)
    )
    assert left is not None and left.left_on == date(2026, 10, 1)
    assert list(Participant.objects.filter(intervention=intervention)) == [kept]


def test_values_out_of_range_are_refused(world: World) -> None:
    score = services.create_measure(
        user=None, school=world.school, name="Raw score", kind="numeric"
    )
    with pytest.raises(ValidationError, match="larger than"):
        parse_value(score, "1e30")
    with pytest.raises(ValidationError, match="larger than"):
        parse_target(score, "+99999999999")
    assert parse_value(score, "12.345") == Decimal("12.35")


def test_intervention_from_a_pupils_own_gaps(world: World) -> None:
    from tests.analysis.helpers import teach

    teach(world, world.objectives[:4])
    pupil = world.pupils_a[0]
    judge(world, pupil, world.objectives[0], "2")
    judge(world, pupil, world.objectives[1], "1")
    made = from_gaps.create_from_pupil_gaps(
        user=world.users["senco"], pupil=pupil, subject=world.maths, start_date=date(2026, 11, 2)
    )
    chosen = set(made.objectives.values_list("pk", flat=True))
    # The pupil page's next steps: last year's unrated objectives first, then this year's
    # taught ones not yet secure; never the one already secure.
    last_year = set(world.framework_y2.objectives.values_list("pk", flat=True))
    gaps_now = {o.pk for o in world.objectives[1:4]}
    assert len(chosen) == 5 and chosen <= last_year | gaps_now
    assert last_year <= chosen and world.objectives[0].pk not in chosen
    assert made.participants.get().pupil == pupil
    assert list(made.measures.all()) == [services.grid_measure(world.school)]
