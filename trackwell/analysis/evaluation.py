"""Pupils' bands at an assessment point: live while it is open, from snapshots once closed.

Both paths answer the same `PupilResult`s, in a fixed number of queries for a
whole school, so every page reads a point the same way.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models.fields.json import KT

from trackwell.core.models import AcademicYear, AssessmentPoint

from .feed import SchoolFeed, year_starts
from .figures import FIGURE_PROVIDERS, Key, Metrics, compute_metrics, extra_figures
from .history import (
    MANUAL_START,
    Earlier,
    _closures_of,
    _earlier_many,
    _last_year_closure,
    _starting_points_many,
    earlier_positions,
    end_of_day,
    latest_closures,
    previous_closure,
    snapshot_band_rows,
    snapshot_band_stream,
    starting_points,
)
from .live_bands import PointBanding, evaluate_one, point_rows
from .loading import BandSets, LoadedSet, load_band_sets, load_band_sets_for, spec_for
from .models import BandConfirmation, PupilStartingPoint, Snapshot, SnapshotBand
from .results import PointResults, PupilBand, PupilResult

__all__ = [
    "BandSets",
    "Earlier",
    "LoadedSet",
    "PointBanding",
    "PointResults",
    "PupilBand",
    "PupilResult",
    "_last_year_closure",
    "earlier_positions",
    "end_of_day",
    "evaluate_one",
    "latest_closures",
    "load_band_sets",
    "load_band_sets_for",
    "previous_closure",
    "spec_for",
    "starting_points",
]


def evaluate_live(
    point: AssessmentPoint,
    *,
    pupil_ids: Collection[int] | None = None,
    subject_ids: Collection[int] | None = None,
    as_of: datetime | None = None,
    sets: BandSets | None = None,
) -> PointResults:
    """Suggested bands from today's judgements (or as they stood at `as_of`), with confirmations."""
    return evaluate_live_many(
        [point],
        pupil_ids=pupil_ids,
        subject_ids=subject_ids,
        as_of=as_of,
        sets_by_school={point.school_id: sets} if sets is not None else None,
    )[point.pk]


def evaluate_live_many(
    points: list[AssessmentPoint],
    *,
    pupil_ids: Collection[int] | None = None,
    subject_ids: Collection[int] | None = None,
    as_of: datetime | None = None,
    sets_by_school: dict[int, BandSets] | None = None,
    feed: SchoolFeed | None = None,
) -> dict[int, PointResults]:
    """`evaluate_live` for open points of several schools (one point per school).

    The number of queries does not grow with the number of schools. With a
    `feed` (`analysis.feed`), `points` are one batch of the feed's points, and
    each kind of row is read once for all the feed's schools, batch after batch:
    nor does it grow with the number of batches.
    """
    if not points:
        return {}
    by_school = {p.school_id: p for p in points}
    if len(by_school) != len(points):
        raise ValueError("Evaluate one point per school at a time.")
    school_ids = list(by_school)
    if sets_by_school is None or any(s not in sets_by_school for s in school_ids):
        sets_by_school = {**load_band_sets_for(school_ids), **(sets_by_school or {})}
    metrics = compute_metrics(
        [p.year_id for p in points],
        as_of=as_of,
        pupil_ids=pupil_ids,
        subject_ids=subject_ids,
        feed=feed,
    )
    sets_of = sets_by_school
    if feed is None:
        last_year, previous = _earlier_closures(points, _closures_of(school_ids))
        band_rows = snapshot_band_rows(
            *_band_reads(points, sets_of, last_year, previous), pupil_ids
        )
        manual_rows = None
    else:
        every = feed.open_points
        if any(p.school_id not in sets_of for p in every):
            raise ValueError("With a feed, give the band sets of every school it reads.")
        closures = feed.once("closures", lambda: _closures_of(feed.school_ids))
        last_year, previous = feed.once(
            "earlier closures", lambda: _earlier_closures(every, closures)
        )
        closure_school = feed.once(
            "closure schools",
            lambda: {pk: school for school, own in closures.items() for pk, _, _ in own},
        )
        band_rows = feed.rows(
            "earlier bands",
            school_ids,
            lambda: snapshot_band_stream(*_band_reads(every, sets_of, last_year, previous), feed),
            lambda row: closure_school[row[0]],
        )
        manual_rows = feed.ordered_rows(
            "starting points",
            school_ids,
            PupilStartingPoint.objects.filter(year_id__in=[p.year_id for p in every]).values_list(
                *MANUAL_START
            ),
            "school_id",
            lambda row: feed.school_of_year[row[0]],
        )
    starts = _starting_points_many(
        [
            (
                p,
                sets_by_school[p.school_id],
                last_year[p.pk] if sets_by_school[p.school_id].attainment else None,
            )
            for p in points
        ],
        pupil_ids,
        band_rows,
        manual_rows,
    )
    earlier = _earlier_many(
        {
            p.pk: (
                previous[p.pk],
                attainment.pk if (attainment := sets_by_school[p.school_id].attainment) else None,
            )
            for p in points
        },
        pupil_ids,
        band_rows,
    )
    confirmations: dict[int, dict[tuple[int, int, int], BandConfirmation]] = {
        p.pk: {} for p in points
    }
    conf_rows: Iterable[BandConfirmation]
    if feed is not None:
        conf_rows = feed.ordered_rows(
            "confirmations",
            school_ids,
            BandConfirmation.objects.filter(point_id__in=[p.pk for p in feed.open_points]),
            "school_id",
            lambda c: feed.school_of_point[c.point_id],
        )
    else:
        conf_rows = BandConfirmation.objects.filter(point_id__in=[p.pk for p in points])
        if pupil_ids is not None:
            conf_rows = conf_rows.filter(pupil_id__in=list(pupil_ids))
    for c in conf_rows:
        confirmations[c.point_id][(c.pupil_id, c.subject_id, c.band_set_id)] = c
    rows: dict[int, dict[Key, PupilResult]] = {p.pk: {} for p in points}
    extras: dict[int, dict[Key, dict[str, float | None]]] = {}
    if FIGURE_PROVIDERS:
        wanted = {
            c.metric
            for p in points
            for loaded in sets_by_school[p.school_id].active
            for band in loaded.spec.bands
            for rule in band.rules
            for c in rule.conditions
        }
        extras = extra_figures(points, metrics, wanted)
    by_point: dict[int, dict[Key, Metrics]] = {p.pk: {} for p in points}
    for key, m in metrics.items():
        owner = by_school.get(m.school_id)
        if owner is not None:
            by_point[owner.pk][key] = m
    for p in points:
        sets = sets_by_school[p.school_id]
        rows[p.pk] = point_rows(
            sets,
            PointBanding(p, sets),
            by_point[p.pk],
            starts[p.pk],
            earlier[p.pk],
            confirmations[p.pk],
            extras.get(p.pk, {}),
        )
    return {
        p.pk: PointResults(p, sets_by_school[p.school_id], rows[p.pk], live=True) for p in points
    }


