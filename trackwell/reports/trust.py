"""Read-side helpers for trust pages: every school of a trust in a fixed number of queries.

A trust leader sees aggregates only. Each school is read at its own current
assessment point (live while open, its snapshot once closed) with its own band
sets; subjects are matched across schools by name. Figures are means over the
pupils tracked in a subject. With `suppress`, year groups smaller than the
school's minimum group size are left out of a school's line, and group
comparisons are suppressed so that no hidden group can be found by subtraction
(docs/analysis.md, "Suppression").
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from trackwell.analysis.evaluation import (
    BandSets,
    LoadedSet,
    PointResults,
    PupilResult,
    SchoolYear,
    current_years,
    load_band_sets_for,
    results_for_points,
)
from trackwell.analysis.feed import SchoolFeed
from trackwell.analysis.groups import (
    CompareMemo,
    Comparison,
    compare_groups,
    group_choices,
    pupil_facts,
)
from trackwell.analysis.models import Band, BandSet
from trackwell.core.models import AssessmentPoint, School
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import PupilGroup

from . import charts
from .queries import Distribution, snapshot_distributions


@dataclass
class TrustSchool:
    """One school of the trust at its current point (no year or point: nothing to read)."""

    school: School
    year: SchoolYear | None
    results: PointResults | None
    sets: BandSets | None

    @property
    def attainment(self) -> LoadedSet | None:
        return self.sets.attainment if self.sets else None

    def rows(self) -> list[PupilResult]:
        return list(self.results.rows.values()) if self.results else []


def load_trust(schools: list[School]) -> list[TrustSchool]:
    """Each school's current year, point, band sets and results: the same queries for 2 or 20.

    Every school's results are held at once; pages over a whole trust read it
    with `iter_trust`, which holds a few schools' at a time.
    """
    years = current_years([s.pk for s in schools])
    sets = load_band_sets_for(list(years))
    results = results_for_points([y.point for y in years.values()], sets)
    return [_trust_school(school, years, sets, results) for school in schools]


def _trust_school(
    school: School,
    years: dict[int, SchoolYear],
    sets: dict[int, BandSets],
    results: dict[int, PointResults],
) -> TrustSchool:
    year = years.get(school.pk)
    return TrustSchool(
        school, year, results.get(year.point.pk) if year else None, sets.get(school.pk)
    )


# How many schools' pupil results a trust page holds at once (about 210 pupils and four
# subjects each for a one-form-entry primary). The queries do not depend on it: each kind
# of row is read in one query for the whole trust and handed out batch by batch.
SCHOOLS_AT_ONCE = 5


def iter_trust(schools: list[School], *, at_once: int | None = None) -> Iterator[TrustSchool]:
    """Each school as `load_trust` gives it, read `at_once` schools at a time, in order.

    Years, points and band sets are read for every school first (six queries).
    Pupils' results then come from one query per kind of row for the whole
    trust, ordered by school and read as a stream (`analysis.feed.SchoolFeed`):
    `at_once` schools are evaluated together as the stream reaches them, and a
    school's results are let go (`results` set to None) as soon as the next
    school is asked for, so a caller keeps from them what it needs before moving
    on. A trust of any size costs the queries of one school, in bounded memory.
    """
    size = max(1, at_once or SCHOOLS_AT_ONCE)
    years = current_years([s.pk for s in schools])
    sets = load_band_sets_for(list(years))
    with SchoolFeed([years[s.pk].point for s in schools if s.pk in years]) as feed:
        for start in range(0, len(schools), size):
            batch = schools[start : start + size]
            results = results_for_points(
                [years[s.pk].point for s in batch if s.pk in years], sets, feed=feed
            )
            loaded = [_trust_school(school, years, sets, results) for school in batch]
            del results
            while loaded:
                t = loaded.pop(0)
                yield t
                t.results = None


@dataclass(frozen=True)
class Figures:
    """Means over the pupils tracked in one subject (None when nobody has a figure)."""

    pupils: int
    secure: float | None  # mean % secure of the year
    greater_depth: float | None  # mean % greater depth (of taught)
    coverage: float | None  # mean % taught


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 1) if present else None


def figures_of(rows: list[PupilResult]) -> Figures:
    """The subject's figures from pupils' already computed figures (no queries)."""
    return Figures(
        pupils=len({r.pupil_id for r in rows}),
        secure=_mean(r.figures.get("pct_secure_of_year") for r in rows),
        greater_depth=_mean(r.figures.get("pct_greater_depth") for r in rows),
        coverage=_mean(r.figures.get("pct_taught") for r in rows),
    )


def _cells(loaded: LoadedSet, counts: dict[int, int]) -> list[tuple[Band, int, int]]:
    return Distribution(loaded, {b.pk: counts.get(b.pk, 0) for b in loaded.bands}).cells()


@dataclass
class SchoolLine:
    """One school's line in a subject's table."""

    school: School
    subject: Subject
    point: AssessmentPoint | None
    figures: Figures
    now: Distribution | None
    history: list[dict[str, object]]
    hidden: bool  # every year group is below the school's minimum: nothing shown
    partial: bool = False  # some year groups below the minimum are left out


@dataclass
class SubjectTable:
    name: str
    lines: list[SchoolLine] = field(default_factory=list)
    chart: SafeString | None = None


def _subject_names(subjects: list[Subject]) -> list[str]:
    """Subject names across the trust, matched case-insensitively, in the schools' order."""
    seen: dict[str, str] = {}
    for s in sorted(subjects, key=lambda s: (s.order, s.name.casefold())):
        seen.setdefault(s.name.casefold(), s.name)
    return list(seen.values())


