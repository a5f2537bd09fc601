"""Gunicorn settings for serving Trackwell (`gunicorn -c python:trackwell.gunicorn`).

Every value can be set from the environment; the defaults suit a 2-core school
server behind a reverse proxy on the same machine.
"""

import multiprocessing
import os

from trackwell.core import collector
from trackwell.env import envbool

wsgi_app = "trackwell.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threaded workers ("gthread"). With sync workers a short request (a cell save,
# a few ms) waits in the queue behind whole long ones (a sign-in's Argon2 check,
# a grid); with threads it runs beside them, while heavy work takes turns in
# each process (`trackwell/core/concurrency.py`) and the password hash runs
# without the GIL.
#
# How many, by database (`make loadtest`, 75 staff on 2 cores, docs/performance.md):
# on SQLite, one process per core with 32 threads (save p95 90-100 ms; two per
# core gave 346 ms, four turns at heavy work at once on two cores); on
# PostgreSQL, two processes per core with 16 threads, since its own server
# processes need the cores too and a process waiting for them leaves its core
# to another (save p95 202-237 ms; one per core gave 435 ms).
_sqlite = (os.environ.get("DATABASE_URL") or "sqlite").startswith("sqlite")
_cores = multiprocessing.cpu_count()
workers = int(os.environ.get("WEB_CONCURRENCY", str(max(2, _cores if _sqlite else _cores * 2))))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# Enough threads that requests waiting for a turn at heavy work never leave a cell
# save without one. Each thread may keep a database connection (PostgreSQL's
# max_connections must allow workers x threads: 64 on a 2-core server).
threads = int(os.environ.get("GUNICORN_THREADS", "32" if _sqlite else "16"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage. Each
# recycle costs the load a moment (`make loadtest`: at 2,000 requests both
# workers restarted within a minute of 75 staff, and one ten-second window's
# save p95 rose to 1.5 s), so a busy morning should see few: 20,000 requests is
# several hours of a whole school's use.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# Django is loaded once, in the master, and each worker is a fork of it: a new
# or recycled worker serves at once instead of spending a second or two of CPU
# importing Django beside the workers serving staff. (So `kill -HUP` starts
# workers on the code already loaded; restart the service to deploy new code.)
# Nothing connects to the database at import; the master closes any connection
# after warming up all the same, so no worker can inherit one.
preload_app = envbool("GUNICORN_PRELOAD", True)
# Each worker's garbage collector looks at young objects every this many new ones
# (trackwell/core/collector.py); read here so a bad value stops gunicorn at start.
gc_threshold = collector.threshold_from_environment()
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Addresses whose X-Forwarded-* headers gunicorn itself believes. Django reads
# X-Forwarded-Proto whoever sends it (with HTTPS on), so bind gunicorn to
# loopback or a private network only the proxy reaches, and have the proxy overwrite it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Pages staff open first, compiled when a worker starts rather than on the first
# request it serves (a worker's first sign-in page took about 0.5 s).
WARM_TEMPLATES = ("registration/login.html", "assessment/grid.html", "reports/school_overview.html")


def _warm() -> None:
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    for name in WARM_TEMPLATES:
        get_template(name)


def when_ready(server: object) -> None:
    # With the app preloaded this runs in the master before the first fork, so
    # every worker starts with the views imported and the templates compiled.
    if preload_app:
        from django.db import connections

        _warm()
        connections.close_all()
        # What every worker is forked with is never collected (trackwell/core/collector.py).
        collector.freeze_loaded()


def post_worker_init(worker: object) -> None:
    import sys

    # A thread coming back from the database waits for the GIL until the running
    # thread lets go: at most this long (Python's default is 5 ms, which a cell
    # save of eight queries could pay eight times behind a grid being drawn).
    sys.setswitchinterval(float(os.environ.get("PYTHON_SWITCH_INTERVAL", "0.0005")))
    _warm()  # already done in the master when preloaded; then it costs nothing
    if not preload_app:
        collector.freeze_loaded()  # the master had nothing loaded to freeze
    collector.tune(gc_threshold)  # young objects collected every 50,000 rather than every 700
