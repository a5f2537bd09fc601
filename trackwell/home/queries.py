"""What each home page needs, in a fixed number of queries however large the school.

Completion is counted per class as a list (grid filled, bands confirmed), never
ranked: tracking is a teaching tool, not performance management.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis.evaluation import SchoolYear, current_years, load_band_sets, point_results
from trackwell.analysis.models import (
    Band,
    BandConfirmation,
    BandRule,
    BandSet,
    PupilFramework,
    PupilStartingPoint,
)
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.core.models import AssessmentPoint, School
from trackwell.curriculum.models import Framework, Subject, TaughtObjective
from trackwell.meetings.models import Meeting
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass
from trackwell.scores.models import ProgressJudgement, PupilPriorAttainment, Target, TestResult

MEETINGS_AHEAD = timedelta(days=14)


@dataclass
class SubjectTodo:
    subject: Subject
    unrated_objectives: int  # taught to the class, not yet rated for every pupil
    unconfirmed: int  # pupils without a confirmed attainment band at the open point


@dataclass
class ClassCompletion:
    school_class: SchoolClass
    pupils: int
    cells: int  # taught objectives x pupils
    rated: int
    confirmed: int
    to_confirm: int  # pupils x subjects tracked
    subjects: list[SubjectTodo] = field(default_factory=list)

    @property
    def filled_pct(self) -> int | None:
        return round(100 * self.rated / self.cells) if self.cells else None

    @property
    def confirmed_pct(self) -> int | None:
        return round(100 * self.confirmed / self.to_confirm) if self.to_confirm else None

    @property
    def unrated_objectives(self) -> int:
        return sum(s.unrated_objectives for s in self.subjects)

    @property
    def unconfirmed(self) -> int:
        return sum(s.unconfirmed for s in self.subjects)


def school_year(school_id: int) -> SchoolYear | None:
    """The school's current year and point (two queries)."""
    return current_years([school_id]).get(school_id)


def completion(
    classes: list[SchoolClass], point: AssessmentPoint | None, school_id: int
) -> list[ClassCompletion]:
    """For each class: how much of the grid is filled and how many bands are confirmed.

    Six queries for any number of classes and pupils.
    """
    if not classes:
        return []
    ids = [c.pk for c in classes]
    subjects = list(Subject.objects.filter(school_id=school_id).order_by("order", "name"))
    tracked = set(
        Framework.objects.filter(school_id=school_id).values_list("subject_id", "nc_year")
    )
    pupils = dict(
        Enrolment.objects.filter(school_class_id__in=ids)
        .values("school_class_id")
        .annotate(n=Count("pk"))
        .values_list("school_class_id", "n")
    )
    taught: dict[int, dict[int, int]] = {}  # class -> objective -> subject
    for class_id, objective_id, subject_id in TaughtObjective.objects.filter(
        school_class_id__in=ids, objective__archived_at__isnull=True
    ).values_list("school_class_id", "objective_id", "objective__framework__subject_id"):
        taught.setdefault(class_id, {})[objective_id] = subject_id
    rated: dict[tuple[int, int], int] = {
        (c, o): n
        for c, o, n in Enrolment.objects.filter(
            school_class_id__in=ids,
            pupil__judgements__level__isnull=False,
            pupil__judgements__objective__taught_to__school_class=F("school_class"),
        )
        .values("school_class_id", "pupil__judgements__objective_id")
        .annotate(n=Count("pk"))
        .values_list("school_class_id", "pupil__judgements__objective_id", "n")
    }
    confirmed: dict[tuple[int, int], int] = {}
    if point is not None and point.state == AssessmentPoint.State.OPEN:
        attainment = load_band_sets(school_id).attainment
        if attainment is not None:
            confirmed = {
                (c, s): n
                for c, s, n in BandConfirmation.objects.filter(
                    point=point,
                    band_set_id=attainment.pk,
                    pupil__enrolments__school_class_id__in=ids,
                )
                .values("pupil__enrolments__school_class_id", "subject_id")
                .annotate(n=Count("pk"))
                .values_list("pupil__enrolments__school_class_id", "subject_id", "n")
            }
    is_open = point is not None and point.state == AssessmentPoint.State.OPEN
    result = []
    for c in classes:
        n = pupils.get(c.pk, 0)
        own = taught.get(c.pk, {})
        todos = []
        for s in subjects:
            if (s.pk, c.nc_year) not in tracked:
                continue
            objectives = [o for o, subject_id in own.items() if subject_id == s.pk]
            unrated = sum(1 for o in objectives if rated.get((c.pk, o), 0) < n)
            todos.append(
                SubjectTodo(
                    s, unrated, max(0, n - confirmed.get((c.pk, s.pk), 0)) if is_open else 0
                )
            )
        result.append(
            ClassCompletion(
                school_class=c,
                pupils=n,
                cells=len(own) * n,
                rated=sum(min(rated.get((c.pk, o), 0), n) for o in own),
                confirmed=sum(confirmed.get((c.pk, t.subject.pk), 0) for t in todos),
                to_confirm=n * len(todos) if is_open else 0,
                subjects=todos,
            )
        )
    return result


@dataclass
class Headline:
    subject: Subject
    meeting: int
    total: int
    hidden: bool = False

    @property
    def pct(self) -> int:
        return round(100 * self.meeting / self.total) if self.total else 0


HEADLINE_CACHE_SECONDS = 600