@dataclass
class _YearGroup:
    """One year group's pupils in one subject, kept as what a school's line adds up."""

    pupils: int = 0
    secure: list[float] = field(default_factory=list)
    greater_depth: list[float] = field(default_factory=list)
    coverage: list[float] = field(default_factory=list)
    bands: dict[int, int] = field(default_factory=dict)  # band shown -> pupils


@dataclass
class _SchoolRead:
    """A school of the trust once its results are let go: its year groups, by subject."""

    school: School
    year: SchoolYear | None
    attainment: LoadedSet | None
    subjects: dict[int, dict[int, _YearGroup]]  # subject -> nc year -> its pupils


_FIGURES = (
    ("pct_secure_of_year", "secure"),
    ("pct_greater_depth", "greater_depth"),
    ("pct_taught", "coverage"),
)


def _read(t: TrustSchool) -> _SchoolRead:
    """What the overview needs of one school's results (a few numbers per pupil, no rows)."""
    attainment = t.attainment
    subjects: dict[int, dict[int, _YearGroup]] = {}
    for r in t.rows():
        group = subjects.setdefault(r.subject_id, {}).setdefault(r.nc_year, _YearGroup())
        group.pupils += 1  # one row per pupil and subject
        for figure, name in _FIGURES:
            value = r.figures.get(figure)
            if value is not None:
                getattr(group, name).append(value)
        if attainment is not None:
            band = r.bands.get(attainment.pk)
            if band is not None:
                shown = band.shown.pk
                group.bands[shown] = group.bands.get(shown, 0) + 1
    return _SchoolRead(t.school, t.year, attainment, subjects)


