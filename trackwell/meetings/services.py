"""Writes for review meetings: scheduling, the meeting, the notes on each pupil, and
whether a meeting still has actions to follow up (`sync_follow_up`).

Decisions and their actions are recorded in `decisions.py`. Every write runs in a
transaction and leaves an audit entry; edits of shared state (the meeting, pupil
notes) are version-checked, so two people recording the same meeting never
overwrite each other silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts import access
from trackwell.accounts.models import Role, User, log_action
from trackwell.core.models import AssessmentPoint, School
from trackwell.core.versioning import locked_for_edit, save_versioned
from trackwell.pupils.models import Pupil, SchoolClass, StaffAssignment

from .models import Action, Attendee, Meeting, MeetingPupil, PupilNote

MEETING_LABELS = {"date": "Date", "status": "Status", "notes": "General notes"}
NOTE_LABELS = {"worked": "What worked", "not_worked": "What did not work"}
DEFAULT_ACTION_WEEKS = 6


@dataclass(frozen=True)
class RoundSummary:
    created: list[Meeting]
    already: int


def _staff(school: School) -> dict[str, list[User]]:
    by_role: dict[str, list[User]] = {}
    for u in User.objects.filter(school=school, is_active=True).order_by("last_name", "pk"):
        by_role.setdefault(u.role, []).append(u)
    return by_role


def schedule_round(
    *,
    user: User,
    point: AssessmentPoint,
    first_date: date,
    per_day: int = 4,
    leader: User | None = None,
    senco: User | None = None,
) -> RoundSummary:
    """One meeting for every class of the point's year that has none yet, in one step.

    Usually after the point closes; a round may be planned ahead of an open
    point, whose agendas then show today's figures until it closes.

    Meetings are spread `per_day` to a school day from `first_date`; each has
    the class's teachers, a senior leader (the one scheduling, unless another
    is chosen) and the SENCO as attendees.
    """
    if point.school_id != user.school_id:
        raise ValidationError("That assessment point is not your school's.")
    if per_day < 1 or per_day > 20:
        raise ValidationError("Meetings a day must be between 1 and 20.")
    staff = _staff(point.school)
    leader = leader or (
        user if user.role == Role.LEADER else next(iter(staff.get("leader", [])), user)
    )
    senco = senco or next(iter(staff.get("senco", [])), None)
    with transaction.atomic():
        # Lock the point so two leaders pressing the button at once make one round.
        AssessmentPoint.objects.select_for_update().get(pk=point.pk)
        classes = list(
            SchoolClass.objects.filter(year_id=point.year_id)
            .exclude(meetings__point=point)
            .order_by("nc_year", "name")
        )
        already = Meeting.objects.filter(point=point, school_class__isnull=False).count()
        teachers: dict[int, list[int]] = {}
        for class_id, user_id in StaffAssignment.objects.filter(
            school_class__in=classes, user__role=Role.TEACHER
        ).values_list("school_class_id", "user_id"):
            teachers.setdefault(class_id, []).append(user_id)
        created = []
        day = first_date
        for n, school_class in enumerate(classes):
            if n and n % per_day == 0:
                day = _next_school_day(day)
            while day.weekday() >= 5:
                day = _next_school_day(day)
            meeting = Meeting.objects.create(
                school_id=point.school_id,
                point=point,
                school_class=school_class,
                date=day,
                created_by=user,
            )
            people: dict[int, str] = {
                uid: Attendee.Part.TEACHER for uid in teachers.get(school_class.pk, [])
            }
            if leader is not None:
                people.setdefault(leader.pk, Attendee.Part.LEADER)
            if senco is not None:
                people.setdefault(senco.pk, Attendee.Part.SENCO)
            Attendee.objects.bulk_create(
                Attendee(school_id=point.school_id, meeting=meeting, user_id=uid, part=part)
                for uid, part in people.items()
            )
            created.append(meeting)
        log_action(
            school=point.school,
            user=user,
            action="meetings.schedule_round",
            obj=point,
            new={"meetings": [m.pk for m in created], "first_date": first_date.isoformat()},
        )
    return RoundSummary(created, already)


def _next_school_day(d: date) -> date:
    d += timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def create_meeting(
    *,
    user: User,
    point: AssessmentPoint,
    meeting_date: date,
    school_class: SchoolClass | None = None,
    nc_year: int | None = None,
    pupils: Sequence[Pupil] = (),
    title: str = "",
    attendees: Sequence[tuple[User, str]] = (),
) -> Meeting:
    """A single meeting for a class, a year group or a set of pupils."""
    school = point.school
    if school_class is None and nc_year is None and not pupils:
        raise ValidationError("Choose a class, a year group or at least one pupil.")
    if school_class is not None and school_class.school_id != school.pk:
        raise ValidationError("That class is not your school's.")
    if any(p.school_id != school.pk for p in pupils):
        raise ValidationError("Every pupil must be on your school's roll.")
    if (
        school_class is not None
        and Meeting.objects.filter(point=point, school_class=school_class).exists()
    ):
        raise ValidationError(f"{school_class} already has a meeting for {point.name}.")
    for person, _ in attendees:
        if person.school_id != school.pk or not access.sees_pupils(person):
            raise ValidationError(
                f"{person.display_name} cannot attend: meetings discuss named pupils."
            )
    with transaction.atomic():
        meeting = Meeting.objects.create(
            school=school,
            point=point,
            school_class=school_class,
            nc_year=nc_year if school_class is None else None,
            title=title[:120],
            date=meeting_date,
            created_by=user,
        )
        Attendee.objects.bulk_create(
            Attendee(school=school, meeting=meeting, user=person, part=part)
            for person, part in {p.pk: (p, part) for p, part in attendees}.values()
        )
        MeetingPupil.objects.bulk_create(
            MeetingPupil(school=school, meeting=meeting, pupil=p, added_by=user) for p in pupils
        )
        log_action(
            school=school,
            user=user,
            action="meetings.create",
            obj=meeting,
            new={"label": meeting.label, "date": meeting_date.isoformat()},
        )
    return meeting


def _scoped(user: User) -> Any:
    return access.visible_meetings(user)


def update_meeting(
    *,
    user: User,
    meeting: Meeting,
    expected_version: int | None,
    meeting_date: date,
    status: str,
    notes: str,
) -> Meeting:
    """Change a meeting's date, status and general notes (version-checked)."""
    if status not in Meeting.Status.values:
        raise ValidationError("Choose planned, held or followed up.")
    yours = {"date": meeting_date, "status": status, "notes": notes}
    with transaction.atomic():
        locked: Meeting = locked_for_edit(
            Meeting.objects.filter(pk__in=_scoped(user).values("pk")),
            meeting.pk,
            expected_version,
            yours=yours,
            labels=MEETING_LABELS,
            what="This meeting",
        )
        old = {"date": locked.date.isoformat(), "status": locked.status, "notes": locked.notes}
        locked.date, locked.status, locked.notes = meeting_date, status, notes
        save_versioned(locked, ["date", "status", "notes", "updated_at"])
        log_action(
            school=locked.school,
            user=user,
            action="meetings.update",
            obj=locked,
            old=old,
            new={"date": meeting_date.isoformat(), "status": status, "notes": notes},
        )
        # Marked held (from planned) after its actions were all done: it is followed up
        # already. A leader moving a followed-up meeting back to held by hand is obeyed.
        newly_held = status == Meeting.Status.HELD and old["status"] == Meeting.Status.PLANNED
        if newly_held and sync_follow_up(user=user, meeting_id=locked.pk, closing=True):
            locked.refresh_from_db()
    return locked


