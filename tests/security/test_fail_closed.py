"""Fail closed: production by default, `check --deploy` clean, error pages that reveal nothing."""

import html
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-real-production-secret-" + "k" * 40


def _env(**extra: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        and not k.startswith("SECURE_")
        and k != "HTTPS"
    }
    return {**keep, **extra}


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=_env(**env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_debug_is_off_unless_development_settings_are_asked_for() -> None:
    probe = "import trackwell.settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT)"
    result = _run(["-c", probe], SECRET_KEY=SECRET)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
    dev = _run(["-c", probe.replace("trackwell.settings ", "trackwell.settings_dev ")])
    assert dev.returncode == 0, dev.stderr
    assert dev.stdout.split() == ["True", "False"]


def test_production_settings_pass_the_deployment_check() -> None:
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        DJANGO_SETTINGS_MODULE="trackwell.settings",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="trackwell.school.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: /srv/trackwell/settings.py SECRET_KEY")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.urls("tests.security.test_fail_closed")
def test_the_500_page_reveals_nothing(db, settings) -> None:
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    for leak in ("Traceback", "RuntimeError", "secret internals", "settings.py", "SECRET_KEY"):
        assert leak not in body


@pytest.mark.urls("tests.security.test_fail_closed")
def test_the_404_page_lists_no_urls(db, settings) -> None:
    settings.DEBUG = False
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "boom/" not in response.content.decode()
    assert "URLconf" not in response.content.decode()


def test_numbers_too_large_ids_beyond_range_and_nul_characters(world, client_for) -> None:
    from django.urls import reverse

    client = client_for(world.users["teacher"])
    url = reverse("grid-cell", args=[world.class_a.pk, "maths"])
    data = {
        "framework": world.framework.pk,
        "pupil": "9" * 30,
        "objective": world.objectives[0].pk,
        "code": "2",
        "version": 0,
    }
    huge = client.post(url, data, HTTP_ACCEPT="application/json")
    assert huge.status_code in (400, 404)
    from django.db import connection

    if connection.vendor == "sqlite":  # PostgreSQL compares the number and finds no pupil
        assert huge.status_code == 400 and "too large" in huge.json()["message"]
    beyond = client.get(reverse("grid", args=[2**63, "maths"]))
    assert beyond.status_code == 404
    nul = client.post(url, {**data, "pupil": world.pupils_a[0].pk, "note": "a\x00b"})
    assert nul.status_code == 400
    assert "The field 'note' holds a NUL character" in html.unescape(nul.content.decode())