def trust_overview(loaded: Iterable[TrustSchool], *, suppress: bool) -> list[SubjectTable]:
    """School by subject: pupils, figures and attainment bands now and at earlier closed points.

    With `suppress`, a school's line counts only the year groups its own page (the
    trust's view of the school by year group) shows: year groups with fewer pupils
    than the school's minimum are left out now, and at each earlier point so are
    year groups whose record there is that small. The line is then the sum of the
    visible year-group lines, so subtracting them recovers nothing hidden.

    `loaded` is read once, in order, and each school's results are reduced to a
    few numbers per pupil before the next school is read: with `iter_trust`, a
    trust of any size is read in bounded memory.
    """
    read = [_read(t) for t in loaded]
    schools = [r.school for r in read]
    subjects = list(Subject.objects.filter(school__in=schools))
    closed = [p for r in read if r.year for p in r.year.closed_before]
    # (point, subject) -> nc year -> band -> pupils
    earlier: dict[tuple[int, int], dict[int, dict[int, int]]] = {}
    for (point_id, nc_year, subject_id, band_id), n in snapshot_distributions(
        [p.pk for p in closed]
    ).items():
        cell = earlier.setdefault((point_id, subject_id), {}).setdefault(nc_year, {})
        cell[band_id] = cell.get(band_id, 0) + n
    tables = {name.casefold(): SubjectTable(name) for name in _subject_names(subjects)}
    by_school: dict[int, list[Subject]] = {}
    for s in subjects:
        by_school.setdefault(s.school_id, []).append(s)
    for t in read:
        attainment = t.attainment
        band_ids = [b.pk for b in attainment.bands] if attainment else []
        minimum = t.school.min_group_size
        for subject in by_school.get(t.school.pk, []):
            by_year = t.subjects.get(subject.pk, {})
            visible_years = [
                nc_year
                for nc_year, group in sorted(by_year.items())
                if not suppress or group.pupils >= minimum
            ]
            visible = [by_year[nc_year] for nc_year in visible_years]
            figures = Figures(
                pupils=sum(g.pupils for g in visible),
                secure=_mean(v for g in visible for v in g.secure),
                greater_depth=_mean(v for g in visible for v in g.greater_depth),
                coverage=_mean(v for g in visible for v in g.coverage),
            )
            now = None
            if attainment is not None and visible:
                now = Distribution(attainment)
                for g in visible:
                    for band_id, n in g.bands.items():
                        now.counts[band_id] = now.counts.get(band_id, 0) + n
            history: list[dict[str, object]] = []
            for p in t.year.closed_before if t.year else []:
                recorded = 0
                counts = dict.fromkeys(band_ids, 0)
                for nc_year, cell in earlier.get((p.pk, subject.pk), {}).items():
                    cell_counts = {b: cell.get(b, 0) for b in band_ids}
                    total = sum(cell_counts.values())
                    recorded += total
                    if nc_year in visible_years and not (suppress and total < minimum):
                        for b, n in cell_counts.items():
                            counts[b] += n
                shown = attainment is not None and sum(counts.values()) > 0
                history.append(
                    {
                        "point": p,
                        "hidden": not shown and recorded > 0,
                        "cells": _cells(attainment, counts)
                        if attainment is not None and shown
                        else [],
                    }
                )
            all_pupils = sum(g.pupils for g in by_year.values())
            tables[subject.name.casefold()].lines.append(
                SchoolLine(
                    school=t.school,
                    subject=subject,
                    point=t.year.point if t.year else None,
                    figures=figures,
                    now=now,
                    history=history,
                    hidden=suppress and all_pupils > 0 and figures.pupils == 0,
                    partial=suppress and 0 < figures.pupils < all_pupils,
                )
            )
    result = list(tables.values())
    sets = {t.school.pk: t.attainment for t in read}
    for table in result:
        table.chart = _chart(table, sets)
    return result


def _chart(table: SubjectTable, sets: dict[int, LoadedSet | None]) -> SafeString | None:
    """Stacked bars by school, drawn only when every school shown uses the same bands."""
    visible = [line for line in table.lines if not line.hidden and line.now and line.now.total]
    if not visible:
        return None
    first = sets[visible[0].school.pk]
    assert first is not None

    def labels(s: LoadedSet | None) -> list[str]:
        return [b.label for b in sorted(s.bands, key=lambda b: b.order)] if s else []

    if any(labels(sets[line.school.pk]) != labels(first) for line in visible):
        return None
    series = []
    for position, band in enumerate(sorted(first.bands, key=lambda b: b.order)):
        values: list[float | None] = []
        for line in visible:
            own = sorted(sets[line.school.pk].bands, key=lambda b: b.order)  # type: ignore[union-attr]
            assert line.now is not None
            values.append(line.now.percent(own[position]))
        series.append(charts.Series(band.label, band.colour, values))
    return charts.stacked_bars(
        f"{table.name}: attainment bands by school",
        [line.school.name for line in visible],
        series,
        x_title="School",
        y_title="% of pupils",
        alt=(
            f"Stacked bars: the share of pupils in each attainment band in {table.name}, "
            "school by school, at each school's current assessment point. "
            "The table below gives the figures."
        ),
    )


@dataclass
class GroupBlock:
    subject: str
    comparisons: list[Comparison]


@dataclass(frozen=True, slots=True)
class Shown:
    """The band a pupil is shown in (confirmed, else suggested), without its explanation."""

    shown: Band


