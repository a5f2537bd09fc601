"""People, classes, years, rollover and imports: school admins (and leaders if allowed)."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.http import Http404

from trackwell.accounts.models import Role, User
from trackwell.core.models import School
from trackwell.pupils.models import Pupil, SchoolClass

from .base import school_of

if TYPE_CHECKING:
    from django.db.models import Model


# ---------------------------------------------------------------------------
# People, classes, years and rollover (issue 8): school admins manage them, and
# senior leaders too where the school's setting allows. Everyone else gets 404
# on these pages, so the pages are not revealed to them.


def can_manage_people(user: User) -> bool:
    """Whether the user may manage staff, pupils, classes, groups, years and imports."""
    if not user.is_authenticated or user.school_id is None:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.LEADER:
        assert user.school is not None
        return user.school.leaders_manage_people
    return False


def people_school(user: User) -> School:
    """The user's school for people-management pages, or 404 for everyone who may not."""
    if not can_manage_people(user):
        raise Http404("No such page")
    return school_of(user)


def _managed(user: User, model: type["Model"], object_id: int) -> Any:
    school = people_school(user)
    try:
        return model._default_manager.get(pk=object_id, school_id=school.pk)
    except ObjectDoesNotExist as exc:
        raise Http404(f"No such {model._meta.verbose_name}") from exc


def managed_staff(user: User) -> QuerySet[User]:
    """Staff accounts of the manager's school (404 for everyone else).

    An API key's own account is not a member of staff: it is managed (and
    revoked) on the API keys page only.
    """
    return User.objects.filter(school_id=people_school(user).pk, api_key__isnull=True)


def get_staff_for_user(user: User, staff_id: int) -> User:
    """A staff account of the manager's school, else 404."""
    try:
        return managed_staff(user).get(pk=staff_id)
    except User.DoesNotExist as exc:
        raise Http404("No such member of staff") from exc


def get_managed_pupil_for_user(user: User, pupil_id: int) -> Pupil:
    """A pupil (on roll or left) of the manager's school, for editing; else 404."""
    pupil: Pupil = _managed(user, Pupil, pupil_id)
    return pupil


def get_managed_class_for_user(user: User, class_id: int) -> SchoolClass:
    """A class of the manager's school, for editing its staff and pupils; else 404."""
    try:
        return SchoolClass.objects.select_related("year").get(
            pk=class_id, school_id=people_school(user).pk
        )
    except SchoolClass.DoesNotExist as exc:
        raise Http404("No such class") from exc


def get_managed_group_for_user(user: User, group_id: int) -> Any:
    """A school-defined pupil group of the manager's school; else 404."""
    from trackwell.pupils.models import PupilGroup

    return _managed(user, PupilGroup, group_id)


def get_managed_year_for_user(user: User, year_id: int) -> Any:
    """An academic year of the manager's school; else 404."""
    from trackwell.core.models import AcademicYear

    return _managed(user, AcademicYear, year_id)


def get_managed_point_for_user(user: User, point_id: int) -> Any:
    """An assessment point of the manager's school; else 404."""
    from trackwell.core.models import AssessmentPoint

    return _managed(user, AssessmentPoint, point_id)


# --- Imports (MIS pupils, OneRoster, CTF and every kind on the import pipeline) ------------
# People managers (school admins, and leaders where the school allows) manage imports.


def imports_school(user: User, kind: str | None = None) -> School:
    """The school whose imports (of `kind`, if given) the user manages, else 404."""
    if kind is not None:
        from trackwell.interop.models import PendingImport
        from trackwell.interop.pipeline import REGISTRY, load_kinds

        load_kinds()
        # Framework imports keep their own pages under Curriculum (get_pending_import_for_user).
        import_kind = REGISTRY.get(kind) if kind not in PendingImport.Kind.values else None
        manage = import_kind.manage if import_kind is not None else None
        if import_kind is None or not (manage or can_manage_people)(user):
            raise Http404("No such import")
        return school_of(user)
    if not can_manage_people(user):
        raise Http404("No imports here")
    return school_of(user)


def get_import_for_user(user: User, pending_id: int) -> Any:
    """A pending import of the user's school of a kind they manage, else 404."""
    from trackwell.interop.models import PendingImport

    if not user.is_authenticated or user.school_id is None:
        raise Http404("No such import")
    try:
        pending = PendingImport.objects.select_related("school").get(
            pk=pending_id, school_id=user.school_id
        )
    except PendingImport.DoesNotExist as exc:
        raise Http404("No such import") from exc
    imports_school(user, pending.kind)
    return pending
