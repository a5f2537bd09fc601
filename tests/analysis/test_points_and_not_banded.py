"""Band sets that apply at chosen assessment points only, and an explicit 'not banded'."""

from datetime import date

import pytest

from tests.factories import World
from trackwell.analysis import services
from trackwell.analysis.documents import validate_document
from trackwell.analysis.evaluation import point_results
from trackwell.analysis.models import BandSet
from trackwell.core.models import AssessmentPoint

pytestmark = pytest.mark.django_db


def _doc(**extra: object) -> dict:
    return {
        "format": "trackwell-band-set",
        "version": 1,
        "name": "Personalised",
        "kind": "attainment",
        "bands": [
            {"key": "lowest", "label": "Lowest"},
            {
                "key": "secure",
                "label": "Secure",
                "meets_expectation": True,
                "rules": [
                    {"conditions": [{"metric": "pct_secure_of_year", "op": ">=", "value": 50}]}
                ],
            },
        ],
        **extra,
    }


def _bands(world: World, band_set: BandSet, point: AssessmentPoint) -> dict[int, str]:
    results = point_results(point, subject_ids=[world.maths.pk])
    return {
        pid: row.bands[band_set.pk].shown.key
        for (pid, _), row in results.rows.items()
        if band_set.pk in row.bands
    }


def test_a_set_for_chosen_points_gives_no_band_at_the_others(world: World) -> None:
    band_set = services.save_band_set(user=None, school=world.school, doc=_doc(points=["summer"]))
    autumn = AssessmentPoint.objects.get(school=world.school, name="Autumn")
    summer = AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Summer", date=date(2027, 7, 9)
    )
    assert _bands(world, band_set, autumn) == {}  # nobody falls into the lowest band
    at_summer = _bands(world, band_set, summer)
    assert set(at_summer.values()) == {"lowest"} and len(at_summer) == 8


def test_not_banded_pupils_get_no_band_instead_of_the_lowest(world: World) -> None:
    band_set = services.save_band_set(user=None, school=world.school, doc=_doc(not_banded=True))
    autumn = AssessmentPoint.objects.get(school=world.school, name="Autumn")
    assert _bands(world, band_set, autumn) == {}


def test_the_new_settings_survive_export_and_save(world: World) -> None:
    band_set = services.save_band_set(
        user=None, school=world.school, doc=_doc(points=["Autumn", "Summer"], not_banded=True)
    )
    exported = services.export_band_set(band_set)
    assert exported["points"] == ["Autumn", "Summer"] and exported["not_banded"] is True
    again = services.save_band_set(user=None, school=world.school, doc=exported, band_set=band_set)
    again.refresh_from_db()
    assert again.points == ["Autumn", "Summer"] and again.not_banded
    plain = services.export_band_set(
        services.save_band_set(user=None, school=world.school, doc=_doc(name="Plain"))
    )
    assert "points" not in plain and "not_banded" not in plain


def test_bad_point_lists_are_refused_by_path() -> None:
    errors = validate_document(_doc(points=[""]))
    assert any(e.startswith("points[0]") for e in errors)
    errors = validate_document(_doc(not_banded="yes"))
    assert any(e.startswith("not_banded") for e in errors)
