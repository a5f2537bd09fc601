"""Parents and carers: their own children only, and the staff who manage families."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from trackwell.accounts.models import Role, User
from trackwell.core.models import School
from trackwell.pupils.models import Pupil

if TYPE_CHECKING:
    pass

from .base import WHOLE_SCHOOL_EDIT, get_pupil_for_user, school_id_of, school_of, sees_pupils

# Parents and carers (issue 12): a parent sees only the children linked to their
# contact rows by a live (unrevoked) link, through the family pages. Every staff
# page is 404 for them (`NO_STAFF_PAGES`). Staff manage families' contacts and
# invitations when they lead or run the school.


def is_parent(user: User) -> bool:
    """Whether the user is a parent or carer of the school."""
    return user.is_authenticated and user.role == Role.PARENT and user.school_id is not None


def children_of(user: User) -> QuerySet[Pupil]:
    """The parent's own children (live links only; none for anyone else)."""
    if not is_parent(user):
        return Pupil.objects.none()
    school_id = school_id_of(user)
    return (
        Pupil.objects.filter(
            school_id=school_id,
            family_links__contact__user=user,
            family_links__contact__school_id=school_id,
            family_links__revoked_at__isnull=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def get_child_for_parent(user: User, pupil_id: int) -> Pupil:
    """One of the parent's own children, else 404 (another child, or a revoked link)."""
    try:
        return children_of(user).get(pk=pupil_id)
    except Pupil.DoesNotExist as exc:
        raise Http404("No such page") from exc


def can_manage_families(user: User) -> bool:
    """Whether the user may add contacts, invite parents, revoke links and set parent pages."""
    return sees_pupils(user) and user.role in WHOLE_SCHOOL_EDIT


def family_school(user: User) -> School:
    """The school for family settings pages: 404 for non-staff, 403 for staff who may not."""
    if not sees_pupils(user):
        raise Http404("No such page")
    if not can_manage_families(user):
        raise PermissionDenied("Only school leaders and admins manage families' access.")
    return school_of(user)


def get_pupil_for_family_admin(user: User, pupil_id: int) -> Pupil:
    """A pupil whose family contacts the user may manage (404 unseen, 403 read-only)."""
    pupil = get_pupil_for_user(user, pupil_id)
    family_school(user)
    return pupil


def get_contact_for_user(user: User, contact_id: int) -> Any:
    """A contact of the user's school that the user may manage (404 otherwise, 403 read-only)."""
    from trackwell.parents.models import Contact

    if not sees_pupils(user):
        raise Http404("No such contact")
    try:
        contact = Contact.objects.get(pk=contact_id, school_id=school_id_of(user))
    except Contact.DoesNotExist as exc:
        raise Http404("No such contact") from exc
    family_school(user)
    return contact


def get_child_link_for_user(user: User, link_id: int) -> Any:
    """A parent-child link of the user's school that the user may manage."""
    from trackwell.parents.models import ChildLink

    if not sees_pupils(user):
        raise Http404("No such link")
    try:
        link = ChildLink.objects.select_related("contact", "pupil").get(
            pk=link_id, school_id=school_id_of(user)
        )
    except ChildLink.DoesNotExist as exc:
        raise Http404("No such link") from exc
    family_school(user)
    return link
