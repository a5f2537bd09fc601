"""Security and privacy: sign-in help, the security policy and subject access."""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

from trackwell.accounts.models import Role, User
from trackwell.core.models import School
from trackwell.pupils.models import Pupil

if TYPE_CHECKING:
    pass

from .base import WHOLE_SCHOOL_EDIT, WHOLE_SCHOOL_READ, school_of

# ---------------------------------------------------------------------------
# Security and privacy: sign-in help for a school's accounts, the school's security
# policy (admins change it, leaders read it) and subject access exports (leaders,
# admins and SENCOs, for any pupil of their school, leavers included).


def security_school(user: User, *, edit: bool = False) -> School:
    """The school whose security settings the user may read (404 off-school, 403 read-only)."""
    school = school_of(user)
    if user.role not in WHOLE_SCHOOL_EDIT:
        raise PermissionDenied("Only admins and senior leaders see the security settings.")
    if edit and user.role != Role.ADMIN:
        raise PermissionDenied("Only school admins change the security settings.")
    return school


def get_school_account_for_user(user: User, account_id: int) -> User:
    """Another account of the admin's school (404 for any other), for unlocking and MFA reset."""
    school = school_of(user)
    try:
        account = User.objects.select_related("school").get(
            pk=account_id, school=school, api_key__isnull=True
        )
    except User.DoesNotExist:
        raise Http404("No such account") from None
    security_school(user, edit=True)
    return account


def can_export_subject_access(user: User) -> bool:
    return user.is_authenticated and user.school_id is not None and user.role in WHOLE_SCHOOL_READ


def get_subject_access_pupil_for_user(user: User, pupil_id: int) -> Pupil:
    """Any pupil of the user's school for a subject access export (403 for other staff)."""
    school = school_of(user)
    try:
        pupil = Pupil.objects.get(pk=pupil_id, school=school)
    except Pupil.DoesNotExist:
        raise Http404("No such pupil") from None
    if not can_export_subject_access(user):
        raise PermissionDenied("Subject access exports are for leaders, admins and SENCOs.")
    return pupil
