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
