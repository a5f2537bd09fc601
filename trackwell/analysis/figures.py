"""Whole-school metrics: every pupil and subject in a fixed number of SQL queries.

A pupil's figures in a subject are counted on the framework they are assessed
against: their class's NC year, or another year's framework when they are
tracked on one (`PupilFramework`). "Last year" is the framework one NC year
below that one. Counting rules match `metrics.pupil_summaries`: an objective is
taught to a pupil when it is marked taught to their class or they have any
rating on it; archived objectives are left out everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import (
    Count,
    QuerySet,
)

from trackwell.core.db import plain_rows
from trackwell.curriculum.models import Framework, Objective, RatingLevel, TaughtObjective
from trackwell.pupils.models import Enrolment

from .feed import SchoolFeed
from .judgement_counts import judgement_rows, live_mask_rows, live_rows, live_stream
from .models import PupilFramework


@dataclass(frozen=True)
class MetricInfo:
    key: str
    label: str
    kind: str  # "count", "pct", "number" or "steps"
    progress_only: bool = False


METRICS: dict[str, MetricInfo] = {
    m.key: m
    for m in [
        MetricInfo("objectives", "objectives in the year's framework", "count"),
        MetricInfo("taught", "objectives taught", "count"),
        MetricInfo("assessed", "objectives assessed", "count"),
        MetricInfo("secure", "objectives secure", "count"),
        MetricInfo("greater_depth", "objectives at greater depth", "count"),
        MetricInfo("pct_taught", "% taught (coverage)", "pct"),
        MetricInfo("pct_secure_of_taught", "% secure of taught", "pct"),
        MetricInfo("pct_secure_of_year", "% secure of the year", "pct"),
        MetricInfo("pct_greater_depth", "% greater depth (of taught)", "pct"),
        MetricInfo("average_depth", "average depth", "number"),
        MetricInfo("prev_objectives", "objectives in last year's framework", "count"),
        MetricInfo("prev_secure", "last year's objectives secure", "count"),
        MetricInfo("pct_prev_secure", "% of last year's framework secure", "pct"),
        MetricInfo("pct_prev_greater_depth", "% of last year's framework at greater depth", "pct"),
        MetricInfo("test_score", "latest test score in the subject", "number"),
        MetricInfo("target_met", "target at this point met (1) or not yet (0)", "number"),
        MetricInfo(
            "teacher_progress",
            "the teacher's word at this point: good progress (1) or not yet (0)",
            "number",
        ),
        MetricInfo(
            "prior_attainment", "prior attainment group (1 low, 2 middle, 3 high)", "number"
        ),
        MetricInfo("band_change", "bands moved since the last point", "steps", progress_only=True),
        MetricInfo(
            "secure_gain",
            "gain in % secure of the year since the last point",
            "pct",
            progress_only=True,
        ),
    ]
}


def pct(part: int, whole: int) -> float | None:
    """A percentage to one decimal place, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def format_figure(metric: str, value: float | None) -> str:
    """A figure as people read it: '58%', '1.8', '+1 band'."""
    if value is None:
        return "no figure yet"
    info = METRICS.get(metric)
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if info is None:
        return text
    if info.kind == "pct":
        return f"{text}%"
    if info.kind == "steps":
        n = int(value)
        if not n:
            return "same band"
        return f"{'up' if n > 0 else 'down'} {abs(n)} band{'s' if abs(n) != 1 else ''}"
    return text


def figure_phrase(metric: str, value: float | None) -> str:
    """'58% secure of the year', 'average depth 1.8'."""
    info = METRICS.get(metric)
    label = info.label if info else metric
    if value is not None and info is not None and info.kind == "pct" and label.startswith("%"):
        return f"{format_figure(metric, value)}{label[1:]}"
    return f"{label}: {format_figure(metric, value)}"


