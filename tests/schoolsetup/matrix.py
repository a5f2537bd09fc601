"""The people-management URLs for the permission tests of accounts, pupils and schoolsetup."""

from collections.abc import Callable

from django.test import Client

from tests.factories import World

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
