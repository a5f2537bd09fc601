"""Every new people-management URL (staff, pupils, classes, groups, data out, years,
rollover) for every role, another school's ids, trust leaders and the wrong method."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, make_trust_leader
from tests.schoolsetup.matrix import ROLES, check
from trackwell.pupils.models import PupilGroup

pytestmark = pytest.mark.django_db

# (name, method, args from the world); GET pages answer 200, POST actions redirect.
URLS = [
    ("people-staff", "GET", lambda w: []),
    ("people-staff-add", "GET", lambda w: []),
    ("people-staff-add", "POST", lambda w: []),
    ("people-staff-edit", "GET", lambda w: [w.users["teacher"].pk]),
    ("people-staff-edit", "POST", lambda w: [w.users["teacher"].pk]),
    ("people-staff-active", "POST", lambda w: [w.users["ta"].pk]),
    ("people-staff-invite", "POST", lambda w: [w.users["ta"].pk]),
    ("people-pupils", "GET", lambda w: []),
    ("people-pupil-add", "GET", lambda w: []),
    ("people-pupil-add", "POST", lambda w: []),
    ("people-pupil", "GET", lambda w: [w.pupils_a[0].pk]),
    ("people-pupil", "POST", lambda w: [w.pupils_a[0].pk]),
    ("people-pupil-leave", "GET", lambda w: [w.pupils_a[0].pk]),
    ("people-pupil-leave", "POST", lambda w: [w.pupils_a[0].pk]),
    ("people-classes", "GET", lambda w: []),
    ("people-class-add", "GET", lambda w: []),
    ("people-class-add", "POST", lambda w: []),
    ("people-class", "GET", lambda w: [w.class_a.pk]),
    ("people-class", "POST", lambda w: [w.class_a.pk]),
    ("people-class-move", "POST", lambda w: [w.class_a.pk]),
    ("people-class-enrol", "POST", lambda w: [w.class_a.pk]),
    ("people-class-remove", "POST", lambda w: [w.class_a.pk]),
    ("people-groups", "GET", lambda w: []),
    ("people-group-add", "GET", lambda w: []),
    ("people-group-add", "POST", lambda w: []),
    ("people-group", "GET", lambda w: [w.group.pk]),
    ("people-group", "POST", lambda w: [w.group.pk]),
    ("people-group-delete", "POST", lambda w: [w.group.pk]),
    ("people-export", "GET", lambda w: []),
    ("people-export-file", "GET", lambda w: ["pupils", "csv"]),
    ("people-export-file", "GET", lambda w: ["staff", "xlsx"]),
    ("people-export-file", "GET", lambda w: ["classes", "csv"]),
    ("setup-years", "GET", lambda w: []),
    ("setup-year-add", "GET", lambda w: []),
    ("setup-year-add", "POST", lambda w: []),
    ("setup-year", "GET", lambda w: [w.year.pk]),
    ("setup-year", "POST", lambda w: [w.year.pk]),
    ("setup-year-current", "POST", lambda w: [w.year.pk]),
    ("setup-rollover", "GET", lambda w: []),
    ("setup-rollover", "POST", lambda w: []),
]


def _with_group(world: World) -> World:
    world.group = PupilGroup.objects.create(school=world.school, name="Young carers")  # type: ignore[attr-defined]
    world.group.pupils.add(world.pupils_a[0])  # type: ignore[attr-defined]
    return world


def _url(name: str, args: list) -> str:
    return reverse(name, args=args)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "args"), URLS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_url_for_every_role(world: World, client_for, role, name, method, args) -> None:
    _with_group(world)
    client = client_for(world.users[role])
    check(client, method, _url(name, args(world)), allowed=role == "admin")


@pytest.mark.parametrize(
    ("name", "method", "args"), URLS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_leaders_manage_people_only_where_the_school_allows(
    world: World, client_for, name, method, args
) -> None:
    _with_group(world)
    world.school.leaders_manage_people = True
    world.school.save()
    check(client_for(world.users["leader"]), method, _url(name, args(world)), allowed=True)


@pytest.mark.parametrize(
    ("name", "method", "args"), URLS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_trust_leaders_and_visitors(world: World, client_for, name, method, args) -> None:
    _with_group(world)
    url = _url(name, args(world))
    trust_leader = make_trust_leader(world.school.trust)  # type: ignore[arg-type]
    check(client_for(trust_leader), method, url, allowed=False)
    response = Client().get(url) if method == "GET" else Client().post(url, {})
    assert response.status_code in (302, 403)  # sign in first (POST without CSRF token: 403)


def test_another_schools_ids_are_404_for_our_admin(
    world: World, other_world: World, client_for
) -> None:
    _with_group(other_world)
    admin = client_for(world.users["admin"])
    for name, method, args in URLS:
        other_args = args(other_world)
        if not other_args or isinstance(other_args[0], str):
            continue
        url = _url(name, other_args)
        response = admin.get(url) if method == "GET" else admin.post(url, {})
        assert response.status_code == 404, (name, method, response.status_code)


@pytest.mark.parametrize(
    ("name", "method", "args"), URLS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_wrong_method_is_refused(world: World, client_for, name, method, args) -> None:
    _with_group(world)
    admin = client_for(world.users["admin"])
    url = _url(name, args(world))
    get_and_post = {
        "people-staff-add",
        "people-staff-edit",
        "people-pupil-add",
        "people-pupil",
        "people-pupil-leave",
        "people-class-add",
        "people-class",
        "people-group-add",
        "people-group",
        "setup-year-add",
        "setup-year",
        "setup-rollover",
    }
    if name in get_and_post:
        response = admin.put(url)
    elif method == "GET":
        response = admin.post(url, {})
    else:
        response = admin.get(url)
    assert response.status_code == 405, (name, response.status_code)
