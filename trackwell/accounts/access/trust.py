"""Trust leaders: a trust's schools, aggregates and shared frameworks."""

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from trackwell.accounts.models import Role, User
from trackwell.core.models import School, Trust

if TYPE_CHECKING:
    from trackwell.curriculum.models import (
        Framework,
    )


# ---------------------------------------------------------------------------
# Trust leaders: they belong to a trust, not a school, and see its schools'
# aggregates (small groups suppressed) and its shared frameworks. Every other
# account answers 404 on trust pages, school leaders included: a school sees
# its own figures, not its neighbours'.


def is_trust_leader(user: User) -> bool:
    """Whether the user is a trust leader with a trust."""
    return (
        user.is_authenticated
        and user.role == Role.TRUST_LEADER
        and user.trust_id is not None
        and user.school_id is None
    )


def trust_of(user: User) -> Trust:
    """The trust a trust leader looks across, or 404 for everyone else."""
    if not is_trust_leader(user):
        raise Http404("No such page")
    assert user.trust is not None
    return user.trust


def trust_schools(user: User) -> QuerySet[School]:
    """The schools of the trust leader's trust, by name (404 for everyone else)."""
    return School.objects.filter(trust_id=trust_of(user).pk).order_by("name", "pk")


def get_trust_school_for_user(user: User, school_id: int) -> School:
    """A school of the trust leader's trust, else 404."""
    try:
        return trust_schools(user).get(pk=school_id)
    except School.DoesNotExist as exc:
        raise Http404("No such school") from exc


def get_trust_framework_for_user(user: User, framework_id: int) -> "Framework":
    """A framework of any school in the trust leader's trust (404 otherwise), to publish it."""
    from trackwell.curriculum.models import Framework

    try:
        return Framework.objects.select_related("school", "subject", "scale").get(
            pk=framework_id, school__trust_id=trust_of(user).pk
        )
    except Framework.DoesNotExist as exc:
        raise Http404("No such framework") from exc