class Metrics(NamedTuple):
    """One pupil's figures in one subject.

    A named tuple: immutable like the frozen dataclass it was, and built in one step
    (`_metrics` builds some 1,600 for a two-form-entry school on every page that
    evaluates it); a dataclass's instance carries a dictionary of its 17 fields too.
    """

    pupil_id: int
    subject_id: int
    school_id: int
    class_id: int
    class_year: int
    framework_id: int
    framework_year: int
    objectives: int = 0
    taught: int = 0
    assessed: int = 0
    secure: int = 0
    greater_depth: int = 0
    depth_total: int = 0
    prev_framework_id: int | None = None
    prev_objectives: int = 0
    prev_secure: int = 0
    prev_greater_depth: int = 0

    @property
    def below_year(self) -> bool:
        return self.framework_year < self.class_year

    @property
    def pct_secure_of_year(self) -> float | None:
        return pct(self.secure, self.objectives)

    def figures(self) -> dict[str, float | None]:
        """The figures band rules may test (progress figures are added by the caller).

        Written out rather than through `pct` (the same sums): it runs for every
        pupil and subject of every page that evaluates a school.
        """
        objectives, taught, secure, greater = (
            self.objectives,
            self.taught,
            self.secure,
            self.greater_depth,
        )
        assessed, prev_objectives = self.assessed, self.prev_objectives
        prev_secure, prev_greater = self.prev_secure, self.prev_greater_depth
        has_prev = bool(self.prev_framework_id)
        return {
            "objectives": objectives,
            "taught": taught,
            "assessed": assessed,
            "secure": secure,
            "greater_depth": greater,
            "pct_taught": pct_of(taught, objectives) if objectives else None,
            "pct_secure_of_taught": pct_of(secure, taught) if taught else None,
            "pct_secure_of_year": pct_of(secure, objectives) if objectives else None,
            "pct_greater_depth": pct_of(greater, taught) if taught else None,
            "average_depth": _average_of(self.depth_total, assessed) if assessed else None,
            "prev_objectives": prev_objectives if has_prev else None,
            "prev_secure": prev_secure if has_prev else None,
            "pct_prev_secure": pct_of(prev_secure, prev_objectives) if prev_objectives else None,
            "pct_prev_greater_depth": pct_of(prev_greater, prev_objectives)
            if prev_objectives
            else None,
        }


# `round(100 * part / whole, 1)` and `round(total / count, 2)`, remembered: the counts are
# small (a framework's objectives) and repeat from pupil to pupil, and `round` of a float
# costs several dictionary look-ups. Counts only (ints): a float such as -0.0 equals an
# int key but is written differently, so it is worked out each time. Bounded: emptied
# when it grows past `_KEPT` entries.
_PCTS: dict[tuple[int, int], float] = {}
_AVERAGES: dict[tuple[int, int], float] = {}
_KEPT = 100_000


def pct_of(part: float, whole: float) -> float:
    """`round(100 * part / whole, 1)` for a non-zero `whole`, remembered for int counts."""
    if type(part) is not int or type(whole) is not int:
        return round(100 * part / whole, 1)
    key = (part, whole)
    found = _PCTS.get(key)
    if found is None:
        if len(_PCTS) >= _KEPT:
            _PCTS.clear()
        found = _PCTS[key] = round(100 * part / whole, 1)
    return found


def _average_of(total: float, count: float) -> float:
    if type(total) is not int or type(count) is not int:
        return round(total / count, 2)
    key = (total, count)
    found = _AVERAGES.get(key)
    if found is None:
        if len(_AVERAGES) >= _KEPT:
            _AVERAGES.clear()
        found = _AVERAGES[key] = round(total / count, 2)
    return found


Key = tuple[int, int]  # (pupil_id, subject_id)


_ENROLMENT = ("pupil_id", "school_class_id", "school_class__nc_year", "school_id")
_TAUGHT = ("school_class_id", "objective_id", "objective__framework_id", "school_id")
_LEVEL = ("pk", "value", "counts_as_secure", "is_greater_depth")


def _frameworks(
    school_ids: Collection[int], subject_ids: Collection[int] | None
) -> tuple[dict[tuple[int, int], int], dict[int, int], dict[int, set[int]]]:
    """The schools' frameworks: (subject, NC year) -> framework, framework -> its NC year,
    and school -> its subjects with a framework (one query)."""
    fw_qs = Framework.objects.filter(school_id__in=list(school_ids))
    if subject_ids is not None:
        fw_qs = fw_qs.filter(subject_id__in=list(subject_ids))
    fw_rows = list(fw_qs.values_list("pk", "subject_id", "nc_year", "school_id"))
    by_subject_year = {(s, y): pk for pk, s, y, _ in fw_rows}
    fw_year = {pk: y for pk, _, y, _ in fw_rows}
    subjects_by_school: dict[int, set[int]] = {}
    for _, s, _, sch in fw_rows:
        subjects_by_school.setdefault(sch, set()).add(s)
    return by_subject_year, fw_year, subjects_by_school


