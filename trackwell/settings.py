"""Django settings for Trackwell, read from the environment.

Development defaults apply only while DEBUG is on; with DEBUG off Trackwell
refuses to start without a real SECRET_KEY.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from trackwell.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("TRACKWELL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", True)
_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"
SECRET_KEY = envstr("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "trackwell.core",
    "trackwell.accounts",
    "trackwell.pupils",
    "trackwell.curriculum",
    "trackwell.assessment",
    "trackwell.analysis",
    "trackwell.reports",
    "trackwell.interop",
    "trackwell.provision",
    "trackwell.meetings",
    "trackwell.scores",
    "trackwell.parents",
    "trackwell.api",
    "trackwell.home",
    "trackwell.printed",
    "trackwell.demo",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "trackwell.urls"
WSGI_APPLICATION = "trackwell.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite (WAL) under var/ by default; PostgreSQL when DATABASE_URL says so.
_database_url = envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'trackwell.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        # Persistent connections on PostgreSQL (a new one costs 10-15 ms a request),
        # checked before reuse so a restarted server is not an error page.
        conn_max_age=envint("DB_CONN_MAX_AGE", 0 if _database_url.startswith("sqlite") else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not memory, so tests exercise WAL and real concurrent connections.
    # TEST_SQLITE_NAME lets two test runs share a checkout without sharing a file.
    DATABASES["default"]["TEST"] = {
        "NAME": str(VAR_DIR / envstr("TEST_SQLITE_NAME", "test-trackwell.sqlite3"))
    }

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "trackwell.accounts.hashers.SchoolServerArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = envstr("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Our own assets, then front-end packages installed from npm by `make setup`
# (package.json and package-lock.json pin them; node_modules is never committed).
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS: list[Any] = [
    BASE_DIR / "static",
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
# `make serve` collects static files first and sets SERVE_COLLECTED_STATIC: the web
# process then serves them itself through WhiteNoise (hashed names, compressed, cached
# for a year), so production needs no separate static server. Development and tests
# read them in place.
SERVE_COLLECTED_STATIC = envbool("SERVE_COLLECTED_STATIC", False)
if SERVE_COLLECTED_STATIC:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if SERVE_COLLECTED_STATIC
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Rendered report PDFs; never served as static files (downloads go through the access layer).
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))

# Background work (report batches) with django-tasks. The default queues tasks in the
# database and `manage.py db_worker` runs them (`make run` starts one beside the web
# server); TASKS_BACKEND=immediate runs them in the request (the tests do). See
# docs/reports.md for production.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_task_backend = envstr("TASKS_BACKEND", "database")
if _task_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_task_backend]}}

# HTTPS is on wherever DEBUG is off, except when serving on loopback with
# `make serve` (HTTPS=false), where there is no proxy to end TLS.
HTTPS = envbool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# Behind the reverse proxy: it says whether the request came over HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
