"""Every URL against every role: who may see, who may change, and 404 for other schools."""

import pytest
from django.urls import reverse

from tests.factories import World

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]

# What each role gets on class A's grid (teacher and ta are assigned to class A).
GRID_VIEW = {
    "admin": 200,
    "leader": 200,
    "teacher": 200,
    "other_teacher": 200,
    "ta": 200,
    "senco": 200,
    "governor": 404,
}
GRID_EDIT = {
    "admin": 200,
    "leader": 200,
    "teacher": 200,
    "other_teacher": 403,
    "ta": 403,
    "senco": 403,
    "governor": 404,
}


def _cell_data(world: World) -> dict:
    return {
        "framework": world.framework.pk,
        "pupil": world.pupils_a[0].pk,
        "objective": world.objectives[0].pk,
        "code": "2",
        "version": 0,
        "mark_taught": "1",
    }


@pytest.mark.parametrize("role", ROLES)
def test_grid_page(world: World, client_for, role: str) -> None:
    response = client_for(world.users[role]).get(reverse("grid", args=[world.class_a.pk, "maths"]))
    assert response.status_code == GRID_VIEW[role]


@pytest.mark.parametrize("role", ROLES)
def test_grid_cell_save(world: World, client_for, role: str) -> None:
    url = reverse("grid-cell", args=[world.class_a.pk, "maths"])
    response = client_for(world.users[role]).post(
        url, _cell_data(world), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == GRID_EDIT[role]


@pytest.mark.parametrize("role", ROLES)
def test_grid_bulk(world: World, client_for, role: str) -> None:
    url = reverse("grid-bulk", args=[world.class_a.pk, "maths"])
    data = {
        "framework": world.framework.pk,
        "objective": world.objectives[0].pk,
        "code": "2",
        "pupils": [world.pupils_a[0].pk],
        "versions": f"{world.pupils_a[0].pk}:0",
        "mark_taught": "1",
    }
    response = client_for(world.users[role]).post(url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == GRID_EDIT[role]


@pytest.mark.parametrize("role", ROLES)
def test_grid_taught(world: World, client_for, role: str) -> None:
    url = reverse("grid-taught", args=[world.class_a.pk, "maths"])
    data = {"framework": world.framework.pk, "mark": f"{world.objectives[0].pk}:1"}
    response = client_for(world.users[role]).post(url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == GRID_EDIT[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["grid", "grid-cell", "grid-bulk", "grid-taught"])
def test_another_schools_class_is_404(
    world: World, other_world: World, client_for, role: str, name: str
) -> None:
    url = reverse(name, args=[other_world.class_a.pk, "maths"])
    client = client_for(world.users[role])
    response = client.get(url) if name == "grid" else client.post(url, _cell_data(other_world))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["grid", "grid-cell", "grid-bulk", "grid-taught"])
def test_anonymous_is_sent_to_login(world: World, client, name: str) -> None:
    url = reverse(name, args=[world.class_a.pk, "maths"])
    response = client.get(url) if name == "grid" else client.post(url, {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_home(world: World, client_for, role: str) -> None:
    response = client_for(world.users[role]).get(reverse("home"))
    assert response.status_code == 200
    names = {
        c.name
        for c in response.context.get("my_classes", []) + response.context.get("other_classes", [])
    }
    if role == "governor":
        assert names == set()
        assert b"whole-school summaries only" in response.content
    elif role == "ta":
        assert names == {"3 Oak"}
    else:
        assert names == {"3 Oak", "3 Ash"}


def test_teachers_can_be_kept_to_their_own_classes(world: World, client_for) -> None:
    world.school.teachers_see_other_classes = False
    world.school.save()
    client = client_for(world.users["teacher"])
    assert client.get(reverse("grid", args=[world.class_a.pk, "maths"])).status_code == 200
    assert client.get(reverse("grid", args=[world.class_b.pk, "maths"])).status_code == 404


@pytest.mark.parametrize("name", ["grid-cell", "grid-bulk", "grid-taught"])
def test_wrong_method(world: World, client_for, name: str) -> None:
    response = client_for(world.users["teacher"]).get(
        reverse(name, args=[world.class_a.pk, "maths"])
    )
    assert response.status_code == 405


def test_grid_rejects_post(world: World, client_for) -> None:
    response = client_for(world.users["teacher"]).post(
        reverse("grid", args=[world.class_a.pk, "maths"])
    )
    assert response.status_code == 405


@pytest.mark.parametrize("role", ROLES)
def test_cell_history(world: World, client_for, role: str) -> None:
    url = reverse("grid-history", args=[world.class_a.pk, "maths"])
    params = {"pupil": world.pupils_a[0].pk, "objective": world.objectives[0].pk}
    assert client_for(world.users[role]).get(url, params).status_code == GRID_VIEW[role]
