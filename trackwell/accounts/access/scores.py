"""Tests and scores, targets, prior attainment and points."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404

from trackwell.accounts.models import User
from trackwell.core.models import School

from .base import NO_STAFF_PAGES, WHOLE_SCHOOL_EDIT, school_id_of, school_of, sees_aggregates

if TYPE_CHECKING:
    from django.db.models import Model


# ---------------------------------------------------------------------------
# Tests and scores, targets, prior attainment and points (the scores app).
# Leaders and admins define tests, conversion tables, thresholds and points;
# teachers enter results, targets and progress judgements for their own
# classes (through get_class_for_user(..., edit=True)); other staff read;
# governors see aggregates only.


def sees_tests(user: User) -> bool:
    """Whether the user may read the school's tests, tables and thresholds."""
    return user.is_authenticated and user.school_id is not None and user.role not in NO_STAFF_PAGES


def can_manage_tests(user: User) -> bool:
    """Whether the user may define tests, conversion tables, thresholds and points."""
    return user.is_authenticated and user.school_id is not None and user.role in WHOLE_SCHOOL_EDIT


def scores_school(user: User, *, edit: bool = False) -> School:
    """The user's school for test pages: 404 for governors, 403 when `edit` and read-only."""
    if not sees_tests(user):
        raise Http404("No such page")
    if edit and not can_manage_tests(user):
        raise PermissionDenied("You can view the school's tests but not change them.")
    return school_of(user)


def _scores_object(user: User, model: type["Model"], object_id: int, *, edit: bool) -> Any:
    school_id = school_id_of(user) if sees_tests(user) else None
    if school_id is None:
        raise Http404("No such page")
    try:
        found = model._default_manager.get(pk=object_id, school_id=school_id)
    except ObjectDoesNotExist as exc:
        raise Http404(f"No such {model._meta.verbose_name}") from exc
    scores_school(user, edit=edit)
    return found


def get_test_for_user(user: User, test_id: int, *, edit: bool = False) -> Any:
    """A test of the user's school (404 otherwise); 403 when `edit` and not a leader."""
    from trackwell.scores.models import Test

    try:
        if not sees_tests(user):
            raise Test.DoesNotExist
        test = Test.objects.select_related("subject", "table", "thresholds", "point").get(
            pk=test_id, school_id=school_id_of(user)
        )
    except Test.DoesNotExist as exc:
        raise Http404("No such test") from exc
    scores_school(user, edit=edit)
    return test


def get_test_aggregates_for_user(user: User, test_id: int) -> Any:
    """A test of the user's school for its whole-school figures (governors too), else 404."""
    from trackwell.scores.models import Test

    if not (sees_aggregates(user) or sees_tests(user)):
        raise Http404("No such test")
    try:
        return Test.objects.select_related("subject", "table", "thresholds").get(
            pk=test_id, school_id=school_id_of(user)
        )
    except Test.DoesNotExist as exc:
        raise Http404("No such test") from exc


def get_conversion_table_for_user(user: User, table_id: int, *, edit: bool = False) -> Any:
    """A conversion table of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.scores.models import ConversionTable

    return _scores_object(user, ConversionTable, table_id, edit=edit)


def get_threshold_set_for_user(user: User, set_id: int, *, edit: bool = False) -> Any:
    """A threshold set of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.scores.models import ThresholdSet

    return _scores_object(user, ThresholdSet, set_id, edit=edit)
