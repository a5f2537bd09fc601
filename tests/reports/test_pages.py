"""The report pages through the real views: what each shows and what each changes."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.analysis.helpers import add_points, judge, objectives, point, teach, with_bands
from tests.factories import World, make_pupils
from trackwell.accounts.models import AuditEntry
from trackwell.analysis.models import BandConfirmation, BandSet, PupilFramework
from trackwell.analysis.services import close_point
from trackwell.core.models import AssessmentPoint
from trackwell.pupils.models import Pupil, PupilGroup, SchoolClass, SenStatus

pytestmark = pytest.mark.django_db


def _rate_some(world: World) -> None:
    y3 = objectives(world.framework)
    teach(world, y3[:3])
    for i, p in enumerate(world.pupils_a):
        for o in y3[: i % 4]:
            judge(world, p, o, "2" if i % 2 else "3")


def _overview_queries(world: World, client_for) -> int:
    client = client_for(world.users["leader"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("report-school"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_school_overview_query_count_is_constant_as_the_school_grows(
    world: World, client_for
) -> None:
    with_bands(world)
    _rate_some(world)
    AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Spring", date="2027-03-26"
    )
    close_point(user=world.users["leader"], point=point(world))
    small = _overview_queries(world, client_for)
    for n in range(3):
        extra = SchoolClass.objects.create(
            school=world.school, year=world.year, name=f"Extra {n}", nc_year=2 + n
        )
        for p in make_pupils(world.school, extra, 10):
            judge(world, p, objectives(world.framework_y2)[0], "2")
            judge(world, p, objectives(world.framework)[1], "3")
    assert _overview_queries(world, client_for) == small


def test_school_overview_draws_an_accessible_chart_and_a_table(world: World, client_for) -> None:
    with_bands(world)
    _rate_some(world)
    response = client_for(world.users["leader"]).get(reverse("report-school"))
    html = response.content.decode()
    assert '<svg role="img" aria-label="Stacked bars: the share of pupils' in html
    assert "<script" not in html.split("<main", 1)[1]
    assert "Maths: pupils in each band by year group" in html
    assert "Year 3" in html


def test_governors_see_small_year_groups_and_groups_suppressed(world: World, client_for) -> None:
    with_bands(world)
    world.school.min_group_size = 10
    world.school.save()
    governor = client_for(world.users["governor"])
    overview = governor.get(reverse("report-school")).content.decode()
    assert "fewer than 10 pupils: not shown" in overview
    assert "shared gaps" not in overview  # no links into pupil-level pages
    groups = governor.get(reverse("report-groups")).content.decode()
    assert "fewer than 10 pupils: not shown" in groups
    leader = client_for(world.users["leader"]).get(reverse("report-groups")).content.decode()
    assert "not shown" not in leader


def test_class_overview_explains_each_band(world: World, client_for) -> None:
    with_bands(world)
    _rate_some(world)
    response = client_for(world.users["teacher"]).get(
        reverse("report-class", args=[world.class_a.pk])
    )
    html = response.content.decode()
    assert 'role="tooltip"' in html
    assert "% secure of the year" in html
    assert "Not yet confirmed." in html


def test_below_year_pupils_are_named_neutrally(world: World, client_for) -> None:
    with_bands(world)
    PupilFramework.objects.create(
        school=world.school,
        pupil=world.pupils_a[0],
        subject=world.maths,
        framework=world.framework_y2,
    )
    client = client_for(world.users["teacher"])
    overview = client.get(reverse("report-class", args=[world.class_a.pk])).content.decode()
    assert "working on the Year 2 framework" in overview
    pupil = client.get(reverse("report-pupil", args=[world.pupils_a[0].pk])).content.decode()
    assert "Working on the Year 2 framework" in pupil
    gaps = client.get(reverse("report-class-gaps", args=[world.class_a.pk, "maths"]))
    assert world.pupils_a[0].full_name in gaps.content.decode().split("Not included")[1]


def test_teacher_confirms_and_overrides_with_a_reason(world: World, client_for) -> None:
    with_bands(world)
    attainment = BandSet.objects.get(school=world.school, name="Attainment")
    bands = {b.key: b.pk for b in attainment.bands.all()}
    url = reverse("report-confirm", args=[world.class_a.pk, "maths"])
    client = client_for(world.users["teacher"])
    first, second = world.pupils_a[0].pk, world.pupils_a[1].pk
    data: dict[str, object] = {
        f"band-{first}-{attainment.pk}": bands["just-below"],
        f"band-{second}-{attainment.pk}": bands["well-below"],
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert b"give a short reason" in refused.content
    assert not BandConfirmation.objects.exists()
    data[f"reason-{first}-{attainment.pk}"] = "Strong in class work"
    assert client.post(url, data).status_code == 302
    confirmed = BandConfirmation.objects.get(pupil_id=first)
    assert (confirmed.band_id, confirmed.reason) == (bands["just-below"], "Strong in class work")
    page = client.get(url).content.decode()
    assert "differs from the suggestion" in page
    leader = client_for(world.users["leader"])
    diff = leader.get(reverse("report-point-differences", args=[point(world).pk]))
    assert "Strong in class work" in diff.content.decode()


def test_closing_and_reopening_through_the_points_page(world: World, client_for) -> None:
    with_bands(world)
    client = client_for(world.users["leader"])
    autumn = point(world)
    close = reverse("report-point-close", args=[autumn.pk])
    # Closing asks first, on its own page.
    response = client.post(close)
    assert response["Location"] == reverse("report-point-close-confirm", args=[autumn.pk])
    autumn.refresh_from_db()
    assert autumn.state == "open"
    assert client.post(close, {"confirm": "yes"}).status_code == 302
    autumn.refresh_from_db()
    assert autumn.state == "closed"
    page = client.get(reverse("report-class", args=[world.class_a.pk])).content.decode()
    assert "bands are as kept when it closed" in page
    reopen = reverse("report-point-reopen", args=[autumn.pk])
    # Reopening needs a reason: the list is drawn again, the error beside this point's box
    # only (another closed point's box is left as it was).
    add_points(world)
    spring = AssessmentPoint.objects.get(year=world.year, name="Spring")
    AssessmentPoint.objects.filter(pk=spring.pk).update(state=AssessmentPoint.State.CLOSED)
    refused = client.post(reopen, {"reason": "   "})
    assert refused.status_code == 400
    page = refused.content.decode()
    error_id = f"reopen-{autumn.pk}-error"
    assert f'id="{error_id}" role="alert">Say why {autumn.name}' in page
    assert f'aria-invalid="true" aria-describedby="{error_id}"' in page
    assert page.count('aria-invalid="true"') == 1 and page.count('role="alert"') == 1
    assert f'action="{reverse("report-point-reopen", args=[spring.pk])}"' in page
    autumn.refresh_from_db()
    assert autumn.state == "closed"
    assert not AuditEntry.objects.filter(action="assessment_point.reopen").exists()
    assert client.post(reopen, {"reason": "Late moderation"}).status_code == 302
    autumn.refresh_from_db()
    assert autumn.state == "open"
    # Already open (another leader, an old tab): said so, nothing drawn without its box.
    again = client.post(reopen, {"reason": ""}, follow=True)
    assert f"{autumn.name} {autumn.year.name} is already open." in again.content.decode()


def test_shared_gap_becomes_a_group(world: World, client_for) -> None:
    with_bands(world)
    teach(world, objectives(world.framework)[:1])
    client = client_for(world.users["teacher"])
    gaps = client.get(reverse("report-class-gaps", args=[world.class_a.pk, "maths"]))
    assert gaps.context["gaps"][0].count == 5
    ids = [p.pk for p in world.pupils_a[:3]]
    url = reverse("report-class-gap-group", args=[world.class_a.pk, "maths"])
    assert client.post(url, {"name": "Place value", "pupils": ids}).status_code == 302
    group = PupilGroup.objects.get(school=world.school, name="Place value")
    assert sorted(group.pupils.values_list("pk", flat=True)) == sorted(ids)
    outsider = client.post(url, {"name": "Other", "pupils": [world.pupils_b[0].pk]})
    assert outsider.status_code == 400


def test_rule_editor_previews_without_saving_then_saves(world: World, client_for) -> None:
    with_bands(world)
    _rate_some(world)
    band_set = BandSet.objects.get(school=world.school, name="Attainment")
    client = client_for(world.users["leader"])
    url = reverse("report-band-set", args=[band_set.pk])
    form = client.get(url)
    rule_count = len(form.context["rules"])
    data = {
        "name": "Attainment",
        "active": "on",
        "rule-count": rule_count,
        "version": form.context["band_set"].version,  # the page's hidden version
    }
    for i, band in enumerate(form.context["doc"]["bands"]):
        data[f"band-{i}-label"] = band["label"]
        data[f"band-{i}-colour"] = band["colour"]
    # One rule only: everyone with any secure objective is on track.
    data["rule-0-band"] = "on-track"
    data["rule-0-conditions"] = "secure >= 1"
    preview = client.post(url, {**data, "action": "preview"}, HTTP_X_REQUESTED_WITH="preview")
    assert preview.status_code == 200
    counts = {line["band"].key: line["count"] for line in preview.context["preview"]["bands"]}
    assert counts["on-track"] == 3 and counts["well-below"] == 5
    assert band_set.bands.get(key="on-track").rules.count() == 5  # nothing saved yet
    bad = client.post(url, {**data, "rule-0-conditions": "secure is lots", "action": "save"})
    assert bad.status_code == 400
    assert b"rule 1: &#x27;secure is lots&#x27; is not a condition" in bad.content
    assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert band_set.bands.get(key="on-track").rules.get().conditions == [
        {"metric": "secure", "op": ">=", "value": 1.0}
    ]


def test_import_reports_every_error_with_its_path(world: World, client_for) -> None:
    with_bands(world)
    client = client_for(world.users["admin"])
    export = client.get(
        reverse("report-band-export", args=[BandSet.objects.get(name="Progress").pk])
    ).json()
    export["bands"][2]["rules"][0]["conditions"][0]["op"] = "about"
    response = client.post(reverse("report-band-import"), {"document": json.dumps(export)})
    assert response.status_code == 400
    assert b"bands[2].rules[0].conditions[0].op" in response.content
    not_json = client.post(reverse("report-band-import"), {"document": "{"})
    assert not_json.status_code == 400 and b"not valid JSON" in not_json.content


def test_pupil_page_shows_bands_over_points_gaps_and_next_steps(world: World, client_for) -> None:
    with_bands(world)
    _rate_some(world)
    close_point(user=world.users["leader"], point=point(world))
    AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Spring", date="2027-03-26"
    )
    pupil = world.pupils_a[1]
    html = client_for(world.users["teacher"]).get(reverse("report-pupil", args=[pupil.pk]))
    text = html.content.decode()
    assert "attainment band at each assessment point" in text
    assert '<svg role="img"' in text
    assert "Next steps" in text and "Carried forward from the Year 2 framework" in text
    assert "Autumn 2026/27" in text and "Spring 2026/27" in text


def test_governors_cannot_subtract_shown_groups_to_find_a_hidden_one(
    world: World, client_for
) -> None:
    """Any SEN minus SEN support would give the 2 pupils with EHC plans."""
    with_bands(world)
    make_pupils(world.school, world.class_a, 12)  # 20 pupils in Year 3
    pupils = list(Pupil.objects.filter(school=world.school).order_by("pk"))
    Pupil.objects.filter(pk__in=[p.pk for p in pupils[:5]]).update(sen_status=SenStatus.SUPPORT)
    Pupil.objects.filter(pk__in=[p.pk for p in pupils[5:7]]).update(sen_status=SenStatus.EHCP)
    governor = client_for(world.users["governor"])
    for data in ({}, {"year": 3}):
        response = governor.get(reverse("report-groups"), data)
        found = {c.key: c for c in response.context["by_subject"][0]["comparisons"]}
        assert found["ehcp"].suppressed and found["ehcp"].reason == "small"
        assert found["sen"].group.pupils - found["sen-support"].group.pupils == 2
        assert found["sen"].suppressed or found["sen-support"].suppressed
        assert found["sen-support"].reason == "derivable"
        assert "worked out by subtraction" in response.content.decode()
    # Leaders see every group.
    leader = client_for(world.users["leader"]).get(reverse("report-groups"))
    assert not any(c.suppressed for c in leader.context["by_subject"][0]["comparisons"])


def test_an_earlier_point_too_small_to_show_says_so(world: World, client_for) -> None:
    with_bands(world)
    _rate_some(world)
    AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Spring", date="2027-03-26"
    )
    close_point(user=world.users["leader"], point=point(world))  # 8 pupils at autumn
    world.school.min_group_size = 9
    world.school.save()
    make_pupils(world.school, world.class_b, 2)  # 10 now
    response = client_for(world.users["governor"]).get(reverse("report-school"))
    (table,) = response.context["tables"]
    (line,) = table["lines"]
    assert not line["hidden"] and line["now"].total == 10
    assert line["history"][0]["hidden"] and not line["history"][0]["cells"]
    html = response.content.decode()
    row = html.split('<th scope="row">Year 3</th>', 1)[1].split("</tr>", 1)[0]
    assert "fewer than 9 pupils: not shown" in row and "no record" not in row
    # Leaders see the record.
    leader = client_for(world.users["leader"]).get(reverse("report-school"))
    (table,) = leader.context["tables"]
    assert table["lines"][0]["history"][0]["cells"]
    assert not table["lines"][0]["history"][0]["hidden"]


def test_a_gap_group_refused_keeps_the_pupils_ticked_and_the_words_typed(
    world: World, client_for
) -> None:
    with_bands(world)
    teach(world, objectives(world.framework)[:1])
    client = client_for(world.users["teacher"])
    url = reverse("report-class-gap-group", args=[world.class_a.pk, "maths"])
    ids = [p.pk for p in world.pupils_a[:2]]
    assert client.post(url, {"name": "Place value", "pupils": ids}).status_code == 302
    # The same name again: refused, and the page is drawn again with what was sent.
    sent = client.post(
        url, {"name": "Place value", "description": "Tens and ones", "pupils": ids[:1]}
    )
    assert sent.status_code == 400
    page = sent.content.decode()
    summary = re.search(r'<div class="error-summary" role="alert">(.*?)</div>', page, re.S)
    assert summary and "Place value" in summary.group(1)
    assert f'name="pupils" value="{ids[0]}" checked' in page
    assert f'name="pupils" value="{ids[1]}" checked' not in page
    assert 'value="Tens and ones"' in page
    assert PupilGroup.objects.filter(school=world.school, name="Place value").count() == 1


def test_a_refused_group_opens_every_gap_holding_a_ticked_pupil(world: World, client_for) -> None:
    """A pupil's box is in every gap they share: ticked boxes folded away would be sent
    unseen, so the page drawn again opens each gap with a tick in it (first three open
    otherwise). The same for the year group's page."""
    with_bands(world)
    teach(world, objectives(world.framework)[:5])
    ids = [world.pupils_a[0].pk]
    cases = [
        (
            "teacher",
            reverse("report-class-gaps", args=[world.class_a.pk, "maths"]),
            reverse("report-class-gap-group", args=[world.class_a.pk, "maths"]),
        ),
        (
            "leader",
            reverse("report-year-gaps", args=[3, "maths"]),
            reverse("report-year-gap-group", args=[3, "maths"]),
        ),
    ]
    for persona, page_url, url in cases:
        client = client_for(world.users[persona])
        first = client.get(page_url).content.decode()
        gaps = first.count('<details class="gap"')
        assert gaps == 5 and first.count('<details class="gap" open>') == 3
        sent = client.post(url, {"name": "  ", "pupils": ids})
        assert sent.status_code == 400, persona
        page = sent.content.decode()
        assert page.count('<details class="gap" open>') == gaps, persona
        assert page.count(f'name="pupils" value="{ids[0]}" checked') == gaps, persona
