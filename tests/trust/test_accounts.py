"""The trust leader role: validation, the database constraint and the access layer."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from tests.factories import make_user
from tests.trust.conftest import TrustWorld
from trackwell.accounts import access
from trackwell.accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_a_trust_leader_needs_a_trust_and_no_school(trust_world: TrustWorld) -> None:
    tw = trust_world
    tw.leader.full_clean()
    no_trust = User(username="x", role=Role.TRUST_LEADER)
    with pytest.raises(ValidationError, match="belongs to a trust"):
        no_trust.full_clean()
    with_school = User(username="y", role=Role.TRUST_LEADER, trust=tw.trust, school=tw.alpha.school)
    with pytest.raises(ValidationError, match="no school"):
        with_school.full_clean()


def test_school_staff_need_a_school_and_no_trust(trust_world: TrustWorld) -> None:
    tw = trust_world
    tw.alpha.users["teacher"].full_clean()
    with pytest.raises(ValidationError, match="belong to a school"):
        User(username="z", role=Role.LEADER).full_clean()
    with pytest.raises(ValidationError, match="Only trust leaders"):
        User(username="w", role=Role.LEADER, school=tw.alpha.school, trust=tw.trust).full_clean()
    # Accounts made by createsuperuser have no school and stay valid.
    User(username="root", is_superuser=True).full_clean(exclude=["password"])


@pytest.mark.parametrize(
    "fields",
    [
        {"role": Role.TRUST_LEADER},
        {"role": Role.TRUST_LEADER, "school": "alpha", "trust": "trust"},
        {"role": Role.LEADER, "school": "alpha", "trust": "trust"},
    ],
    ids=["trust-leader-without-trust", "trust-leader-with-school", "school-leader-with-trust"],
)
def test_the_database_refuses_mixed_up_accounts(trust_world: TrustWorld, fields: dict) -> None:
    lookup = {"alpha": trust_world.alpha.school, "trust": trust_world.trust}
    values = {k: lookup.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}
    values["role"] = fields["role"]
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="mixed", **values)


def test_access_gives_a_trust_leader_their_trust_and_its_schools(trust_world: TrustWorld) -> None:
    tw = trust_world
    assert access.trust_of(tw.leader) == tw.trust
    assert list(access.trust_schools(tw.leader)) == [tw.alpha.school, tw.beta.school]
    assert access.get_trust_school_for_user(tw.leader, tw.beta.school.pk) == tw.beta.school
    with pytest.raises(Http404):
        access.get_trust_school_for_user(tw.leader, tw.other.school.pk)
    with pytest.raises(Http404):
        access.get_trust_school_for_user(tw.outsider, tw.alpha.school.pk)
    assert access.get_trust_framework_for_user(tw.leader, tw.beta.framework.pk) == tw.beta.framework
    with pytest.raises(Http404):
        access.get_trust_framework_for_user(tw.leader, tw.other.framework.pk)


@pytest.mark.parametrize("persona", ["leader", "admin", "teacher", "governor"])
def test_school_accounts_have_no_trust_scope(trust_world: TrustWorld, persona: str) -> None:
    user = trust_world.alpha.users[persona]
    assert not access.is_trust_leader(user)
    with pytest.raises(Http404):
        access.trust_of(user)
    with pytest.raises(Http404):
        access.get_trust_school_for_user(user, trust_world.alpha.school.pk)


def test_a_trust_leader_sees_no_school_class_pupil_or_curriculum(trust_world: TrustWorld) -> None:
    tw = trust_world
    leader = tw.leader
    assert not access.sees_pupils(leader)
    assert not access.sees_aggregates(leader)  # the school pages; trust pages have their own
    assert not access.sees_curriculum(leader)
    assert not access.can_manage_assessment(leader)
    assert access.suppresses_small_groups(leader)
    assert not access.visible_classes(leader).exists()
    assert not access.editable_classes(leader).exists()
    assert not access.visible_pupils(leader).exists()
    assert not access.can_edit_class(leader, tw.alpha.class_a)
    for call in [
        lambda: access.school_of(leader),
        lambda: access.get_class_for_user(leader, tw.alpha.class_a.pk),
        lambda: access.get_pupil_for_user(leader, tw.alpha.pupils_a[0].pk),
        lambda: access.get_framework_for_user(leader, tw.alpha.framework.pk),
        lambda: access.curriculum_school(leader),
    ]:
        with pytest.raises(Http404):
            call()


def test_a_trust_leader_role_without_a_trust_gets_nothing(trust_world: TrustWorld) -> None:
    # Not a valid account (the constraint refuses it); built in memory to check the guard.
    stray = make_user(trust_world.alpha.school, "stray", Role.GOVERNOR)
    stray.role = Role.TRUST_LEADER
    assert not access.is_trust_leader(stray)
    with pytest.raises(Http404):
        access.trust_schools(stray)
