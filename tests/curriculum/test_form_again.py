"""A curriculum form sent with a mistake, or refused by the service (a name taken, say),
comes back with each field's error and what was typed kept, rather than a redirect to
the page it came from with one general message; sent again, corrected, from the page it
came back on, it saves."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World
from tests.markup import id_problems
from trackwell.curriculum import scales
from trackwell.curriculum.models import Objective, RatingLevel, RatingScale, Strand, Subject

REQUIRED = "This field is required."
FORM = re.compile(r'<form method="post" class="cur-form"([^>]*)>')


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


def _again(client: Client, url: str, page: str, data: dict):
    """The form on the page drawn again, sent as a browser sends it: to its action, or
    with none to the address the page was drawn at."""
    found = FORM.search(page)
    assert found, "no form on the page"
    action = re.search(r'action="([^"]*)"', found.group(1))
    return client.post(action.group(1) if action else url, data)


@pytest.mark.django_db
def test_a_new_subject_without_a_name_is_refused_beside_its_field(world: World) -> None:
    client = _client(world)
    url = reverse("curriculum-subject-new")
    before = Subject.objects.count()
    page = _sent_back(client.post(url, {"name": "   "}), REQUIRED, "<h1>New subject</h1>")
    assert 'id="id_name_error"' in page
    assert Subject.objects.count() == before
    assert _again(client, url, page, {"name": "Geography"}).status_code == 302
    assert Subject.objects.filter(school=world.school, name="Geography").exists()


@pytest.mark.django_db
def test_a_subject_name_already_taken_comes_back_with_the_name_typed(world: World) -> None:
    client = _client(world)
    url = reverse("curriculum-subject-new")
    page = _sent_back(
        client.post(url, {"name": world.maths.name}),
        f"There is already a subject called {world.maths.name}",
        f'value="{world.maths.name}"',
    )
    assert _again(client, url, page, {"name": "Maths (mastery)"}).status_code == 302
    assert Subject.objects.filter(school=world.school, name="Maths (mastery)").exists()


@pytest.mark.django_db
def test_a_new_strand_without_a_name_keeps_and_then_saves_what_was_typed(world: World) -> None:
    client = _client(world)
    url = reverse("curriculum-strand-new", args=[world.framework.pk])
    before = Strand.objects.filter(framework=world.framework).count()
    typed = {"code": "NPV", "statement": "Counting in steps of two, five and ten"}
    page = _sent_back(
        client.post(url, {"name": "", **typed}),
        REQUIRED,
        "Counting in steps of two, five and ten",
        'value="NPV"',
    )
    assert 'id="id_name_error"' in page
    assert Strand.objects.filter(framework=world.framework).count() == before
    # Every field the page offers is kept when it saves: none is there only for show.
    assert _again(client, url, page, {"name": "Number", **typed}).status_code == 302
    strand = Strand.objects.get(framework=world.framework, name="Number")
    assert (strand.code, strand.statement) == ("NPV", typed["statement"])


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
    sent = _again(client, url, page, {"code": "Y3-NEW", "statement": "Count in fours"})
    assert sent.status_code == 302
    assert Objective.objects.filter(strand=strand, code="Y3-NEW").exists()


@pytest.mark.django_db
def test_an_objective_code_already_taken_keeps_the_statement_typed(world: World) -> None:
    client = _client(world)
    taken = world.objectives[0]
    url = reverse("curriculum-objective-new", args=[taken.strand_id])
    statement = "Recall multiplication facts for the 3 times table"
    page = _sent_back(client.post(url, {"code": taken.code, "statement": statement}), statement)
    assert taken.code in page and "already" in page
    assert Objective.objects.filter(framework=world.framework, statement=statement).count() == 0


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
    sent = _again(client, url, page, {"code": "WTS", "label": "Working towards"})
    assert sent.status_code == 302
    assert RatingLevel.objects.filter(scale=world.scale, code="WTS").exists()


@pytest.mark.django_db
def test_renaming_a_scale_to_nothing_keeps_its_name_and_still_checks_the_version(
    world: World,
) -> None:
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
    # Someone else renames the scale meanwhile: the corrected form is a conflict, not a save.
    scales.update_scale(
        user=world.users["admin"],
        scale=scale,
        expected_version=version,
        name="Depth (theirs)",
        description="",
        secure_from=None,
        greater_depth_from=None,
    )
    sent = _again(client, url, page, {"version": version, "name": "Depth (mine)"})
    assert sent.status_code == 409
    scale.refresh_from_db()
    assert scale.name == "Depth (theirs)"


@pytest.mark.django_db
def test_a_scale_name_already_taken_comes_back_with_what_was_typed(world: World) -> None:
    client = _client(world)
    other = scales.create_scale(
        user=world.users["admin"], school=world.school, name="Tick", template="tick"
    )
    scale = world.scale
    url = reverse("curriculum-scale-edit", args=[scale.pk])
    page = _sent_back(
        client.post(
            url, {"version": scale.version, "name": other.name, "description": "Kept words"}
        ),
        "There is already a scale called Tick",
        "Kept words",
    )
    assert f'name="version" value="{scale.version}"' in page


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
    assert "Reasons with fractions" not in str(level.subject_descriptors)
    sent = _again(
        client, url, page, {"subject": world.maths.pk, "descriptor": "Reasons with fractions"}
    )
    assert sent.status_code == 302
    level.refresh_from_db()
    assert level.subject_descriptors[str(world.maths.pk)]["descriptor"] == "Reasons with fractions"


@pytest.mark.django_db
def test_a_level_code_already_used_keeps_the_wording_typed(world: World) -> None:
    client = _client(world)
    level = RatingLevel.objects.filter(scale=world.scale).first()
    assert level is not None
    url = reverse("curriculum-level-new", args=[world.scale.pk])
    sent = client.post(url, {"code": level.code, "label": "Mastered", "descriptor": "Explains why"})
    _sent_back(sent, f"The code {level.code} is already used on this scale", "Explains why")
    assert not RatingLevel.objects.filter(scale=world.scale, label="Mastered").exists()
