"""Band rules for chosen year groups (NC years): document, editor, evaluation, explanation."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World
from trackwell.analysis import services
from trackwell.analysis.documents import spec_from_document, validate_document
from trackwell.analysis.evaluation import point_results
from trackwell.analysis.models import BandRule, BandSet
from trackwell.analysis.rules import BandSetSpec, BandSpec, Condition, RuleSpec, years_phrase
from trackwell.core.models import AssessmentPoint

pytestmark = pytest.mark.django_db

ALWAYS = {"metric": "objectives", "op": ">=", "value": 0}


def _doc(years: list[Any] | None = None, **extra: object) -> dict[str, Any]:
    rule: dict[str, Any] = {"conditions": [ALWAYS]}
    if years is not None:
        rule["years"] = years
    return {
        "format": "trackwell-band-set",
        "version": 1,
        "name": "By year",
        "kind": "attainment",
        "bands": [
            {"key": "lowest", "label": "Lowest"},
            {"key": "placed", "label": "Placed", "rules": [rule]},
        ],
        **extra,
    }


def _spec(*rules: RuleSpec) -> BandSetSpec:
    return BandSetSpec(
        name="s",
        kind="attainment",
        bands=(BandSpec("low", "Low", 0), BandSpec("high", "High", 1, rules=rules)),
    )


def _bands(world: World, band_set: BandSet) -> dict[int, str]:
    autumn = AssessmentPoint.objects.get(school=world.school, name="Autumn")
    results = point_results(autumn, subject_ids=[world.maths.pk])
    return {
        pid: row.bands[band_set.pk].shown.key
        for (pid, _), row in results.rows.items()
        if band_set.pk in row.bands
    }


# The engine and its wording


def test_a_rule_for_other_years_is_skipped() -> None:
    cond = (Condition("secure", ">=", 1),)
    spec = _spec(RuleSpec(conditions=cond, years=(2, 3)))
    figures = {"secure": 5.0}
    assert spec.evaluate(figures, "Autumn", year=3).band.key == "high"
    assert spec.evaluate(figures, "Autumn", year=4).band.key == "low"
    assert spec.evaluate(figures, "autumn", year=0).band.key == "low"
    # The memo is per year: asking for Year 4 first does not change Year 2's answer.
    assert spec.evaluate(figures, "Autumn", year=2).band.key == "high"


def test_a_year_rule_sits_beside_a_general_one_of_the_same_kind() -> None:
    spec = _spec(
        RuleSpec(conditions=(Condition("secure", ">=", 10),)),
        RuleSpec(conditions=(Condition("secure", ">=", 3),), years=(1,)),
    )
    assert spec.evaluate({"secure": 4.0}, "Spring", year=1).band.key == "high"
    assert spec.evaluate({"secure": 4.0}, "Spring", year=2).band.key == "low"
    assert spec.evaluate({"secure": 12.0}, "Spring", year=2).band.key == "high"


def test_the_explanation_names_the_year_groups() -> None:
    rule = RuleSpec(point="Spring", conditions=(Condition("secure", ">=", 3),), years=(0, 1, 2))
    spec = _spec(rule)
    placed = spec.evaluate({"secure": 4.0}, "Spring", year=1)
    assert "at the Spring point in Reception and Years 1 and 2" in placed.because
    below = spec.evaluate({"secure": 1.0}, "Spring", year=2)
    assert below.next_text == (
        "High needs objectives secure at least 3 (now 1) "
        "at the Spring point in Reception and Years 1 and 2."
    )
    assert placed.as_json()["rule"]["years"] == [0, 1, 2]
    # A pupil in another year sees no rule of the next band for them.
    assert spec.evaluate({"secure": 1.0}, "Spring", year=5).next_text == (
        "High has no rule for this point and starting point."
    )


@pytest.mark.parametrize(
    ("years", "text"),
    [
        ([0], "Reception"),
        ([4], "Year 4"),
        ([3, 2], "Years 2 and 3"),
        ([6, 5, 4], "Years 4, 5 and 6"),
        ([1, 0], "Reception and Year 1"),
    ],
)
def test_years_phrase(years: list[int], text: str) -> None:
    assert years_phrase(years) == text


# The JSON document


def test_unknown_or_repeated_years_are_refused_with_their_path() -> None:
    errors = validate_document(_doc([3, 14]))
    assert errors == ["bands[1].rules[0].years[1]: no NC year 14 (0 is Reception, then 1 to 13)"]
    assert validate_document(_doc([2, 2])) == ["bands[1].rules[0].years[1]: year 2 is listed twice"]
    assert any(e.startswith("bands[1].rules[0].years[0]") for e in validate_document(_doc(["Y3"])))
    assert validate_document(_doc([0, 6])) == []


def test_years_survive_export_and_import(world: World) -> None:
    band_set = services.save_band_set(user=None, school=world.school, doc=_doc([4, 3]))
    rule = BandRule.objects.get(band__band_set=band_set)
    assert rule.years == [3, 4]
    exported = services.export_band_set(band_set)
    assert exported["bands"][1]["rules"][0]["years"] == [3, 4]
    assert spec_from_document(exported).bands[1].rules[0].years == (3, 4)
    services.save_band_set(user=None, school=world.school, doc=exported, band_set=band_set)
    assert services.export_band_set(band_set) == exported
    # A rule for every year is written as before, without the field.
    plain = services.save_band_set(user=None, school=world.school, doc=_doc(name="Plain"))
    assert "years" not in services.export_band_set(plain)["bands"][1]["rules"][0]


# Evaluation of the school's pupils (the world's classes are Year 3)


def test_evaluation_skips_rules_for_other_years(world: World) -> None:
    for_year_4 = services.save_band_set(user=None, school=world.school, doc=_doc([4]))
    assert set(_bands(world, for_year_4).values()) == {"lowest"}
    for_year_3 = services.save_band_set(
        user=None, school=world.school, doc=_doc([3, 4], name="Year 3 and 4")
    )
    assert set(_bands(world, for_year_3).values()) == {"placed"}
    assert len(_bands(world, for_year_3)) == 8


# The web editor


def _form(client: Client, band_set: BandSet) -> tuple[dict[str, Any], str]:
    """The editor's form as rendered, with the ticked year boxes a browser would post."""
    response = client.get(reverse("report-band-set", args=[band_set.pk]))
    assert response.status_code == 200
    doc, rules = response.context["doc"], response.context["rules"]
    data: dict[str, Any] = {
        "name": doc["name"],
        "description": doc["description"],
        "band-count": len(doc["bands"]),
        "rule-count": len(rules),
        "version": response.context["band_set"].version,
        "set-options": "1",
        "active": "on",
    }
    for i, b in enumerate(doc["bands"]):
        data[f"band-{i}-key"] = b["key"]
        data[f"band-{i}-position"] = i + 1
        data[f"band-{i}-label"] = b["label"]
        data[f"band-{i}-colour"] = b["colour"]
    for i, r in enumerate(rules):
        data[f"rule-{i}-band"] = r["band"]
        data[f"rule-{i}-point"] = r["point"]
        data[f"rule-{i}-start"] = r["starting_point"]
        data[f"rule-{i}-conditions"] = r["text"]
        data[f"rule-{i}-years"] = [str(y) for y in r["years"]]
    return data, response.content.decode()


