"""Adding a contact by hand: an email another contact holds links that contact only by name."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import World
from trackwell.parents import services
from trackwell.parents.models import ChildLink, Contact

pytestmark = pytest.mark.django_db


def test_an_email_of_another_contact_links_them_only_when_the_names_agree(world: World) -> None:
    admin = world.users["admin"]
    first = services.add_contact(
        user=admin, pupil=world.pupils_a[0], first_name="Jo", last_name="Lane", email="jo@x.example"
    )
    with pytest.raises(ValidationError) as refused:
        services.add_contact(
            user=admin,
            pupil=world.pupils_b[0],
            first_name="Chris",
            last_name="Lane",
            email="JO@x.example",
        )
    assert refused.value.messages == [
        "jo@x.example is the email of Jo Lane, another contact of the school, not of "
        "Chris Lane: check the email."
    ]
    assert not ChildLink.objects.filter(pupil=world.pupils_b[0]).exists()
    # The same parent entered for a sibling is the same contact.
    second = services.add_contact(
        user=admin, pupil=world.pupils_b[0], first_name="jo", last_name="LANE", email="jo@x.example"
    )
    assert second.contact_id == first.contact_id and Contact.objects.count() == 1
