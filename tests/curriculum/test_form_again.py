"""A curriculum form sent with a mistake comes back with each field's own error, and
what was typed kept, rather than a redirect to the page it came from with one general
message; sent again, corrected, from the page it came back on, it saves."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World
from tests.markup import id_problems
from trackwell.curriculum.models import Objective, RatingLevel, RatingScale, Strand, Subject

REQUIRED = "This field is required."


def _client(world: World) -> Client:
    client = Client()
    client.force_login(world.users["admin"])
    return client


def _sent_back(response, *texts: str) -> str:
    assert response.status_code == 400
    page = response.content.decode()
    for text in texts:
        assert text in page, text
    assert id_problems(page) == []
    return page


@pytest.mark.django_db
def test_a_new_subject_without_a_name_is_refused_beside_its_field(world: World) -> None:
    client = _client(world)
    url = reverse("curriculum-subject-new")
    before = Subject.objects.count()
    page = _sent_back(client.post(url, {"name": "   "}), REQUIRED, "<h1>New subject</h1>")
    assert 'id="id_name_error"' in page
    assert Subject.objects.count() == before
    # The page it came back on sends to the same address: corrected, it saves.
    assert client.post(url, {"name": "Geography"}).status_code == 302
    assert Subject.objects.filter(school=world.school, name="Geography").exists()


@pytest.mark.django_db
def test_a_new_strand_without_a_name_keeps_what_was_typed(world: World) -> None:
    client = _client(world)
    url = reverse("curriculum-strand-new", args=[world.framework.pk])
    before = Strand.objects.filter(framework=world.framework).count()
    page = _sent_back(
        client.post(url, {"name": "", "code": "NPV", "statement": "Counting in steps"}),
        REQUIRED,
        "Counting in steps",
        'value="NPV"',
    )
    assert 'id="id_name_error"' in page
    assert Strand.objects.filter(framework=world.framework).count() == before


@pytest.mark.django_db
def test_a_new_objective_without_a_statement_names_that_field(world: World) -> None:
    client = _client(world)
    strand = world.objectives[0].strand
    url = reverse("curriculum-objective-new", args=[strand.pk])
    before = Objective.objects.filter(strand=strand).count()
    page = _sent_back(
        client.post(url, {"code": "Y3-NEW", "statement": " ", "tags": "revisit"}),
        REQUIRED,
        'value="Y3-NEW"',
        'value="revisit"',
    )
    assert 'id="id_statement_error"' in page
    assert 'id="id_code_error"' not in page
    # A new objective is added to the strand it was asked for: no strand to move it to.
    assert 'name="strand"' not in page
    assert Objective.objects.filter(strand=strand).count() == before
    response = client.post(url, {"code": "Y3-NEW", "statement": "Count in fours", "tags": ""})
    assert response.status_code == 302
    assert Objective.objects.filter(strand=strand, code="Y3-NEW").exists()


@pytest.mark.django_db
def test_a_new_level_with_too_long_a_code_says_how_long_it_may_be(world: World) -> None:
    client = _client(world)
    url = reverse("curriculum-level-new", args=[world.scale.pk])
    before = RatingLevel.objects.filter(scale=world.scale).count()
    page = _sent_back(
        client.post(url, {"code": "WTSX", "label": "Working towards"}),
        "at most 3 characters",
        'value="Working towards"',
    )
    assert 'id="id_code_error"' in page
    assert RatingLevel.objects.filter(scale=world.scale).count() == before


@pytest.mark.django_db
def test_renaming_a_scale_to_nothing_keeps_its_name_and_says_why(world: World) -> None:
    client = _client(world)
    scale = world.scale
    name, version = scale.name, scale.version
    url = reverse("curriculum-scale-edit", args=[scale.pk])
    page = _sent_back(
        client.post(url, {"version": version, "name": "", "description": "Our own words"}),
        REQUIRED,
        "Our own words",
        f"<h1>Edit {name}</h1>",
    )
    assert 'id="id_name_error"' in page
    # The version seen is sent back with the form, so saving it again is checked as before.
    assert f'name="version" value="{version}"' in page
    scale.refresh_from_db()
    assert (scale.name, scale.version) == (name, version)
    assert RatingScale.objects.filter(pk=scale.pk, description="Our own words").count() == 0


@pytest.mark.django_db
def test_a_subjects_wording_for_a_level_without_a_subject_is_refused(world: World) -> None:
    client = _client(world)
    level = RatingLevel.objects.filter(scale=world.scale).first()
    assert level is not None
    url = reverse("curriculum-level-descriptor", args=[level.pk])
    page = _sent_back(
        client.post(url, {"subject": "", "descriptor": "Reasons with fractions"}),
        REQUIRED,
        "Reasons with fractions",
    )
    assert 'id="id_subject_subject_error"' in page
    level.refresh_from_db()
    assert not any(
        "Reasons with fractions" in str(v) for v in (level.subject_descriptors or {}).values()
    )
