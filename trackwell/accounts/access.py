"""The access layer: the one place that decides what a user may see or change.

Every view gets scoped objects through these functions. Objects outside a
user's scope raise Http404, so their existence is not revealed; objects a user
may see but not change raise PermissionDenied (403).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from trackwell.accounts.models import Role, User
from trackwell.core.models import School
from trackwell.pupils.models import Pupil, SchoolClass

WHOLE_SCHOOL_EDIT = {Role.ADMIN, Role.LEADER}
WHOLE_SCHOOL_READ = {Role.ADMIN, Role.LEADER, Role.SENCO}


def school_of(user: User) -> School:
    """Return the user's school, or 404 for accounts without one."""
    if not user.is_authenticated or user.school_id is None:
        raise Http404("No school")
    assert user.school is not None
    return user.school


def sees_pupils(user: User) -> bool:
    """Whether the user may open any pupil-level page."""
    return user.is_authenticated and user.school_id is not None and user.role != Role.GOVERNOR


def visible_classes(user: User) -> QuerySet[SchoolClass]:
    """Classes whose pupils and grids the user may see."""
    if not sees_pupils(user):
        return SchoolClass.objects.none()
    qs = SchoolClass.objects.filter(school_id=school_of(user).pk)
    if user.role in WHOLE_SCHOOL_READ:
        return qs
    if user.role == Role.TEACHER:
        assert user.school is not None
        if user.school.teachers_see_other_classes:
            return qs
    return qs.filter(assignments__user=user)


def editable_classes(user: User) -> QuerySet[SchoolClass]:
    """Classes whose grids the user may change."""
    if not sees_pupils(user):
        return SchoolClass.objects.none()
    qs = SchoolClass.objects.filter(school_id=school_of(user).pk)
    if user.role in WHOLE_SCHOOL_EDIT:
        return qs
    if user.role == Role.TEACHER:
        return qs.filter(assignments__user=user)
    return qs.none()


def can_edit_class(user: User, school_class: SchoolClass) -> bool:
    """Whether the user may change judgements and coverage for this class."""
    if not sees_pupils(user) or school_class.school_id != user.school_id:
        return False
    if user.role in WHOLE_SCHOOL_EDIT:
        return True
    if user.role == Role.TEACHER:
        return school_class.assignments.filter(user=user).exists()
    return False


def get_class_for_user(user: User, class_id: int, *, edit: bool = False) -> SchoolClass:
    """The class if the user may see it (404 otherwise); 403 when `edit` and read-only."""
    try:
        school_class = visible_classes(user).select_related("year", "school").get(pk=class_id)
    except SchoolClass.DoesNotExist as exc:
        raise Http404("No such class") from exc
    if edit and not can_edit_class(user, school_class):
        raise PermissionDenied("You can view this class but not change it.")
    return school_class


def visible_pupils(user: User) -> QuerySet[Pupil]:
    """Pupils the user may see."""
    if not sees_pupils(user):
        return Pupil.objects.none()
    if user.role in WHOLE_SCHOOL_READ:
        return Pupil.objects.filter(school_id=school_of(user).pk)
    return Pupil.objects.filter(classes__in=visible_classes(user)).distinct()


def get_pupil_for_user(user: User, pupil_id: int) -> Pupil:
    """The pupil if the user may see them, else 404."""
    try:
        return visible_pupils(user).get(pk=pupil_id)
    except Pupil.DoesNotExist as exc:
        raise Http404("No such pupil") from exc


def can_manage_assessment(user: User) -> bool:
    """Whether the user may edit band rules and close or reopen assessment points."""
    return user.is_authenticated and user.school_id is not None and user.role in WHOLE_SCHOOL_EDIT


def sees_aggregates(user: User) -> bool:
    """Whether the user may open whole-school analysis pages."""
    return (
        user.is_authenticated
        and user.school_id is not None
        and user.role in WHOLE_SCHOOL_READ | {Role.GOVERNOR}
    )


def suppresses_small_groups(user: User) -> bool:
    """Whether aggregate views hide groups smaller than the school's minimum for this user."""
    return user.role == Role.GOVERNOR
