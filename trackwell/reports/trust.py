"""Read-side helpers for trust pages: every school of a trust in a fixed number of queries.

A trust leader sees aggregates only. Each school is read at its own current
assessment point (live while open, its snapshot once closed) with its own band
sets; subjects are matched across schools by name. Figures are means over the
pupils tracked in a subject, and any line with fewer pupils than the school's
minimum group size is suppressed when `suppress` is set.
"""

from __future__ import annotations

from collections.abc import Iterable
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
from trackwell.analysis.groups import Comparison, compare_groups, group_choices, pupil_facts
from trackwell.analysis.models import Band
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
    """Each school's current year, point, band sets and results: the same queries for 2 or 20."""
    years = current_years([s.pk for s in schools])
    sets = load_band_sets_for(list(years))
    results = results_for_points([y.point for y in years.values()], sets)
    loaded = []
    for school in schools:
        year = years.get(school.pk)
        loaded.append(
            TrustSchool(
                school,
                year,
                results.get(year.point.pk) if year else None,
                sets.get(school.pk),
            )
        )
    return loaded


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
    hidden: bool


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


def trust_overview(loaded: list[TrustSchool], *, suppress: bool) -> list[SubjectTable]:
    """School by subject: pupils, figures and attainment bands now and at earlier closed points."""
    schools = [t.school for t in loaded]
    subjects = list(Subject.objects.filter(school__in=schools))
    closed = [p for t in loaded if t.year for p in t.year.closed_before]
    earlier: dict[tuple[int, int, int], int] = {}
    for (point_id, _, subject_id, band_id), n in snapshot_distributions(
        [p.pk for p in closed]
    ).items():
        key = (point_id, subject_id, band_id)
        earlier[key] = earlier.get(key, 0) + n
    tables = {name.casefold(): SubjectTable(name) for name in _subject_names(subjects)}
    by_school: dict[int, list[Subject]] = {}
    for s in subjects:
        by_school.setdefault(s.school_id, []).append(s)
    for t in loaded:
        rows_by_subject: dict[int, list[PupilResult]] = {}
        for r in t.rows():
            rows_by_subject.setdefault(r.subject_id, []).append(r)
        attainment = t.attainment
        minimum = t.school.min_group_size
        for subject in by_school.get(t.school.pk, []):
            rows = rows_by_subject.get(subject.pk, [])
            figures = figures_of(rows)
            now = None
            if attainment is not None and rows:
                now = Distribution(attainment)
                for r in rows:
                    band = r.bands.get(attainment.pk)
                    if band is not None:
                        now.counts[band.shown.pk] = now.counts.get(band.shown.pk, 0) + 1
            history: list[dict[str, object]] = []
            for p in t.year.closed_before if t.year else []:
                counts = {
                    b.pk: earlier.get((p.pk, subject.pk, b.pk), 0)
                    for b in (attainment.bands if attainment else [])
                }
                total = sum(counts.values())
                shown = attainment is not None and total > 0
                history.append(
                    {
                        "point": p,
                        "hidden": shown and suppress and total < minimum,
                        "cells": _cells(attainment, counts)
                        if attainment is not None and shown and not (suppress and total < minimum)
                        else [],
                    }
                )
            tables[subject.name.casefold()].lines.append(
                SchoolLine(
                    school=t.school,
                    subject=subject,
                    point=t.year.point if t.year else None,
                    figures=figures,
                    now=now,
                    history=history,
                    hidden=suppress and 0 < figures.pupils < minimum,
                )
            )
    result = list(tables.values())
    for table in result:
        table.chart = _chart(table, loaded)
    return result


def _chart(table: SubjectTable, loaded: list[TrustSchool]) -> SafeString | None:
    """Stacked bars by school, drawn only when every school shown uses the same bands."""
    sets = {t.school.pk: t.attainment for t in loaded}
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


def trust_group_comparison(
    loaded: list[TrustSchool], *, school: School | None, nc_year: int | None
) -> tuple[list[GroupBlock], int]:
    """Each group beside all other pupils, per subject, across the trust or in one school.

    Always suppressed: across the trust the minimum is the largest of the schools'
    minimum group sizes; in one school it is that school's own. Returns the blocks
    and the minimum used.
    """
    chosen = [t for t in loaded if school is None or t.school.pk == school.pk]
    minimum = max((t.school.min_group_size for t in chosen), default=5)
    subjects = list(Subject.objects.filter(school__in=[t.school for t in chosen]))
    name_of = {s.pk: s.name.casefold() for s in subjects}
    rows = [r for t in chosen for r in t.rows() if nc_year is None or r.nc_year == nc_year]
    facts = pupil_facts({r.pupil_id for r in rows})
    # School-defined groups mean nothing across schools, so only one school's view has them.
    choices = group_choices(PupilGroup.objects.filter(school=school) if school else [])
    blocks = []
    for name in _subject_names(subjects):
        subject_rows = [r for r in rows if name_of.get(r.subject_id) == name.casefold()]
        if not subject_rows:
            continue
        blocks.append(
            GroupBlock(
                name,
                compare_groups(subject_rows, facts, choices, min_size=minimum, suppress=True),
            )
        )
    return blocks, minimum
