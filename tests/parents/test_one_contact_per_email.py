"""One email, one contact of a school: a database rule, and migration 0005 that merges the
contact rows an email already shares (or stops, naming them, when merging is not safe)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import World
from trackwell.accounts.models import AuditEntry, Role, User
from trackwell.parents.models import ChildLink, Contact, Invitation
from trackwell.pupils.models import Pupil

BEFORE = [("parents", "0004_childlink_parental_responsibility")]


def _contact(world: World, first: str, last: str, email: str, **extra: object) -> Contact:
    return Contact.objects.create(
        school=world.school, first_name=first, last_name=last, email=email, **extra
    )


def _link(contact: Contact, pupil: Pupil, **extra: object) -> ChildLink:
    return ChildLink.objects.create(school=contact.school, contact=contact, pupil=pupil, **extra)


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_the_database_keeps_one_contact_per_email_in_any_case(world: World, other_world: World):
    _contact(world, "Jo", "Lane", "jo@x.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        _contact(world, "Jo", "Lane", "JO@x.example")
    # Blank emails are many; another school may know the same parent.
    _contact(world, "Kim", "Ng", "")
    _contact(world, "Lee", "Ng", "")
    _contact(other_world, "Jo", "Lane", "jo@x.example")
    assert Contact.objects.filter(email__iexact="jo@x.example").count() == 2


@pytest.mark.django_db(transaction=True)
def test_migration_0005_merges_the_rows_of_one_email_into_the_oldest(world: World) -> None:
    MigrationExecutor(connection).migrate(BEFORE)
    try:
        a0, a1, a2 = world.pupils_a[:3]
        parent = User.objects.create(username="jo", role=Role.PARENT, school=world.school)
        jo = _contact(world, "Jo", "Lane", "jo@x.example")
        again = _contact(world, "jo ", "LANE", "Jo@X.example", phone="0123", user=parent)
        _link(jo, a0)
        twice = _link(again, a0)  # a0 is Jo's already
        invitation = Invitation.objects.create(
            school=world.school,
            link=twice,
            kind="code",
            secret_hash="h" * 64,
            expires_at=timezone.now(),
        )
        moved = _link(again, a1, relationship="Father")
        ended = _link(again, a2, revoked_at=timezone.now())
        other = _contact(world, "Kim", "Ng", "kim@x.example")
    finally:
        _migrate_to_latest()
    assert list(Contact.objects.order_by("pk")) == [jo, other]
    jo.refresh_from_db()
    assert (jo.email, jo.phone, jo.user_id) == ("jo@x.example", "0123", parent.pk)
    links = {link.pk: link for link in ChildLink.objects.filter(contact=jo)}
    assert set(links) == {jo.links.get(pupil=a0).pk, moved.pk, ended.pk}
    assert links[ended.pk].revoked_at is not None  # history kept, still revoked
    invitation.refresh_from_db()
    assert invitation.link_id == jo.links.get(pupil=a0).pk
    (entry,) = AuditEntry.objects.filter(action="contact.merge")
    assert (entry.school_id, entry.object_id) == (world.school.pk, str(jo.pk))
    assert entry.old == {"contacts": [jo.pk, again.pk], "emails": ["jo@x.example", "Jo@X.example"]}


@pytest.mark.django_db(transaction=True)
def test_migration_0005_stops_naming_an_email_two_people_share(world: World) -> None:
    MigrationExecutor(connection).migrate(BEFORE)
    try:
        jo = _contact(world, "Jo", "Lane", "jo@x.example")
        chris = _contact(world, "Chris", "Lane", "JO@x.example")
        with pytest.raises(RuntimeError) as stopped:
            _migrate_to_latest()
        assert (
            f"school {world.school.pk}: jo@x.example is held by Jo Lane (contact {jo.pk}), "
            f"Chris Lane (contact {chris.pk})"
        ) in str(stopped.value)
        assert "Give each contact their own email" in str(stopped.value)
        assert Contact.objects.count() == 2  # nothing merged
    finally:
        Contact.objects.all().delete()
        _migrate_to_latest()


@pytest.mark.django_db
def test_an_email_taken_between_the_check_and_the_write_is_a_clear_refusal(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db.models.query import QuerySet

    from trackwell.parents import services

    _contact(world, "Jo", "Lane", "jo@x.example")
    # As if another request added Jo after this one looked for the email.
    monkeypatch.setattr(QuerySet, "first", lambda self: None)
    with pytest.raises(ValidationError) as refused:
        services.add_contact(
            user=None,
            pupil=world.pupils_a[0],
            first_name="Jo",
            last_name="Lane",
            email="jo@x.example",
        )
    assert refused.value.messages == [
        "jo@x.example was just given to another contact of the school: try again."
    ]
    assert Contact.objects.count() == 1
