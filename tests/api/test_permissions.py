"""Every endpoint against every scope, every staff role, and another school's ids."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.api.conftest import ALL_READ, ApiClient
from tests.factories import World
from trackwell.api.models import Area

pytestmark = pytest.mark.django_db

# Every GET endpoint of /api/v1/: its area, and a detail URL to try with another school's id.
LISTS = {
    "/api/v1/school/": Area.PEOPLE,
    "/api/v1/pupils/": Area.PEOPLE,
    "/api/v1/classes/": Area.PEOPLE,
    "/api/v1/enrolments/": Area.PEOPLE,
    "/api/v1/groups/": Area.PEOPLE,
    "/api/v1/staff/": Area.PEOPLE,
    "/api/v1/years/": Area.PEOPLE,
    "/api/v1/points/": Area.PEOPLE,
    "/api/v1/subjects/": Area.CURRICULUM,
    "/api/v1/scales/": Area.CURRICULUM,
    "/api/v1/frameworks/": Area.CURRICULUM,
    "/api/v1/strands/": Area.CURRICULUM,
    "/api/v1/objectives/": Area.CURRICULUM,
    "/api/v1/judgements/": Area.JUDGEMENTS,
    "/api/v1/figures/": Area.ANALYSIS,
    "/api/v1/figures/summary/": Area.ANALYSIS,
    "/api/v1/interventions/": Area.PROVISION,
    "/api/v1/participants/": Area.PROVISION,
    "/api/v1/measures/": Area.PROVISION,
    "/api/v1/meetings/": Area.PROVISION,
    "/api/v1/decisions/": Area.PROVISION,
    "/api/v1/actions/": Area.PROVISION,
    "/api/v1/tests/": Area.TESTS,
    "/api/v1/conversion-tables/": Area.TESTS,
    "/api/v1/results/": Area.TESTS,
    "/api/v1/targets/": Area.TESTS,
}
# Writes: each needs its area's write scope (a read scope answers 403 before the body).
WRITES = {
    "/api/v1/pupils/sync/": Area.PEOPLE,
    "/api/v1/staff/": Area.PEOPLE,
    "/api/v1/judgements/bulk/": Area.JUDGEMENTS,
    "/api/v1/interventions/": Area.PROVISION,
    "/api/v1/results/bulk/": Area.TESTS,
    "/api/v1/targets/bulk/": Area.TESTS,
}
DETAILS = {
    "pupils": lambda w: w.pupils_a[0].pk,
    "classes": lambda w: w.class_a.pk,
    "years": lambda w: w.year.pk,
    "frameworks": lambda w: w.framework.pk,
    "frameworks-case": lambda w: w.framework.pk,
    "objectives": lambda w: w.objectives[0].pk,
    "scales": lambda w: w.scale.pk,
    "subjects": lambda w: w.maths.pk,
}


def _detail_url(name: str, pk: int) -> str:
    if name == "frameworks-case":
        return f"/api/v1/frameworks/{pk}/case/"
    return f"/api/v1/{name}/{pk}/"


def _api_routes() -> set[str]:
    """Every route under api/v1/ in the URL map, as a pattern string."""
    found: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                found.add(prefix + str(p.pattern))

    walk(get_resolver().url_patterns, "")
    return {r for r in found if r.startswith("api/v1/")}


def test_the_matrix_covers_every_route() -> None:
    """A new endpoint without a row here fails the suite."""
    covered = {url.removeprefix("/") for url in LISTS} | {
        "api/v1/pupils/<int:pk>/",
        "api/v1/classes/<int:pk>/",
        "api/v1/years/<int:pk>/",
        "api/v1/frameworks/<int:pk>/",
        "api/v1/frameworks/<int:pk>/case/",
        "api/v1/objectives/<int:pk>/",
        "api/v1/scales/<int:pk>/",
        "api/v1/subjects/<int:pk>/",
        "api/v1/enrolments/<int:pk>/",
        "api/v1/groups/<int:pk>/",
        "api/v1/staff/<int:pk>/",
        "api/v1/points/<int:pk>/",
        "api/v1/strands/<int:pk>/",
        "api/v1/judgements/<int:pk>/",
        "api/v1/judgements/bulk/",
        "api/v1/gaps/",
        "api/v1/trust/overview/",
        "api/v1/pupils/sync/",
        "api/v1/deletions/",
        "api/v1/interventions/<int:pk>/",
        "api/v1/interventions/<int:pk>/participants/",
        "api/v1/participants/<int:pk>/",
        "api/v1/participants/<int:pk>/outcome/",
        "api/v1/participants/<int:pk>/remove/",
        "api/v1/measures/<int:pk>/",
        "api/v1/tests/<int:pk>/",
        "api/v1/conversion-tables/<int:pk>/",
        "api/v1/results/<int:pk>/",
        "api/v1/results/bulk/",
        "api/v1/targets/<int:pk>/",
        "api/v1/targets/bulk/",
        "api/v1/meetings/<int:pk>/",
        "api/v1/meetings/<int:pk>/agenda/",
        "api/v1/decisions/<int:pk>/",
        "api/v1/actions/<int:pk>/",
    }
    assert _api_routes() <= covered, sorted(_api_routes() - covered)


@pytest.mark.parametrize(("url", "area"), LISTS.items())
def test_each_area_needs_its_scope(world: World, api, url: str, area: str) -> None:
    assert api([f"{area}:read"]).get(url).status_code == 200
    others = [s for s in ALL_READ if not s.startswith(area)]
    response = api(others).get(url)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert ApiClient(None).get(url).status_code in (401, 403)


@pytest.mark.parametrize("name", DETAILS)
def test_another_schools_ids_are_not_found(
    world: World, other_world: World, api, name: str
) -> None:
    client = api(ALL_READ)
    assert client.get(_detail_url(name, DETAILS[name](world))).status_code == 200
    response = client.get(_detail_url(name, DETAILS[name](other_world)))
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_lists_hold_only_the_keys_school(world: World, other_world: World, api) -> None:
    client = api(ALL_READ)
    pupils = client.get("/api/v1/pupils/").json()["results"]
    assert {p["id"] for p in pupils} == {p.pk for p in world.pupils_a + world.pupils_b}
    gaps = client.get("/api/v1/gaps/", pupil=other_world.pupils_a[0].pk)
    assert gaps.status_code == 404
    figures = client.get("/api/v1/figures/", point=other_world.year.assessment_points.get().pk)
    assert figures.status_code == 404


def test_writes_need_the_write_scope(world: World, api) -> None:
    cell = {
        "pupil": world.pupils_a[0].pk,
        "objective": world.objectives[0].pk,
        "code": "2",
        "version": 0,
    }
    assert (
        api(["judgements:read"]).post("/api/v1/judgements/bulk/", {"cells": [cell]}).status_code
        == 403
    )
    assert (
        api(["judgements:write"]).post("/api/v1/judgements/bulk/", {"cells": [cell]}).status_code
        == 200
    )


@pytest.mark.parametrize(("url", "area"), WRITES.items())
def test_each_write_needs_its_areas_write_scope(world: World, api, url: str, area: str) -> None:
    response = api([f"{a}:read" for a in Area.values]).post(url, {})
    assert response.status_code == 403, response.content
    assert area in response.json()["detail"]
    # With the write scope the same empty body is refused for what it lacks, not the scope.
    assert api([f"{area}:write"]).post(url, {}).status_code == 400


def test_another_schools_ids_are_not_found_in_the_new_areas(
    world: World, other_world: World, api
) -> None:
    from tests.permissions.cases_api import _action, _decision, _meeting, _result, _target
    from tests.permissions.cases_provision import _group, _participant
    from tests.scores.conftest import make_reading_test

    def urls(w: World) -> list[str]:
        return [
            f"/api/v1/interventions/{_group(w).pk}/",
            f"/api/v1/participants/{_participant(w).pk}/",
            f"/api/v1/tests/{make_reading_test(w).pk}/",
            f"/api/v1/results/{_result(w)['pk']}/",
            f"/api/v1/targets/{_target(w)['pk']}/",
            f"/api/v1/meetings/{_meeting(w).pk}/agenda/",
            f"/api/v1/decisions/{_decision(w)['pk']}/",
            f"/api/v1/actions/{_action(w)['pk']}/",
        ]

    client = api(ALL_READ)
    for mine, theirs in zip(urls(world), urls(other_world), strict=True):
        assert client.get(mine).status_code == 200, mine
        assert client.get(theirs).status_code == 404, theirs


def test_read_endpoints_refuse_writes(world: World, api) -> None:
    response = api().post("/api/v1/pupils/", {})
    assert response.status_code == 405
    assert response.json()["status"] == 405


# What a signed-in member of staff reaches with their session.
SESSION = {
    "admin": {"/api/v1/pupils/": 8, "/api/v1/staff/": 7},
    "leader": {"/api/v1/pupils/": 8, "/api/v1/staff/": 7},
    "senco": {"/api/v1/pupils/": 8, "/api/v1/staff/": 0},
    "teacher": {"/api/v1/pupils/": 8, "/api/v1/staff/": 0},
    "other_teacher": {"/api/v1/pupils/": 8, "/api/v1/staff/": 0},
    "ta": {"/api/v1/pupils/": 5, "/api/v1/staff/": 0},
    "governor": {"/api/v1/pupils/": 0, "/api/v1/staff/": 0},
}


@pytest.mark.parametrize("role", SESSION)
def test_staff_sessions_see_what_the_pages_show(world: World, client_for, role: str) -> None:
    client = client_for(world.users[role])
    for url, count in SESSION[role].items():
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.json()["results"]) == count, (role, url)


def test_special_category_flags_follow_need_to_know(world: World, client_for) -> None:
    world.pupils_b[0].fsm = True
    world.pupils_b[0].save()
    rows = client_for(world.users["teacher"]).get("/api/v1/pupils/").json()["results"]
    by_id = {r["id"]: r for r in rows}
    assert by_id[world.pupils_b[0].pk]["fsm"] is None  # another class: hidden
    assert by_id[world.pupils_a[0].pk]["fsm"] is False  # own class: shown
    rows = client_for(world.users["senco"]).get("/api/v1/pupils/").json()["results"]
    assert {r["id"]: r for r in rows}[world.pupils_b[0].pk]["fsm"] is True


def test_unknown_api_urls_are_problem_404s(world: World, api) -> None:
    response = api().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