def sync_follow_up(*, user: User, meeting_id: int, closing: bool) -> str | None:
    """Set a meeting's follow-up status from its actions; the new status, or None if unchanged.

    `closing`: an action was just done or dropped, so a held meeting whose actions are
    all done or no longer needed (at least one) becomes followed up. Otherwise an
    action was reopened or added, so a followed-up meeting with an open action goes
    back to held. A planned meeting never changes here, and a leader may still set any
    status by hand. The meeting's version goes up (a form open on the old status is a
    conflict showing both values) and the change is audited as automatic.
    """
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("school").get(pk=meeting_id)
        statuses = set(
            Action.objects.filter(meeting_id=meeting_id).values_list("status", flat=True)
        )
        if closing:
            if meeting.status != Meeting.Status.HELD or not statuses:
                return None
            if Action.Status.OPEN in statuses:
                return None
            target = Meeting.Status.FOLLOWED_UP
        else:
            if meeting.status != Meeting.Status.FOLLOWED_UP or Action.Status.OPEN not in statuses:
                return None
            target = Meeting.Status.HELD
        old = meeting.status
        meeting.status = target
        save_versioned(meeting, ["status", "updated_at"])
        log_action(
            school=meeting.school,
            user=user,
            action="meetings.followed_up" if closing else "meetings.follow_up_reopened",
            obj=meeting,
            old={"status": old},
            new={
                "status": target,
                "automatic": True,
                "because": "every action is done or no longer needed"
                if closing
                else "an action is open again",
            },
        )
    return target