def _earlier_closures(
    points: list[AssessmentPoint], closures: dict[int, list[tuple[int, date, date]]]
) -> tuple[dict[int, int | None], dict[int, int | None]]:
    """Each point's last-year closure (its school's newest closure of an earlier year)
    and previous closure (its school's newest closure of an earlier point)."""
    starts = year_starts(points)
    last_year: dict[int, int | None] = {}
    previous: dict[int, int | None] = {}
    for p in points:
        own = closures.get(p.school_id, [])
        earlier_years = [(ys, d, pk) for pk, d, ys in own if ys < starts[p.year_id]]
        last_year[p.pk] = max(earlier_years)[2] if earlier_years else None
        before = [(d, pk) for pk, d, _ in own if d < p.date]
        previous[p.pk] = max(before)[1] if before else None
    return last_year, previous


def _band_reads(
    points: list[AssessmentPoint],
    sets_by_school: dict[int, BandSets],
    last_year: dict[int, int | None],
    previous: dict[int, int | None],
) -> tuple[set[int], set[int]]:
    """The closures whose attainment bands the points read, and those sets.

    Last year's final bands (starting points) and the previous point's (progress)
    are often the same closure's: one read of the bands of both serves the two.
    """
    attainment_ids = {
        a.pk for p in points if (a := sets_by_school[p.school_id].attainment) is not None
    }
    read_from = {
        c
        for p in points
        if sets_by_school[p.school_id].attainment is not None
        for c in (last_year[p.pk], previous[p.pk])
        if c is not None
    }
    return read_from, attainment_ids


def read_snapshots(
    point: AssessmentPoint,
    *,
    pupil_ids: Collection[int] | None = None,
    subject_ids: Collection[int] | None = None,
    sets: BandSets | None = None,
) -> PointResults:
    """A closed point's record, from its newest closure (two queries)."""
    return read_snapshots_many(
        [point],
        pupil_ids=pupil_ids,
        subject_ids=subject_ids,
        sets_by_school={point.school_id: sets} if sets is not None else None,
    )[point.pk]


