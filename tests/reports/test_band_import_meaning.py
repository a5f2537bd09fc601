"""Band sets keep their meaning through import, the editor and export (issue 11 item 8).

The editor is driven as a browser would: the page's own form is read from its
HTML (every input, the selected option of every select, ticked boxes only) and
posted back unchanged.
"""

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.analysis.helpers import add_points
from tests.factories import World
from trackwell.analysis.defaults import attainment_document
from trackwell.analysis.models import BandSet
from trackwell.analysis.services import export_band_set

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """The fields a browser would submit from the form with id `form_id`."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._chosen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[a["name"]] = a.get("value") or "on"
            else:
                self.data[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select, self._first, self._chosen = a.get("name"), None, False
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self.data[self._select], self._chosen = a.get("value", ""), True

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            if not self._chosen:
                self.data[self._select] = self._first or ""
            self._select = None
        elif tag == "form":
            self.inside = False


def _page_form(client: Client, band_set: BandSet) -> dict[str, Any]:
    page = client.get(reverse("report-band-set", args=[band_set.pk]))
    assert page.status_code == 200
    parser = _Form("band-form")
    parser.feed(page.content.decode())
    return parser.data


def _import(client: Client, doc: dict[str, Any]):
    return client.post(reverse("report-band-import"), {"document": json.dumps(doc)})


def test_saving_an_imported_set_unchanged_keeps_every_rules_point_exactly(
    world: World, client_for
) -> None:
    add_points(world)  # Autumn, Spring, Summer
    doc = attainment_document()
    doc["name"] = "Imported"
    for band in doc["bands"]:
        for rule in band.get("rules", []):
            rule["point"] = rule["point"].lower()  # 'spring' where the school says 'Spring'
    client = client_for(world.users["leader"])
    assert _import(client, doc).status_code == 302
    band_set = BandSet.objects.get(school=world.school, name="Imported")
    imported = export_band_set(band_set)
    points = [r["point"] for b in imported["bands"] for r in b["rules"]]
    assert points and set(points) == {"autumn", "spring", "summer"}

    form = _page_form(client, band_set)
    saved = client.post(reverse("report-band-set", args=[band_set.pk]), {**form, "action": "save"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    band_set.refresh_from_db()
    assert band_set.version > 1  # it was saved, not refused
    assert export_band_set(band_set) == imported


def test_an_import_naming_a_point_the_school_does_not_have_is_refused_with_where(
    world: World, client_for
) -> None:
    add_points(world)
    doc = attainment_document()
    doc["name"] = "Imported"
    doc["bands"][3]["rules"][0]["point"] = "Midsummer"
    doc["points"] = ["Summer", "Easter"]
    response = _import(client_for(world.users["leader"]), doc)
    assert response.status_code == 400
    text = response.content.decode()
    assert "bands[3].rules[0].point: the school has no assessment point &#x27;Midsummer&#x27;" in (
        text
    )
    assert "points[1]: the school has no assessment point &#x27;Easter&#x27;" in text
    assert "its points: Autumn, Spring, Summer" in text
    assert not BandSet.objects.filter(school=world.school, name="Imported").exists()


def test_point_names_differing_only_in_case_are_the_schools_points(
    world: World, client_for
) -> None:
    add_points(world)
    doc = attainment_document()
    doc["name"] = "Imported"
    doc["points"] = ["SUMMER"]
    assert _import(client_for(world.users["leader"]), doc).status_code == 302


def test_an_import_naming_a_starting_point_nobody_defines_is_refused(
    world: World, client_for
) -> None:
    add_points(world)
    doc = attainment_document()
    doc["name"] = "Imported"
    doc["bands"][3]["rules"][0]["starting_point"] = "nowhere"
    doc["bands"][1]["next_starting_point"] = "elsewhere"
    response = _import(client_for(world.users["leader"]), doc)
    assert response.status_code == 400
    text = response.content.decode()
    assert "bands[3].rules[0].starting_point: no starting point &#x27;nowhere&#x27;" in text
    assert "bands[1].next_starting_point: no starting point &#x27;elsewhere&#x27;" in text
    assert not BandSet.objects.filter(school=world.school, name="Imported").exists()


# ---------------------------------------------------------------------------
# The overviews show the progress set the school is using


def test_overviews_show_the_progress_set_in_use_at_the_point_not_the_first(
    world: World, client_for
) -> None:
    from tests.analysis.helpers import with_bands
    from trackwell.analysis import services

    with_bands(world)
    progress = BandSet.objects.get(school=world.school, name="Progress")
    summer_only = services.create_band_set(
        user=world.users["leader"],
        school=world.school,
        name="End of year progress",
        kind="progress",
        copy_of=progress,
        active=True,
    )
    doc = export_band_set(summer_only)
    doc["points"] = ["Summer"]
    add_points(world)
    services.save_band_set(
        user=world.users["leader"], school=world.school, doc=doc, band_set=summer_only
    )
    # The summer-only set comes first in the school's order; at Autumn it gives no band.
    BandSet.objects.filter(pk=summer_only.pk).update(order=0)
    BandSet.objects.filter(pk=progress.pk).update(order=9)
    client = client_for(world.users["leader"])

    page = client.get(reverse("report-school"))
    assert page.context["progress"].pk == progress.pk
    text = page.content.decode()
    assert "Progress now: Progress" in text
    assert "End of year progress" in text  # offered in the choice of set
    chosen = client.get(reverse("report-school"), {"progress": summer_only.pk})
    assert chosen.context["progress"].pk == summer_only.pk
    assert "Progress now: End of year progress" in chosen.content.decode()
    # An inactive set cannot be chosen: the one in use is shown.
    BandSet.objects.filter(pk=summer_only.pk).update(is_active=False)
    stale = client.get(reverse("report-school"), {"progress": summer_only.pk})
    assert stale.context["progress"].pk == progress.pk

    BandSet.objects.filter(pk=summer_only.pk).update(is_active=True)
    cls = client.get(reverse("report-class", args=[world.class_a.pk]))
    assert cls.context["progress"].pk == progress.pk
    assert "Progress (Progress)" in cls.content.decode()


# ---------------------------------------------------------------------------
# Points and "not banded" in the web editor


def test_the_editor_sets_points_and_not_banded_and_keeps_them_as_imported(
    world: World, client_for
) -> None:
    add_points(world)
    doc = attainment_document()
    doc["name"] = "Imported"
    doc["points"] = ["SUMMER"]
    doc["not_banded"] = True
    client = client_for(world.users["leader"])
    assert _import(client, doc).status_code == 302
    band_set = BandSet.objects.get(school=world.school, name="Imported")
    imported = export_band_set(band_set)
    url = reverse("report-band-set", args=[band_set.pk])

    form = _page_form(client, band_set)
    assert form["points"] == "SUMMER" and form["not_banded"] == "on"
    page = client.get(url).content.decode()
    # Every school point is offered once (SUMMER stands for Summer), keyboard-usable boxes.
    assert page.count('name="points"') == 3
    assert client.post(url, {**form, "action": "save"}).status_code == 302
    band_set.refresh_from_db()
    assert export_band_set(band_set) == imported

    # Now apply it at Autumn and Spring only, with the lowest band as the fallback again.
    form = _page_form(client, band_set)
    seen = form["version"]
    del form["not_banded"]
    preview = client.post(
        url,
        {**form, "points": ["Autumn", "Spring"], "action": "preview"},
        HTTP_X_REQUESTED_WITH="preview",
    )
    assert "Applies at: Autumn, Spring." in preview.content.decode()
    assert "Pupils no rule places will be in the lowest band." in preview.content.decode()
    saved = client.post(url, {**form, "points": ["Autumn", "Spring"], "action": "save"})
    assert saved.status_code == 302
    band_set.refresh_from_db()
    assert band_set.points == ["Autumn", "Spring"] and not band_set.not_banded

    # A page opened before that save is stale: the conflict shows both values.
    stale = client.post(url, {**form, "version": seen, "not_banded": "on", "action": "save"})
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "Applies at" in text and "Autumn, Spring" in text and "SUMMER" in text
    assert "not banded" in text and "in the lowest band" in text
    band_set.refresh_from_db()
    assert band_set.points == ["Autumn", "Spring"] and not band_set.not_banded

    # No point ticked: every point.
    form = _page_form(client, band_set)
    form.pop("points", None)
    assert client.post(url, {**form, "action": "save"}).status_code == 302
    band_set.refresh_from_db()
    assert band_set.points == []