def _live_fingerprint(school_id: int, point: AssessmentPoint) -> tuple[Any, ...]:
    """What an open point's live bands depend on, read as a few cheap aggregates.

    Any rating, band confirmation, band rule, pupil, enrolment, framework choice,
    objective taught, test result, target, teacher's word on progress, prior attainment
    or starting point set by hand that changes moves one of these numbers (and so does
    renaming or moving the point), so a headline cached
    under them is recomputed at the next look. Each is one indexed aggregate: the
    same handful of queries for 30 pupils or 3,000.
    """
    judgements = Judgement.objects.filter(school_id=school_id).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    history = JudgementHistory.objects.filter(school_id=school_id).aggregate(last=Max("pk"))
    confirmed = BandConfirmation.objects.filter(point=point).aggregate(
        n=Count("pk"), last=Max("confirmed_at")
    )
    rules = BandSet.objects.filter(school_id=school_id).aggregate(n=Count("pk"), v=Sum("version"))
    bands = Band.objects.filter(school_id=school_id).aggregate(n=Count("pk"), last=Max("pk"))
    band_rules = BandRule.objects.filter(school_id=school_id).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    pupils = Pupil.objects.filter(school_id=school_id).aggregate(n=Count("pk"), v=Sum("version"))
    enrolled = Enrolment.objects.filter(school_class__year_id=point.year_id).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    taught = TaughtObjective.objects.filter(school_id=school_id).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    chosen = PupilFramework.objects.filter(school_id=school_id).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    # What band rules may also test: test scores, targets, the teacher's word on progress,
    # prior attainment and starting points set by hand.
    results = TestResult.objects.filter(school_id=school_id).aggregate(
        n=Count("pk"), v=Sum("version"), last=Max("updated_at")
    )
    others = [
        model.objects.filter(school_id=school_id).aggregate(n=Count("pk"), last=Max("set_at"))
        for model in (Target, ProgressJudgement, PupilStartingPoint, PupilPriorAttainment)
    ]
    parts = (judgements, history, confirmed, rules, bands, band_rules, pupils, enrolled, taught)
    return (
        *(tuple(sorted(d.items())) for d in (*parts, chosen, results, *others)),
        point.state,
        point.name,  # rules name their point
        point.date,
    )


@dataclass
class Headlines:
    lines: list[Headline]
    worked_out_at: datetime | None = None  # when the open point's figures were worked out
    live: bool = False  # the point is open: today's figures, not the closed record

    def __iter__(self) -> Any:
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def __bool__(self) -> bool:
        return bool(self.lines)


def _headline_counts(school: School, point: AssessmentPoint, sets: Any) -> dict[int, list[int]]:
    attainment = sets.attainment
    meets = {b.pk for b in attainment.bands if b.meets_expectation}
    results = point_results(point, sets=sets)
    counts: dict[int, list[int]] = {}
    for r in results.rows.values():
        band = r.bands.get(attainment.pk)
        if band is None:
            continue
        entry = counts.setdefault(r.subject_id, [0, 0])
        entry[1] += 1
        if band.shown.pk in meets:
            entry[0] += 1
    return counts


def headlines(school: School, year: SchoolYear | None, *, suppress: bool) -> Headlines:
    """The school overview's headline: pupils in a band meeting expectations, per subject.

    A closed point reads its snapshot. An open point's live bands are worked out once
    and kept (for up to ten minutes) under a fingerprint of everything they depend on
    (`_live_fingerprint`), so the leaders' home page does not evaluate the whole school
    on every load; any change to the data changes the fingerprint, and the page says
    when the figures were worked out.
    """
    if year is None:
        return Headlines([])
    sets = load_band_sets(school.pk)
    attainment = sets.attainment
    if attainment is None:
        return Headlines([])
    point = year.point
    worked_out_at = None
    live = point.state != AssessmentPoint.State.CLOSED
    if not live:
        counts = _headline_counts(school, point, sets)
    else:
        key = (
            "home-headline:"
            + hashlib.sha256(
                repr((school.pk, point.pk, _live_fingerprint(school.pk, point))).encode()
            ).hexdigest()
        )
        cached = cache.get(key)
        if cached is None:
            cached = (_headline_counts(school, point, sets), timezone.now())
            cache.set(key, cached, HEADLINE_CACHE_SECONDS)
        counts, worked_out_at = cached
    subjects = Subject.objects.filter(school=school, pk__in=list(counts)).order_by("order", "name")
    return Headlines(
        [
            Headline(
                s,
                counts[s.pk][0],
                counts[s.pk][1],
                hidden=suppress and counts[s.pk][1] < school.min_group_size,
            )
            for s in subjects
        ],
        worked_out_at=worked_out_at,
        live=live,
    )


def meetings_due(user: User, today: date) -> list[Meeting]:
    """Planned meetings in the next fortnight, and any whose date has passed unheld."""
    return list(
        access.visible_meetings(user)
        .filter(status=Meeting.Status.PLANNED, date__lte=today + MEETINGS_AHEAD)
        .select_related("school_class", "point", "point__year")
        .order_by("date", "pk")[:30]
    )


def held_awaiting_follow_up(user: User) -> int:
    return access.visible_meetings(user).filter(status=Meeting.Status.HELD).count()


def classes_of(user: User) -> tuple[list[SchoolClass], list[SchoolClass], set[int]]:
    """(the user's own classes, the other classes they see, the ids they may edit) this year."""
    qs = access.visible_classes(user).filter(year__is_current=True).select_related("year")
    classes = list(qs.order_by("nc_year", "name"))
    mine = set(user.assignments.values_list("school_class_id", flat=True))
    editable = set(access.editable_classes(user).values_list("pk", flat=True))
    return (
        [c for c in classes if c.pk in mine],
        [c for c in classes if c.pk not in mine],
        editable,
    )
