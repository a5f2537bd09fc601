"""Digits that str.isdigit() accepts but int() refuses ("²"), and ids too long for int().

Each field here is read as a number by a view; a value like these must be answered
as bad input (or ignored), never with a 500. The hostile-input sweep sends "²" to
every field it can name; these fields have names built at run time, or sit in a value.
"""

import pytest
from django.urls import reverse

from tests.analysis.helpers import with_bands
from tests.factories import World
from trackwell.analysis.models import BandConfirmation, BandSet
from trackwell.pupils.models import Enrolment

pytestmark = pytest.mark.django_db

LOOKALIKES = ["\u00b2", "\u0663", "9" * 5000]  # superscript two, Arabic-Indic three, 5,000 digits


@pytest.mark.parametrize("bad", LOOKALIKES)
def test_a_confirmed_band_that_is_no_number_is_refused(world: World, client_for, bad) -> None:
    with_bands(world)
    attainment = BandSet.objects.get(school=world.school, name="Attainment")
    url = reverse("report-confirm", args=[world.class_a.pk, "maths"])
    pupil = world.pupils_a[0].pk
    response = client_for(world.users["teacher"]).post(url, {f"band-{pupil}-{attainment.pk}": bad})
    assert response.status_code == 400
    assert not BandConfirmation.objects.exists()


@pytest.mark.parametrize("bad", LOOKALIKES)
def test_moving_pupils_to_a_class_that_is_no_number_moves_nobody(
    world: World, client_for, bad
) -> None:
    pupil = world.pupils_a[0]
    response = client_for(world.users["admin"]).post(
        reverse("people-class-move", args=[world.class_a.pk]),
        {"pupil": [pupil.pk], "to_class": bad},
    )
    assert response.status_code in (302, 400)
    assert Enrolment.objects.filter(pupil=pupil, school_class=world.class_a).exists()


@pytest.mark.parametrize("bad", LOOKALIKES)
def test_a_band_editor_move_button_with_no_number_changes_nothing(
    world: World, client_for, bad
) -> None:
    with_bands(world)
    attainment = BandSet.objects.get(school=world.school, name="Attainment")
    client = client_for(world.users["leader"])
    url = reverse("report-band-set", args=[attainment.pk])
    page = client.get(url)
    keys = [b["key"] for b in page.context["doc"]["bands"]]
    from tests.reports.test_band_editor_structure import _form

    response = client.post(url, {**_form(client, attainment), "action": f"lower-{bad}"})
    assert response.status_code == 200
    assert [b["key"] for b in response.context["doc"]["bands"]] == keys
