"""Schools, classes and pupils: who sees and changes them, and special-category data."""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from trackwell.accounts.models import Role, User
from trackwell.core.models import School
from trackwell.pupils.models import Pupil, SchoolClass, StaffAssignment

if TYPE_CHECKING:
    pass


WHOLE_SCHOOL_EDIT = {Role.ADMIN, Role.LEADER}
WHOLE_SCHOOL_READ = {Role.ADMIN, Role.LEADER, Role.SENCO}
# Roles that see aggregates only, never a pupil, a class or a grid.
AGGREGATES_ONLY = {Role.GOVERNOR, Role.TRUST_LEADER}
# Roles that never open a staff page: aggregates-only roles and parents, who see their own
# children through the family pages only (`family.get_child_for_parent`).
NO_STAFF_PAGES = AGGREGATES_ONLY | {Role.PARENT}


def school_of(user: User) -> School:
    """Return the user's school for a staff page, or 404 (no school, or a parent)."""
    # Parents reach their children through the family pages only (`children_of`).
    if not user.is_authenticated or user.school_id is None or user.role == Role.PARENT:
        raise Http404("No school")
    assert user.school is not None
    return user.school


def school_id_of(user: User) -> int:
    """The user's school's id without reading the school, or 404 for accounts without one."""
    if not user.is_authenticated or user.school_id is None:
        raise Http404("No school")
    return user.school_id


def sees_pupils(user: User) -> bool:
    """Whether the user may open any pupil-level page."""
    return user.is_authenticated and user.school_id is not None and user.role not in NO_STAFF_PAGES


def visible_classes(user: User) -> QuerySet[SchoolClass]:
    """Classes whose pupils and grids the user may see."""
    if not sees_pupils(user):
        return SchoolClass.objects.none()
    qs = SchoolClass.objects.filter(school_id=school_id_of(user))
    if user.role in WHOLE_SCHOOL_READ:
        return qs
    mine = Q(pk__in=StaffAssignment.objects.filter(user=user).values("school_class_id"))
    if user.role == Role.TEACHER:
        # One query, whatever the school's setting (no separate read of the school).
        return qs.filter(Q(school__teachers_see_other_classes=True) | mine)
    return qs.filter(mine)


def editable_classes(user: User) -> QuerySet[SchoolClass]:
    """Classes whose grids the user may change."""
    if not sees_pupils(user):
        return SchoolClass.objects.none()
    qs = SchoolClass.objects.filter(school_id=school_id_of(user))
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
        assigned = getattr(school_class, "user_is_assigned", None)  # from get_class_for_user
        if assigned is not None:
            return bool(assigned)
        return school_class.assignments.filter(user=user).exists()
    return False


def get_class_for_user(user: User, class_id: int, *, edit: bool = False) -> SchoolClass:
    """The class if the user may see it (404 otherwise); 403 when `edit` and read-only."""
    try:
        school_class = (
            visible_classes(user)
            .select_related("year", "school")
            .annotate(
                user_is_assigned=Exists(
                    StaffAssignment.objects.filter(school_class=OuterRef("pk"), user=user)
                )
            )
            .get(pk=class_id)
        )
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


# --- Special-category data (SEN, EHC plan, FSM, pupil premium, looked after) ---------------
# Shown, and filterable, only for those who need it: leaders, admins and SENCOs for
# every pupil; class teachers and teaching assistants for the pupils of their own classes.
SPECIAL_CATEGORY_SCHOOL_WIDE = {Role.ADMIN, Role.LEADER, Role.SENCO}
SPECIAL_CATEGORY_FIELDS = ("disadvantaged", "fsm", "sen_status", "looked_after")


def sees_special_category(user: User, school_class: SchoolClass | None = None) -> bool:
    """Whether the user may see special-category flags for the class's pupils.

    With no class: whether they may see them for every pupil of the school.
    """
    if not sees_pupils(user):
        return False
    if user.role in SPECIAL_CATEGORY_SCHOOL_WIDE:
        return True
    if school_class is None or school_class.school_id != user.school_id:
        return False
    if user.role not in {Role.TEACHER, Role.TA}:
        return False
    assigned = getattr(school_class, "user_is_assigned", None)  # from get_class_for_user
    if assigned is not None:
        return bool(assigned)
    return school_class.assignments.filter(user=user).exists()


def special_category_pupils(user: User) -> QuerySet[Pupil]:
    """Pupils whose special-category flags the user may see."""
    if not sees_pupils(user):
        return Pupil.objects.none()
    qs = Pupil.objects.filter(school_id=school_id_of(user))
    if user.role in SPECIAL_CATEGORY_SCHOOL_WIDE:
        return qs
    if user.role not in {Role.TEACHER, Role.TA}:
        return qs.none()
    mine = StaffAssignment.objects.filter(user=user).values("school_class_id")
    return qs.filter(enrolments__school_class_id__in=mine).distinct()


# Pupil filters (the grid's and any page's) that select by special-category data.
SPECIAL_CATEGORY_FILTERS = frozenset(
    {"disadvantaged", "not-disadvantaged", "fsm", "sen", "sen-support", "ehcp", "looked-after"}
)


def sees_special_category_for_pupil(user: User, pupil: Pupil) -> bool:
    """Whether the user may see this pupil's special-category flags."""
    if user.role in SPECIAL_CATEGORY_SCHOOL_WIDE:
        return sees_pupils(user) and pupil.school_id == user.school_id
    return special_category_pupils(user).filter(pk=pupil.pk).exists()


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
    return user.role in AGGREGATES_ONLY
