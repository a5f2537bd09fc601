"""Suppression on the trust pages cannot be undone by subtracting one figure from another.

Each test is a review's reproduction turned round: it takes two figures the pages
show and checks that their difference is not the figure of a hidden group.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.analysis.helpers import judge, objectives
from tests.factories import World, make_framework, make_pupils
from tests.trust.conftest import TrustWorld
from tests.trust.test_pages import _add_school, _rate
from trackwell.analysis.groups import Comparison
from trackwell.core.models import School
from trackwell.pupils.models import Pupil, SchoolClass, SenStatus, Sex

pytestmark = pytest.mark.django_db


def _year_class(world: World, nc_year: int, pupils: int) -> list[Pupil]:
    """A class of `nc_year` with its maths framework, each pupil with a few ratings."""
    framework = make_framework(world.school, world.maths, world.scale, nc_year, 5)
    school_class = SchoolClass.objects.create(
        school=world.school, year=world.year, name=f"{nc_year} Elm", nc_year=nc_year
    )
    made = make_pupils(world.school, school_class, pupils)
    for i, p in enumerate(made):
        for o in objectives(framework)[: 1 + i % 5]:
            judge(world, p, o, "3" if i % 2 else "2")
    return made


def _comparisons(response) -> dict[str, Comparison]:
    (block,) = response.context["blocks"]
    return {c.key: c for c in block.comparisons}


def _assert_nothing_hidden_by_difference(
    whole: dict[str, Comparison], part: dict[str, Comparison], minimum: int
) -> None:
    """Where both pages show a group, their difference is none or at least the minimum."""
    for key, c in whole.items():
        other = part[key]
        if c.suppressed or other.suppressed:
            continue
        for left in (c.group.pupils - other.group.pupils, c.others.pupils - other.others.pupils):
            assert left == 0 or left >= minimum, (key, c, other)


def test_a_schools_line_is_the_sum_of_the_year_groups_its_page_shows(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    alpha = tw.alpha
    _year_class(alpha, 4, 3)  # Year 4: 3 pupils, hidden on Alpha's page
    year5 = _year_class(alpha, 5, 3)  # Year 5: 3 pupils at autumn ...
    _rate(alpha)  # closes autumn
    year5_class = SchoolClass.objects.get(school=alpha.school, nc_year=5)
    make_pupils(alpha.school, year5_class, 3)  # ... and 6 now
    assert len(year5) == 3
    client = client_for(tw.leader)

    overview = client.get(reverse("report-trust"))
    (maths,) = overview.context["tables"]
    line = next(line for line in maths.lines if line.school == alpha.school)
    page = client.get(reverse("report-trust-school", args=[alpha.school.pk]))
    (table,) = page.context["tables"]
    by_year = {year_line["nc_year"]: year_line for year_line in table["lines"]}
    assert [by_year[n]["hidden"] for n in (3, 4, 5)] == [False, True, False]

    # Now: the school's line is Year 3 and Year 5, nothing of the hidden Year 4.
    visible = [year_line for year_line in table["lines"] if not year_line["hidden"]]
    assert not line.hidden and line.partial
    assert line.figures.pupils == sum(v["now"].total for v in visible) == 8 + 6
    assert line.now is not None
    for band_id, n in line.now.counts.items():
        assert n == sum(v["now"].counts.get(band_id, 0) for v in visible)

    # Autumn: Year 5's record of 3 pupils is hidden on Alpha's page, and says so ...
    autumn = by_year[5]["history"][0]
    assert autumn["hidden"] and not autumn["cells"]
    row = page.content.decode().split('<th scope="row">Year 5</th>', 1)[1].split("</tr>", 1)[0]
    assert "fewer than 5 pupils: not shown" in row and "no record" not in row
    # ... so the school's autumn line is Year 3's alone.
    year3_autumn = {band.pk: n for band, n, _ in by_year[3]["history"][0]["cells"]}
    assert {band.pk: n for band, n, _ in line.history[0]["cells"]} == year3_autumn

    html = overview.content.decode()
    assert "some small year groups are not counted" in html
    assert f'<td class="num">{8 + 3 + 6}' not in html  # the whole subject's total is not shown


def test_a_schools_groups_minus_one_year_group_reveal_no_other_year_group(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    alpha = tw.alpha
    alpha.school.min_group_size = 3
    alpha.school.save()
    # Year 3: 3 girls and 5 boys. Year 4: 2 girls (hidden on its own) and 4 boys.
    year4 = _year_class(alpha, 4, 6)
    Pupil.objects.filter(pk=year4[1].pk).update(sex=Sex.MALE)
    _year_class(alpha, 5, 2)  # Year 5: 2 pupils, below the minimum: not counted
    _rate(alpha)
    client = client_for(tw.leader)
    url = reverse("report-trust-groups")
    whole = client.get(url, {"school": alpha.school.pk})
    year3 = client.get(url, {"school": alpha.school.pk, "year": 3})
    year4_page = client.get(url, {"school": alpha.school.pk, "year": 4})
    assert _comparisons(year4_page)["female"].suppressed
    assert not _comparisons(year3)["female"].suppressed
    girls = _comparisons(whole)["female"]
    assert girls.suppressed and girls.reason == "part" and girls.partial
    assert girls.group.pupils + girls.others.pupils == 8 + 6  # Year 5 left out
    _assert_nothing_hidden_by_difference(_comparisons(whole), _comparisons(year3), 3)
    _assert_nothing_hidden_by_difference(_comparisons(whole), _comparisons(year4_page), 3)
    assert "year groups that cannot show it on their own pages hold, together" in (
        whole.content.decode()
    )

    # The governors' own group comparison follows the same rule.
    governor = client_for(alpha.users["governor"])
    own = governor.get(reverse("report-groups"))
    own3 = governor.get(reverse("report-groups"), {"year": 3})
    own_whole = {c.key: c for c in own.context["by_subject"][0]["comparisons"]}
    own_year3 = {c.key: c for c in own3.context["by_subject"][0]["comparisons"]}
    assert own_whole["female"].suppressed and not own_year3["female"].suppressed
    _assert_nothing_hidden_by_difference(own_whole, own_year3, 3)
    assert "Some small year groups are not counted." in own.content.decode()


def test_the_trust_minus_one_school_reveals_no_other_schools_group(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    # Beta: 9 girls and 6 boys, each shown; Alpha: 3 girls, hidden in Alpha's view.
    Pupil.objects.filter(school=tw.beta.school).update(sex=Sex.FEMALE)
    extra = make_pupils(tw.beta.school, tw.beta.class_a, 6)
    Pupil.objects.filter(pk__in=[p.pk for p in extra]).update(sex=Sex.MALE)
    _rate(tw.alpha)
    _rate(tw.beta)
    client = client_for(tw.leader)
    url = reverse("report-trust-groups")
    trust = _comparisons(client.get(url))
    alpha = _comparisons(client.get(url, {"school": tw.alpha.school.pk}))
    beta = _comparisons(client.get(url, {"school": tw.beta.school.pk}))
    assert alpha["female"].suppressed and not beta["female"].suppressed
    assert trust["female"].suppressed and trust["female"].reason == "part"
    _assert_nothing_hidden_by_difference(trust, beta, tw.alpha.school.min_group_size)
    _assert_nothing_hidden_by_difference(trust, alpha, tw.beta.school.min_group_size)


def test_any_sen_minus_sen_support_does_not_reveal_the_ehc_plans(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    beta = tw.beta
    make_pupils(beta.school, beta.class_a, 11)  # Beta: 20 pupils in Year 3
    _rate(tw.alpha)
    _rate(beta)
    pupils = list(Pupil.objects.filter(school=beta.school).order_by("pk"))
    Pupil.objects.filter(pk__in=[p.pk for p in pupils[:5]]).update(sen_status=SenStatus.SUPPORT)
    Pupil.objects.filter(pk__in=[p.pk for p in pupils[5:7]]).update(sen_status=SenStatus.EHCP)
    client = client_for(tw.leader)
    for data in ({}, {"school": beta.school.pk}):
        response = client.get(reverse("report-trust-groups"), data)
        found = _comparisons(response)
        sen, support, ehcp = found["sen"], found["sen-support"], found["ehcp"]
        assert ehcp.suppressed
        # Any SEN and SEN support differ by the 2 pupils with plans: never both shown.
        assert sen.suppressed or support.suppressed
        assert not sen.suppressed and support.reason == "derivable"
        assert "worked out by subtraction" in response.content.decode()


def test_a_school_without_a_current_year_says_so(trust_world: TrustWorld, client_for) -> None:
    tw = trust_world
    new = School.objects.create(name="Newbuild Primary", trust=tw.trust)
    client = client_for(tw.leader)
    home = client.get(reverse("home")).content.decode()
    url = reverse("report-trust-school", args=[new.pk])
    assert url in home
    page = client.get(url)
    assert page.status_code == 200
    assert "No current year with assessment points yet" in page.content.decode()
    assert client.get(reverse("report-trust")).status_code == 200


def test_one_schools_group_comparison_reads_only_that_school(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    client = client_for(tw.leader)
    url = reverse("report-trust-groups")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"school": tw.alpha.school.pk})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    gamma = _add_school(tw.trust, "Gamma Primary")
    _year_class(gamma, 5, 6)
    _add_school(tw.trust, "Delta Primary")
    assert queries() == before
    # The year list comes from Alpha alone (Gamma's Year 5 is not offered) ...
    response = client.get(url, {"school": tw.alpha.school.pk})
    assert [n for n, _ in response.context["nc_years"]] == [3]
    assert [t.school for t in response.context["loaded"]] == [tw.alpha.school]
    # ... and every school is still offered in the list.
    html = response.content.decode()
    assert f'<option value="{gamma.school.pk}">Gamma Primary</option>' in html
    whole = client.get(url)
    assert [n for n, _ in whole.context["nc_years"]] == [3, 5]


def test_a_year_group_is_chosen_within_one_school_only(trust_world: TrustWorld, client_for) -> None:
    # A trust-wide view of one year group, taken from the trust-wide page, would give
    # the other year groups across the trust, which no smaller page accounts for.
    client = client_for(trust_world.leader)
    url = reverse("report-trust-groups")
    everyone = client.get(url)
    narrowed = client.get(url, {"year": 3})
    assert narrowed.context["nc_filter"] == ""
    assert [
        (c.key, c.group.pupils, c.others.pupils)
        for block in narrowed.context["blocks"]
        for c in block.comparisons
    ] == [
        (c.key, c.group.pupils, c.others.pupils)
        for block in everyone.context["blocks"]
        for c in block.comparisons
    ]
    one = client.get(url, {"school": trust_world.alpha.school.pk, "year": 3})
    assert one.context["nc_filter"] == "3"
