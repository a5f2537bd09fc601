"""Shared fixtures: a test school with a persona for every role, and another school."""

import copy

import pytest
from django.test import Client

from tests.factories import World, make_world


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Argon2 is deliberately slow; tests check it is configured, then use a fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _browser_tests_may_eval(request, settings):
    # Playwright's wait_for_function evaluates a string in the page, which the strict
    # policy blocks; browser tests allow eval (never inline script) so they keep working.
    # tests/security/test_browser_csp.py checks the real policy in a real browser.
    if "live_server" in request.fixturenames and "strict_csp" not in request.fixturenames:
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["script-src"] = [*policy["DIRECTIVES"]["script-src"], "'unsafe-eval'"]
        settings.CONTENT_SECURITY_POLICY = policy


def _second_step_done(sender, request, user, **kwargs) -> None:
    # Tests sign in with force_login, client.login and the browser's sign-in form; this
    # passes the second step for them, as a person with an authenticator app would.
    from trackwell.security.mfa import VERIFIED_KEY

    if request is None or not hasattr(request, "session"):
        return
    request.session[VERIFIED_KEY] = user.pk


@pytest.fixture(autouse=True)
def _sign_in_without_second_step(request, settings):
    """Every test signs in past two-step sign-in and sign-in throttling, unless it asks.

    A test that checks two-step sign-in itself uses the `real_mfa` fixture; one that
    checks throttling uses `real_axes` (axes needs a request, which client.login lacks).
    """
    from django.contrib.auth.signals import user_logged_in

    if "real_axes" not in request.fixturenames:
        settings.AXES_ENABLED = False
    if "real_mfa" in request.fixturenames:
        yield
        return
    user_logged_in.connect(_second_step_done, dispatch_uid="tests-second-step")
    yield
    user_logged_in.disconnect(dispatch_uid="tests-second-step")


@pytest.fixture
def real_mfa() -> None:
    """Sign-ins in this test meet two-step sign-in as a real person would."""


@pytest.fixture
def real_axes() -> None:
    """Sign-ins in this test are throttled as on a real server."""


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def other_world(db) -> World:
    return make_world("Elsewhere Academy", pupils_per_class=2, objectives=3)


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
