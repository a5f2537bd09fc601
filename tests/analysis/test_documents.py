"""Band sets as JSON: validation naming the path, all-or-nothing import, export round trip."""

import copy

import pytest
from django.core.exceptions import ValidationError

from tests.analysis.helpers import with_bands
from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.analysis.defaults import attainment_document
from trackwell.analysis.documents import validate_document
from trackwell.analysis.models import Band, BandRule, BandSet, StartingPoint
from trackwell.analysis.services import export_band_set, save_band_set

pytestmark = pytest.mark.django_db


def test_the_default_documents_are_valid() -> None:
    assert validate_document(attainment_document()) == []


def test_errors_name_the_path_of_the_problem() -> None:
    doc = attainment_document()
    doc["bands"][3]["rules"][0]["conditions"][0]["metric"] = "pct_happy"
    doc["bands"][1]["colour"] = "red"
    errors = validate_document(doc)
    assert any(e.startswith("bands[3].rules[0].conditions[0].metric:") for e in errors)
    assert any(e.startswith("bands[1].colour:") for e in errors)


def test_meaning_is_checked_after_the_shape() -> None:
    doc = attainment_document()
    doc["bands"][0]["rules"] = [{"conditions": [{"metric": "secure", "op": ">=", "value": 1}]}]
    doc["bands"][2]["rules"][0]["conditions"][0] = {"metric": "secure", "op": "between", "value": 3}
    doc["bands"][3]["rules"][0]["starting_point"] = "nowhere"
    doc["bands"][4]["rules"][0]["conditions"][0] = {"metric": "band_change", "op": ">=", "value": 0}
    doc["bands"][4]["key"] = "below"
    errors = validate_document(doc)
    assert (
        "bands[0].rules: the lowest band is where every other pupil falls; it takes no rules"
        in errors
    )
    assert (
        "bands[2].rules[0].conditions[0].value: 'between' needs two numbers, [low, high]" in errors
    )
    assert "bands[3].rules[0].starting_point: no starting point 'nowhere'" in errors
    assert any(
        e.startswith("bands[4].rules[0].conditions[0].metric: 'band_change'") for e in errors
    )
    assert "bands[4].key: 'below' is used by two bands" in errors


def test_export_then_import_gives_the_same_set(world: World) -> None:
    with_bands(world)
    band_set = BandSet.objects.get(school=world.school, name="Attainment")
    exported = export_band_set(band_set)
    assert exported["bands"][3]["rules"][-1]["starting_point"] == "secure-last-year"
    saved = save_band_set(
        user=world.users["leader"], school=world.school, doc=copy.deepcopy(exported)
    )
    assert saved.pk == band_set.pk
    assert export_band_set(saved) == exported


def test_a_bad_import_changes_nothing(world: World) -> None:
    with_bands(world)
    band_set = BandSet.objects.get(school=world.school, name="Attainment")
    before = export_band_set(band_set)
    audit = AuditEntry.objects.count()
    doc = copy.deepcopy(before)
    doc["bands"][4]["label"] = "Deeper"
    doc["bands"][2]["rules"][0]["conditions"][0]["value"] = [1, 2]
    with pytest.raises(ValidationError) as exc:
        save_band_set(user=world.users["leader"], school=world.school, doc=doc)
    assert "bands[2].rules[0].conditions[0].value: '>=' needs one number" in exc.value.messages
    assert export_band_set(band_set) == before
    assert AuditEntry.objects.count() == audit


def test_saving_is_logged_and_rules_replaced(world: World) -> None:
    with_bands(world)
    band_set = BandSet.objects.get(school=world.school, name="Attainment")
    doc = export_band_set(band_set)
    doc["bands"][3]["label"] = "Expected"
    doc["bands"][3]["rules"] = [
        {"point": "", "conditions": [{"metric": "pct_secure_of_taught", "op": ">=", "value": 70}]}
    ]
    save_band_set(user=world.users["leader"], school=world.school, doc=doc, band_set=band_set)
    band = Band.objects.get(band_set=band_set, key="on-track")
    assert band.label == "Expected"
    assert list(BandRule.objects.filter(band=band).values_list("conditions", flat=True)) == [
        [{"metric": "pct_secure_of_taught", "op": ">=", "value": 70}]
    ]
    entry = AuditEntry.objects.filter(action="band_set.save").get()
    assert entry.old is not None and entry.new is not None
    assert entry.old["bands"][3]["label"] == "On track"
    assert entry.new["bands"][3]["label"] == "Expected"


def test_import_creates_a_new_set_and_its_starting_points(world: World) -> None:
    doc = attainment_document()
    doc["name"] = "Reading bands"
    doc["starting_points"].append({"key": "new-arrival", "label": "New to English"})
    save_band_set(user=world.users["admin"], school=world.school, doc=doc)
    assert BandSet.objects.filter(school=world.school, name="Reading bands").exists()
    assert StartingPoint.objects.filter(school=world.school, key="new-arrival").exists()
