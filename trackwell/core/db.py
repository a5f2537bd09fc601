"""Database housekeeping that the ORM does not do for us."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable


def refresh_statistics() -> None:
    """Gather table statistics after a bulk load (PostgreSQL's `VACUUM (ANALYZE)`).

    Straight after thousands of rows arrive, PostgreSQL plans joins as if the tables
    were empty until autovacuum gets round to them (a minute or more): the school
    overview took 1.5 s instead of 0.3 s on a freshly loaded demo. SQLite plans well
    without statistics, so nothing is done there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Outside a transaction, VACUUM too, as autovacuum would after the inserts: it
            # marks the new rows visible to all, which lets covering indexes answer alone.
            outside = connection.get_autocommit() and not connection.in_atomic_block
            cursor.execute("VACUUM (ANALYZE)" if outside else "ANALYZE")


def plain_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A `values_list` queryset's rows as the database driver returns them, in one fetch.

    The ORM reads rows a hundred at a time and passes each through its converters:
    about a microsecond and a half a row, which for the thousands of small rows a
    whole-school analysis reads (enrolments, marks taught, objectives) cost more
    than running the queries. This compiles the queryset as the ORM would and reads
    the rows with one `fetchall`, unconverted: only for columns the driver already
    returns as Python wants them on both databases (ids, integers, text). Not for
    dates, decimals, JSON or booleans (SQLite returns those as text or 0 and 1).
    """
    query = queryset.query
    # The ORM's own iterable for `values_list()` (not flat, not named), with no annotation,
    # extra column or DISTINCT: then the compiled SELECT has exactly the columns asked for,
    # in that order. Anything else the ORM rearranges or converts after the fetch.
    if (
        queryset._iterable_class is not ValuesListIterable
        or query.annotation_select
        or query.extra_select
        or query.distinct
    ):
        raise TypeError("plain_rows reads a plain values_list() queryset of columns only.")
    if query.is_empty():
        return []
    try:
        sql, params = query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # a filter on an empty list: the ORM too returns no rows
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()  # tuples on both drivers
        return rows
