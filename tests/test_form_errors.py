"""A form sent back with errors still points a screen reader only at what is on the page.

Django 5.2 names a field's help text (`<id>_helptext`) and, once the field has an error,
its error (`<id>_error`) in the field's aria-describedby; the crawl sees only pages as
first drawn, so these forms are sent empty and drawn again with their errors.
"""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import World
from tests.markup import id_problems
from trackwell.curriculum.models import RatingLevel

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def _forms(world: World) -> list[tuple[str, str]]:
    level = RatingLevel.objects.filter(scale=world.scale).first()
    assert level is not None
    pupil = world.pupils_a[0]
    return [
        ("admin", reverse("people-staff-add")),
        ("admin", reverse("people-staff-edit", args=[world.users["teacher"].pk])),
        ("admin", reverse("people-pupil-add")),
        ("admin", reverse("people-pupil", args=[pupil.pk])),
        ("admin", reverse("people-pupil-leave", args=[pupil.pk])),
        ("admin", reverse("people-class-add")),
        ("admin", reverse("people-group-add")),
        ("admin", reverse("curriculum-subject-edit", args=[world.maths.pk])),
        ("admin", reverse("curriculum-framework-new")),
        ("admin", reverse("curriculum-level-edit", args=[level.pk])),
        ("senco", reverse("provision:intervention-new")),
    ]


@pytest.mark.django_db
def test_every_field_error_and_help_text_a_field_names_is_on_the_page(world: World) -> None:
    problems = []
    for persona, url in _forms(world):
        client = Client()
        client.force_login(world.users[persona])
        first = client.get(url)
        assert first.status_code == 200, url
        # Only the form's hidden fields (its version, say) sent back: the rest left empty.
        hidden = dict(HIDDEN.findall(first.content.decode()))
        response = client.post(url, hidden)
        # Drawn again with its errors (some pages answer 400, Bad Request, as they do).
        assert response.status_code in (200, 400), (url, response.status_code)
        page = response.content.decode()
        # Sent back with its errors, each error where its field names it.
        assert '_error"' in page, url
        problems += [f"{url} {problem}" for problem in id_problems(page)]
    assert problems == []


@pytest.mark.django_db
def test_setting_a_password_names_the_length_the_validators_ask_for(world: World, settings) -> None:
    user = world.users["teacher"]
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    client = Client()
    # Django moves the token into the session and sends the browser on to a fixed address.
    response = client.get(
        reverse(
            "password_reset_confirm",
            kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)},
        ),
        follow=True,
    )
    assert response.status_code == 200
    set_url = response.redirect_chain[-1][0]
    page = response.content.decode()
    assert "At least 12 characters" in page
    assert id_problems(page) == []
    # Two different passwords: each field's error and help drawn where the field points.
    sent = client.post(set_url, {"new_password1": "short", "new_password2": "other"})
    page = sent.content.decode()
    assert 'id="id_new_password2_error"' in page
    assert id_problems(page) == []
    # The wording follows the validators' setting (Django clears their cache when it moves).
    settings.AUTH_PASSWORD_VALIDATORS = [
        {**v, "OPTIONS": {"min_length": 15}} if v["NAME"].endswith("MinimumLengthValidator") else v
        for v in settings.AUTH_PASSWORD_VALIDATORS
    ]
    assert "At least 15 characters" in client.get(set_url).content.decode()
