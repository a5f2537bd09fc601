"""Curriculum: frameworks, strands, objectives and rating scales."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404

from trackwell.accounts.models import User
from trackwell.core.models import School

if TYPE_CHECKING:
    from django.db.models import Model

    from trackwell.curriculum.models import (
        Framework,
        Objective,
        RatingLevel,
        RatingScale,
        SharedFramework,
        Strand,
        Subject,
    )

from .base import NO_STAFF_PAGES, WHOLE_SCHOOL_EDIT, school_of

# ---------------------------------------------------------------------------
# Curriculum: frameworks, strands, objectives and rating scales.
# Staff other than governors may read the school's curriculum; only leaders
# and admins may change it. Models are imported inside the functions so this
# module keeps no import-time dependency on the curriculum app.


def sees_curriculum(user: User) -> bool:
    """Whether the user may read the school's frameworks and rating scales."""
    return user.is_authenticated and user.school_id is not None and user.role not in NO_STAFF_PAGES


def can_manage_curriculum(user: User) -> bool:
    """Whether the user may change frameworks, objectives and rating scales."""
    return user.is_authenticated and user.school_id is not None and user.role in WHOLE_SCHOOL_EDIT


def curriculum_school(user: User, *, edit: bool = False) -> School:
    """The user's school for curriculum pages: 404 for governors, 403 when `edit` and read-only."""
    if not sees_curriculum(user):
        raise Http404("No such page")
    if edit and not can_manage_curriculum(user):
        raise PermissionDenied("You can view the curriculum but not change it.")
    return school_of(user)


def _curriculum_object(user: User, model: type["Model"], object_id: int, *, edit: bool) -> Any:
    school = curriculum_school(user)
    try:
        found = model._default_manager.get(pk=object_id, school_id=school.pk)
    except ObjectDoesNotExist as exc:
        raise Http404(f"No such {model._meta.verbose_name}") from exc
    # Only after the object is known to be the school's, so outsiders always get 404.
    curriculum_school(user, edit=edit)
    return found


def get_framework_for_user(user: User, framework_id: int, *, edit: bool = False) -> "Framework":
    """A framework of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import Framework

    framework: Framework = _curriculum_object(user, Framework, framework_id, edit=edit)
    return framework


def get_strand_for_user(user: User, strand_id: int, *, edit: bool = False) -> "Strand":
    """A strand of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import Strand

    strand: Strand = _curriculum_object(user, Strand, strand_id, edit=edit)
    return strand


def get_objective_for_user(user: User, objective_id: int, *, edit: bool = False) -> "Objective":
    """An objective of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import Objective

    objective: Objective = _curriculum_object(user, Objective, objective_id, edit=edit)
    return objective


def get_scale_for_user(user: User, scale_id: int, *, edit: bool = False) -> "RatingScale":
    """A rating scale of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import RatingScale

    scale: RatingScale = _curriculum_object(user, RatingScale, scale_id, edit=edit)
    return scale


def get_level_for_user(user: User, level_id: int, *, edit: bool = False) -> "RatingLevel":
    """A level of one of the school's scales (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import RatingLevel

    level: RatingLevel = _curriculum_object(user, RatingLevel, level_id, edit=edit)
    return level


def get_subject_for_user(user: User, subject_id: int, *, edit: bool = False) -> "Subject":
    """A subject of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import Subject

    subject: Subject = _curriculum_object(user, Subject, subject_id, edit=edit)
    return subject


def get_shared_framework_for_user(user: User, shared_id: int) -> "SharedFramework":
    """A framework published by the user's trust (404 otherwise); adopting needs a manager."""
    from trackwell.curriculum.models import SharedFramework

    school = curriculum_school(user)
    try:
        shared = SharedFramework.objects.get(pk=shared_id, trust_id=school.trust_id or -1)
    except SharedFramework.DoesNotExist as exc:
        raise Http404("No such shared framework") from exc
    curriculum_school(user, edit=True)
    return shared


def get_pending_import_for_user(user: User, pending_id: int) -> Any:
    """An uploaded framework file of the user's school awaiting confirmation (managers only)."""
    from trackwell.interop.models import PendingImport

    pending = _curriculum_object(user, PendingImport, pending_id, edit=True)
    if pending.kind not in PendingImport.Kind.values:
        raise Http404("No such framework import")  # other imports have their own pages
    return pending
