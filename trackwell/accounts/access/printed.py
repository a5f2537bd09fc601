"""Printed reports, the governors' pack and the school archive."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from trackwell.accounts.models import Role, User
from trackwell.core.models import School

if TYPE_CHECKING:
    pass

from .base import (
    WHOLE_SCHOOL_EDIT,
    WHOLE_SCHOOL_READ,
    school_id_of,
    school_of,
    sees_aggregates,
    sees_pupils,
    visible_classes,
)

# ---------------------------------------------------------------------------
# Printed reports and the governors' pack (issue 12). Comments are written by
# whoever may edit the class's grid; reports are read by whoever may see the
# pupil; whole-school batches and report settings belong to leaders and admins.
# The governors' pack is an aggregate page: those who see the school overview.


def get_report_round_for_user(user: User, round_id: int, *, manage: bool = False) -> Any:
    """A report round of the user's school (404 for others and non-staff; 403 `manage`)."""
    from trackwell.printed.models import ReportRound

    if not sees_pupils(user):
        raise Http404("No such report")
    try:
        found = ReportRound.objects.select_related("point", "year").get(
            pk=round_id, school_id=school_id_of(user)
        )
    except ReportRound.DoesNotExist as exc:
        raise Http404("No such report") from exc
    if manage and user.role not in WHOLE_SCHOOL_EDIT:
        raise PermissionDenied("Only school leaders and admins change report rounds.")
    return found


def reports_school(user: User, *, manage: bool = False) -> School:
    """The school for report pages: 404 for non-staff, 403 when `manage` and not a leader."""
    if not sees_pupils(user):
        raise Http404("No such page")
    if manage and user.role not in WHOLE_SCHOOL_EDIT:
        raise PermissionDenied("Only school leaders and admins change report settings.")
    return school_of(user)


def get_report_batch_for_user(user: User, batch_id: int) -> Any:
    """A batch of the user's school whose class (or whole school) the user may see."""
    from trackwell.printed.models import ReportBatch

    if not sees_pupils(user):
        raise Http404("No such batch")
    try:
        batch = ReportBatch.objects.select_related("round", "school_class").get(
            pk=batch_id, school_id=school_id_of(user)
        )
    except ReportBatch.DoesNotExist as exc:
        raise Http404("No such batch") from exc
    if batch.school_class_id is None:
        if user.role not in WHOLE_SCHOOL_READ:
            raise Http404("No such batch")
    elif not visible_classes(user).filter(pk=batch.school_class_id).exists():
        raise Http404("No such batch")
    return batch


def governors_school(user: User) -> School:
    """The school for the governors' pack: those who see whole-school summaries, else 404."""
    if not sees_aggregates(user):
        raise Http404("No such page")
    return school_of(user)


def archive_school(user: User) -> School:
    """The school whose whole data archive the user may download: school admins only."""
    if not sees_pupils(user):
        raise Http404("No such page")
    if user.role != Role.ADMIN:
        raise PermissionDenied("Only the school's admin exports all of its data.")
    return school_of(user)
