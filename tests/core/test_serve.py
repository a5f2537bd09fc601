"""The production server: gunicorn with production settings, static files from WhiteNoise."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


RECYCLE_EVERY = 6
SERVER_LOG: list[Path] = [Path()]  # gunicorn's own log, set by the fixture
PASSWORD = "serve-test-passphrase"
MAKE_TEACHER = f"""
from trackwell.accounts.models import Role, User
from trackwell.core.models import School
school = School.objects.create(name="Serve Test Primary")
User.objects.create_user("serveteacher", password="{PASSWORD}", role=Role.TEACHER, school=school)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DJANGO_SETTINGS_MODULE": "trackwell.settings",
        "DEBUG": "false",
        "HTTPS": "false",
        "SERVE_COLLECTED_STATIC": "true",
        "STATIC_BROTLI": "false",
        "SECRET_KEY": "test-only-" + "s" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        # Workers recycle every few requests here, so the tests below also show a
        # preloaded app's forked workers starting cleanly, each with its own connection.
        "GUNICORN_MAX_REQUESTS": str(RECYCLE_EVERY),
        "GUNICORN_ACCESS_LOG": str(tmp_path / "access.log"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for args in (["collectstatic", "--noinput", "-v0"], ["migrate", "--noinput", "-v0"]):
        subprocess.run(manage + args, env=env, cwd=ROOT, check=True, timeout=600)
    subprocess.run([*manage, "shell", "-c", MAKE_TEACHER], env=env, cwd=ROOT, check=True)
    log = SERVER_LOG[0] = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(GUNICORN), "-c", "python:trackwell.gunicorn"],
            env={**env, "GUNICORN_LOG_LEVEL": "info"},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        # The preloaded master listens only once Django has loaded: wait for it, but
        # not past a server that has already stopped.
        deadline = time.monotonic() + 90
        while True:
            try:
                _get(base + "/accounts/login/")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=40)


def test_gunicorn_serves_pages_and_hashed_static_files(production_server: str) -> None:
    status, headers, body = _get(production_server + "/accounts/login/")
    assert status == 200
    assert b"Sign in" in body or b"sign in" in body.lower()
    css = re.search(rb'href="(/static/css/trackwell\.[0-9a-f]{12}\.css)"', body)
    assert css, "collected static files are referenced by their hashed names"
    status, headers, _ = _get(production_server + css.group(1).decode())
    assert status == 200
    assert "max-age=315360000" in headers.get("Cache-Control", "")


def test_debug_is_off_under_the_production_server(production_server: str) -> None:
    status, _, body = _get(production_server + "/no-such-page/")
    assert status == 404
    assert b"URLconf" not in body and b"Traceback" not in body


def test_recycled_workers_keep_serving_signed_in_staff(production_server: str) -> None:
    """Workers forked from the preloaded master sign staff in and read the database
    across several recycles (each worker restarts every few requests here)."""
    import requests

    for _ in range(4):
        session = requests.Session()
        page = session.get(production_server + "/accounts/login/", timeout=20)
        assert page.status_code == 200
        response = session.post(
            production_server + "/accounts/login/",
            data={
                "username": "serveteacher",
                "password": PASSWORD,
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            },
            headers={"Referer": production_server + "/accounts/login/"},
            timeout=20,
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:500]
        for _ in range(RECYCLE_EVERY):
            home = session.get(production_server + "/", timeout=20, allow_redirects=False)
            assert home.status_code == 200, (home.status_code, home.headers.get("Location"))
            assert b"serveteacher" in home.content or b"Serve Test Primary" in home.content
    log = SERVER_LOG[0].read_text()
    # Both workers were replaced more than once, each by a fork of the loaded master.
    assert log.count("Autorestarting worker") >= 4, log[-3000:]
    assert log.count("Booting worker") >= 6, log[-3000:]
