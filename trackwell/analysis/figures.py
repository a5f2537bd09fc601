"""Whole-school metrics: every pupil and subject in a fixed number of SQL queries.

A pupil's figures in a subject are counted on the framework they are assessed
against: their class's NC year, or another year's framework when they are
tracked on one (`PupilFramework`). "Last year" is the framework one NC year
below that one. Counting rules match `metrics.pupil_summaries`: an objective is
taught to a pupil when it is marked taught to their class or they have any
rating on it; archived objectives are left out everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.curriculum.models import Framework, Objective, RatingLevel, TaughtObjective
from trackwell.pupils.models import Enrolment

from .feed import CHUNK, SchoolFeed
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


@dataclass(frozen=True)
class Metrics:
    """One pupil's figures in one subject."""

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
        has_prev = bool(self.prev_framework_id)
        return {
            "objectives": objectives,
            "taught": taught,
            "assessed": assessed,
            "secure": secure,
            "greater_depth": greater,
            "pct_taught": round(100 * taught / objectives, 1) if objectives else None,
            "pct_secure_of_taught": round(100 * secure / taught, 1) if taught else None,
            "pct_secure_of_year": round(100 * secure / objectives, 1) if objectives else None,
            "pct_greater_depth": round(100 * greater / taught, 1) if taught else None,
            "average_depth": round(self.depth_total / assessed, 2) if assessed else None,
            "prev_objectives": prev_objectives if has_prev else None,
            "prev_secure": self.prev_secure if has_prev else None,
            "pct_prev_secure": round(100 * self.prev_secure / prev_objectives, 1)
            if prev_objectives
            else None,
            "pct_prev_greater_depth": round(100 * self.prev_greater_depth / prev_objectives, 1)
            if prev_objectives
            else None,
        }


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
    enrolments = list(enrol_qs.order_by("pk").values_list(*_ENROLMENT))
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
    objective_counts = _objective_counts(
        Objective.objects.filter(framework_id__in=list(frameworks[1]))
    )
    taught_qs = TaughtObjective.objects.filter(
        school_class__year_id__in=years, objective__archived_at__isnull=True
    )
    if as_of is not None:
        taught_qs = taught_qs.filter(marked_at__lte=as_of)
    taught = taught_qs.values_list(*_TAUGHT)
    levels = list(RatingLevel.objects.filter(school_id__in=school_ids).values_list(*_LEVEL))
    if as_of is None:
        rows = _live_rows(school_ids, levels, pupil_ids, set(placement))
    else:
        rows = _judgement_rows(years, school_ids, levels, as_of, pupil_ids)
    return _metrics(
        placement, enrolments, frameworks, overrides, objective_counts, taught, rows, as_of is None
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
            "judgements", batch, lambda: _live_stream(feed, levels), itemgetter(0)
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
    rows: dict[tuple[int, int], list[Any]],
    live: bool = True,
) -> dict[Key, Metrics]:
    """Each placed pupil's `Metrics` in each of their school's subjects (no queries)."""
    by_subject_year, fw_year, subjects_by_school = frameworks
    # What each class has marked taught: counted per framework, and kept (as the text
    # of the objectives' ids) to find which of a pupil's ratings are on marked objectives.
    class_taught: dict[tuple[int, int], int] = {}
    marked: dict[int, set[str]] = {}
    for marked_in, objective_id, marked_fw, _ in taught:
        class_taught[(marked_in, marked_fw)] = class_taught.get((marked_in, marked_fw), 0) + 1
        marked.setdefault(marked_in, set()).add(str(objective_id))
    classes_of: dict[int, list[int]] = {}
    if live:
        for enrolled, enrolled_in, _, _ in enrolments:
            classes_of.setdefault(enrolled, []).append(enrolled_in)
    # What any of a pupil's classes marked (one class's set, or the union of several):
    # one set per distinct list of classes, not one per pupil.
    marked_for: dict[tuple[int, ...], set[str]] = {}

    result: dict[Key, Metrics] = {}
    new, no_judgements = object.__new__, _NO_JUDGEMENTS
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
            row: list[Any] | tuple[Any, ...] = rows.get((pupil_id, framework_id), no_judgements)
            prev = rows.get((pupil_id, prev_id), no_judgements) if prev_id else no_judgements
            assessed = row[_ASSESSED]
            if live and assessed:
                on = marked_for.get(classes)
                if on is None:
                    on = marked_for[classes] = _marked_to(classes, marked)
                # The objectives rated (ids as text, each once: a pupil has one judgement
                # an objective) that are not marked taught to any of the pupil's classes.
                beyond = assessed - len(on.intersection(row[_BEYOND].split(",")))
            else:
                beyond = row[_BEYOND] or 0
            # Built into the frozen instance's __dict__: the generated __init__ sets each
            # of the 17 fields through object.__setattr__, most of this loop's time.
            m = new(Metrics)
            m.__dict__.update(
                pupil_id=pupil_id,
                subject_id=subject_id,
                school_id=school_id,
                class_id=class_id,
                class_year=nc_year,
                framework_id=framework_id,
                framework_year=framework_year,
                objectives=objective_counts.get(framework_id, 0),
                taught=class_taught.get((class_id, framework_id), 0) + beyond,
                assessed=assessed,
                secure=row[_SECURE],
                greater_depth=row[_GREATER],
                depth_total=row[_DEPTH] or 0,
                prev_framework_id=prev_id,
                prev_objectives=objective_counts.get(prev_id, 0) if prev_id else 0,
                prev_secure=prev[_SECURE],
                prev_greater_depth=prev[_GREATER],
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


def _live_rows(
    school_ids: Iterable[int],
    levels: list[tuple[int, int, bool, bool]],
    pupil_ids: Collection[int] | None,
    placed: set[int],
) -> dict[tuple[int, int], list[Any]]:
    """Counts per (pupil, framework) of today's judgements, in one GROUP BY.

    As well as the counts, each row carries the ids of the objectives rated, as
    text ('12,15,31'): which of them are marked taught to the pupil's class is
    found in memory (`_metrics`), against the classes' marks read once. That
    replaced a second GROUP BY joining every mark with the judgements, which cost
    as much as this one. Rows of pupils in no class of these years are skipped.
    """
    if pupil_ids is not None and not pupil_ids:
        return {}
    sql, params = _live_sql(list(school_ids), levels, pupil_ids)
    result: dict[tuple[int, int], list[Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pupil_id, framework_id, *counts in cursor:
            if pupil_id in placed:
                result[(pupil_id, framework_id)] = counts
    return result


def _live_stream(feed: SchoolFeed, levels: list[tuple[int, int, bool, bool]]) -> Iterator[Any]:
    """`_live_rows` for every school of the feed, each row led by its school, in the feed's
    order of schools: one query, read from the database a chunk at a time."""
    sql, params = _live_sql(feed.school_ids, levels, None, feed)
    cursor = connection.chunked_cursor()  # a server-side cursor on PostgreSQL
    try:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            yield from chunk
    finally:
        cursor.close()


def _live_sql(
    schools: list[int],
    levels: list[tuple[int, int, bool, bool]],
    pupil_ids: Collection[int] | None,
    feed: SchoolFeed | None = None,
) -> tuple[str, list[Any]]:
    """The GROUP BY of `_live_rows` and its parameters; with a feed, led by the school and
    ordered in the feed's order of schools."""
    secure_ids = [pk for pk, _, secure, _ in levels if secure]
    greater_ids = [pk for pk, _, _, greater in levels if greater]
    q = connection.ops.quote_name

    def marks(ids: list[int]) -> str:
        return ", ".join(["%s"] * len(ids))

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
        WHERE {where}
        GROUP BY {lead}j.pupil_id, o.framework_id
        {order}
    """
    return sql, params


def _judgement_rows(
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