def read_snapshots_many(
    points: list[AssessmentPoint],
    *,
    pupil_ids: Collection[int] | None = None,
    subject_ids: Collection[int] | None = None,
    sets_by_school: dict[int, BandSets] | None = None,
    feed: SchoolFeed | None = None,
) -> dict[int, PointResults]:
    """Closed points' records, each from its newest closure, in three queries for them all.

    With a `feed`, `points` are one batch of the feed's points and the records of
    all the feed's closed points are read in those three queries, batch after batch.
    """
    if not points:
        return {}
    school_ids = list({p.school_id for p in points})
    if sets_by_school is None or any(s not in sets_by_school for s in school_ids):
        sets_by_school = {**load_band_sets_for(school_ids), **(sets_by_school or {})}
    if feed is None:
        closures = latest_closures([p.pk for p in points])
    else:
        closures = feed.once(
            "latest closures", lambda: latest_closures([p.pk for p in feed.closed_points])
        )
    by_closure = {closures[p.pk]: p for p in points if p.pk in closures}
    rows: dict[int, dict[Key, PupilResult]] = {p.pk: {} for p in points}
    if by_closure:
        read = list(by_closure) if feed is None else list(closures.values())
        qs = Snapshot.objects.filter(closure_id__in=read)
        band_qs = SnapshotBand.objects.filter(snapshot__closure_id__in=read)
        if pupil_ids is not None:
            qs = qs.filter(pupil_id__in=list(pupil_ids))
            band_qs = band_qs.filter(snapshot__pupil_id__in=list(pupil_ids))
        if subject_ids is not None:
            qs = qs.filter(subject_id__in=list(subject_ids))
            band_qs = band_qs.filter(snapshot__subject_id__in=list(subject_ids))
        # Plain values, not model instances: a school's point is some 1,600 snapshots.
        # Of each stored explanation only the three parts shown are read, taken out by
        # the database: parsing every explanation's JSON in Python cost more than the rest.
        snap_values = qs.values_list(*_SNAPSHOT_FIELDS)
        band_values = band_qs.values_list(
            "snapshot_id",
            "band_set_id",
            "suggested_id",
            "confirmed_id",
            "reason",
            "band_set__kind",
            "band_set__name",
            KT("explanation__because"),
            KT("explanation__next__text"),
            KT("explanation__figures__band_change"),
            "school_id",
        )
        snaps: Iterable[Any] = snap_values
        snap_bands: Iterable[Any] = band_values
        if feed is not None:
            school_at = _SNAPSHOT_FIELDS.index("school_id")
            snaps = feed.ordered_rows(
                "snapshots", school_ids, snap_values, "school_id", lambda v: v[school_at]
            )
            snap_bands = feed.ordered_rows(
                "snapshot bands", school_ids, band_values, "school_id", lambda v: v[-1]
            )
        by_id: dict[int, tuple[PupilResult, BandSets]] = {}
        for values in snaps:
            snapshot_id, closure_id, *fields = values
            owner = by_closure.get(closure_id)
            if owner is None:
                continue  # a snapshot whose school is not its closure's (inconsistent data)
            row = _snapshot_row(*fields)
            rows[owner.pk][(row.pupil_id, row.subject_id)] = row
            by_id[snapshot_id] = (row, sets_by_school[owner.school_id])
        for (
            snapshot_id,
            set_id,
            suggested_id,
            confirmed_id,
            reason,
            kind,
            set_name,
            because,
            next_text,
            band_change,
            _school_id,
        ) in snap_bands:
            found = by_id.get(snapshot_id)
            if found is None:
                continue
            row, sets = found
            suggested = sets.band(suggested_id)
            if suggested is None:
                continue
            row.bands[set_id] = PupilBand(
                set_id=set_id,
                set_name=set_name,
                kind=kind,
                suggested=suggested,
                confirmed=sets.band(confirmed_id),
                reason=reason,
                stored_because="" if because is None else str(because),
                stored_next="" if next_text is None else str(next_text),
            )
            if band_change is not None:
                # A number: text from PostgreSQL, a number already from SQLite.
                row.figures["band_change"] = (
                    json.loads(band_change) if isinstance(band_change, str) else band_change
                )
    return {
        p.pk: PointResults(p, sets_by_school[p.school_id], rows[p.pk], live=False) for p in points
    }


# What a snapshot row is read as (`read_snapshots_many`): its id and closure, then
# `_snapshot_row`'s arguments in order.
_SNAPSHOT_FIELDS = (
    "pk",
    "closure_id",
    "pupil_id",
    "subject_id",
    "school_id",
    "school_class_id",
    "nc_year",
    "framework_id",
    "framework_year",
    "objectives",
    "taught",
    "assessed",
    "secure",
    "greater_depth",
    "depth_total",
    "prev_objectives",
    "prev_secure",
    "prev_greater_depth",
    "starting_point_key",
    "starting_point_label",
)