def _objective_counts(objectives: QuerySet[Objective]) -> dict[int, int]:
    """Framework -> its objectives not archived (one GROUP BY)."""
    return dict(
        objectives.filter(archived_at__isnull=True)
        .values("framework_id")
        .annotate(n=Count("pk"))
        .values_list("framework_id", "n")
    )


def _objective_positions(objectives: QuerySet[Objective]) -> tuple[dict[int, int], dict[int, int]]:
    """`_objective_counts`, and each objective's bit in the masks of `live_mask_rows`: its
    place among its framework's objectives not archived, in order of id (one query)."""
    counts: dict[int, int] = {}
    positions: dict[int, int] = {}
    for pk, framework_id in plain_rows(
        objectives.filter(archived_at__isnull=True)
        .order_by("framework_id", "pk")
        .values_list("pk", "framework_id")
    ):
        place = counts.get(framework_id, 0)
        positions[pk] = place
        counts[framework_id] = place + 1
    return counts, positions


def compute_metrics(
    year_ids: Collection[int],
    *,
    as_of: datetime | None = None,
    pupil_ids: Collection[int] | None = None,
    subject_ids: Collection[int] | None = None,
    feed: SchoolFeed | None = None,
) -> dict[Key, Metrics]:
    """Figures for every pupil enrolled in a class of these years, in seven queries.

    `as_of` counts judgements and coverage as they stood at that moment, from
    the judgement history (used to build snapshots for points closed before
    Trackwell kept them).

    With a `feed` (`analysis.feed`), `year_ids` are one batch of the feed's
    schools' current years, and each kind of row is read in one query for all
    the feed's schools, batch after batch: seven queries for a trust of any size.
    """
    years = list(year_ids)
    if feed is not None:
        if as_of is not None or pupil_ids is not None:
            raise ValueError("A feed reads whole schools as they are today.")
        return _metrics_from_feed(feed, years, subject_ids)
    enrol_qs = Enrolment.objects.filter(school_class__year_id__in=years)
    if pupil_ids is not None:
        enrol_qs = enrol_qs.filter(pupil_id__in=list(pupil_ids))
    # Read unconverted in one fetch (ids and years): the ORM's row by row conversion cost
    # more than these queries (`core.db.plain_rows`).
    enrolments = plain_rows(enrol_qs.order_by("pk").values_list(*_ENROLMENT))
    placement = _placement(enrolments)
    if not placement:
        return {}
    school_ids = {s for _, _, s in placement.values()}
    frameworks = _frameworks(school_ids, subject_ids)
    overrides = {
        (p, s): f
        for p, s, f in PupilFramework.objects.filter(school_id__in=school_ids).values_list(
            "pupil_id", "subject_id", "framework_id"
        )
    }
    objectives = Objective.objects.filter(framework_id__in=list(frameworks[1]))
    positions: dict[int, int] | None = None
    if as_of is None and connection.vendor == "postgresql":
        # The objectives rated read as bit masks (see `live_mask_rows`): each objective's
        # bit is read with the counts, in the query that counted them.
        objective_counts, positions = _objective_positions(objectives)
    else:
        objective_counts = _objective_counts(objectives)
    taught_qs = TaughtObjective.objects.filter(
        school_class__year_id__in=years, objective__archived_at__isnull=True
    )
    if as_of is not None:
        taught_qs = taught_qs.filter(marked_at__lte=as_of)
    taught = plain_rows(taught_qs.values_list(*_TAUGHT))
    levels = list(RatingLevel.objects.filter(school_id__in=school_ids).values_list(*_LEVEL))
    rows: Mapping[tuple[int, int], Sequence[Any]] | None = None
    if as_of is not None:
        rows = judgement_rows(years, school_ids, levels, as_of, pupil_ids)
    else:
        if positions is not None:
            rows = live_mask_rows(
                school_ids, levels, pupil_ids, set(placement), positions, frameworks[1]
            )
        if rows is None:  # SQLite, or an objective without a position: ids as text
            positions = None
            rows = live_rows(school_ids, levels, pupil_ids, set(placement))
    return _metrics(
        placement,
        enrolments,
        frameworks,
        overrides,
        objective_counts,
        taught,
        rows,
        as_of is None,
        positions,
    )


def _placement(enrolments: Iterable[tuple[int, int, int, int]]) -> dict[int, tuple[int, int, int]]:
    """Each pupil's first enrolment: pupil -> (class, NC year, school)."""
    placement: dict[int, tuple[int, int, int]] = {}
    for pupil_id, class_id, nc_year, school_id in enrolments:
        placement.setdefault(pupil_id, (class_id, nc_year, school_id))
    return placement


