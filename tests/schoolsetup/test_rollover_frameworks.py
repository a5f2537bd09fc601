"""The rollover lets the admin choose any of the school's frameworks of a subject per class."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import World, make_framework
from trackwell.assessment.grid import load_grid
from trackwell.assessment.models import ClassFramework
from trackwell.core.models import AcademicYear
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import SchoolClass
from trackwell.schoolsetup import rollover

pytestmark = pytest.mark.django_db

POINTS = [
    rollover.year_services.PointSpec("Autumn", dt.date(2027, 12, 10)),
    rollover.year_services.PointSpec("Summer", dt.date(2028, 7, 1)),
]


def _choice(plan: rollover.RolloverPlan, class_pk: int) -> rollover.FrameworkChoice:
    (cp,) = [c for c in plan.classes if c.from_class_id == class_pk]
    (choice,) = cp.choices
    return choice


def test_the_plan_offers_every_framework_of_the_subject_with_the_default(world: World) -> None:
    plan = rollover.plan_rollover(world.school)
    choice = _choice(plan, world.class_a.pk)
    # Next year's class is Year 4: no Year 4 framework, so Year 3's is the default.
    assert choice.default_id == world.framework.pk and choice.chosen_id is None
    assert {pk for pk, _ in choice.options} == {world.framework.pk, world.framework_y2.pk}


def test_a_class_keeps_an_earlier_years_framework_and_its_grid_opens_it(world: World) -> None:
    edits = {
        "points": POINTS,
        "classes": {world.class_a.pk: {"frameworks": {world.maths.pk: world.framework_y2.pk}}},
    }
    plan = rollover.plan_rollover(world.school, edits)
    assert plan.problems == []
    choice = _choice(plan, world.class_a.pk)
    assert choice.chosen_id == world.framework_y2.pk and choice.changed
    (cp,) = [c for c in plan.classes if c.from_class_id == world.class_a.pk]
    assert cp.frameworks == [("Maths", "Maths Year 2 (chosen)")]
    rollover.apply_rollover(world.users["admin"], world.school, plan)
    oak = SchoolClass.objects.get(name="4 Oak", year__is_current=True)
    ash = SchoolClass.objects.get(name="4 Ash", year__is_current=True)
    assert ClassFramework.objects.get(school_class=oak).framework == world.framework_y2
    assert not ClassFramework.objects.filter(school_class=ash).exists()  # left at the default
    assert load_grid(oak, world.maths).framework == world.framework_y2
    assert load_grid(ash, world.maths).framework == world.framework
    # Last year's class is untouched.
    assert load_grid(world.class_a, world.maths).framework == world.framework


def test_a_framework_of_another_subject_is_refused(world: World) -> None:
    english = Subject.objects.create(school=world.school, name="English", slug="english")
    reading = make_framework(world.school, english, world.scale, 4, 2)
    edits = {
        "points": POINTS,
        "classes": {world.class_a.pk: {"frameworks": {world.maths.pk: reading.pk}}},
    }
    plan = rollover.plan_rollover(world.school, edits)
    assert plan.problems == ["4 Oak, Maths: choose one of the school's Maths frameworks."]
    # English has its own Year 4 framework: that is its default.
    (cp,) = [c for c in plan.classes if c.from_class_id == world.class_a.pk]
    assert [(c.subject, c.default_id) for c in cp.choices] == [
        ("English", reading.pk),
        ("Maths", world.framework.pk),
    ]


def _form(world: World) -> dict[str, object]:
    return {
        "from_year": world.year.pk,
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
        f"class_create_{world.class_a.pk}": "on",
        f"class_create_{world.class_b.pk}": "on",
        f"class_fw_{world.class_a.pk}_{world.maths.pk}": world.framework_y2.pk,
        f"class_fw_default_{world.class_a.pk}_{world.maths.pk}": world.framework.pk,
        f"class_fw_{world.class_b.pk}_{world.maths.pk}": world.framework.pk,
        f"class_fw_default_{world.class_b.pk}_{world.maths.pk}": world.framework.pk,
        "action": "preview",
    }


def test_the_rollover_page_chooses_a_framework_per_class(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    page = admin.get(reverse("setup-rollover")).content.decode()
    select = f'name="class_fw_{world.class_a.pk}_{world.maths.pk}"'
    assert select in page
    assert f'<option value="{world.framework.pk}" selected>Maths Year 3 (default)</option>' in page
    assert f'<option value="{world.framework_y2.pk}">Maths Year 2</option>' in page
    form = _form(world)
    preview = admin.post(reverse("setup-rollover"), form).content.decode()
    assert f'<option value="{world.framework_y2.pk}" selected>Maths Year 2</option>' in preview
    form |= {"action": "apply", "confirm": "yes"}
    assert admin.post(reverse("setup-rollover"), form).status_code == 302
    new_year = AcademicYear.objects.get(school=world.school, is_current=True)
    choices = ClassFramework.objects.filter(school_class__year=new_year)
    assert [(c.school_class.name, c.framework_id) for c in choices] == [
        ("4 Oak", world.framework_y2.pk)
    ]
    oak = SchoolClass.objects.get(year=new_year, name="4 Oak")
    grid = admin.get(reverse("grid", args=[oak.pk, "maths"]))
    assert grid.status_code == 200 and grid.context["grid"].framework == world.framework_y2


def test_changing_the_nc_year_moves_an_unchosen_default(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    form = _form(world)
    # Ash is made a Year 2 class; its select still shows the Year 3 default it was offered.
    form[f"class_nc_{world.class_b.pk}"] = "2"
    form |= {"action": "apply", "confirm": "yes"}
    assert admin.post(reverse("setup-rollover"), form).status_code == 302
    ash = SchoolClass.objects.get(year__is_current=True, name="4 Ash")
    assert not ClassFramework.objects.filter(school_class=ash).exists()
    assert load_grid(ash, world.maths).framework == world.framework_y2
