"""The school overview's first screen, its point choice, and the pupil page at a glance."""

import re

import pytest
from django.urls import reverse

from tests.analysis.helpers import judge, objectives, point, teach, with_bands
from tests.factories import World
from trackwell.analysis.services import close_point
from trackwell.core.models import AssessmentPoint

pytestmark = pytest.mark.django_db


def _autumn_then_spring(world: World) -> AssessmentPoint:
    """Autumn closed with few pupils secure; Spring open with more."""
    with_bands(world)
    y3 = objectives(world.framework)
    teach(world, y3)
    for p in world.pupils_a:
        for o in y3:
            judge(world, p, o, "1")
    spring = AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Spring", date="2027-03-26"
    )
    close_point(user=world.users["leader"], point=point(world))
    for p in world.pupils_a[:3]:
        for o in y3:
            judge(world, p, o, "3")
    return spring


def test_the_first_screen_says_how_we_are_doing_and_the_change(world: World, client_for) -> None:
    _autumn_then_spring(world)
    response = client_for(world.users["leader"]).get(reverse("report-school"))
    ((row,),) = [[r for r in response.context["summary"] if r["subject"] == world.maths]]
    (cell,) = row["cells"]
    assert cell["state"] == "shown"
    assert cell["now"] is not None and cell["change"] is not None
    assert (
        cell["change"] == cell["now"] - response.context["tables"][0]["lines"][0]["meeting_before"]
    )
    assert cell["change"] > 0  # three pupils moved up since Autumn
    html = response.content.decode()
    assert "How we are doing at Spring" in html and "change since Autumn" in html
    assert f"up {cell['change']}" in html
    # Subjects fold below the summary.
    assert '<details class="subject-block" id="subj-' in html


def test_an_earlier_point_can_be_chosen(world: World, client_for) -> None:
    _autumn_then_spring(world)
    autumn = point(world)
    client = client_for(world.users["leader"])
    response = client.get(reverse("report-school"), {"point": autumn.pk})
    assert response.context["point"] == autumn
    assert response.context["closed"] == [] and response.context["previous"] is None
    assert "How we are doing at Autumn" in response.content.decode()
    # Another school's point, or nonsense, falls back to the current point.
    assert client.get(reverse("report-school"), {"point": "x"}).context["point"].name == "Spring"
    assert client.get(reverse("report-school"), {"point": 99999}).context["point"].name == "Spring"


def test_governors_see_small_groups_hidden_in_the_summary_too(world: World, client_for) -> None:
    _autumn_then_spring(world)
    world.school.min_group_size = 10
    world.school.save()
    response = client_for(world.users["governor"]).get(reverse("report-school"))
    ((cell,),) = [r["cells"] for r in response.context["summary"]]
    assert cell == {"state": "hidden"}
    assert "not shown" in response.content.decode()


def test_the_pupil_page_shows_every_subject_at_a_glance_with_detail_folded(
    world: World, client_for
) -> None:
    _autumn_then_spring(world)
    pupil = world.pupils_a[0]
    html = (
        client_for(world.users["teacher"])
        .get(reverse("report-pupil", args=[pupil.pk]))
        .content.decode()
    )
    assert f"{pupil.first_name} at a glance" in html
    assert '<details class="subject-block">' in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "every id on the page is unique"