def _snapshot_row(
    pupil_id: int,
    subject_id: int,
    school_id: int,
    class_id: int | None,
    nc_year: int,
    framework_id: int | None,
    framework_year: int | None,
    objectives: int,
    taught: int,
    assessed: int,
    secure: int,
    greater_depth: int,
    depth_total: int,
    prev_objectives: int,
    prev_secure: int,
    prev_greater_depth: int,
    starting_point_key: str,
    starting_point_label: str,
) -> PupilResult:
    """A pupil's figures from their snapshot, before the bands are added."""
    metrics = Metrics(
        pupil_id=pupil_id,
        subject_id=subject_id,
        school_id=school_id,
        class_id=class_id or 0,
        class_year=nc_year,
        framework_id=framework_id or 0,
        framework_year=framework_year or nc_year,
        objectives=objectives,
        taught=taught,
        assessed=assessed,
        secure=secure,
        greater_depth=greater_depth,
        depth_total=depth_total,
        prev_framework_id=1 if prev_objectives else None,
        prev_objectives=prev_objectives,
        prev_secure=prev_secure,
        prev_greater_depth=prev_greater_depth,
    )
    return PupilResult(
        pupil_id=pupil_id,
        subject_id=subject_id,
        class_id=class_id,
        nc_year=nc_year,
        framework_id=framework_id,
        framework_year=framework_year,
        starting_point=starting_point_key,
        starting_label=starting_point_label,
        figures=metrics.figures(),
        metrics=metrics,
    )


def point_results(
    point: AssessmentPoint,
    *,
    pupil_ids: Collection[int] | None = None,
    subject_ids: Collection[int] | None = None,
    sets: BandSets | None = None,
) -> PointResults:
    """Live bands for an open point; the snapshot for a closed one."""
    if point.state == AssessmentPoint.State.CLOSED:
        return read_snapshots(point, pupil_ids=pupil_ids, subject_ids=subject_ids, sets=sets)
    return evaluate_live(point, pupil_ids=pupil_ids, subject_ids=subject_ids, sets=sets)


def results_for_points(
    points: list[AssessmentPoint],
    sets_by_school: dict[int, BandSets],
    *,
    feed: SchoolFeed | None = None,
) -> dict[int, PointResults]:
    """`point_results` for one point in each of several schools, in a fixed number of queries.

    With a `feed`, `points` are one batch of the feed's points (see `analysis.feed`).
    """
    closed = [p for p in points if p.state == AssessmentPoint.State.CLOSED]
    open_points = [p for p in points if p.state != AssessmentPoint.State.CLOSED]
    return {
        **read_snapshots_many(closed, sets_by_school=sets_by_school, feed=feed),
        **evaluate_live_many(open_points, sets_by_school=sets_by_school, feed=feed),
    }


def current_year(school_id: int) -> AcademicYear | None:
    return AcademicYear.objects.filter(school_id=school_id, is_current=True).first()


def current_point(year: AcademicYear) -> AssessmentPoint | None:
    """The year's first open point; else its last point."""
    return _current_of(list(AssessmentPoint.objects.filter(year=year).order_by("date")))


def _current_of(points: list[AssessmentPoint]) -> AssessmentPoint | None:
    open_points = [p for p in points if p.state == AssessmentPoint.State.OPEN]
    if open_points:
        return open_points[0]
    return points[-1] if points else None


@dataclass(frozen=True)
class SchoolYear:
    """A school's current year, its assessment points in date order, and the current one."""

    year: AcademicYear
    points: list[AssessmentPoint]
    point: AssessmentPoint

    @property
    def closed_before(self) -> list[AssessmentPoint]:
        """The year's closed points other than the current one."""
        return [
            p
            for p in self.points
            if p.state == AssessmentPoint.State.CLOSED and p.pk != self.point.pk
        ]


def current_years(school_ids: Collection[int]) -> dict[int, SchoolYear]:
    """Each school's current year and point (schools without them are left out): two queries."""
    years = {
        y.school_id: y
        for y in AcademicYear.objects.filter(school_id__in=list(school_ids), is_current=True)
    }
    points: dict[int, list[AssessmentPoint]] = {}
    for p in AssessmentPoint.objects.filter(year_id__in=[y.pk for y in years.values()]).order_by(
        "date"
    ):
        p.year = years[p.school_id]
        points.setdefault(p.year_id, []).append(p)
    result: dict[int, SchoolYear] = {}
    for school_id, year in years.items():
        own = points.get(year.pk, [])
        point = _current_of(own)
        if point is not None:
            result[school_id] = SchoolYear(year, own, point)
    return result
