"""The trust pages through the real views: what they show, suppression, and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.analysis.helpers import judge, objectives, point, teach, with_bands
from tests.factories import World, make_world
from tests.trust.conftest import TrustWorld
from trackwell.analysis.evaluation import point_results
from trackwell.analysis.services import close_point
from trackwell.core.models import AssessmentPoint, School, Trust
from trackwell.pupils.models import Pupil, Sex
from trackwell.reports.trust import load_trust, trust_overview

pytestmark = pytest.mark.django_db


def _rate(world: World) -> None:
    """Some teaching and ratings in class A, an autumn point closed and spring open."""
    y3 = objectives(world.framework)
    teach(world, y3[:4])
    for i, p in enumerate(world.pupils_a + world.pupils_b):
        for o in y3[: 1 + i % 4]:
            judge(world, p, o, "3" if i % 3 == 0 else "2")
    AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Spring", date="2027-03-26"
    )
    close_point(user=world.users["leader"], point=point(world))


def _add_school(trust: Trust, name: str) -> World:
    world = with_bands(make_world(name, pupils_per_class=7, trust=trust))
    _rate(world)
    return world


def _queries(client, url: str, data: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_overview_query_count_is_the_same_for_two_and_four_schools(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    client = client_for(tw.leader)
    small = _queries(client, reverse("report-trust"))
    small_groups = _queries(client, reverse("report-trust-groups"))
    _add_school(tw.trust, "Gamma Primary")
    _add_school(tw.trust, "Delta Primary")
    html = client.get(reverse("report-trust")).content.decode()
    assert "Gamma Primary" in html and "Delta Primary" in html
    assert _queries(client, reverse("report-trust")) == small
    assert _queries(client, reverse("report-trust-groups")) == small_groups


def test_overview_shows_each_school_by_subject_now_and_at_closed_points(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    response = client_for(tw.leader).get(reverse("report-trust"))
    html = response.content.decode()
    assert "Maths: each school's pupils, figures and attainment bands" in html
    assert '<svg role="img" aria-label="Stacked bars: the share of pupils' in html
    assert "<script" not in html.split("<main", 1)[1]
    assert reverse("report-trust-school", args=[tw.alpha.school.pk]) in html
    assert "Autumn</strong>:" in html  # the closed point's bands
    # No pupil, class or grid links for a trust leader.
    assert "/pupils/" not in html and "/classes/" not in html
    tables = response.context["tables"]
    (maths,) = tables
    alpha, beta = maths.lines
    assert (alpha.school, beta.school) == (tw.alpha.school, tw.beta.school)
    assert alpha.figures.pupils == 8 and beta.figures.pupils == 9
    assert alpha.now is not None and alpha.now.total == 8
    assert alpha.history and alpha.history[0]["cells"]
    assert alpha.figures.coverage is not None and alpha.figures.secure is not None


def test_overview_figures_are_means_over_pupils(trust_world: TrustWorld) -> None:
    tw = trust_world
    _rate(tw.alpha)
    loaded = load_trust([tw.alpha.school])
    (maths,) = trust_overview(loaded, suppress=True)
    (line,) = maths.lines
    rows = [r for r in loaded[0].rows() if r.subject_id == tw.alpha.maths.pk]
    secure = [r.figures["pct_secure_of_year"] for r in rows]
    assert line.figures.secure == round(sum(s for s in secure if s is not None) / len(rows), 1)


def test_small_schools_and_year_groups_are_suppressed_and_say_so(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    tw.beta.school.min_group_size = 10  # Beta tracks 9 pupils in maths
    tw.beta.school.save()
    client = client_for(tw.leader)
    response = client.get(reverse("report-trust"))
    html = response.content.decode()
    assert "fewer than 10 pupils: not shown" in html
    assert "minimum group size" in html
    (maths,) = response.context["tables"]
    alpha, beta = maths.lines
    assert not alpha.hidden and beta.hidden
    assert beta.history[0]["hidden"] and not beta.history[0]["cells"]
    # Only Alpha is drawn in the chart.
    chart = str(maths.chart)
    assert "Alpha Primary" in chart and "Beta Primary" not in chart

    school = client.get(reverse("report-trust-school", args=[tw.beta.school.pk]))
    text = school.content.decode()
    assert "fewer than 10 pupils: not shown" in text
    assert "Groups of fewer than 10 pupils are not shown." in text
    assert "shared gaps" not in text  # no links into pupil-level pages
    assert f"{reverse('report-trust-groups')}?school={tw.beta.school.pk}" in text

    groups = client.get(reverse("report-trust-groups"), {"school": tw.beta.school.pk})
    assert "fewer than 10 pupils: not shown" in groups.content.decode()
    assert all(c.suppressed for b in groups.context["blocks"] for c in b.comparisons)


def test_trust_school_overview_reuses_the_school_overview(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    _rate(tw.alpha)
    trust_view = client_for(tw.leader).get(
        reverse("report-trust-school", args=[tw.alpha.school.pk])
    )
    governor = client_for(tw.alpha.users["governor"]).get(reverse("report-school"))
    assert trust_view.status_code == governor.status_code == 200
    assert trust_view.context["suppress"] and not trust_view.context["sees_pupils"]
    assert "Alpha Primary: school overview" in trust_view.content.decode()
    assert "← Trust overview" in trust_view.content.decode()
    # The same year group lines as the school's own (suppressed) page.
    lines = [
        [(line["label"], line["hidden"], line["now"].counts) for line in t["lines"]]
        for t in trust_view.context["tables"]
    ]
    assert lines == [
        [(line["label"], line["hidden"], line["now"].counts) for line in t["lines"]]
        for t in governor.context["tables"]
    ]


def test_group_comparison_across_the_trust_uses_the_largest_minimum(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    tw.alpha.school.min_group_size = 7
    tw.alpha.school.save()
    client = client_for(tw.leader)
    # Alpha has 3 girls and 5 boys, Beta 4 and 5. Neither school's own view shows
    # its girls, so nothing can be taken away from the trust-wide 7 girls: the
    # trust-wide line is shown, and each school's share stays unknown (docs/trust.md).
    response = client.get(reverse("report-trust-groups"))
    (maths,) = response.context["blocks"]
    girls = next(c for c in maths.comparisons if c.key == "female")
    assert not girls.suppressed and (girls.group.pupils, girls.others.pupils) == (7, 10)
    for world in (tw.alpha, tw.beta):
        own = client.get(reverse("report-trust-groups"), {"school": world.school.pk})
        (own_maths,) = own.context["blocks"]
        assert next(c for c in own_maths.comparisons if c.key == "female").suppressed
    # Alpha's 8 pupils all girls and Beta's 9 all boys: every school's share of each
    # side is none or at least its minimum.
    Pupil.objects.filter(school=tw.alpha.school).update(sex=Sex.FEMALE)
    Pupil.objects.filter(school=tw.beta.school).update(sex=Sex.MALE)
    response = client.get(reverse("report-trust-groups"))
    assert response.context["min_size"] == 7
    (maths,) = response.context["blocks"]
    girls = next(c for c in maths.comparisons if c.key == "female")
    assert girls.group.pupils + girls.others.pupils == 17  # both schools' pupils
    assert girls.min_size == 7
    assert not girls.suppressed  # 8 girls and 9 boys
    ehcp = next(c for c in maths.comparisons if c.key == "ehcp")
    assert ehcp.suppressed
    html = response.content.decode()
    assert "fewer than 7 pupils: not shown" in html
    assert "largest of the schools" in html
    # School-defined groups only appear in one school's view.
    assert not any(c.key.startswith("group-") for c in maths.comparisons)
    one = client.get(reverse("report-trust-groups"), {"school": tw.alpha.school.pk, "year": 3})
    (alpha_maths,) = one.context["blocks"]
    girls = next(c for c in alpha_maths.comparisons if c.key == "female")
    assert girls.group.pupils + girls.others.pupils == 8


def test_home_and_navigation_for_a_trust_leader(trust_world: TrustWorld, client_for) -> None:
    tw = trust_world
    html = client_for(tw.leader).get(reverse("home")).content.decode()
    nav = html.split('<nav aria-label="Main menu">', 1)[1].split("</nav>", 1)[0]
    for text in ["Trust overview", "Group comparison", "Trust frameworks", "Change password"]:
        assert text in nav
    for text in ["My classes", "School overview", "Band rules", "Curriculum<"]:
        assert text not in nav
    assert reverse("report-trust") in html
    assert "Alpha Primary" in html and "Beta Primary" in html
    assert "Elsewhere Academy" not in html
    assert tw.trust.name in html
    # School staff keep their navigation.
    staff = client_for(tw.alpha.users["leader"]).get(reverse("home")).content.decode()
    assert "My classes" in staff and "Trust overview" not in staff


def test_the_demo_trust_leader_sees_the_demo_trust(client_for) -> None:
    from trackwell.accounts.models import User
    from trackwell.demo.generator import DemoOptions, generate

    result = generate(DemoOptions(schools=2, pupils_per_class=3))
    leader = User.objects.get(username="trustlead")
    client = client_for(leader)
    response = client.get(reverse("report-trust"))
    assert response.status_code == 200
    names = [t.name for t in response.context["tables"]]
    assert names == ["Maths", "Reading", "Writing", "Science"]
    lines = [line for t in response.context["tables"] for line in t.lines]
    for school in result.schools:
        page = client.get(reverse("report-trust-school", args=[school.pk]))
        # Three pupils a class: every year group is below the minimum of 5 and suppressed.
        assert all(line["hidden"] for t in page.context["tables"] for line in t["lines"])
    # A school's line counts only the year groups its own page shows: here none.
    assert len(lines) == 8 and all(line.hidden and not line.now for line in lines)
    School.objects.filter(pk__in=[s.pk for s in result.schools]).update(min_group_size=3)
    response = client.get(reverse("report-trust"))
    lines = [line for t in response.context["tables"] for line in t.lines]
    assert len(lines) == 8 and not any(line.hidden for line in lines)
    assert all(line.figures.pupils >= 5 and line.now.total for line in lines)
    assert client.get(reverse("report-trust-groups")).status_code == 200
    assert client.get(reverse("curriculum-trust")).status_code == 200

    # Reading the schools together gives what each school's own reading gives.
    together = load_trust(result.schools)
    for t in together:
        assert t.year is not None and t.results is not None
        alone = point_results(t.year.point)
        assert alone.rows.keys() == t.results.rows.keys()
        for key, row in alone.rows.items():
            other = t.results.rows[key]
            assert row.figures == other.figures
            assert row.starting_point == other.starting_point
            assert {k: b.shown.pk for k, b in row.bands.items()} == {
                k: b.shown.pk for k, b in other.bands.items()
            }


def test_every_trust_page_costs_the_same_queries_for_two_and_four_schools(
    trust_world: TrustWorld, client_for
) -> None:
    """Issue 15: trust pages linear in the schools, their query counts constant."""
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    client = client_for(tw.leader)
    pages: list[tuple[str, dict]] = [
        (reverse("report-trust"), {}),
        (reverse("report-trust-groups"), {}),
        (reverse("report-trust-groups"), {"school": tw.alpha.school.pk}),
        (reverse("report-trust-groups"), {"school": tw.alpha.school.pk, "year": 3}),
        (reverse("report-trust-school", args=[tw.alpha.school.pk]), {}),
        (reverse("provision:trust"), {}),
        (reverse("scores:trust-prior"), {}),
        (reverse("curriculum-trust"), {}),
    ]
    before = [_queries(client, url, data) for url, data in pages]
    _add_school(tw.trust, "Gamma Primary")
    _add_school(tw.trust, "Delta Primary")
    after = [_queries(client, url, data) for url, data in pages]
    assert after == before