def _metrics_from_feed(
    feed: SchoolFeed, years: list[int], subject_ids: Collection[int] | None
) -> dict[Key, Metrics]:
    """`compute_metrics` for one batch of a feed's schools (see there)."""
    batch = [feed.school_of_year[y] for y in years if y in feed.school_of_year]
    all_years = [p.year_id for p in feed.open_points]
    enrolments = feed.ordered_rows(
        "enrolments",
        batch,
        Enrolment.objects.filter(school_class__year_id__in=all_years).values_list(*_ENROLMENT),
        "school_id",
        itemgetter(3),
        then=("pk",),
    )
    placement = _placement(enrolments)
    if not placement:
        return {}
    schools = feed.school_ids
    frameworks = feed.once("frameworks", lambda: _frameworks(schools, subject_ids))
    overrides = {
        (p, s): f
        for _, p, s, f in feed.ordered_rows(
            "pupil frameworks",
            batch,
            PupilFramework.objects.filter(school_id__in=schools).values_list(
                "school_id", "pupil_id", "subject_id", "framework_id"
            ),
            "school_id",
            itemgetter(0),
        )
    }
    objectives = Objective.objects.filter(framework__school_id__in=schools)
    if subject_ids is not None:
        objectives = objectives.filter(framework__subject_id__in=list(subject_ids))
    objective_counts = feed.once("objective counts", lambda: _objective_counts(objectives))
    taught = feed.ordered_rows(
        "taught",
        batch,
        TaughtObjective.objects.filter(
            school_class__year_id__in=all_years, objective__archived_at__isnull=True
        ).values_list(*_TAUGHT),
        "school_id",
        itemgetter(3),
    )
    levels = feed.once(
        "levels",
        lambda: list(RatingLevel.objects.filter(school_id__in=schools).values_list(*_LEVEL)),
    )
    placed = set(placement)
    rows = {
        (pupil_id, framework_id): counts
        for _, pupil_id, framework_id, *counts in feed.rows(
            "judgements", batch, lambda: live_stream(feed, levels), itemgetter(0)
        )
        if pupil_id in placed
    }
    return _metrics(placement, enrolments, frameworks, overrides, objective_counts, taught, rows)


