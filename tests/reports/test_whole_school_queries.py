"""Whole-school analysis costs the same number of queries for a small school and a bigger one.

Closing a point, the live analysis behind every page, and the group comparison
page each make a fixed number of queries: growing the school by three classes of
ten pupils, with ratings, coverage and a closed point, changes none of them.
"""

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.analysis.helpers import add_points, judge, objectives, point, teach, with_bands
from tests.factories import World, make_pupils
from trackwell.analysis.evaluation import evaluate_live
from trackwell.analysis.services import close_point, reopen_point
from trackwell.core.models import AcademicYear, AssessmentPoint
from trackwell.pupils.models import SchoolClass

pytestmark = pytest.mark.django_db


def _queries(fn: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _rate(world: World, pupils: list, offset: int) -> None:
    y3, y2 = objectives(world.framework), objectives(world.framework_y2)
    for i, p in enumerate(pupils):
        for o in y3[: (i + offset) % 5]:
            judge(world, p, o, "23"[i % 2])
        judge(world, p, y2[i % len(y2)], "3")


def _grow(world: World) -> None:
    for n in range(3):
        extra = SchoolClass.objects.create(
            school=world.school, year=world.year, name=f"Extra {n}", nc_year=3
        )
        teach(world, objectives(world.framework)[:2], extra)
        _rate(world, make_pupils(world.school, extra, 10), n)


def _school(world: World) -> AssessmentPoint:
    """Bands, ratings, the autumn point closed: spring is evaluated against it."""
    with_bands(world)
    add_points(world)
    teach(world, objectives(world.framework)[:3])
    _rate(world, [*world.pupils_a, *world.pupils_b], 0)
    close_point(user=world.users["leader"], point=point(world, "Autumn"))
    return point(world, "Spring")


def test_live_analysis_and_closing_cost_the_same_queries_as_the_school_grows(
    world: World,
) -> None:
    spring = _school(world)
    leader = world.users["leader"]

    def close_and_reopen() -> None:
        close_point(user=leader, point=spring)
        reopen_point(user=leader, point=spring, reason="Counting queries")

    small = (_queries(lambda: evaluate_live(spring)), _queries(close_and_reopen))
    rows_before = len(evaluate_live(spring).rows)
    _grow(world)
    assert len(evaluate_live(spring).rows) == rows_before + 30
    assert (_queries(lambda: evaluate_live(spring)), _queries(close_and_reopen)) == small


@pytest.mark.parametrize("role", ["leader", "governor"])
def test_group_comparison_page_costs_the_same_queries_as_the_school_grows(
    world: World, client_for, role: str
) -> None:
    _school(world)
    client = client_for(world.users[role])
    url = reverse("report-groups")

    def page() -> None:
        assert client.get(url).status_code == 200

    page()
    small = _queries(page)
    _grow(world)
    assert _queries(page) == small


def test_group_comparison_page_costs_the_same_queries_with_more_points(
    world: World, client_for
) -> None:
    """The point menu names each point's year: read with the points, not once a point."""
    _school(world)
    client = client_for(world.users["leader"])
    url = reverse("report-groups")

    def page() -> None:
        assert client.get(url).status_code == 200

    page()
    small = _queries(page)
    last = world.year.start_date.year - 1
    earlier = AcademicYear.objects.create(
        school=world.school,
        name=f"{last}/{str(last + 1)[2:]}",
        start_date=date(last, 9, 1),
        end_date=date(last + 1, 8, 31),
    )
    for name, month in [("Autumn", 12), ("Spring", 3), ("Summer", 7)]:
        AssessmentPoint.objects.create(
            school=world.school,
            year=earlier,
            name=name,
            date=date(last if month == 12 else last + 1, month, 10),
        )
    assert _queries(page) == small
