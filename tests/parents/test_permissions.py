"""Every family URL against every role, parents included, another school's ids and methods."""

import pytest
from django.urls import reverse

from tests.factories import World, make_parent
from trackwell.parents.models import ChildLink
from trackwell.printed.models import ReportRound

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor", "parent"]
MANAGERS = {"admin": 200, "leader": 200}
STAFF_READ_ONLY = {"teacher": 403, "other_teacher": 403, "ta": 403, "senco": 403}
OUTSIDERS = {"governor": 404, "parent": 404}
MANAGE = {**MANAGERS, **STAFF_READ_ONLY, **OUTSIDERS}


@pytest.fixture
def users(world: World) -> dict:
    return {**world.users, "parent": make_parent(world.school, [world.pupils_a[0]], "p-a")}


def _get_cases(world: World, report_round: ReportRound) -> list[tuple[str, list, dict]]:
    own = world.pupils_a[0]
    sees_pupil = {"admin": 200, "leader": 200, "teacher": 200, "other_teacher": 200}
    sees_pupil |= {"ta": 200, "senco": 200, **OUTSIDERS}
    parent_only = {r: 404 for r in ROLES} | {"parent": 200}
    return [
        ("parents:home", [], parent_only),
        ("parents:child", [own.pk], parent_only),
        ("parents:contacts", [], MANAGE),
        ("parents:pupil-contacts", [own.pk], MANAGE),
        ("parents:preview", [own.pk], sees_pupil),
        ("parents:settings", [], MANAGE),
        ("parents:releases", [], MANAGE),
        ("parents:join", [], {r: 404 for r in ROLES} | {"parent": 200}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_family_pages_for_every_role(
    world: World, users: dict, report_round: ReportRound, client_for, role: str
) -> None:
    from trackwell.parents.models import ParentRelease

    ParentRelease.objects.create(school=world.school, point=report_round.point)
    client = client_for(users[role])
    for name, args, expected in _get_cases(world, report_round):
        response = client.get(reverse(name, args=args))
        assert response.status_code == expected[role], (name, role, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_family_writes_for_every_role(
    world: World, users: dict, report_round: ReportRound, client_for, role: str
) -> None:
    link = ChildLink.objects.get(pupil=world.pupils_a[0])
    client = client_for(users[role])
    ok = {"admin": 302, "leader": 302}
    expected = {**ok, **STAFF_READ_ONLY, **OUTSIDERS}
    cases = [
        ("parents:pupil-contacts", [world.pupils_a[1].pk], {"first_name": "A", "last_name": "B"}),
        ("parents:release", [report_round.point_id], {}),
        ("parents:link-revoke", [link.pk], {}),
    ]
    for name, args, data in cases:
        response = client.post(reverse(name, args=args), data)
        assert response.status_code == expected[role], (name, role, response.status_code)
    code = client.post(reverse("parents:link-code", args=[link.pk]))
    # A revoked link (when a manager revoked it just above) gives no code: back to the list.
    assert (
        code.status_code == {**{"admin": 302, "leader": 302}, **STAFF_READ_ONLY, **OUTSIDERS}[role]
    )


def test_a_code_page_for_a_live_link(world: World, users: dict, client_for) -> None:
    link = ChildLink.objects.get(pupil=world.pupils_a[0])
    response = client_for(world.users["admin"]).post(reverse("parents:link-code", args=[link.pk]))
    assert response.status_code == 200
    assert "works once" in response.content.decode()


def test_another_schools_ids_are_404(
    world: World, other_world: World, users: dict, client_for
) -> None:
    theirs = make_parent(other_world.school, [other_world.pupils_a[0]], "p-other")
    link = ChildLink.objects.get(pupil=other_world.pupils_a[0])
    point = other_world.year.assessment_points.get()
    for role in ("admin", "leader", "parent"):
        client = client_for(users[role])
        for name, args in [
            ("parents:pupil-contacts", [other_world.pupils_a[0].pk]),
            ("parents:preview", [other_world.pupils_a[0].pk]),
            ("parents:child", [other_world.pupils_a[0].pk]),
        ]:
            assert client.get(reverse(name, args=args)).status_code == 404, (name, role)
        for name, args in [
            ("parents:link-revoke", [link.pk]),
            ("parents:link-code", [link.pk]),
            ("parents:link-email", [link.pk]),
            ("parents:release", [point.pk]),
        ]:
            assert client.post(reverse(name, args=args)).status_code == 404, (name, role)
    assert ChildLink.objects.get(pk=link.pk).revoked_at is None
    assert theirs.pk


def test_wrong_methods(world: World, users: dict, client_for) -> None:
    link = ChildLink.objects.get(pupil=world.pupils_a[0])
    admin = client_for(world.users["admin"])
    for name, args in [
        ("parents:link-revoke", [link.pk]),
        ("parents:link-code", [link.pk]),
        ("parents:link-email", [link.pk]),
        ("parents:release", [world.year.assessment_points.get().pk]),
    ]:
        assert admin.get(reverse(name, args=args)).status_code == 405
    for name in ("parents:home", "parents:contacts", "parents:releases"):
        assert admin.post(reverse(name)).status_code == 405
    assert admin.delete(reverse("parents:settings")).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(world: World, client) -> None:
    response = client.get(reverse("parents:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("parents:join")).status_code == 200
