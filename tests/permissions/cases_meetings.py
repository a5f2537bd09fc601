"""Permission matrix: review meetings (and the pupil search of the home app)."""

from datetime import date
from typing import Any

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, expect, only
from trackwell.core.models import AssessmentPoint
from trackwell.meetings import decisions, services
from trackwell.meetings.models import Action, Attendee, Decision, Meeting

STAFF = only(200, "admin", "leader", "teacher", "other_teacher", "ta", "senco")
MANAGE = expect(404, admin=200, leader=200, teacher=403, other_teacher=403, ta=403, senco=403)
MANAGE_POST = expect(404, admin=302, leader=302, teacher=403, other_teacher=403, ta=403, senco=403)
COLLATION = expect(404, admin=200, leader=200, senco=200, teacher=403, other_teacher=403, ta=403)
# Class A's meeting: its teacher, the leader and the SENCO attend; admins see every meeting.
MEETING = only(200, "admin", "leader", "teacher", "senco")
MEETING_POST = only(302, "admin", "leader", "teacher", "senco")


def _point(w: World) -> AssessmentPoint:
    # The world's one point (by date: the stored-XSS sweep rewrites every name).
    return AssessmentPoint.objects.filter(year=w.year).order_by("date", "pk").first() or (
        AssessmentPoint.objects.get(year=w.year, name="Autumn")
    )


def _meeting(w: World) -> Meeting:
    """Class A's autumn meeting with an action and a decision, made once per school."""
    found = Meeting.objects.filter(school=w.school, school_class=w.class_a).first()
    if found is not None:
        return found
    meeting = services.create_meeting(
        user=w.users["leader"],
        point=_point(w),
        meeting_date=date(2026, 12, 14),
        school_class=w.class_a,
        attendees=[
            (w.users["teacher"], Attendee.Part.TEACHER),
            (w.users["leader"], Attendee.Part.LEADER),
            (w.users["senco"], Attendee.Part.SENCO),
        ],
    )
    decisions.record_decision(
        user=w.users["teacher"],
        meeting=meeting,
        kind=Decision.Kind.PARENTS,
        text="Share the games",
        pupil=w.pupils_a[0],
        action_owner=w.users["teacher"],
        action_due=date(2027, 1, 29),
    )
    return meeting


def _m(w: World) -> dict[str, Any]:
    return {"meeting_id": _meeting(w).pk}


def _note(w: World) -> dict[str, Any]:
    return {"meeting_id": _meeting(w).pk, "pupil_id": w.pupils_a[0].pk}


def _decision(w: World) -> dict[str, Any]:
    meeting = _meeting(w)
    return {"meeting_id": meeting.pk, "decision_id": Decision.objects.get(meeting=meeting).pk}


def _action(w: World) -> dict[str, Any]:
    return {"action_id": Action.objects.get(meeting=_meeting(w)).pk}


CASES = {
    "home:search": Entry(get=STAFF, post=NOT_ALLOWED),
    "meetings:index": Entry(get=STAFF, post=NOT_ALLOWED),
    "meetings:schedule": Entry(
        get=NOT_ALLOWED,
        post=MANAGE_POST,
        data=lambda w: {"point": _point(w).pk, "first_date": "2026-12-14"},
    ),
    "meetings:new": Entry(
        get=MANAGE,
        post=MANAGE_POST,
        data=lambda w: {"point": _point(w).pk, "date": "2026-12-15", "nc_year": "3"},
    ),
    "meetings:provision": Entry(get=COLLATION, post=NOT_ALLOWED),
    "meetings:detail": Entry(get=MEETING, post=NOT_ALLOWED, kwargs=_m),
    "meetings:record": Entry(get=MEETING, post=NOT_ALLOWED, kwargs=_m),
    "meetings:record-pdf": Entry(get=MEETING, post=NOT_ALLOWED, kwargs=_m),
    "meetings:edit": Entry(
        get=NOT_ALLOWED,
        post=MEETING_POST,
        kwargs=_m,
        data=lambda w: {
            "version": _meeting(w).version,
            "date": "2026-12-15",
            "status": "held",
            "notes": "",
        },
    ),
    "meetings:add-pupil": Entry(
        get=NOT_ALLOWED,
        post=MEETING_POST,
        kwargs=_m,
        data=lambda w: {"pupil": w.pupils_a[-1].pk, "reason": "Quiet"},
    ),
    "meetings:note": Entry(
        get=NOT_ALLOWED,
        post=MEETING_POST,
        kwargs=_note,
        data=lambda w: {"version": 0, "worked": "Counters", "not_worked": ""},
    ),
    "meetings:decide": Entry(
        get=NOT_ALLOWED,
        post=MEETING_POST,
        kwargs=_m,
        data=lambda w: {"kind": "senco", "pupil": w.pupils_a[0].pk, "text": "Assess"},
    ),
    "meetings:withdraw": Entry(
        get=NOT_ALLOWED,
        post=MEETING_POST,
        kwargs=_decision,
        data=lambda w: {"version": Decision.objects.get(meeting=_meeting(w)).version},
    ),
    "meetings:add-action": Entry(
        get=NOT_ALLOWED,
        post=MEETING_POST,
        kwargs=_m,
        data=lambda w: {
            "owner": w.users["teacher"].pk,
            "due": "2027-01-15",
            "description": "Regroup tables",
        },
    ),
    "meetings:action": Entry(
        get=NOT_ALLOWED,
        post=MEETING_POST,
        kwargs=_action,
        data=lambda w: {
            "version": Action.objects.get(meeting=_meeting(w)).version,
            "status": "done",
            "outcome": "Spoke to mum",
        },
    ),
}
