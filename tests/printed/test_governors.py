"""The governors' pack: the screens' figures, small groups suppressed the same way, no names."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import World, make_pupils
from trackwell.printed.governors import governors_pack_context
from trackwell.printed.models import ReportRound
from trackwell.pupils.models import SchoolClass
from trackwell.reports.views import group_comparison_context, school_overview_context

pytestmark = pytest.mark.django_db


def _disadvantaged_year(world: World) -> None:
    from tests.analysis.helpers import judge, objectives

    y3 = objectives(world.framework)
    more = SchoolClass.objects.create(school=world.school, year=world.year, name="3 Elm", nc_year=3)
    for i, p in enumerate(make_pupils(world.school, more, 8, disadvantaged=True)):
        judge(world, p, y3[i % 3], "2")


def test_the_pack_shows_what_a_governor_sees_on_the_screens(
    world: World, report_round: ReportRound, client_for
) -> None:
    _disadvantaged_year(world)
    pack = governors_pack_context(world.school)
    overview = school_overview_context(world.school, suppress=True)
    groups, _ = group_comparison_context(world.school, overview["point"], "", suppress=True)
    assert [
        [(line["label"], line["hidden"], line["now"].total) for line in t["lines"]]
        for t in pack["tables"]
    ] == [
        [(line["label"], line["hidden"], line["now"].total) for line in t["lines"]]
        for t in overview["tables"]
    ]
    on_screen = {
        (b["subject"].pk, c.key): (c.suppressed, c.group, c.others)
        for b in groups
        for c in b["comparisons"]
    }
    in_pack = [
        (b["subject"].pk, c.key, c.suppressed, c.group, c.others)
        for b in pack["disadvantage"] + pack["sen"]
        for c in b["comparisons"]
    ]
    assert in_pack
    for subject, key, suppressed, group, others in in_pack:
        assert on_screen[(subject, key)] == (suppressed, group, others)
    # The governor's own group page agrees with the pack.
    page = client_for(world.users["governor"]).get(reverse("report-groups"))
    assert page.status_code == 200


def test_the_pack_pdf_names_no_pupil_and_says_how_small_groups_are_kept_out(
    world: World, report_round: ReportRound, client_for
) -> None:
    _disadvantaged_year(world)
    response = client_for(world.users["governor"]).get(reverse("printed:governors-pdf"))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())
    assert "Governors' pack" in text
    assert "Disadvantaged pupils and others" in text
    assert "Special educational needs" in text
    assert "fewer than 5 pupils" in text
    assert "Provision funded by the pupil premium" in text
    from trackwell.pupils.models import Pupil

    for pupil in Pupil.objects.filter(school=world.school):
        assert pupil.last_name not in text
        assert pupil.upn not in text
