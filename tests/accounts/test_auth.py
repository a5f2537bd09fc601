"""Signing in and out, and changing a password."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_sign_in_and_out(world: World) -> None:
    client = Client()
    response = client.post(
        reverse("login"), {"username": world.users["teacher"].username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_is_told_kindly(world: World) -> None:
    response = Client().post(
        reverse("login"), {"username": world.users["teacher"].username, "password": "nope"}
    )
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_change_password(world: World, client_for) -> None:
    user = world.users["teacher"]
    client = client_for(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-Much-longer-pass-42",
            "new_password2": "a-Much-longer-pass-42",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-Much-longer-pass-42")


def test_logout_needs_post(world: World, client_for) -> None:
    assert client_for(world.users["teacher"]).get(reverse("logout")).status_code == 405
