"""Django settings for Trackwell, read from the environment.

Production unless development is asked for: DEBUG is off by default, and with
DEBUG off Trackwell refuses to start without a real SECRET_KEY and sends HSTS,
redirects to HTTPS and marks its cookies secure. Development settings
(`trackwell.settings_dev`, or DEBUG=true) are what `make run` and the tests use.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import drf_spectacular_sidecar
from django.core.exceptions import ImproperlyConfigured

from trackwell.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("TRACKWELL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"
SECRET_KEY = envstr("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'). "
        "On a development machine ask for the development settings instead: "
        "DJANGO_SETTINGS_MODULE=trackwell.settings_dev (make run and the tests do)."
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
    "trackwell.schoolsetup",
    "trackwell.printed",
    "trackwell.demo",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    # Before axes: our failed-sign-in receiver must run before axes marks a lockout.
    "trackwell.security",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The headers every answer carries come next, outside everything that can answer
    # early: a host name not ours (CommonMiddleware's 400) or a failed CSRF check gets
    # them too.
    "trackwell.security.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "trackwell.security.middleware.SessionLimitsMiddleware",
    "trackwell.security.middleware.MFARequiredMiddleware",
    "trackwell.security.middleware.BadInputMiddleware",
    # 404 and 403 in Trackwell's layout, also with DEBUG on (never the URL map).
    "trackwell.core.middleware.ErrorPagesMiddleware",
    # Last, as axes asks: turns a lockout into the "try again later" page.
    "axes.middleware.AxesMiddleware",
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
        # Persistent connections, one per server thread, checked before reuse so a
        # restarted server is not an error page. A new one costs 10-15 ms a request on
        # PostgreSQL; on SQLite opening one (and its PRAGMAs) was a seventh of a busy
        # server's time under `make loadtest`, and the saves' p95 fell from 281 to 90 ms.
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
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
    # At least 12 characters (OWASP ASVS 2.1.1); a passphrase of three words is enough.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "trackwell.security.validators.NotBuiltFromNamesValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses sign-ins for a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username, or
# from one address, sign-in is refused for SIGN_IN_COOL_OFF_MINUTES; an admin can unlock
# their school's accounts sooner. A school behind one shared address: raise the limit.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=envint("SIGN_IN_COOL_OFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "trackwell.security.addresses.client_ip"
AXES_VERBOSE = False
# How many reverse proxies of our own append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Two-step sign-in (django-otp): the name shown in authenticator apps.
OTP_TOTP_ISSUER = envstr("OTP_TOTP_ISSUER", "Trackwell")

# Sessions end when the browser closes, after the school's idle timeout (accounts on shared
# school computers) and at the latest SESSION_ABSOLUTE_HOURS after signing in.
SESSION_ABSOLUTE_SECONDS = envint("SESSION_ABSOLUTE_HOURS", 10) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = envstr("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
# English dates and times in every template: 1 December 2026, 06:39.
FORMAT_MODULE_PATH = ["trackwell.formats"]

STATIC_URL = "static/"
# Our own assets, then front-end packages installed from npm by `make setup`
# (package.json and package-lock.json pin them; node_modules is never committed).
NODE_MODULES = BASE_DIR / "node_modules"
_SIDECAR = Path(drf_spectacular_sidecar.__file__).parent / "static" / "drf_spectacular_sidecar"
STATICFILES_DIRS: list[Any] = [
    BASE_DIR / "static",
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
    # Swagger UI for /api/docs/, from the installed drf-spectacular-sidecar package.
    ("drf_spectacular_sidecar/swagger-ui-dist", _SIDECAR / "swagger-ui-dist"),
]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
# `make serve` collects static files first and sets SERVE_COLLECTED_STATIC: the web
# process then serves them itself through WhiteNoise (hashed names, compressed, cached
# for a year), so production needs no separate static server. Development and tests
# read them in place.
SERVE_COLLECTED_STATIC = envbool("SERVE_COLLECTED_STATIC", False)
STATIC_BROTLI = envbool("STATIC_BROTLI", True)
if SERVE_COLLECTED_STATIC:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "trackwell.core.storage.CollectedStaticStorage"
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
# `make serve` (HTTPS=false), where there is no proxy to end TLS. With it: HTTPS only,
# for a year (HSTS), cookies never sent in the clear.
HTTPS = envbool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Behind the reverse proxy: it says whether the request came over HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# A refused form says it expired (templates/403_csrf.html), not that the account may not.
CSRF_FAILURE_VIEW = "trackwell.core.middleware.csrf_failure"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content security policy (django-csp 4), in development too so a page that breaks it
# breaks at once. No inline script anywhere: page scripts are files under static/js/,
# data reaches them through data-* attributes or json_script. Inline styles stay
# allowed because a school's own band and level colours are style attributes and the
# server-drawn SVG charts carry a <style> element; neither can run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
    # Django's own messages (an edit conflict's 409 is a warning) go to the root's
    # handler at the same level, once.
    "loggers": {"django": {"level": envstr("LOG_LEVEL", "WARNING")}},
}

# Heavy work (a password hash, a class grid, a whole-school overview) runs this
# many at a time in each server process, so light requests such as a cell save
# run beside it instead of queueing behind it (`trackwell/core/concurrency.py`).
HEAVY_WORK_AT_ONCE = envint("HEAVY_WORK_AT_ONCE", 1)

# Email: printed to the console in development (`make run`), sent by SMTP from
# environment variables otherwise; the test runner swaps in the locmem backend.
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Trackwell <trackwell@localhost>")
# Set-password and reset links work once (the token covers the password and the
# last sign-in) and expire after this many seconds: three days by default.
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600)

# The REST API (docs/api.md): API keys or a staff session, problem details for errors,
# cursor pagination, per-key rate limits counted in the database.
API_RATE_LIMIT = envint("API_RATE_LIMIT", 600)  # requests per key per minute
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "trackwell.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["trackwell.api.auth.AreaPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["trackwell.api.auth.KeyRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "trackwell.api.pagination.IdCursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "trackwell.api.problems.handle",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trackwell API",
    "DESCRIPTION": (
        "Pupils, classes, curriculum, judgements and analysis of one school (or a trust's "
        "aggregates), for MIS sync, trust dashboards and test platforms. Authenticate with "
        "an API key (`Authorization: Bearer tw_...`) created by a school admin. Errors are "
        "RFC 9457 problem details. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "NcYearEnum": "trackwell.pupils.models.NC_YEAR_CHOICES",
        "RoleEnum": "trackwell.accounts.models.Role",
        "StaffRoleEnum": "trackwell.accounts.services.STAFF_ROLES",
        "ApiStaffRoleEnum": "trackwell.api.serializers_people.API_STAFF_ROLES",
        "MeasureKindEnum": "trackwell.provision.models.MeasureKind",
        "ScoreKindEnum": "trackwell.scores.models.ScoreKind",
        "TargetKindEnum": "trackwell.scores.models.Target.Kind",
        "DecisionKindEnum": "trackwell.meetings.models.Decision.Kind",
    },
}
