"""Demo review meetings: last point's round held and followed up in part, this point's planned.

Deterministic: pupils are chosen from the closed point's record in a fixed
order, and wording from fixed lists by a seeded generator.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db.models import Sum
from django.db.models.functions import Coalesce

from trackwell.accounts.models import Role, User
from trackwell.analysis.models import BandSet, PointClosure, SnapshotBand
from trackwell.assessment.models import Judgement
from trackwell.core.models import AssessmentPoint, School
from trackwell.curriculum.models import Objective
from trackwell.meetings import decisions, services
from trackwell.meetings.models import Action, Attendee, Decision, Meeting
from trackwell.provision import services as provision
from trackwell.provision.models import Intervention
from trackwell.pupils.models import Pupil, SchoolClass, StaffAssignment

WORKED = [
    "Concrete apparatus before pictures and symbols",
    "Pre-teaching the vocabulary the day before",
    "Sitting near the board with a talk partner",
    "Short daily practice at the start of the lesson",
]
NOT_WORKED = [
    "Long written tasks without a model to follow",
    "Homework sheets: rarely come back",
    "Working alone for the whole lesson",
    "Moving on before the method was secure",
]
STRATEGIES = [
    "Daily five-minute fluency starter for the whole class",
    "Word banks on every table for the writing unit",
    "Worked examples beside every independent task",
]


def _weekday_after(d: date) -> date:
    d += timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def add_meetings(school: School, seed: int) -> None:
    """Hold last point's round (decisions, actions some done) and plan this point's round."""
    rng = random.Random(seed)
    head = User.objects.filter(school=school, role=Role.LEADER).order_by("pk").first()
    senco = User.objects.filter(school=school, role=Role.SENCO).order_by("pk").first()
    if head is None or senco is None:
        return
    last = (
        AssessmentPoint.objects.filter(school=school, state=AssessmentPoint.State.CLOSED)
        .select_related("year", "school")
        .order_by("-date")
        .first()
    )
    this = (
        AssessmentPoint.objects.filter(
            school=school, year__is_current=True, state=AssessmentPoint.State.OPEN
        )
        .select_related("year", "school")
        .order_by("date")
        .first()
    )
    if last is not None:
        _hold_round(school, last, head, senco, rng)
    if this is not None:
        services.schedule_round(user=head, point=this, first_date=_weekday_after(this.date))


def _teachers_by_class_name(school: School) -> dict[str, User]:
    """This year's teacher of each class name (teachers keep their year group)."""
    return {
        a.school_class.name: a.user
        for a in StaffAssignment.objects.filter(
            school=school, school_class__year__is_current=True, user__role=Role.TEACHER
        ).select_related("school_class", "user")
    }


def _hold_round(
    school: School,
    point: AssessmentPoint,
    head: User,
    senco: User,
    rng: random.Random,
) -> None:
    summary = services.schedule_round(
        user=head, point=point, first_date=_weekday_after(point.date), per_day=3
    )
    teachers = _teachers_by_class_name(school)
    attainment = BandSet.objects.filter(school=school, kind="attainment", is_active=True).first()
    closure = PointClosure.objects.filter(point=point).order_by("-pk").first()
    if attainment is None or closure is None:
        return
    # Pupils in the lowest bands across their subjects first: one query for the school.
    totals = {
        pupil_id: total
        for pupil_id, total in SnapshotBand.objects.filter(
            snapshot__closure=closure, band_set=attainment
        )
        .values("snapshot__pupil_id")
        .annotate(total=Sum(Coalesce("confirmed_order", "suggested_order")))
        .values_list("snapshot__pupil_id", "total")
    }
    for n, meeting in enumerate(summary.created):
        school_class = meeting.school_class
        assert school_class is not None
        teacher = teachers.get(school_class.name)
        if teacher is not None:
            Attendee.objects.get_or_create(
                meeting=meeting,
                user=teacher,
                defaults={"school": school, "part": Attendee.Part.TEACHER},
            )
        owner = teacher or head
        pupils = sorted(
            Pupil.objects.filter(enrolments__school_class=school_class),
            key=lambda p: (totals.get(p.pk, 99), p.last_name, p.first_name, p.pk),
        )[:3]
        if len(pupils) < 3:
            continue
        _hold_one(meeting, school_class, pupils, owner, senco, rng, n)


