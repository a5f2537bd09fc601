"""Settings come from the environment through typed helpers that fail loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from trackwell.env import envbool, envint, envlist

ROOT = Path(__file__).resolve().parents[2]


def test_envbool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "Yes")
    assert envbool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "off")
    assert envbool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        envbool("X_FLAG", True)
    monkeypatch.delenv("X_FLAG")
    assert envbool("X_FLAG", True) is True


def test_envint_and_envlist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_NUM", "12")
    assert envint("X_NUM", 1) == 12
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        envint("X_NUM", 1)
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert envlist("X_LIST", []) == ["a.example", "b.example"]


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import trackwell.settings as s; print(s.DEBUG, len(s.SECRET_KEY))"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_real_secret() -> None:
    result = _import_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    short = _import_settings(DEBUG="false", SECRET_KEY="short")
    assert short.returncode != 0


def test_production_starts_with_a_real_secret() -> None:
    result = _import_settings(DEBUG="false", SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "50"]


def test_passwords_are_hashed_with_argon2_outside_tests() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import trackwell.settings as s; print(s.PASSWORD_HASHERS[0])"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "trackwell.accounts.hashers.SchoolServerArgon2PasswordHasher"


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("only the SQLite run checks WAL mode")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_database_follows_database_url() -> None:
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite3"
    )
    assert settings.DATABASES["default"]["ENGINE"].endswith(expected)
