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


def _pp_intervention(world: World, pupils, **plan):
    from datetime import timedelta

    from django.utils import timezone

    from trackwell.provision import services as provision

    today = timezone.localdate()
    return provision.create_intervention(
        user=world.users["senco"],
        school=world.school,
        name=plan.pop("name", "Number sense group"),
        area=plan.pop("area", "academic"),
        subject_id=world.maths.pk,
        start_date=today - timedelta(days=20),
        end_date=today + timedelta(days=20),
        status="running",
        resources_cost=120,
        funding=plan.pop("funding", {"pupil_premium": 100}),
        pupil_ids=[p.pk for p in pupils],
        **plan,
    )


def test_the_pupil_premium_provision_section_counts_with_small_groups_hidden(
    world: World, report_round: ReportRound, client_for
) -> None:
    from trackwell.provision.models import Participant
    from trackwell.pupils.models import Pupil

    _disadvantaged_year(world)
    fir = SchoolClass.objects.create(school=world.school, year=world.year, name="3 Fir", nc_year=3)
    make_pupils(world.school, fir, 5, disadvantaged=True)
    disadvantaged = list(Pupil.objects.filter(school=world.school, disadvantaged=True))
    assert len(disadvantaged) == 13
    others = [p for p in world.pupils_a[:2]]
    intervention = _pp_intervention(world, disadvantaged[:8] + others)
    _pp_intervention(world, others, name="Talk time", area="communication", funding={})
    # A disadvantaged pupil alone in provision the premium did not pay for: its kind must
    # not appear, or governors learn that someone in that small group is disadvantaged.
    _pp_intervention(
        world,
        [disadvantaged[0]],
        name="Sensory circuit",
        area="sensory",
        funding={"sen_notional": 100},
    )
    # Outcomes recorded for all eight disadvantaged pupils in it; two met their target.
    for n, pupil in enumerate(disadvantaged[:8]):
        Participant.objects.filter(intervention=intervention, pupil=pupil).update(
            outcome="met" if n < 2 else "partly"
        )
    pp = governors_pack_context(world.school)["provision"]
    assert pp is not None and pp.minimum == 5
    assert pp.on_roll == 13
    assert pp.in_provision == 8  # 13 - 8 = 5 not in provision: big enough to show
    assert pp.with_outcome == 8
    assert pp.met is None and "pp-met" in pp.hidden  # two pupils: too few to show
    assert [(k.label, k.interventions, k.funded_by_pp) for k in pp.kinds] == [
        ("Academic: Maths", 1, 1)
    ]  # neither "Talk time" nor "Sensory circuit" was paid for from the premium
    assert pp.pp_planned >= 120

    page = client_for(world.users["governor"]).get(reverse("printed:governors"))
    html = page.content.decode()
    assert "Of them, in at least one intervention" in html and "hidden (a small group)" in html
    response = client_for(world.users["governor"]).get(reverse("printed:governors-pdf"))
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())
    assert "Provision funded by the pupil premium" in text
    assert "Academic: Maths" in text and "hidden (a small group)" in text
    assert "Not yet available" not in text
    for pupil in Pupil.objects.filter(school=world.school):
        assert pupil.last_name not in text
    assert "Number sense group" not in text  # kinds, not named groups


def test_a_small_number_of_disadvantaged_pupils_in_provision_is_hidden(
    world: World, report_round: ReportRound
) -> None:
    from trackwell.pupils.models import Pupil

    _disadvantaged_year(world)
    disadvantaged = list(Pupil.objects.filter(school=world.school, disadvantaged=True))
    _pp_intervention(world, disadvantaged[:3])
    pp = governors_pack_context(world.school)["provision"]
    assert pp is not None
    assert pp.in_provision is None and pp.on_roll == 8
    assert "pp-in-provision" in pp.hidden


def test_a_count_that_subtraction_would_give_away_is_hidden(
    world: World, report_round: ReportRound
) -> None:
    from trackwell.pupils.models import Pupil

    _disadvantaged_year(world)
    disadvantaged = list(Pupil.objects.filter(school=world.school, disadvantaged=True))
    _pp_intervention(world, disadvantaged[:6])
    pp = governors_pack_context(world.school)["provision"]
    assert pp is not None and pp.on_roll == 8
    # Six is big enough alone, but 8 - 6 would name the two left out.
    assert pp.in_provision is None and pp.hidden["pp-in-provision"] == "derivable"
