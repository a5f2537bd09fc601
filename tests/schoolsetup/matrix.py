"""The people-management URLs for the permission tests of accounts, pupils and schoolsetup."""

from collections.abc import Callable

from django.test import Client

from tests.factories import World

# Roles that manage people (a leader only where the school's setting allows).
MANAGERS = {"admin"}
ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]

Url = tuple[str, str, Callable[[World], str]]


def check(client: Client, method: str, url: str, allowed: bool) -> int:
    """Request the URL and return the status; asserts the rule for allowed or not."""
    response = client.get(url) if method == "GET" else client.post(url, {})
    status = response.status_code
    if allowed:
        assert status in (200, 302, 400), (url, method, status)
    else:
        assert status == 404, (url, method, status)
    return status


def wrong_method(client: Client, method: str, url: str) -> None:
    """GET-only pages refuse POST and POST-only actions refuse GET (405), never a 500."""
    response = client.post(url, {}) if method == "GET" else client.get(url)
    assert response.status_code in (405, 200, 302, 400), (url, response.status_code)
