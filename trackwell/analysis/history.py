"""Where pupils stood before a point: closures, starting points and earlier positions.

Split out of evaluation.py; these read what the progress bands compare with.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, datetime, time
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from trackwell.core.models import AssessmentPoint

from .feed import CHUNK, SchoolFeed
from .figures import Key, pct_of
from .loading import BandSets
from .models import PointClosure, PupilStartingPoint, Snapshot, SnapshotBand


def end_of_day(point: AssessmentPoint) -> datetime:
    return timezone.make_aware(datetime.combine(point.date, time(23, 59, 59)))


def latest_closures(point_ids: Collection[int]) -> dict[int, int]:
    """The newest closure of each of these points: point id -> closure id (one query)."""
    result: dict[int, int] = {}
    for point_id, closure_id in (
        PointClosure.objects.filter(point_id__in=list(point_ids))
        .values_list("point_id", "pk")
        .order_by("point_id", "pk")
    ):
        result[point_id] = closure_id
    return result


def previous_closure(point: AssessmentPoint) -> int | None:
    """The newest closure of the latest closed point before this one (this year or before)."""
    closure = (
        PointClosure.objects.filter(school_id=point.school_id, point__date__lt=point.date)
        .order_by("-point__date", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return closure


def _last_year_closure(point: AssessmentPoint) -> int | None:
    return (
        PointClosure.objects.filter(
            school_id=point.school_id, point__year__start_date__lt=point.year.start_date
        )
        .order_by("-point__year__start_date", "-point__date", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def starting_points(
    point: AssessmentPoint, sets: BandSets, pupil_ids: Collection[int] | None = None
) -> dict[Key, str]:
    """Each pupil's starting point key for the point's year: set by hand, else from last year.

    From last year: the band the pupil ended last year in (the newest closed
    point of an earlier year, confirmed band first) leads to that band's
    `next_starting_point`.
    """
    closure_id = _last_year_closure(point) if sets.attainment else None
    return _starting_points_many([(point, sets, closure_id)], pupil_ids)[point.pk]


# A snapshot band as starting points and earlier positions read it: closure, band set,
# pupil, subject, shown band (confirmed, else suggested), its order, and the snapshot's
# framework, secure count and objectives.
BandRow = tuple[int, int, int, int, int, int, int | None, int, int]


def snapshot_band_rows(
    closure_ids: Collection[int], set_ids: Collection[int], pupil_ids: Collection[int] | None
) -> list[BandRow]:
    """These closures' bands of these sets, as `BandRow`s (one query).

    Read from the closures' snapshots to their bands (SQLite takes a CROSS JOIN's
    tables in the order written): left to itself SQLite read every band of the set
    ever stored, for every closure of every year, and kept those of these
    closures, so a page grew slower with each point closed. Plain SQL through the
    cursor, as the figures' GROUP BY is: the rows are tuples as they come, with no
    per-row conversion by the ORM (3,000 rows for a two-form-entry school).
    """
    built = _snapshot_band_sql(closure_ids, set_ids, pupil_ids)
    if built is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*built)
        return [tuple(row) for row in cursor.fetchall()]


def snapshot_band_stream(
    closure_ids: Collection[int], set_ids: Collection[int], feed: SchoolFeed
) -> Iterator[BandRow]:
    """`snapshot_band_rows` for a trust's feed: the same query, in the feed's order of
    schools, read from the database a chunk at a time (a server-side cursor on
    PostgreSQL)."""
    built = _snapshot_band_sql(closure_ids, set_ids, None, feed.position_sql("s.school_id"))
    if built is None:
        return
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(*built)
        while chunk := cursor.fetchmany(CHUNK):
            yield from (tuple(row) for row in chunk)
    finally:
        cursor.close()


# SnapshotBand's covering index (models.py), named as the model names it.
SHOWN_INDEX = next(i.name for i in SnapshotBand._meta.indexes if i.name == "snapshot_band_shown")


def _snapshot_band_sql(
    closure_ids: Collection[int],
    set_ids: Collection[int],
    pupil_ids: Collection[int] | None,
    order: tuple[str, list[int]] | None = None,
) -> tuple[str, list[int]] | None:
    """The SQL of `snapshot_band_rows` and its parameters (None when it has no rows)."""
    if not closure_ids or not set_ids:
        return None
    q = connection.ops.quote_name
    closures, sets = list(closure_ids), list(set_ids)

    def marks(values: list[int]) -> str:
        return ", ".join(["%s"] * len(values))

    where = f"s.closure_id IN ({marks(closures)}) AND b.band_set_id IN ({marks(sets)})"
    params = [*closures, *sets]
    if pupil_ids is not None:
        pupils = list(pupil_ids)
        if not pupils:
            return None
        where += f" AND s.pupil_id IN ({marks(pupils)})"
        params += pupils
    order_sql = ""
    if order is not None:
        order_sql = f" ORDER BY {order[0]}"
        params += order[1]
    # The covering index (every column read is in it): PostgreSQL picks it by itself once
    # the rows are marked visible (`core.db.refresh_statistics`, autovacuum); SQLite would
    # take the unique (snapshot, band set) index and read each wide row besides.
    covering = f" INDEXED BY {SHOWN_INDEX}" if connection.vendor == "sqlite" else ""
    sql = f"""
        SELECT s.closure_id, b.band_set_id, s.pupil_id, s.subject_id,
               COALESCE(b.confirmed_id, b.suggested_id),
               COALESCE(b.confirmed_order, b.suggested_order),
               s.framework_id, s.secure, s.objectives
        FROM {q(Snapshot._meta.db_table)} s
        CROSS JOIN {q(SnapshotBand._meta.db_table)} b{covering}
        WHERE b.snapshot_id = s.id AND {where}{order_sql}
    """
    return sql, params


# A starting point entered by hand: year, pupil, subject, starting point key.
ManualStart = tuple[int, int, int, str]
MANUAL_START = ("year_id", "pupil_id", "subject_id", "starting_point__key")


def _starting_points_many(
    items: list[tuple[AssessmentPoint, BandSets, int | None]],
    pupil_ids: Collection[int] | None,
    rows: list[BandRow] | None = None,
    manual_rows: list[ManualStart] | None = None,
) -> dict[int, dict[Key, str]]:
    """`starting_points` for several points, each with its last-year closure: two queries.

    `rows` are the closures' bands when the caller has read them already (one query
    fewer), and `manual_rows` the starting points entered for the points' years
    (`MANUAL_START`; one query fewer again).
    """
    result: dict[int, dict[Key, str]] = {p.pk: {} for p, _, _ in items}
    by_closure: dict[int, list[tuple[int, int, dict[int, str]]]] = {}
    for p, sets, closure_id in items:
        attainment = sets.attainment
        if closure_id is None or attainment is None:
            continue
        band_start = {
            b.pk: sets.start_keys.get(b.next_starting_point_id or 0, "")
            for s in sets.sets
            for b in s.bands
        }
        by_closure.setdefault(closure_id, []).append((p.pk, attainment.pk, band_start))
    if by_closure:
        if rows is None:
            rows = snapshot_band_rows(
                list(by_closure),
                list({a for entries in by_closure.values() for _, a, _ in entries}),
                pupil_ids,
            )
        for closure_id, set_id, pupil_id, subject_id, shown, *_ in rows:
            for point_pk, attainment_pk, band_start in by_closure.get(closure_id, ()):
                key = band_start.get(shown, "")
                if key and set_id == attainment_pk:
                    result[point_pk][(pupil_id, subject_id)] = key
    by_year: dict[int, list[int]] = {}
    for p, _, _ in items:
        by_year.setdefault(p.year_id, []).append(p.pk)
    if manual_rows is None:
        manual = PupilStartingPoint.objects.filter(year_id__in=list(by_year))
        if pupil_ids is not None:
            manual = manual.filter(pupil_id__in=list(pupil_ids))
        manual_rows = list(manual.values_list(*MANUAL_START))
    for year_id, pupil_id, subject_id, key in manual_rows:
        for point_pk in by_year.get(year_id, ()):
            result[point_pk][(pupil_id, subject_id)] = key
    return result


class Earlier(NamedTuple):
    """A pupil's attainment band (its order) and % secure at an earlier closure.

    A named tuple rather than a dataclass: a two-form-entry school reads some 1,500 of
    these for every page that evaluates it, and a tuple is built in one step.
    """

    order: int
    framework_id: int | None
    pct_secure_of_year: float | None


def earlier_positions(
    closure_id: int | None, attainment_set_id: int | None, pupil_ids: Collection[int] | None
) -> dict[Key, Earlier]:
    """Each pupil's attainment band and % secure at an earlier closure (one query)."""
    if closure_id is None or attainment_set_id is None:
        return {}
    return _earlier_many({0: (closure_id, attainment_set_id)}, pupil_ids)[0]


