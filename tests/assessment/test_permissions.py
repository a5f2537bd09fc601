"""The grid's new URLs for every role: the cursor setting and the school's grid settings."""

import pytest
from django.urls import reverse

from tests.factories import World, make_trust_leader
from trackwell.accounts.models import AuditEntry, User

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]
SETTINGS = {
    "admin": 200,
    "leader": 200,
    "teacher": 403,
    "other_teacher": 403,
    "ta": 403,
    "senco": 403,
    "governor": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_everyone_signed_in_keeps_their_own_cursor_setting(
    world: World, client_for, role: str
) -> None:
    user = world.users[role]
    client = client_for(user)
    response = client.post(
        reverse("grid-cursor"), {"grid_cursor": "right"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).grid_cursor == "right"
    # Only their own: nobody else's setting moved.
    others = User.objects.exclude(pk=user.pk).values_list("grid_cursor", flat=True)
    assert set(others) == {"down"}
    assert AuditEntry.objects.get(action="user.grid_cursor").user_id == user.pk
    assert client.get(reverse("grid-cursor")).status_code == 405
    bad = client.post(reverse("grid-cursor"), {"grid_cursor": "up"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and "down or right" in bad.json()["error"]


def test_the_cursor_form_without_javascript_returns_to_the_grid(world: World, client_for) -> None:
    grid = reverse("grid", args=[world.class_a.pk, "maths"])
    client = client_for(world.users["teacher"])
    response = client.post(reverse("grid-cursor"), {"grid_cursor": "right", "next": grid})
    assert response.status_code == 302 and response["Location"] == grid
    elsewhere = client.post(
        reverse("grid-cursor"), {"grid_cursor": "down", "next": "https://example.com/"}
    )
    assert elsewhere["Location"] == reverse("home")


def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:
    assert client.post(reverse("grid-cursor"), {"grid_cursor": "right"}).status_code == 302
    assert client.get(reverse("grid-settings")).status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_grid_settings_page(world: World, client_for, role: str) -> None:
    client = client_for(world.users[role])
    assert client.get(reverse("grid-settings")).status_code == SETTINGS[role]
    response = client.post(reverse("grid-settings"), {"untaught_ratings": "refuse", "seen": "ask"})
    expected = 302 if SETTINGS[role] == 200 else SETTINGS[role]
    assert response.status_code == expected
    world.school.refresh_from_db()
    assert world.school.untaught_ratings == ("refuse" if expected == 302 else "ask")
    assert client.put(reverse("grid-settings")).status_code == 405


def test_trust_leaders_have_no_grid_settings(world: World, client_for) -> None:
    leader = make_trust_leader(world.school.trust)  # type: ignore[arg-type]
    client = client_for(leader)
    assert client.get(reverse("grid-settings")).status_code == 404
    assert (
        client.post(
            reverse("grid-cursor"), {"grid_cursor": "right"}, HTTP_ACCEPT="application/json"
        ).status_code
        == 200
    )


def test_a_setting_changed_meanwhile_shows_both_values(
    world: World, other_world: World, client_for
) -> None:
    admin, leader = client_for(world.users["admin"]), client_for(world.users["leader"])
    assert admin.post(reverse("grid-settings"), {"untaught_ratings": "refuse", "seen": "ask"})
    # The leader's page still showed "ask" when they chose to keep asking... differently.
    response = leader.post(reverse("grid-settings"), {"untaught_ratings": "ask", "seen": "ask"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Ask whether to mark the objective taught" in page
    assert "Refuse until the objective is marked taught" in page
    world.school.refresh_from_db()
    assert world.school.untaught_ratings == "refuse"
    # Another school's setting was never touched.
    other_world.school.refresh_from_db()
    assert other_world.school.untaught_ratings == "ask"
    entry = AuditEntry.objects.get(action="school.untaught_ratings")
    assert entry.old == {"untaught_ratings": "ask"} and entry.new == {"untaught_ratings": "refuse"}
