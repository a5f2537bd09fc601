"""Every page answers with the security headers and a policy that allows no inline script."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("url_name", ["login", "home"])
def test_pages_carry_a_policy_without_inline_script(world: World, client_for, url_name) -> None:
    client = client_for(world.users["teacher"]) if url_name == "home" else Client()
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
