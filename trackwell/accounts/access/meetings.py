"""Meetings: pupil progress review meetings, their decisions and actions."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from trackwell.accounts.models import Role, User
from trackwell.pupils.models import StaffAssignment

if TYPE_CHECKING:
    pass

from .base import (
    SPECIAL_CATEGORY_SCHOOL_WIDE,
    WHOLE_SCHOOL_EDIT,
    WHOLE_SCHOOL_READ,
    school_id_of,
    sees_pupils,
)

# ---------------------------------------------------------------------------
# Meetings: pupil progress review meetings, their decisions and actions.
# Leaders, admins and SENCOs see every meeting of the school; a teacher the
# meetings of their own classes; anyone else only meetings they attend.
# Governors and trust leaders see none: a meeting is about named pupils.
# Whoever sees a meeting may prepare and record it; scheduling is for leaders.


def visible_meetings(user: User) -> QuerySet[Any]:
    """Meetings the user may see (and so prepare and record)."""
    from trackwell.meetings.models import Meeting

    if not sees_pupils(user):
        return Meeting.objects.none()
    qs = Meeting.objects.filter(school_id=school_id_of(user))
    if user.role in WHOLE_SCHOOL_READ:
        return qs
    attending = Q(attendees__user=user)
    if user.role == Role.TEACHER:
        mine = StaffAssignment.objects.filter(user=user).values("school_class_id")
        return qs.filter(attending | Q(school_class_id__in=mine)).distinct()
    return qs.filter(attending).distinct()


def can_schedule_meetings(user: User) -> bool:
    """Whether the user may schedule, reschedule or cancel meetings."""
    return sees_pupils(user) and user.role in WHOLE_SCHOOL_EDIT


def get_meeting_for_user(user: User, meeting_id: int, *, schedule: bool = False) -> Any:
    """A meeting the user may see (404 otherwise); 403 when `schedule` and not a leader."""
    from trackwell.meetings.models import Meeting

    try:
        meeting = (
            visible_meetings(user)
            .select_related("point", "point__year", "school_class", "school_class__year", "school")
            .get(pk=meeting_id)
        )
    except Meeting.DoesNotExist as exc:
        raise Http404("No such meeting") from exc
    if schedule and not can_schedule_meetings(user):
        raise PermissionDenied("Only leaders schedule meetings.")
    return meeting


def visible_actions(user: User) -> QuerySet[Any]:
    """Meeting actions the user may see: those of meetings they see, and their own."""
    from trackwell.meetings.models import Action

    if not sees_pupils(user):
        return Action.objects.none()
    return Action.objects.filter(school_id=school_id_of(user)).filter(
        Q(meeting__in=visible_meetings(user)) | Q(owner=user)
    )


def get_action_for_user(user: User, action_id: int) -> Any:
    """A meeting action the user may see and update (404 otherwise)."""
    from trackwell.meetings.models import Action

    try:
        return visible_actions(user).select_related("meeting", "owner", "pupil").get(pk=action_id)
    except Action.DoesNotExist as exc:
        raise Http404("No such action") from exc


def sees_provision_collation(user: User) -> bool:
    """Whether the user may read every meeting's provision decisions across the school."""
    return sees_pupils(user) and user.role in SPECIAL_CATEGORY_SCHOOL_WIDE
