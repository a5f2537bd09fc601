"""Many schools' per-pupil rows in one query per kind, handed out school by school.

A trust page evaluates every school of the trust at its current point. Reading
them all at once holds every pupil's result in memory; reading them school by
school costs the queries of a school for every school. A `SchoolFeed` does
neither: each kind of per-pupil data (enrolments, judgement counts, snapshots,
confirmations...) is one query over every school, ordered by the schools'
order and read as a stream (`.iterator()`, a server-side cursor on
PostgreSQL), and each batch of schools takes the rows of its own schools as
the stream reaches them (`itertools.groupby`). What is read once per school
rather than per pupil (frameworks, levels, closures) is read once for every
school and kept (`once`).

The evaluation functions (`figures.compute_metrics`, `evaluation.evaluate_live_many`,
`evaluation.read_snapshots_many`) take an optional feed; without one they read
only the schools they are given, as they always did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from typing import Any, TypeVar

from django.db.models import Case, IntegerField, QuerySet, Value, When

from trackwell.core.models import AcademicYear, AssessmentPoint

T = TypeVar("T")

# Rows fetched from the database at a time by each stream.
CHUNK = 2000


class _Stream:
    """One query's rows, ordered by school, taken a batch of schools at a time."""

    def __init__(self, rows: Iterator[Any], key: Callable[[Any], int], order: dict[int, int]):
        self._rows = rows
        self._groups = groupby(rows, key)
        self._order = order
        self._pending: tuple[int, Iterator[Any]] | None = None
        self._reached = -1  # the position of the last school whose rows were read

    def take(self, school_ids: Sequence[int]) -> list[Any]:
        wanted = set(school_ids)
        last = max(self._order[s] for s in wanted)
        out: list[Any] = []
        while True:
            if self._pending is None:
                self._pending = next(self._groups, None)
                if self._pending is None:
                    break
            school_id, rows = self._pending
            position = self._order.get(school_id, len(self._order))
            if position < self._reached:
                # Rows out of the feed's order would be lost without a word.
                raise RuntimeError("A feed's rows must come in the feed's order of schools.")
            if position > last:
                break  # a later batch's school: kept for it
            self._reached = position
            if school_id in wanted:
                out.extend(rows)
            self._pending = None  # (rows of a school no batch asks for are passed over)
        return out

    def close(self) -> None:
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()


class SchoolFeed:
    """Per-pupil rows of these points' schools, one query per kind, batch after batch.

    `points` are one point per school, in the order the schools are to be read;
    batches must be asked for in that order (a school may be left out). Close the
    feed (or use it as a context manager) to release its open cursors.
    """

    def __init__(self, points: Sequence[AssessmentPoint]) -> None:
        self.points = list(points)
        self.school_ids = [p.school_id for p in self.points]
        self.order = {school_id: n for n, school_id in enumerate(self.school_ids)}
        self.school_of_point = {p.pk: p.school_id for p in self.points}
        self.school_of_year = {p.year_id: p.school_id for p in self.points}
        self._once: dict[str, Any] = {}
        self._streams: dict[str, _Stream] = {}

    @property
    def open_points(self) -> list[AssessmentPoint]:
        return [p for p in self.points if p.state != AssessmentPoint.State.CLOSED]

    @property
    def closed_points(self) -> list[AssessmentPoint]:
        return [p for p in self.points if p.state == AssessmentPoint.State.CLOSED]

    def position(self, field: str) -> Case:
        """An ORDER BY term putting rows in the feed's order of schools (by `field`)."""
        return Case(
            *[When(**{field: school_id}, then=Value(n)) for school_id, n in self.order.items()],
            default=Value(len(self.order)),
            output_field=IntegerField(),
        )

    def position_sql(self, column: str) -> tuple[str, list[int]]:
        """The same for raw SQL: the CASE expression over `column` and its parameters."""
        if not self.order:
            return "0", []
        whens = " ".join("WHEN %s THEN %s" for _ in self.order)
        params = [x for school_id, n in self.order.items() for x in (school_id, n)]
        return f"CASE {column} {whens} ELSE {len(self.order)} END", params

    def once(self, kind: str, build: Callable[[], T]) -> T:
        """What `build` reads for every school, read the first time only."""
        if kind not in self._once:
            self._once[kind] = build()
        return self._once[kind]

    def rows(
        self,
        kind: str,
        school_ids: Sequence[int],
        open_rows: Callable[[], Iterable[Any]],
        key: Callable[[Any], int],
    ) -> list[Any]:
        """This batch's rows of `kind`: `open_rows` gives every school's, in the feed's
        order of schools (opened on the first batch), and `key` a row's school."""
        if not school_ids:
            return []
        stream = self._streams.get(kind)
        if stream is None:
            stream = self._streams[kind] = _Stream(iter(open_rows()), key, self.order)
        return stream.take(school_ids)

    def ordered_rows(
        self,
        kind: str,
        school_ids: Sequence[int],
        qs: QuerySet[Any],
        field: str,
        key: Callable[[Any], int],
        then: Sequence[str] = (),
    ) -> list[Any]:
        """`rows` for a queryset over every school: ordered by school (then `then`), streamed."""
        return self.rows(
            kind,
            school_ids,
            lambda: qs.order_by(self.position(field), *then).iterator(chunk_size=CHUNK),
            key,
        )

    def close(self) -> None:
        for stream in self._streams.values():
            stream.close()
        self._streams.clear()

    def __enter__(self) -> SchoolFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def year_starts(points: Iterable[AssessmentPoint]) -> dict[int, Any]:
    """Each point's year's start date, from the points' cached years where they have them."""
    points = list(points)
    starts = {p.year_id: p.year.start_date for p in points if AssessmentPoint.year.is_cached(p)}
    missing = {p.year_id for p in points} - set(starts)
    if missing:
        starts.update(AcademicYear.objects.filter(pk__in=missing).values_list("pk", "start_date"))
    return starts