def _metrics(
    placement: dict[int, tuple[int, int, int]],
    enrolments: list[tuple[int, int, int, int]],
    frameworks: tuple[dict[tuple[int, int], int], dict[int, int], dict[int, set[int]]],
    overrides: dict[tuple[int, int], int],
    objective_counts: dict[int, int],
    taught: Iterable[tuple[int, int, int, int]],
    rows: Mapping[tuple[int, int], Sequence[Any]],
    live: bool = True,
    positions: Mapping[int, int] | None = None,
) -> dict[Key, Metrics]:
    """Each placed pupil's `Metrics` in each of their school's subjects (no queries).

    With `positions`, the rows' objectives rated are bit masks (`live_mask_rows`), and
    each class's marks per framework are masks of the same bits."""
    by_subject_year, fw_year, subjects_by_school = frameworks
    # What each class has marked taught: counted per framework, and kept (as the text
    # of the objectives' ids) to find which of a pupil's ratings are on marked objectives.
    class_taught: dict[tuple[int, int], int] = {}
    marked: dict[int, set[str]] = {}
    marked_masks: dict[tuple[int, int], int] = {}  # (class, framework) -> bits, with positions
    for marked_in, objective_id, marked_fw, _ in taught:
        class_taught[(marked_in, marked_fw)] = class_taught.get((marked_in, marked_fw), 0) + 1
        if positions is None:
            marked.setdefault(marked_in, set()).add(str(objective_id))
        elif (bit := positions.get(objective_id)) is not None:
            marked_masks[(marked_in, marked_fw)] = marked_masks.get((marked_in, marked_fw), 0) | (
                1 << bit
            )
    classes_of: dict[int, list[int]] = {}
    if live:
        for enrolled, enrolled_in, _, _ in enrolments:
            classes_of.setdefault(enrolled, []).append(enrolled_in)
    # What any of a pupil's classes marked (one class's set, or the union of several):
    # one set per distinct list of classes, not one per pupil.
    marked_for: dict[tuple[int, ...], set[str]] = {}

    result: dict[Key, Metrics] = {}
    make, no_judgements = tuple.__new__, _NO_JUDGEMENTS
    for pupil_id, (class_id, nc_year, school_id) in placement.items():
        classes = tuple(classes_of.get(pupil_id, ()))
        for subject_id in subjects_by_school.get(school_id, ()):
            framework_id = overrides.get((pupil_id, subject_id)) or by_subject_year.get(
                (subject_id, nc_year)
            )
            if framework_id is None or framework_id not in fw_year:
                continue
            framework_year = fw_year[framework_id]
            prev_id = by_subject_year.get((subject_id, framework_year - 1))
            row = rows.get((pupil_id, framework_id), no_judgements)
            prev = rows.get((pupil_id, prev_id), no_judgements) if prev_id else no_judgements
            assessed = row[_ASSESSED]
            if live and assessed and positions is not None:
                # The bits rated that no class of the pupil's marked, in the row's framework.
                on_marked = 0
                for c in classes:
                    on_marked |= marked_masks.get((c, framework_id), 0)
                beyond = assessed - (row[_BEYOND] & on_marked).bit_count()
            elif live and assessed:
                on = marked_for.get(classes)
                if on is None:
                    on = marked_for[classes] = _marked_to(classes, marked)
                # The objectives rated (ids as text, each once: a pupil has one judgement
                # an objective) that are not marked taught to any of the pupil's classes.
                beyond = assessed - len(on.intersection(row[_BEYOND].split(",")))
            else:
                beyond = row[_BEYOND] or 0
            # The tuple built directly, in field order, without the generated __new__.
            m = make(
                Metrics,
                (
                    pupil_id,
                    subject_id,
                    school_id,
                    class_id,
                    nc_year,
                    framework_id,
                    framework_year,
                    objective_counts.get(framework_id, 0),
                    class_taught.get((class_id, framework_id), 0) + beyond,
                    assessed,
                    row[_SECURE],
                    row[_GREATER],
                    row[_DEPTH] or 0,
                    prev_id,
                    objective_counts.get(prev_id, 0) if prev_id else 0,
                    prev[_SECURE],
                    prev[_GREATER],
                ),
            )
            result[(pupil_id, subject_id)] = m
    return result


def _marked_to(classes: tuple[int, ...], marked: dict[int, set[str]]) -> set[str]:
    """The objectives (ids as text) marked taught to any of these classes."""
    if len(classes) == 1:
        return marked.get(classes[0], set())
    found: set[str] = set()
    for c in classes:
        found |= marked.get(c, set())
    return found


# A (pupil, framework)'s counts, as a short list (not a dict per row: a trust of 50 schools
# has some 80,000 of them): assessed, secure, greater depth, depth total, then as of a
# moment the number rated beyond what was marked taught to the class, or for today's
# figures the ids of the objectives rated, as text (see `_metrics`).
_ASSESSED, _SECURE, _GREATER, _DEPTH, _BEYOND = range(5)
_NO_JUDGEMENTS: tuple[Any, ...] = (0, 0, 0, 0, 0)


# Other apps add figures a rule may test (test scores, targets, prior attainment) by
# registering a provider here in their AppConfig.ready(): analysis imports no app above it.
# A provider names the figures it gives; it is asked only when an active band set's rule
# uses one of them, for all the points being evaluated at once (one per school), and
# answers extra figures per point and key.
FigureProvider = Callable[
    [list[Any], "dict[Key, Metrics]", set[str]], "dict[int, dict[Key, dict[str, float | None]]]"
]
FIGURE_PROVIDERS: list[tuple[frozenset[str], FigureProvider]] = []


def register_figures(names: Collection[str], provider: FigureProvider) -> None:
    """Add a provider of the named extra figures (once)."""
    if all(p is not provider for _, p in FIGURE_PROVIDERS):
        FIGURE_PROVIDERS.append((frozenset(names), provider))


def extra_figures(
    points: list[Any], metrics: dict[Key, Metrics], wanted: set[str]
) -> dict[int, dict[Key, dict[str, float | None]]]:
    """The providers' figures that some rule wants, per point and key."""
    found: dict[int, dict[Key, dict[str, float | None]]] = {}
    for names, provider in FIGURE_PROVIDERS:
        if not names & wanted:
            continue
        for point_id, per_key in provider(points, metrics, wanted).items():
            own = found.setdefault(point_id, {})
            for key, figures in per_key.items():
                own.setdefault(key, {}).update(figures)
    return found
