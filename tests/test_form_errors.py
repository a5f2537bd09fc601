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
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import World
from tests.markup import id_problems
from trackwell.curriculum import scales
from trackwell.curriculum.models import Objective, RatingLevel

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
DRAWN_ERROR = re.compile(r'<span class="error"[^>]*\bid="[^"]+_error"')
INVALID_CHOICE = "Select a valid choice"


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
        # Sent back with its errors drawn (an element with an error's id, not only a
        # field's aria-describedby naming one), each where its field names it.
        assert DRAWN_ERROR.search(page), url
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


def _drawn(response, field_id: str, message: str) -> None:
    """The page shows `message` in the error its field `field_id` names, and nothing else
    on the page points at what is not there."""
    page = response.content.decode()
    drawn = re.search(rf'<span class="error"[^>]*\bid="{field_id}_error">([^<]*)</span>', page)
    assert drawn, (field_id, page[:2000])
    assert message in drawn.group(1)
    assert id_problems(page) == []


@pytest.mark.django_db
def test_a_choice_that_is_no_longer_there_is_named_beside_its_field(world: World) -> None:
    """Not only empty fields: choices gone between drawing a form and sending it (an
    objective archived, a level deleted), on forms whose errors were once not drawn."""
    client = Client()
    client.force_login(world.users["admin"])
    first, second = world.objectives[0], world.objectives[1]
    gone = Objective.objects.create(
        school=world.school,
        framework=world.framework,
        strand=first.strand,
        code="GONE",
        statement="Archived meanwhile",
        order=99,
    )
    Objective.objects.filter(pk=gone.pk).update(archived_at=timezone.now())
    merge = reverse("curriculum-framework-merge", args=[world.framework.pk])
    sent = client.post(
        merge, {"objectives": [first.pk, second.pk], "rule": "nonsense", "into": gone.pk}
    )
    _drawn(sent, "id_rule", INVALID_CHOICE)
    _drawn(sent, "id_into", INVALID_CHOICE)

    # Moving the framework to another scale, mapping a level to one that is not in it.
    leader = world.users["admin"]
    tick = scales.create_scale(user=leader, school=world.school, name="Tick", template="tick")
    rescale = reverse("curriculum-framework-scale", args=[world.framework.pk])
    old_levels = list(RatingLevel.objects.filter(scale=world.scale))
    mapping = {f"map_{level.pk}": old_levels[0].pk for level in old_levels}
    sent = client.post(rescale, {"scale": tick.pk, "preview": "1", **mapping})
    _drawn(sent, f"id_map_{old_levels[0].pk}", INVALID_CHOICE)

    # An intervention naming an objective archived since the form was drawn.
    senco = Client()
    senco.force_login(world.users["senco"])
    new = reverse("provision:intervention-new")
    hidden = dict(HIDDEN.findall(senco.get(new).content.decode()))
    sent = senco.post(new, {**hidden, "name": "Fractions group", "objectives": [gone.pk]})
    assert sent.status_code in (200, 400)
    _drawn(sent, "id_objectives", INVALID_CHOICE)


@pytest.mark.django_db
def test_signing_in_with_a_field_left_empty_says_which(world: World) -> None:
    client = Client()
    sent = client.post(reverse("login"), {"username": world.users["teacher"].username})
    _drawn(sent, "id_password", "This field is required.")
    # A field left empty is not a wrong password.
    assert "didn't match" not in sent.content.decode()
    sent = client.post(
        reverse("login"), {"username": world.users["teacher"].username, "password": "wrong"}
    )
    assert "didn't match" in sent.content.decode()
    assert id_problems(sent.content.decode()) == []


SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.S)


@pytest.mark.django_db
def test_a_long_form_sent_back_says_at_the_top_what_is_wrong_and_links_each_field(
    world: World,
) -> None:
    """Staff, pupil and intervention forms run past a screen: the fields' errors are
    listed where the page opens, each a link to a field that is on the page."""
    cases = [
        ("admin", reverse("people-staff-add")),
        ("admin", reverse("people-pupil-add")),
        ("senco", reverse("provision:intervention-new")),
    ]
    for persona, url in cases:
        client = Client()
        client.force_login(world.users[persona])
        hidden = dict(HIDDEN.findall(client.get(url).content.decode()))
        page = client.post(url, hidden).content.decode()
        summary = SUMMARY.search(page)
        assert summary, url
        assert "nothing was saved" in summary.group(0)
        links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>: ([^<]+)</li>', summary.group(0))
        assert links, url
        ids = set(re.findall(r'(?<![\w-])id="([^"]+)"', page))
        for target, label, message in links:
            assert target in ids, (url, target)
            assert label.strip(), (url, target)  # the field named, not only linked
            # The same message is beside the field itself.
            assert f'id="{target}_error">{message}</span>' in page, (url, target)
        assert id_problems(page) == []


@pytest.mark.django_db
def test_the_summary_links_a_list_of_boxes_to_its_first_box(world: World) -> None:
    """A list of boxes is drawn in a wrapper that takes no focus: the link goes to a box."""
    client = Client()
    client.force_login(world.users["admin"])
    url = reverse("people-staff-add")
    hidden = dict(HIDDEN.findall(client.get(url).content.decode()))
    sent = client.post(
        url,
        {
            **hidden,
            "first_name": "Ada",
            "last_name": "Byron",
            "email": "ada@example.org",
            "role": "teacher",
            "classes": ["99999999"],
        },
    )
    page = sent.content.decode()
    summary = SUMMARY.search(page)
    assert summary
    links = dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0)))
    assert list(links.values()) == ["Classes"]
    (target,) = links
    assert re.search(rf'<input type="checkbox" name="classes"[^>]*\bid="{target}"', page), target
    assert (
        page.count('role="alert"') == 1
    )  # the summary is announced; the field's error is read with it
