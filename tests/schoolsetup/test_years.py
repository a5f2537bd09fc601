"""Academic years and their points: create, edit dates, make current."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.core.models import AcademicYear, AssessmentPoint
from trackwell.schoolsetup import services
from trackwell.schoolsetup.services import PointSpec

pytestmark = pytest.mark.django_db

D = dt.date


def spec(*points: tuple[str, dt.date]) -> list[PointSpec]:
    return [PointSpec(name, day) for name, day in points]


def test_create_year_with_points_and_baseline(world: World) -> None:
    year = services.create_year(
        world.users["admin"],
        world.school,
        name="2027/28",
        start_date=D(2027, 9, 1),
        end_date=D(2028, 8, 31),
        points=[
            PointSpec("Baseline", D(2027, 9, 20), True),
            *spec(("Autumn", D(2027, 12, 10)), ("Summer", D(2028, 7, 1))),
        ],
    )
    assert [p.name for p in year.assessment_points.order_by("date")] == [
        "Baseline",
        "Autumn",
        "Summer",
    ]
    assert not year.is_current  # the school already has a current year
    assert AuditEntry.objects.filter(action="year.create", object_id=str(year.pk)).exists()


@pytest.mark.parametrize(
    ("points", "field"),
    [
        (spec(("Only", D(2027, 12, 1))), "points"),
        (spec(*[(f"P{i}", D(2027, 10, i + 1)) for i in range(7)]), "points"),
        (spec(("Autumn", D(2027, 12, 1)), ("autumn", D(2028, 3, 1))), "point_2"),
        (spec(("Autumn", D(2027, 12, 1)), ("Late", D(2028, 9, 30))), "point_2"),
        (spec(("Autumn", D(2027, 12, 1)), ("", D(2028, 3, 1))), "point_2"),
    ],
)
def test_bad_points_are_named(world: World, points, field) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_year(
            world.users["admin"],
            world.school,
            name="2027/28",
            start_date=D(2027, 9, 1),
            end_date=D(2028, 8, 31),
            points=points,
        )
    assert field in exc.value.message_dict
    assert not AcademicYear.objects.filter(name="2027/28").exists()


def test_overlapping_year_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_year(
            world.users["admin"],
            world.school,
            name="Overlap",
            start_date=D(2027, 6, 1),
            end_date=D(2028, 5, 31),
            points=spec(("A", D(2027, 7, 1)), ("B", D(2028, 1, 1))),
        )
    assert "overlap 2026/27" in exc.value.message_dict["start_date"][0]


def test_edit_dates_page_and_closed_points_keep_their_date(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    autumn = world.year.assessment_points.get()
    data = {
        "name": "2026/27",
        "start_date": "2026-09-02",
        "end_date": "2027-07-23",
        "version": world.year.version,
        "point_pk_1": autumn.pk,
        "point_name_1": "Autumn",
        "point_date_1": "2026-12-04",
        "point_name_2": "Summer",
        "point_date_2": "2027-07-01",
    }
    response = admin.post(reverse("setup-year", args=[world.year.pk]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    autumn.refresh_from_db()
    assert autumn.date == D(2026, 12, 4)
    assert world.year.assessment_points.count() == 2
    # A stale form is a conflict with both values.
    data["end_date"] = "2027-07-20"
    response = admin.post(reverse("setup-year", args=[world.year.pk]), data)
    assert response.status_code == 409
    # A closed point's date does not move.
    AssessmentPoint.objects.filter(pk=autumn.pk).update(state="closed")
    world.year.refresh_from_db()
    data["version"] = world.year.version
    data["point_date_1"] = "2026-12-11"
    response = admin.post(reverse("setup-year", args=[world.year.pk]), data)
    assert response.status_code == 400
    assert "is closed" in response.content.decode()
    autumn.refresh_from_db()
    assert autumn.date == D(2026, 12, 4)


def test_make_current_moves_the_grid_to_the_new_year(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    response = admin.post(
        reverse("setup-year-add"),
        {
            "name": "2027/28",
            "start_date": "2027-09-01",
            "end_date": "2028-08-31",
            "point_name_1": "Autumn",
            "point_date_1": "2027-12-10",
            "point_name_2": "Summer",
            "point_date_2": "2028-07-01",
        },
    )
    assert response.status_code == 302
    new = AcademicYear.objects.get(school=world.school, name="2027/28")
    admin.post(reverse("setup-year-current", args=[new.pk]))
    new.refresh_from_db()
    world.year.refresh_from_db()
    assert new.is_current and not world.year.is_current
    page = admin.get(reverse("setup-years")).content.decode()
    assert "2027/28" in page and "current year" in page
