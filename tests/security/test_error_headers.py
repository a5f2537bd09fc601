"""Error answers carry the security headers too, under production settings (DEBUG off).

The permission matrix checks the headers on every page a view answers; these are the
answers Django makes itself or a middleware makes before any view runs: a bad request
(400: a host name not ours, a NUL character), a refused change (403, a failed CSRF check
included), a page that is not there (404) and a crash (500).
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from tests.factories import World
from tests.permissions.matrix import missing_headers
from trackwell.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals")


# The site's own URLs, plus one that crashes.
urlpatterns = [path("boom/", _boom), *site_urlpatterns]


@pytest.fixture
def production(settings: Any) -> None:
    """The production settings' security options (the tests run on the development ones)."""
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True


def _problems(response: Any, status: int) -> list[str]:
    problems = [] if response.status_code == status else [f"status {response.status_code}"]
    # The matrix's checks: the policy without inline script, nosniff, no framing, referrer.
    problems += missing_headers(response)
    if not response.get("Content-Type", "").startswith("text/html"):
        problems.append(f"not HTML: {response.get('Content-Type')}")
    hsts = response.get("Strict-Transport-Security", "")
    if "max-age=31536000" not in hsts or "includeSubDomains" not in hsts:
        problems.append(f"HSTS {hsts!r}")
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"Cache-Control {response.get('Cache-Control')!r}")
    if response.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append("Cross-Origin-Opener-Policy")
    return problems


def _signed_in(world: World, role: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(world.users[role])
    return client


Case = Callable[[World], tuple[Any, int]]


def _bad_host(world: World) -> tuple[Any, int]:
    return Client().get("/", secure=True, headers={"host": "evil.example"}), 400


def _nul_in_a_field(world: World) -> tuple[Any, int]:
    client = _signed_in(world, "teacher")
    return client.get(reverse("home"), {"q": "a\x00b"}, secure=True), 400


def _csrf_failure(world: World) -> tuple[Any, int]:
    client = _signed_in(world, "teacher", enforce_csrf_checks=True)
    return client.post(reverse("logout"), secure=True), 403


def _csrf_failure_signed_out(world: World) -> tuple[Any, int]:
    client = Client(enforce_csrf_checks=True)
    return client.post(reverse("login"), {"username": "x", "password": "y"}, secure=True), 403


def _read_only_change(world: World) -> tuple[Any, int]:
    client = _signed_in(world, "ta")
    url = reverse("grid-taught", args=[world.class_a.pk, "maths"])
    data = {"framework": world.framework.pk, "mark": f"{world.objectives[0].pk}:1"}
    return client.post(url, data, secure=True), 403


def _unknown_address(world: World) -> tuple[Any, int]:
    return _signed_in(world, "teacher").get("/no/such/page/", secure=True), 404


def _unknown_address_signed_out(world: World) -> tuple[Any, int]:
    return Client().get("/no/such/page/", secure=True), 404


def _outside_the_role(world: World) -> tuple[Any, int]:
    client = _signed_in(world, "governor")
    return client.get(reverse("grid", args=[world.class_a.pk, "maths"]), secure=True), 404


def _crash(world: World) -> tuple[Any, int]:
    client = Client(raise_request_exception=False)
    client.force_login(world.users["teacher"])
    return client.get("/boom/", secure=True), 500


CASES: dict[str, Case] = {
    "400 host not ours": _bad_host,
    "400 NUL character": _nul_in_a_field,
    "403 CSRF failure": _csrf_failure,
    "403 CSRF failure signed out": _csrf_failure_signed_out,
    "403 read-only change": _read_only_change,
    "404 unknown address": _unknown_address,
    "404 unknown address signed out": _unknown_address_signed_out,
    "404 outside the role": _outside_the_role,
    "500 crash": _crash,
}


@pytest.mark.urls("tests.security.test_error_headers")
@pytest.mark.parametrize("case", CASES)
def test_error_answers_carry_every_security_header(world: World, production: None, case) -> None:
    response, status = CASES[case](world)
    assert _problems(response, status) == []
    body = response.content.decode()
    for leak in ("Traceback", "secret internals", "URLconf", "evil.example", "DEBUG"):
        assert leak not in body


@pytest.mark.urls("tests.security.test_error_headers")
def test_a_csrf_failure_says_what_to_do(world: World, production: None) -> None:
    response, _ = _csrf_failure(world)
    body = response.content.decode()
    assert "expired" in body and 'class="brand"' in body


def test_pages_with_pupil_data_are_not_kept_by_caches(world: World, client_for) -> None:
    response = client_for(world.users["teacher"]).get(
        reverse("grid", args=[world.class_a.pk, "maths"])
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