def test_the_editor_ticks_years_and_round_trips_them(world: World, client_for) -> None:
    band_set = services.save_band_set(user=None, school=world.school, doc=_doc([3, 6]))
    client = client_for(world.users["leader"])
    url = reverse("report-band-set", args=[band_set.pk])
    data, html = _form(client, band_set)
    # The school's year (3) and any a rule names (6) are offered, ticked as saved.
    assert 'name="rule-0-years" value="3" checked aria-label="Year 3 for rule 1"' in html
    assert 'name="rule-0-years" value="6" checked aria-label="Year 6 for rule 1"' in html
    assert 'name="rule-1-years" value="3" aria-label="Year 3 for rule 2"' in html
    assert 'name="rule-0-years" value="5"' not in html
    assert '<legend class="visually-hidden">Year groups for rule 1</legend>' in html
    before = services.export_band_set(band_set)

    # Saving unchanged keeps the years exactly.
    assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert services.export_band_set(band_set)["bands"] == before["bands"]

    # Untick Year 6: the rule is for Year 3 only; then none: every year.
    data, _ = _form(client, band_set)
    data["rule-0-years"] = ["3"]
    assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert BandRule.objects.get(band__band_set=band_set).years == [3]
    data, _ = _form(client, band_set)
    data["rule-0-years"] = []
    assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert BandRule.objects.get(band__band_set=band_set).years == []


def test_the_editor_refuses_a_made_up_year(world: World, client_for) -> None:
    band_set = services.save_band_set(user=None, school=world.school, doc=_doc([3]))
    client = client_for(world.users["leader"])
    data, _ = _form(client, band_set)
    data["rule-0-years"] = ["3", "20"]
    page = client.post(reverse("report-band-set", args=[band_set.pk]), {**data, "action": "save"})
    assert page.status_code == 400
    assert "rule 1: a year group is Reception or Year 1 to 13" in page.context["errors"]
    assert BandRule.objects.get(band__band_set=band_set).years == [3]


def test_a_stale_editor_page_cannot_change_the_years(world: World, client_for) -> None:
    band_set = services.save_band_set(user=None, school=world.school, doc=_doc([3]))
    client = client_for(world.users["leader"])
    url = reverse("report-band-set", args=[band_set.pk])
    stale, _ = _form(client, band_set)
    fresh, _ = _form(client, band_set)
    fresh["rule-0-years"] = ["3", "4"]
    assert client.post(url, {**fresh, "action": "save"}).status_code == 302
    stale["rule-0-years"] = []
    assert client.post(url, {**stale, "action": "save"}).status_code == 409
    assert BandRule.objects.get(band__band_set=band_set).years == [3, 4]
