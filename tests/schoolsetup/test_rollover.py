"""The year rollover: preview, edits, all-or-nothing, last year unchanged, never twice."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import World, make_pupils
from trackwell.analysis.defaults import create_default_bands
from trackwell.analysis.evaluation import load_band_sets, starting_points
from trackwell.analysis.models import PupilFramework, Snapshot, SnapshotBand
from trackwell.assessment.models import Judgement
from trackwell.core.models import AcademicYear
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass
from trackwell.schoolsetup import rollover
from trackwell.schoolsetup.models import Rollover

pytestmark = pytest.mark.django_db


def test_names_a_year_on() -> None:
    assert rollover.next_year_name("2026/27") == "2027/28"
    assert rollover.next_year_name("2099/00") == "2100/01"
    assert rollover.next_year_name("2026-2027") == "2027-2028"
    assert rollover.next_class_name("3 Oak", 3) == "4 Oak"
    assert rollover.next_class_name("Y5 Birch", 5) == "Y6 Birch"
    assert rollover.next_class_name("Reception Ash", 0) == "1 Ash"
    assert rollover.next_class_name("Kestrels", 2) == "Kestrels (Year 3)"
    assert rollover.a_year_on(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


@pytest.fixture
def school_with_leavers(world: World) -> World:
    world.school.phase = "primary"
    world.school.save()
    year6 = SchoolClass.objects.create(
        school=world.school, year=world.year, name="6 Elm", nc_year=6
    )
    world.year6 = make_pupils(world.school, year6, 2)  # type: ignore[attr-defined]
    return world


def test_plan_promotes_and_names_leavers(school_with_leavers: World) -> None:
    w = school_with_leavers
    plan = rollover.plan_rollover(w.school)
    assert plan.name == "2027/28"
    assert plan.start_date == dt.date(2027, 9, 1)
    assert [p.name for p in plan.points] == ["Autumn"]
    assert {p.pk for p in plan.leavers} == {p.pk for p in w.year6}  # type: ignore[attr-defined]
    by_name = {c.from_name: c for c in plan.classes}
    assert by_name["3 Oak"].name == "4 Oak" and by_name["3 Oak"].create
    assert not by_name["6 Elm"].create and by_name["6 Elm"].pupil_ids == []
    assert by_name["3 Oak"].frameworks == [("Maths", "Maths Year 3 (no Year 4 framework yet)")]


def apply(world: World, **edits) -> Rollover:
    base = {
        "points": [
            rollover.year_services.PointSpec("Autumn", dt.date(2027, 12, 10)),
            rollover.year_services.PointSpec("Summer", dt.date(2028, 7, 1)),
        ]
    }
    base.update(edits)
    plan = rollover.plan_rollover(world.school, base)
    return rollover.apply_rollover(world.users["admin"], world.school, plan)


def test_rollover_keeps_last_year_and_runs_once(school_with_leavers: World) -> None:
    w = school_with_leavers
    create_default_bands(w.school)
    pupil = w.pupils_a[0]
    Judgement.objects.create(
        school=w.school,
        pupil=pupil,
        objective=w.objectives[0],
        level=w.scale.levels.get(code="2"),
        updated_by=w.users["teacher"],
        updated_at=timezone.now(),
    )
    before = set(
        Enrolment.objects.filter(school_class__year=w.year).values_list("pupil", "school_class")
    )
    done = apply(w, left_on=dt.date(2027, 7, 21))
    new_year = AcademicYear.objects.get(school=w.school, is_current=True)
    assert new_year.name == "2027/28" and done.to_year == new_year
    # Last year: its classes and enrolments unchanged, its open point closed with a record.
    after = set(
        Enrolment.objects.filter(school_class__year=w.year).values_list("pupil", "school_class")
    )
    assert after == before
    assert w.year.assessment_points.get().state == "closed"
    assert Snapshot.objects.filter(point__year=w.year, pupil=pupil).exists()
    assert Judgement.objects.filter(pupil=pupil).count() == 1
    # Pupils moved up a year into next year's classes; Year 6 left, kept.
    pupil.refresh_from_db()
    assert pupil.nc_year == 4
    four_oak = SchoolClass.objects.get(year=new_year, name="4 Oak")
    assert set(four_oak.pupils.values_list("pk", flat=True)) == {p.pk for p in w.pupils_a}
    for leaver in w.year6:  # type: ignore[attr-defined]
        leaver.refresh_from_db()
        assert leaver.left_on == dt.date(2027, 7, 21)
    assert Pupil.objects.filter(pk__in=[p.pk for p in w.year6]).count() == 2  # type: ignore[attr-defined]
    assert not SchoolClass.objects.filter(year=new_year, nc_year=7).exists()
    # Last year's final band is each pupil's starting point for the new year.
    new_point = new_year.assessment_points.order_by("date").first()
    assert new_point is not None
    starts = starting_points(new_point, load_band_sets(w.school.pk))
    last_band = SnapshotBand.objects.filter(
        snapshot__pupil=pupil, snapshot__point__year=w.year, band_set__kind="attainment"
    ).get()
    next_start = last_band.suggested.next_starting_point
    assert next_start is not None
    assert starts[(pupil.pk, w.maths.pk)] == next_start.key
    # Running it again is refused.
    with pytest.raises(ValidationError):
        rollover.apply_rollover(w.users["admin"], w.school, rollover.plan_rollover(w.school))
    assert AcademicYear.objects.filter(school=w.school).count() == 2


def test_failed_rollover_writes_nothing(school_with_leavers: World) -> None:
    w = school_with_leavers
    SchoolClass.objects.create(school=w.school, year=w.year, name="4 Oak", nc_year=4)
    plan = rollover.plan_rollover(
        w.school, {"classes": {w.class_b.pk: {"name": "4 Oak", "create": True, "nc_year": 4}}}
    )
    assert plan.problems  # two classes would be called 4 Oak
    with pytest.raises(ValidationError):
        rollover.apply_rollover(w.users["admin"], w.school, plan)
    # A problem found only while writing (too few points) rolls everything back.
    plan = rollover.plan_rollover(w.school)
    with pytest.raises(ValidationError):
        rollover.apply_rollover(w.users["admin"], w.school, plan)
    assert AcademicYear.objects.filter(school=w.school).count() == 1
    assert w.year.assessment_points.get().state == "open"
    assert not Pupil.objects.filter(school=w.school, left_on__isnull=False).exists()
    assert Pupil.objects.get(pk=w.pupils_a[0].pk).nc_year == 3


def test_pupils_on_an_earlier_framework_move_up(world: World) -> None:
    pupil = world.pupils_a[1]
    PupilFramework.objects.create(
        school=world.school, pupil=pupil, subject=world.maths, framework=world.framework_y2
    )
    apply(world)
    assert PupilFramework.objects.get(pupil=pupil).framework == world.framework


def test_rollover_page_preview_edit_and_apply(school_with_leavers: World, client_for) -> None:
    w = school_with_leavers
    admin = client_for(w.users["admin"])
    page = admin.get(reverse("setup-rollover"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "2027/28" in body and "4 Oak" in body and "2 pupils will be marked as left" in body
    form = {
        "from_year": w.year.pk,
        "name": "2027/28",
        "start_date": "2027-09-01",
        "end_date": "2028-08-31",
        "point_name_1": "Autumn",
        "point_date_1": "2027-12-10",
        "point_name_2": "Summer",
        "point_date_2": "2028-07-02",
        "leaving_nc_year": "6",
        "left_on": "2027-07-22",
        "close_open_points": "on",
        f"class_create_{w.class_a.pk}": "on",
        f"class_name_{w.class_a.pk}": "4 Willow",
        f"class_nc_{w.class_a.pk}": "4",
        "action": "preview",
    }
    preview = admin.post(reverse("setup-rollover"), form)
    assert preview.status_code == 200
    assert "4 Willow" in preview.content.decode()
    assert "will have no class yet" in preview.content.decode()  # 3 Ash left unticked
    form["action"] = "apply"
    unconfirmed = admin.post(reverse("setup-rollover"), form)
    assert unconfirmed.status_code == 400
    assert not Rollover.objects.exists()
    form["confirm"] = "yes"
    response = admin.post(reverse("setup-rollover"), form)
    assert response.status_code == 302
    new_year = AcademicYear.objects.get(school=w.school, is_current=True)
    assert list(SchoolClass.objects.filter(year=new_year).values_list("name", flat=True)) == [
        "4 Willow"
    ]
    # The same form again (a double submit) changes nothing.
    again = admin.post(reverse("setup-rollover"), form)
    assert "was rolled over into 2027/28" in again.content.decode()
    assert AcademicYear.objects.filter(school=w.school).count() == 2
    assert "rolled over into 2027/28" in admin.get(reverse("setup-rollover")).content.decode()
    # Last year stays readable: its class grid still opens with its pupils.
    grid = admin.get(reverse("grid", args=[w.class_a.pk, "maths"]))
    assert grid.status_code == 200
    assert w.pupils_a[0].last_name in grid.content.decode()


def test_rolls_into_next_year_made_beforehand(world: World) -> None:
    from trackwell.schoolsetup.services import PointSpec, create_year

    made = create_year(
        world.users["admin"],
        world.school,
        name="Next year",
        start_date=dt.date(2027, 9, 2),
        end_date=dt.date(2028, 7, 21),
        points=[
            PointSpec("Autumn", dt.date(2027, 12, 3)),
            PointSpec("Summer", dt.date(2028, 7, 7)),
        ],
    )
    plan = rollover.plan_rollover(world.school)
    assert plan.existing_year == made and plan.name == "Next year"
    rollover.apply_rollover(world.users["admin"], world.school, plan)
    made.refresh_from_db()
    assert made.is_current
    assert AcademicYear.objects.filter(school=world.school).count() == 2
    assert SchoolClass.objects.filter(year=made, name="4 Oak").exists()