def _earlier_many(
    wanted: dict[int, tuple[int | None, int | None]],
    pupil_ids: Collection[int] | None,
    rows: list[BandRow] | None = None,
) -> dict[int, dict[Key, Earlier]]:
    """`earlier_positions` for several (closure, attainment set) pairs: one query.

    `rows` are the closures' bands when the caller has read them already (no query).
    """
    result: dict[int, dict[Key, Earlier]] = {k: {} for k in wanted}
    pairs: dict[tuple[int, int], list[int]] = {}
    for k, (closure_id, set_id) in wanted.items():
        if closure_id is not None and set_id is not None:
            pairs.setdefault((closure_id, set_id), []).append(k)
    if not pairs:
        return result
    if rows is None:
        rows = snapshot_band_rows({c for c, _ in pairs}, {s for _, s in pairs}, pupil_ids)
    if len(wanted) == 1 and len(pairs) == 1:  # one point: no need to look up each row's pair
        ((wanted_closure, wanted_set), (k,)) = next(iter(pairs.items()))
        result[k] = {
            (p, s): Earlier(order, fw, pct_of(sec, objs) if objs else None)
            for closure_id, set_id, p, s, _, order, fw, sec, objs in rows
            if closure_id == wanted_closure and set_id == wanted_set
        }
        return result
    for closure_id, set_id, p, s, _, order, fw, sec, objs in rows:
        for k in pairs.get((closure_id, set_id), ()):
            result[k][(p, s)] = Earlier(order, fw, pct_of(sec, objs) if objs else None)
    return result


def _closures_of(school_ids: Collection[int]) -> dict[int, list[tuple[int, date, date]]]:
    """school -> (closure, point date, year start) for every closure of these schools: one query."""
    result: dict[int, list[tuple[int, date, date]]] = {}
    for pk, school_id, point_date, year_start in PointClosure.objects.filter(
        school_id__in=list(school_ids)
    ).values_list("pk", "school_id", "point__date", "point__year__start_date"):
        result.setdefault(school_id, []).append((pk, point_date, year_start))
    return result
