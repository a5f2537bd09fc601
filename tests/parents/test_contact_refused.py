"""Adding a parent or carer that is refused keeps what was typed, says why, and
refuses an email that is not an address (an invitation would go nowhere)."""

import re

import pytest
from django.urls import reverse

from tests.factories import World
from tests.markup import id_problems
from trackwell.parents.models import ChildLink

pytestmark = pytest.mark.django_db

TYPED = {
    "first_name": "Sam",
    "last_name": "",
    "email": "sam@example.org",
    "phone": "01632 960123",
    "relationship": "Carer",
}


def test_a_contact_without_a_last_name_comes_back_with_what_was_typed(
    world: World, client_for
) -> None:
    pupil = world.pupils_a[0]
    url = reverse("parents:pupil-contacts", args=[pupil.pk])
    sent = client_for(world.users["admin"]).post(url, TYPED)
    assert sent.status_code == 400
    page = sent.content.decode()
    assert "Give the parent or carer&#x27;s first and last names." in page
    for name in ("first_name", "email", "phone", "relationship"):
        assert re.search(rf'<input [^>]*name="{name}"[^>]*value="{TYPED[name]}"', page), name
    assert id_problems(page) == []
    assert not ChildLink.objects.filter(pupil=pupil).exists()


def test_an_email_that_is_not_an_address_is_refused(world: World, client_for) -> None:
    pupil = world.pupils_a[0]
    url = reverse("parents:pupil-contacts", args=[pupil.pk])
    sent = client_for(world.users["admin"]).post(
        url, {**TYPED, "last_name": "Rivers", "email": "sam.example.org"}
    )
    assert sent.status_code == 400
    assert "sam.example.org is not an email address" in sent.content.decode()
    assert not ChildLink.objects.filter(pupil=pupil).exists()
    # Without an email the contact is added (codes are printed for those without one).
    sent = client_for(world.users["admin"]).post(url, {**TYPED, "last_name": "Rivers", "email": ""})
    assert sent.status_code == 302
    assert ChildLink.objects.filter(pupil=pupil, contact__last_name="Rivers").exists()
