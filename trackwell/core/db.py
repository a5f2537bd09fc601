"""Database housekeeping that the ORM does not do for us."""

from __future__ import annotations

from django.db import connection


def refresh_statistics() -> None:
    """Gather table statistics after a bulk load (PostgreSQL's `ANALYZE`).

    Straight after thousands of rows arrive, PostgreSQL plans joins as if the tables
    were empty until autovacuum gets round to them (a minute or more): the school
    overview took 1.5 s instead of 0.3 s on a freshly loaded demo. SQLite plans well
    without statistics, so nothing is done there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
