"""The judgements' counts per pupil and framework behind the whole-school figures.

Split out of figures.py, which builds each pupil's `Metrics` from these rows: one
GROUP BY of today's judgements (for a school, or streamed for a trust's feed), or
of the judgement history as it stood at a moment.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)

from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.curriculum.models import Objective, TaughtObjective

from .feed import CHUNK, SchoolFeed


def live_rows(
    school_ids: Iterable[int],
    levels: list[tuple[int, int, bool, bool]],
    pupil_ids: Collection[int] | None,
    placed: set[int],
) -> dict[tuple[int, int], Sequence[Any]]:
    """Counts per (pupil, framework) of today's judgements, in one GROUP BY.

    As well as the counts, each row carries the ids of the objectives rated, as
    text ('12,15,31'): which of them are marked taught to the pupil's class is
    found in memory (`_metrics`), against the classes' marks read once. That
    replaced a second GROUP BY joining every mark with the judgements, which cost
    as much as this one. Rows of pupils in no class of these years are skipped.
    """
    if pupil_ids is not None and not pupil_ids:
        return {}
    sql, params = live_sql(list(school_ids), levels, pupil_ids)
    result: dict[tuple[int, int], Sequence[Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # fetchall: psycopg converts the rows in one call, where iterating asks row by row
        # (a tenth of the query's time for a two-form-entry school's 3,000 rows).
        for row in cursor.fetchall():
            if row[0] in placed:
                result[(row[0], row[1])] = row[2:]  # a slice of the row's tuple, not a list
    return result


_BITS = 62  # bits of an objective mask column: a positive bigint, on both databases


def live_mask_rows(
    school_ids: Iterable[int],
    levels: list[tuple[int, int, bool, bool]],
    pupil_ids: Collection[int] | None,
    placed: set[int],
    positions: Mapping[int, int],
    framework_ids: Collection[int],
) -> dict[tuple[int, int], Sequence[Any]] | None:
    """`live_rows` with the objectives rated as a bit mask (an int) rather than as text:
    `positions` gives each objective not archived its bit, counted from 0 within its
    framework (`figures._objective_positions`).

    For PostgreSQL: an aggregate of text has an internal state, which the planner costs
    at 8 kB a group, so `string_agg` made it sort the judgements and aggregate in order
    (about 1.5x the baseline's hash aggregate on its own); `bit_or` of a bigint has a
    plain 8-byte state and is hashed like the baseline. On SQLite, which sorts for any
    GROUP BY, `live_rows` is as fast and is kept.

    None when some objective of `framework_ids` (the frameworks whose figures are
    wanted) has no position (one added, or taken out of the archive, since the
    positions were read): the caller reads `live_rows`. Judgements on objectives of
    other frameworks are left out (their figures are not wanted).
    """
    if pupil_ids is not None and not pupil_ids:
        return {}
    sql, params = live_sql(
        list(school_ids), levels, pupil_ids, positions=positions, framework_ids=framework_ids
    )
    result: dict[tuple[int, int], Sequence[Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if any(row[0] is None and row[2] for row in rows):
        return None
    for pupil_id, framework_id, count, secure, greater, depth, *masks in rows:
        if pupil_id in placed:
            mask = 0
            for k, part in enumerate(masks):
                if part:
                    mask |= part << (_BITS * k)
            result[(pupil_id, framework_id)] = (count, secure, greater, depth, mask)
    return result


def live_stream(feed: SchoolFeed, levels: list[tuple[int, int, bool, bool]]) -> Iterator[Any]:
    """`live_rows` for every school of the feed, each row led by its school, in the feed's
    order of schools: one query, read from the database a chunk at a time."""
    sql, params = live_sql(feed.school_ids, levels, None, feed)
    cursor = connection.chunked_cursor()  # a server-side cursor on PostgreSQL
    try:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            yield from chunk
    finally:
        cursor.close()


def live_sql(
    schools: list[int],
    levels: list[tuple[int, int, bool, bool]],
    pupil_ids: Collection[int] | None,
    feed: SchoolFeed | None = None,
    positions: Mapping[int, int] | None = None,
    framework_ids: Collection[int] = (),
) -> tuple[str, list[Any]]:
    """The GROUP BY of `live_rows` and its parameters; with a feed, led by the school and
    ordered in the feed's order of schools; with `positions`, the masks of
    `live_mask_rows` instead of the ids as text (PostgreSQL)."""
    secure_ids = [pk for pk, _, secure, _ in levels if secure]
    greater_ids = [pk for pk, _, _, greater in levels if greater]
    q = connection.ops.quote_name

    def marks(ids: list[int]) -> str:
        return ", ".join(["%s"] * len(ids))

    # The masks' NULL-led row and its parameters are written for one school's rows:
    # a feed (schools in order) reads the ids as text.
    assert feed is None or positions is None, "masks are for one school's live figures"
    params: list[Any] = []
    lead = "j.school_id, " if feed is not None else ""
    secure_sql = "0"
    if secure_ids:
        secure_sql = f"CASE WHEN j.level_id IN ({marks(secure_ids)}) THEN 1 ELSE 0 END"
        params += secure_ids
    greater_sql = "0"
    if greater_ids:
        greater_sql = f"CASE WHEN j.level_id IN ({marks(greater_ids)}) THEN 1 ELSE 0 END"
        params += greater_ids
    depth_sql = "0"
    if levels:
        depth_sql = "CASE j.level_id " + " ".join("WHEN %s THEN %s" for _ in levels) + " ELSE 0 END"
        params += [x for pk, value, _, _ in levels for x in (pk, value)]
    ids_sql = (
        "string_agg(CAST(j.objective_id AS text), ',')"
        if connection.vendor == "postgresql"
        else "group_concat(j.objective_id)"
    )
    bits_sql = missing_sql = ""
    missing_params: list[Any] = []
    if positions is not None:
        # Each objective's bit, in chunks of 62 (an 8-byte `bit_or`, so the planner can hash
        # the groups as it does the baseline's).
        ids = list(positions)
        chunks = [positions[pk] // _BITS for pk in ids]
        count = max(chunks, default=0) + 1
        masks = (
            ["bit_or(f.bit)"]
            if count == 1
            else [f"bit_or(CASE WHEN f.chunk = {k} THEN f.bit END)" for k in range(count)]
        )
        ids_sql = ", ".join(masks)
        bits_sql = (
            "JOIN unnest(%s::bigint[], %s::int[], %s::bigint[]) AS f(id, chunk, bit)"
            " ON f.id = j.objective_id"
        )
        params += [
            _array_literal(ids),
            _array_literal(chunks),
            _array_literal([1 << (positions[pk] % _BITS) for pk in ids]),
        ]
        # And, in the same statement (so the same moment), a row led by NULL counting
        # the objectives not archived of these frameworks that have no bit.
        missing_sql = f"""
        UNION ALL
        SELECT NULL, NULL, COUNT(*), 0, 0, 0{", NULL" * count}
        FROM {q(Objective._meta.db_table)} o
        WHERE o.archived_at IS NULL AND o.framework_id = ANY(%s::bigint[])
          AND NOT (o.id = ANY(%s::bigint[]))
        """
        missing_params = [_array_literal(framework_ids), _array_literal(ids)]
    where = f"j.school_id IN ({marks(schools)}) AND j.level_id IS NOT NULL"
    params += schools
    if pupil_ids is not None:
        wanted = list(pupil_ids)
        where += f" AND j.pupil_id IN ({marks(wanted)})"
        params += wanted
    order = ""
    if feed is not None:
        position, position_params = feed.position_sql("j.school_id")
        order = f"ORDER BY {position}"
        params += position_params
    sql = f"""
        SELECT {lead}j.pupil_id, o.framework_id, COUNT(*), SUM({secure_sql}), SUM({greater_sql}),
               SUM({depth_sql}), {ids_sql}
        FROM {q(Judgement._meta.db_table)} j
        JOIN {q(Objective._meta.db_table)} o ON o.id = j.objective_id AND o.archived_at IS NULL
        {bits_sql}
        WHERE {where}
        GROUP BY {lead}j.pupil_id, o.framework_id
        {missing_sql}{order}
    """
    return sql, params + missing_params


def _array_literal(values: Iterable[int]) -> str:
    """Integers as the text of a PostgreSQL array ('{1,2,3}'), cast in the SQL.

    Django binds parameters on the client, and psycopg writes a list parameter element by
    element, testing each for quoting: for the demo's 937 objectives in three arrays that
    took 10 ms a query. One string is quoted once.
    """
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def judgement_rows(
    years: list[int],
    school_ids: Iterable[int],
    levels: list[tuple[int, int, bool, bool]],
    as_of: datetime,
    pupil_ids: Collection[int] | None,
) -> dict[tuple[int, int], list[Any]]:
    """Counts per (pupil, framework) as they stood at `as_of`, from the judgement history.

    One GROUP BY, read as a stream of tuples (`iterator`): each judgement's level
    then is its newest history row by that moment; it is "beyond" what was marked
    taught when no class of the pupil's in these years had the objective marked by then.
    """
    secure_ids = [pk for pk, _, secure, _ in levels if secure]
    greater_ids = [pk for pk, _, _, greater in levels if greater]
    qs = Judgement.objects.filter(
        school_id__in=list(school_ids), objective__archived_at__isnull=True
    )
    if pupil_ids is not None:
        qs = qs.filter(pupil_id__in=list(pupil_ids))
    taught_to_class = TaughtObjective.objects.filter(
        objective_id=OuterRef("objective_id"),
        school_class__year_id__in=years,
        school_class__enrolments__pupil_id=OuterRef("pupil_id"),
        marked_at__lte=as_of,
    )
    qs = qs.annotate(
        lvl=Subquery(
            JudgementHistory.objects.filter(judgement_id=OuterRef("pk"), changed_at__lte=as_of)
            .order_by("-version")
            .values("new_level_id")[:1]
        )
    )
    depth = Case(
        *[When(lvl=pk, then=Value(value)) for pk, value, _, _ in levels],
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        qs.filter(lvl__isnull=False)
        .values("pupil_id", "objective__framework_id")
        .annotate(
            assessed=Count("pk"),
            secure=Count("pk", filter=Q(lvl__in=secure_ids)),
            greater=Count("pk", filter=Q(lvl__in=greater_ids)),
            depth=Sum(depth),
            beyond=Count("pk", filter=~Q(Exists(taught_to_class))),
        )
        .values_list(
            "pupil_id",
            "objective__framework_id",
            "assessed",
            "secure",
            "greater",
            "depth",
            "beyond",
        )
    )
    return {(r[0], r[1]): list(r[2:]) for r in rows.iterator(chunk_size=5000)}
