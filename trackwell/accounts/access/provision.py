"""Provision: interventions, participants, sessions and classroom strategies."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from trackwell.accounts.models import Role, User
from trackwell.core.models import School
from trackwell.pupils.models import SchoolClass, StaffAssignment

if TYPE_CHECKING:
    pass

from .base import can_edit_class, school_id_of, school_of, sees_pupils

# Provision: interventions, participants, sessions, classroom strategies.
# SENCOs, leaders and admins see and change all of the school's provision.
# Teachers see interventions for their classes' pupils and those they deliver,
# and change the ones they planned or deliver. Teaching assistants see the groups
# they deliver and record their sessions and values. Governors see anonymised
# summaries only. Models are imported inside the functions, as for the curriculum.

PROVISION_MANAGERS = {Role.ADMIN, Role.LEADER, Role.SENCO}


def manages_provision(user: User) -> bool:
    """Whether the user sees and changes all of the school's provision."""
    return sees_pupils(user) and user.role in PROVISION_MANAGERS


def sees_provision_summary(user: User) -> bool:
    """Whether the user may open the school's anonymised impact and cost summary."""
    return (
        user.is_authenticated
        and user.school_id is not None
        and user.role in PROVISION_MANAGERS | {Role.GOVERNOR}
    )


def visible_interventions(user: User) -> QuerySet[Any]:
    """Interventions whose pupils and details the user may see."""
    from trackwell.provision.models import Intervention, InterventionStaff, Participant

    if not sees_pupils(user):
        return Intervention.objects.none()
    qs = Intervention.objects.filter(school_id=school_id_of(user))
    if user.role in PROVISION_MANAGERS:
        return qs
    delivers = Exists(InterventionStaff.objects.filter(intervention=OuterRef("pk"), user=user))
    if user.role == Role.TEACHER:
        mine = StaffAssignment.objects.filter(user=user).values("school_class_id")
        for_my_pupils = Exists(
            Participant.objects.filter(
                intervention=OuterRef("pk"), pupil__enrolments__school_class_id__in=mine
            )
        )
        return qs.filter(delivers | for_my_pupils | Q(created_by=user))
    if user.role == Role.TA:
        return qs.filter(delivers)
    return qs.none()


def can_edit_intervention(user: User, intervention: Any) -> bool:
    """Whether the user may change an intervention's plan and its pupils."""
    if not sees_pupils(user) or intervention.school_id != user.school_id:
        return False
    if user.role in PROVISION_MANAGERS:
        return True
    if user.role == Role.TEACHER:
        return bool(
            intervention.created_by_id == user.pk or intervention.staff.filter(user=user).exists()
        )
    return False


def can_record_intervention(user: User, intervention: Any) -> bool:
    """Whether the user may record sessions, entry and exit values for an intervention."""
    if can_edit_intervention(user, intervention):
        return True
    return (
        sees_pupils(user)
        and intervention.school_id == user.school_id
        and user.role == Role.TA
        and intervention.staff.filter(user=user).exists()
    )


def get_intervention_for_user(
    user: User, intervention_id: int, *, edit: bool = False, record: bool = False
) -> Any:
    """An intervention the user may see (404 otherwise); 403 when `edit`/`record` is not theirs."""
    try:
        intervention = (
            visible_interventions(user).select_related("school", "subject").get(pk=intervention_id)
        )
    except ObjectDoesNotExist as exc:
        raise Http404("No such intervention") from exc
    if edit and not can_edit_intervention(user, intervention):
        raise PermissionDenied("You can view this intervention but not change it.")
    if record and not can_record_intervention(user, intervention):
        raise PermissionDenied("You can view this intervention but not record its sessions.")
    return intervention


def get_participant_for_user(
    user: User, participant_id: int, *, edit: bool = False, record: bool = False
) -> Any:
    """A pupil's place in an intervention the user may see (404 otherwise); 403 as above."""
    from trackwell.provision.models import Participant

    try:
        participant = Participant.objects.select_related("pupil", "intervention").get(
            pk=participant_id, intervention__in=visible_interventions(user)
        )
    except ObjectDoesNotExist as exc:
        raise Http404("No such pupil in an intervention") from exc
    if edit and not can_edit_intervention(user, participant.intervention):
        raise PermissionDenied("You can view this pupil's provision but not change it.")
    if record and not can_record_intervention(user, participant.intervention):
        raise PermissionDenied("You can view this pupil's provision but not record values.")
    return participant


def can_plan_provision_for_class(user: User, school_class: SchoolClass) -> bool:
    """Whether the user may start interventions and add strategies for a class's pupils."""
    if not sees_pupils(user) or school_class.school_id != user.school_id:
        return False
    if user.role in PROVISION_MANAGERS:
        return True
    return user.role == Role.TEACHER and can_edit_class(user, school_class)


def provision_school(user: User, *, manage: bool = False) -> School:
    """The school for provision pages: 404 for governors, 403 for `manage` by non-managers."""
    if not sees_pupils(user):
        raise Http404("No such page")
    if manage and not manages_provision(user):
        raise PermissionDenied("Only the SENCO and leaders manage the school's provision.")
    return school_of(user)
