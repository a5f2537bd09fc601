"""The teacher's judgement of progress shown beside the suggested bands (issue 11 item 6)."""

import pytest
from django.urls import reverse

from tests.analysis.helpers import point, with_bands
from tests.factories import World
from trackwell.scores import prior

pytestmark = pytest.mark.django_db


def _judge(world: World) -> None:
    good, not_yet = world.pupils_a[0], world.pupils_a[1]
    prior.save_progress_judgements(
        user=world.users["teacher"],
        school_class=world.class_a,
        subject=world.maths,
        point=point(world),
        entries=[
            prior.JudgementInput(good.pk, True, "Reads fluently now", 0),
            prior.JudgementInput(not_yet.pk, False, "Missed much of the term", 0),
        ],
    )


def test_class_overview_shows_the_teachers_word_with_its_reason(world: World, client_for) -> None:
    with_bands(world)
    _judge(world)
    page = client_for(world.users["teacher"]).get(reverse("report-class", args=[world.class_a.pk]))
    text = page.content.decode()
    assert "Teacher: good progress" in text and "Reads fluently now" in text
    assert "Teacher: not yet" in text and "Missed much of the term" in text
    assert text.count("Teacher: ") == 2  # pupils not judged show nothing of the kind


def test_school_overview_counts_pupils_judged_making_good_progress(
    world: World, client_for
) -> None:
    with_bands(world)
    leader = client_for(world.users["leader"])
    assert "Teacher says good progress" not in leader.get(reverse("report-school")).content.decode()
    _judge(world)
    text = leader.get(reverse("report-school")).content.decode()
    assert "Teacher says good progress" in text
    assert "1 of 2 judged" in text
    assert "on their class's overview and progress page" in text
    governor = client_for(world.users["governor"]).get(reverse("report-school")).content.decode()
    assert "Reads fluently now" not in governor


def test_school_overview_flags_pupils_without_a_starting_point(world: World, client_for) -> None:
    from trackwell.analysis.models import StartingPoint
    from trackwell.analysis.services import set_starting_point

    with_bands(world)  # the default attainment rules expect more of 'secure-last-year'
    leader = client_for(world.users["leader"])
    page = leader.get(reverse("report-school"))
    maths = next(t for t in page.context["tables"] if t["subject"] == world.maths)
    tracked = maths["no_start"]
    assert tracked > 0
    assert f"{tracked} pupils have no starting point in Maths this year" in page.content.decode()
    set_starting_point(
        user=world.users["leader"],
        pupil=world.pupils_a[0],
        subject=world.maths,
        year_id=world.year.pk,
        starting_point=StartingPoint.objects.get(school=world.school, key="secure-last-year"),
    )
    again = leader.get(reverse("report-school"))
    maths = next(t for t in again.context["tables"] if t["subject"] == world.maths)
    assert maths["no_start"] == tracked - 1
    governor = client_for(world.users["governor"]).get(reverse("report-school"))
    assert "no starting point" not in governor.content.decode()  # a leader's to act on