def _gaps(pupil: Pupil, school_class: SchoolClass) -> list[int]:
    """Up to three of the pupil's maths objectives of the class's year not yet secure."""
    secure = Judgement.objects.filter(pupil=pupil, level__counts_as_secure=True).values(
        "objective_id"
    )
    return list(
        Objective.objects.filter(
            framework__school=school_class.school,
            framework__subject__slug="maths",
            framework__nc_year=school_class.nc_year,
            archived_at__isnull=True,
        )
        .exclude(pk__in=secure)
        .order_by("-is_key", "strand__order", "order", "pk")
        .values_list("pk", flat=True)[:3]
    )


def _hold_one(
    meeting: Meeting,
    school_class: SchoolClass,
    pupils: list[Pupil],
    owner: User,
    senco: User,
    rng: random.Random,
    n: int,
) -> None:
    first, second, third = pupils
    due = meeting.date + timedelta(weeks=6)
    for pupil in (first, second):
        services.save_pupil_note(
            user=owner,
            meeting=meeting,
            pupil=pupil,
            expected_version=0,
            worked=rng.choice(WORKED),
            not_worked=rng.choice(NOT_WORKED),
        )
    gaps = _gaps(first, school_class)
    start = None
    if gaps:
        start = decisions.record_decision(
            user=owner,
            meeting=meeting,
            kind=Decision.Kind.START,
            text="Small group, three times a week, on the gaps from the grid",
            pupil=first,
            intervention_name=f"{school_class.name} maths catch-up",
            objective_ids=gaps,
            action_owner=owner,
            action_due=due,
        )
    decisions.record_decision(
        user=owner,
        meeting=meeting,
        kind=Decision.Kind.PARENTS,
        text="Share the games used in class to practise at home",
        pupil=second,
        action_owner=owner,
        action_due=due,
    )
    decisions.record_decision(
        user=owner,
        meeting=meeting,
        kind=Decision.Kind.SENCO,
        text="Look at the pattern of gaps across subjects",
        pupil=third,
        action_owner=senco,
        action_due=due,
    )
    decisions.record_decision(
        user=owner,
        meeting=meeting,
        kind=Decision.Kind.CLASSROOM,
        text=STRATEGIES[n % len(STRATEGIES)],
        action_owner=owner,
        action_due=due,
    )
    # The intervention ran over the summer term's last weeks.
    if start is not None and start.intervention_ref:
        intervention = Intervention.objects.get(pk=start.intervention_ref)
        provision.start_intervention(
            user=owner, intervention=intervention, expected_version=intervention.version
        )
    # What became of the actions: most done; the talk with parents left open in every
    # other class, so the next meeting opens with it.
    for action in Action.objects.filter(meeting=meeting).order_by("pk"):
        if action.decision and action.decision.kind == Decision.Kind.PARENTS and n % 2 == 0:
            continue
        decisions.update_action(
            user=action.owner,
            action=action,
            expected_version=action.version,
            status=Action.Status.DONE,
            outcome=rng.choice(
                ["Done and working well", "Done; review at the next meeting", "Done"]
            ),
            due=action.due,
            owner=action.owner,
        )
    services.update_meeting(
        user=owner,
        meeting=meeting,
        expected_version=Meeting.objects.get(pk=meeting.pk).version,
        meeting_date=meeting.date,
        status=Meeting.Status.FOLLOWED_UP if n % 2 else Meeting.Status.HELD,
        notes="Reviewed the class's record and provision map; next steps agreed.",
    )
