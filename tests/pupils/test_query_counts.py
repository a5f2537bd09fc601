"""The management lists read a fixed number of queries however many pupils and staff."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import World, make_pupils, make_user
from trackwell.accounts.models import Role
from trackwell.pupils.models import SchoolClass, StaffAssignment

pytestmark = pytest.mark.django_db

PAGES = [
    ("people-pupils", []),
    ("people-staff", []),
    ("people-classes", []),
    ("setup-rollover", []),
    ("people-export-file", ["pupils", "csv"]),
    ("people-export-file", ["staff", "csv"]),
    ("people-export-file", ["classes", "csv"]),
]


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_constant_queries_as_the_school_grows(world: World, client_for, name, args) -> None:
    admin = client_for(world.users["admin"])
    url = reverse(name, args=args)
    count(admin, url)  # warm any per-process caches
    before = count(admin, url)
    extra = SchoolClass.objects.create(
        school=world.school, year=world.year, name="3 Yew", nc_year=3
    )
    make_pupils(world.school, extra, 25)
    for n in range(6):
        staff = make_user(world.school, f"extra-{n}", Role.TEACHER)
        StaffAssignment.objects.create(school=world.school, user=staff, school_class=extra)
    assert count(admin, url) == before