def add_pupil(*, user: User, meeting: Meeting, pupil: Pupil, reason: str) -> MeetingPupil:
    """Add a pupil to the agenda by hand, with a reason."""
    if pupil.school_id != meeting.school_id:
        raise ValidationError("That pupil is not on your school's roll.")
    with transaction.atomic():
        added, created = MeetingPupil.objects.get_or_create(
            meeting=meeting,
            pupil=pupil,
            defaults={"school_id": meeting.school_id, "reason": reason[:300], "added_by": user},
        )
        if not created and reason and added.reason != reason:
            old = added.reason
            added.reason = reason[:300]
            added.save(update_fields=["reason"])
            log_action(
                school=meeting.school,
                user=user,
                action="meetings.pupil_reason",
                obj=added,
                old={"reason": old},
                new={"reason": added.reason},
            )
        elif created:
            log_action(
                school=meeting.school,
                user=user,
                action="meetings.add_pupil",
                obj=added,
                new={"pupil": pupil.pk, "reason": added.reason},
            )
    return added


def save_pupil_note(
    *,
    user: User,
    meeting: Meeting,
    pupil: Pupil,
    expected_version: int | None,
    worked: str,
    not_worked: str,
) -> PupilNote:
    """What worked and what did not for a pupil; version 0 means "no note yet" was seen."""
    yours = {"worked": worked, "not_worked": not_worked}
    with transaction.atomic():
        # Lock the meeting so two first notes on one pupil cannot both be created.
        Meeting.objects.select_for_update().get(pk=meeting.pk)
        note = PupilNote.objects.filter(meeting=meeting, pupil=pupil).first()
        if note is None:
            if expected_version not in (0, None):
                raise ValidationError("That note no longer exists; reload the page.")
            note = PupilNote.objects.create(
                school_id=meeting.school_id,
                meeting=meeting,
                pupil=pupil,
                worked=worked,
                not_worked=not_worked,
                updated_by=user,
            )
            log_action(
                school=meeting.school, user=user, action="meetings.note", obj=note, new=yours
            )
            return note
        note = locked_for_edit(
            PupilNote.objects.filter(meeting=meeting),
            note.pk,
            expected_version,
            yours=yours,
            labels=NOTE_LABELS,
            what=f"The note on {pupil.full_name}",
        )
        old = {"worked": note.worked, "not_worked": note.not_worked}
        note.worked, note.not_worked, note.updated_by = worked, not_worked, user
        save_versioned(note, ["worked", "not_worked", "updated_by", "updated_at"])
        log_action(
            school=meeting.school, user=user, action="meetings.note", obj=note, old=old, new=yours
        )
    return note


__all__ = [
    "DEFAULT_ACTION_WEEKS",
    "RoundSummary",
    "add_pupil",
    "create_meeting",
    "save_pupil_note",
    "schedule_round",
    "sync_follow_up",
    "update_meeting",
]