@dataclass(slots=True)
class GroupRow:
    """What comparing groups needs of one pupil's result in one subject (see `compare_groups`).

    A few fields where a `PupilResult` carries every figure, band and explanation,
    so the rows of a whole trust can be held together.
    """

    pupil_id: int
    subject_id: int
    nc_year: int
    school_id: int
    figures: dict[str, float | None]
    attainment: Shown | None
    progress: Shown | None

    @classmethod
    def of(cls, r: PupilResult, school_id: int, shown: dict[int, Shown] | None = None) -> GroupRow:
        """The row of one result. `shown`, kept by the caller across rows, hands out one
        `Shown` per band rather than one per row (they are immutable and equal)."""
        # `r.attainment` and `r.progress` (each band set's first band of its kind), read
        # in one pass over the result's bands.
        attainment = progress = None
        for band in r.bands.values():
            kind = band.kind
            if kind == _ATTAINMENT:
                if attainment is None:
                    attainment = band
            elif kind == _PROGRESS and progress is None:
                progress = band
        return cls(
            r.pupil_id,
            r.subject_id,
            r.nc_year,
            school_id,
            {"pct_secure_of_year": r.figures.get("pct_secure_of_year")},
            _shown(attainment.confirmed or attainment.suggested, shown) if attainment else None,
            _shown(progress.confirmed or progress.suggested, shown) if progress else None,
        )


_ATTAINMENT = BandSet.Kind.ATTAINMENT.value
_PROGRESS = BandSet.Kind.PROGRESS.value


def _shown(band: Band, kept: dict[int, Shown] | None) -> Shown:
    """`Shown(band)`, the same one for every row with this band where `kept` is given."""
    if kept is None:
        return Shown(band)
    found = kept.get(id(band))
    if found is None or found.shown is not band:
        found = kept[id(band)] = Shown(band)
    return found


def group_rows(
    loaded: Iterable[TrustSchool], *, school: School | None = None, nc_year: int | None = None
) -> tuple[list[School], list[GroupRow]]:
    """The schools read (one, with `school`) and their rows reduced to `GroupRow`s.

    Reads `loaded` once, in order: with `iter_trust`, no more than a few schools'
    full results are held at a time.
    """
    schools: list[School] = []
    rows: list[GroupRow] = []
    shown: dict[int, Shown] = {}
    of = GroupRow.of
    for t in loaded:
        if school is not None and t.school.pk != school.pk:
            continue
        schools.append(t.school)
        school_id = t.school.pk
        rows.extend(
            of(r, school_id, shown) for r in t.rows() if nc_year is None or r.nc_year == nc_year
        )
    return schools, rows


def trust_group_comparison(
    loaded: Iterable[TrustSchool], *, school: School | None, nc_year: int | None
) -> tuple[list[GroupBlock], int]:
    """Each group beside all other pupils, per subject, across the trust or in one school.

    Always suppressed (`compare_groups`): the parts are each school's year groups,
    each with its school's minimum, so neither the trust-wide view minus a school's
    view nor a school's view minus one of its year groups gives a hidden group.
    The group and the pupils it is compared with must also reach, in total, the
    largest of the schools' minimums across the trust, or the school's own minimum
    in one school. Returns the blocks and that minimum. `loaded` is read once
    (`group_rows`).
    """
    chosen, rows = group_rows(loaded, school=school, nc_year=nc_year)
    minimum = max((s.min_group_size for s in chosen), default=5)
    subjects = list(Subject.objects.filter(school__in=chosen))
    name_of = {s.pk: s.name.casefold() for s in subjects}
    facts = pupil_facts({r.pupil_id for r in rows}, schools=[s.pk for s in chosen])
    # School-defined groups mean nothing across schools, so only one school's view has them.
    choices = group_choices(PupilGroup.objects.filter(school=school) if school else [])
    minimums = {s.pk: s.min_group_size for s in chosen}

    def part_of(row: GroupRow) -> Hashable:
        return (row.school_id, row.nc_year)

    def part_minimum(part: Hashable) -> int:
        assert isinstance(part, tuple)
        return minimums[part[0]]

    def school_part(part: Hashable) -> Hashable:
        assert isinstance(part, tuple)
        return part[0]  # a school's own page (`?school=`) can be subtracted as well

    by_name: dict[str, list[GroupRow]] = {}
    for r in rows:
        by_name.setdefault(name_of.get(r.subject_id, ""), []).append(r)
    blocks = []
    memo = CompareMemo()  # subjects with the same pupils: suppression worked out once
    for name in _subject_names(subjects):
        subject_rows = by_name.get(name.casefold(), [])
        if not subject_rows:
            continue
        blocks.append(
            GroupBlock(
                name,
                compare_groups(
                    subject_rows,
                    facts,
                    choices,
                    min_size=minimum,
                    suppress=True,
                    part_of=part_of,
                    part_minimum=part_minimum,
                    outer_of=school_part,
                    memo=memo,
                ),
            )
        )
    return blocks, minimum
