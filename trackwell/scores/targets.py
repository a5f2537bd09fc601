"""Targets and flight paths: setting them (one by one or in bulk from a suggestion the
teacher adjusts), and how many pupils exceeded, met or missed them, by group.

A target is met when the pupil reaches it. It is exceeded when the pupil goes
beyond it: a higher band, a score at least EXCEED_SCORE above, or a % secure at
least EXCEED_PCT above. Targets are for the teacher's planning, never for
judging teachers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts.models import User, log_action
from trackwell.analysis.evaluation import PointResults, point_results
from trackwell.analysis.groups import group_choices, pupil_facts, suppression
from trackwell.analysis.models import Band, BandSet
from trackwell.core.models import AssessmentPoint
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Pupil, PupilGroup, SchoolClass

from .models import Target, Test, TestResult

EXCEED_SCORE = 5
EXCEED_PCT = 10

EXCEEDED, MET, MISSED, PENDING = "exceeded", "met", "missed", "pending"
OUTCOME_LABELS = {
    EXCEEDED: "Exceeded",
    MET: "Met",
    MISSED: "Not yet met",
    PENDING: "No result yet",
}


class StaleTargets(Exception):
    """Someone changed targets since the teacher loaded them; nothing was saved."""

    def __init__(self, current: dict[int, Target | None]) -> None:
        super().__init__("Targets were changed by someone else since you opened the page.")
        self.current = current


@dataclass(frozen=True)
class TargetInput:
    pupil_id: int
    kind: str
    band_id: int | None
    value: int | None
    expected_version: int  # 0 when the pupil had no target


def attainment_bands(school_id: int) -> list[Band]:
    """Bands of the school's first active attainment set, lowest first (band targets use them)."""
    band_set = (
        BandSet.objects.filter(school_id=school_id, kind=BandSet.Kind.ATTAINMENT, is_active=True)
        .order_by("order", "pk")
        .first()
    )
    if band_set is None:
        return []
    return list(Band.objects.filter(band_set=band_set).order_by("order"))


def _check(entry: TargetInput, bands: dict[int, Band], row: str) -> list[str]:
    if entry.kind not in Target.Kind.values:
        return [f"{row}: choose a band, a test score or a % secure."]
    if entry.kind == Target.Kind.BAND:
        if entry.band_id not in bands:
            return [f"{row}: choose one of the school's attainment bands."]
        return []
    if entry.value is None:
        return [f"{row}: give the target as a whole number."]
    if entry.kind == Target.Kind.PCT_SECURE and entry.value > 100:
        return [f"{row}: a % secure runs from 0 to 100."]
    if entry.kind == Target.Kind.SCORE and not 40 <= entry.value <= 200:
        return [f"{row}: a test score target runs from 40 to 200."]
    return []


def save_targets(
    *,
    user: User,
    school_class: SchoolClass,
    subject: Subject,
    point: AssessmentPoint,
    entries: list[TargetInput],
    clear: Mapping[int, int] | None = None,
) -> int:
    """Set the given pupils' targets (and clear others), all or nothing, version-checked.

    `clear` maps each pupil whose target goes to the version of it the caller saw, so a
    target a colleague has changed since is never removed unseen.
    """
    clear = dict(clear or {})
    if subject.school_id != school_class.school_id or point.school_id != school_class.school_id:
        raise ValidationError("That subject or assessment point belongs to another school.")
    if point.year_id != school_class.year_id:
        raise ValidationError("Choose an assessment point of the class's year.")
    names = dict(
        Pupil.objects.filter(enrolments__school_class=school_class).values_list("pk", "first_name")
    )
    bands = {b.pk: b for b in attainment_bands(school_class.school_id)}
    errors = []
    counted = Counter(e.pupil_id for e in entries)
    for pid in sorted(p for p, n in counted.items() if n > 1):
        errors.append(f"Pupil {pid} is sent twice; send each pupil's target once.")
    for pid in sorted(set(counted) & set(clear)):
        errors.append(f"Pupil {pid} is both given a target and cleared; choose one.")
    wanted = {e.pupil_id for e in entries} | set(clear)
    for pid in sorted(wanted - set(names)):
        errors.append(f"Pupil {pid} is not in {school_class.name}.")
    for e in entries:
        if e.pupil_id in names:
            errors += _check(e, bands, names[e.pupil_id])
    if errors:
        raise ValidationError(errors)
    versions = {e.pupil_id: e.expected_version for e in entries} | clear
    changed = 0
    with transaction.atomic():
        existing = {
            t.pupil_id: t
            for t in Target.objects.select_for_update().filter(
                subject=subject, point=point, pupil_id__in=list(wanted)
            )
        }
        stale = {
            pid: existing.get(pid)
            for pid, version in versions.items()
            if (existing[pid].version if pid in existing else 0) != version
        }
        if stale:
            raise StaleTargets(stale)
        for e in entries:
            target = existing.get(e.pupil_id)
            band_id = e.band_id if e.kind == Target.Kind.BAND else None
            value = None if e.kind == Target.Kind.BAND else e.value
            if target is None:
                target = Target.objects.create(
                    school_id=school_class.school_id,
                    pupil_id=e.pupil_id,
                    subject=subject,
                    point=point,
                    kind=e.kind,
                    band_id=band_id,
                    value=value,
                    set_by=user,
                )
                old = None
            elif (target.kind, target.band_id, target.value) == (e.kind, band_id, value):
                continue
            else:
                old = [target.kind, target.band_id, target.value]
                Target.objects.filter(pk=target.pk).update(
                    kind=e.kind,
                    band_id=band_id,
                    value=value,
                    set_by=user,
                    version=target.version + 1,
                )
            changed += 1
            log_action(
                school=school_class.school,
                user=user,
                action="scores.target.set",
                obj=target,
                old=old,
                new=[e.kind, band_id, value],
            )
        for pid in clear:
            target = existing.get(pid)
            if target is not None:
                log_action(
                    school=school_class.school,
                    user=user,
                    action="scores.target.clear",
                    obj=target,
                    old=[target.kind, target.band_id, target.value],
                )
                target.delete()
                changed += 1
    return changed


@dataclass(frozen=True)
class Suggestion:
    band_id: int | None
    value: int | None
    why: str


def suggest(
    school_class: SchoolClass, subject: Subject, point: AssessmentPoint, kind: str
) -> dict[int, Suggestion]:
    """A starting suggestion per pupil, which the teacher adjusts.

    It keeps each pupil where they started rather than drawing a straight line:
    the band they are in now (a band target), their last standardised score in
    the subject (holding a score is progress), or the share of the year's
    objectives that the point's place in the year implies.
    """
    pupils = list(
        Pupil.objects.filter(enrolments__school_class=school_class).values_list("pk", flat=True)
    )
    result: dict[int, Suggestion] = {}
    if kind == Target.Kind.BAND:
        bands = attainment_bands(school_class.school_id)
        meets = next((b for b in bands if b.meets_expectation), bands[-1] if bands else None)
        current = _current_bands(school_class, subject, pupils)
        for pid in pupils:
            band = current.get(pid)
            if band is not None:
                result[pid] = Suggestion(band, None, "the band the pupil is in now")
            elif meets is not None:
                result[pid] = Suggestion(
                    meets.pk, None, "no band yet: the first band that meets expectations"
                )
    elif kind == Target.Kind.SCORE:
        latest: dict[int, int] = {}
        for pid, score in (
            TestResult.objects.filter(
                pupil_id__in=pupils,
                test__subject=subject,
                score__isnull=False,
                test__taken_on__lte=point.date,
            )
            .order_by("test__taken_on", "pk")
            .values_list("pupil_id", "score")
        ):
            if score is not None:
                latest[pid] = score
        for pid in pupils:
            if pid in latest:
                result[pid] = Suggestion(None, latest[pid], "keeps the pupil's last score")
            else:
                result[pid] = Suggestion(None, 100, "no score yet: the national average, 100")
    else:
        points = list(AssessmentPoint.objects.filter(year_id=point.year_id).order_by("date"))
        place = next((i for i, p in enumerate(points, start=1) if p.pk == point.pk), len(points))
        share = round(100 * place / max(len(points), 1))
        for pid in pupils:
            result[pid] = Suggestion(None, share, f"point {place} of {len(points)} in the year")
    return result


def _current_bands(
    school_class: SchoolClass, subject: Subject, pupils: list[int]
) -> dict[int, int]:
    from trackwell.analysis.evaluation import current_point

    point = current_point(school_class.year)
    if point is None:
        return {}
    results = point_results(point, pupil_ids=pupils, subject_ids=[subject.pk])
    return {
        pid: row.attainment.shown.pk
        for (pid, _), row in results.rows.items()
        if row.attainment is not None
    }


@dataclass
class PupilOutcome:
    pupil_id: int
    target: Target
    actual: str  # what the pupil reached, in words
    outcome: str
    reached: float | None = None  # the same as a number (a band's order), for the flight path


def outcomes(
    point: AssessmentPoint,
    subject: Subject,
    pupil_ids: Collection[int] | None = None,
    *,
    results: PointResults | None = None,
) -> dict[int, PupilOutcome]:
    """Each target at the point beside what the pupil reached: a fixed number of queries."""
    targets = list(
        Target.objects.filter(point=point, subject=subject).select_related("band")
        if pupil_ids is None
        else Target.objects.filter(
            point=point, subject=subject, pupil_id__in=list(pupil_ids)
        ).select_related("band")
    )
    ids = [t.pupil_id for t in targets]
    if not _reachable(point):
        # A later point of the year: nothing is reached there yet, whatever today's figures.
        return {t.pupil_id: PupilOutcome(t.pupil_id, t, "", PENDING) for t in targets}
    if results is None and any(t.kind != Target.Kind.SCORE for t in targets):
        results = point_results(point, pupil_ids=ids, subject_ids=[subject.pk])
    scores = _point_scores(point, subject, ids)
    found: dict[int, PupilOutcome] = {}
    for t in targets:
        row = results.rows.get((t.pupil_id, subject.pk)) if results else None
        if t.kind == Target.Kind.BAND:
            band = row.attainment.shown if row and row.attainment else None
            if band is None or t.band is None:
                found[t.pupil_id] = PupilOutcome(t.pupil_id, t, "", PENDING)
                continue
            outcome = (
                EXCEEDED
                if band.order > t.band.order
                else MET
                if band.order == t.band.order
                else MISSED
            )
            found[t.pupil_id] = PupilOutcome(t.pupil_id, t, band.label, outcome, band.order)
            continue
        if t.kind == Target.Kind.SCORE:
            reached = scores.get(t.pupil_id)
            margin = EXCEED_SCORE
        else:
            pct = row.figures.get("pct_secure_of_year") if row else None
            reached = round(pct) if pct is not None else None
            margin = EXCEED_PCT
        if reached is None or t.value is None:
            found[t.pupil_id] = PupilOutcome(t.pupil_id, t, "", PENDING)
            continue
        outcome = EXCEEDED if reached >= t.value + margin else MET if reached >= t.value else MISSED
        suffix = "%" if t.kind == Target.Kind.PCT_SECURE else ""
        found[t.pupil_id] = PupilOutcome(t.pupil_id, t, f"{reached}{suffix}", outcome, reached)
    return found


def _reachable(point: AssessmentPoint) -> bool:
    """Closed points, and the year's current point (its figures are today's)."""
    if point.state == AssessmentPoint.State.CLOSED:
        return True
    from trackwell.analysis.evaluation import current_point

    current = current_point(point.year)
    return current is None or current.pk == point.pk


def _point_scores(point: AssessmentPoint, subject: Subject, pupil_ids: list[int]) -> dict[int, int]:
    """Each pupil's score on the subject's test at the point (the latest, if several)."""
    tests = Test.objects.filter(point=point, subject=subject)
    scores: dict[int, int] = {}
    for pid, score in (
        TestResult.objects.filter(test__in=tests, pupil_id__in=pupil_ids, score__isnull=False)
        .order_by("test__taken_on", "pk")
        .values_list("pupil_id", "score")
    ):
        if score is not None:
            scores[pid] = score
    return scores


@dataclass
class OutcomeRow:
    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    pupils: int = 0
    suppressed: bool = False

    @property
    def shares(self) -> dict[str, int]:
        decided = sum(self.counts.get(k, 0) for k in (EXCEEDED, MET, MISSED))
        return {
            k: round(100 * self.counts.get(k, 0) / decided) if decided else 0
            for k in (EXCEEDED, MET, MISSED)
        }


def _row(key: str, label: str, found: list[PupilOutcome]) -> OutcomeRow:
    counts: dict[str, int] = {}
    for o in found:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    return OutcomeRow(key, label, counts, len(found))


@dataclass
class TargetReport:
    point: AssessmentPoint
    subject: Subject
    whole: OutcomeRow
    by_year: list[OutcomeRow]
    by_class: list[OutcomeRow]
    by_group: list[OutcomeRow]
    min_size: int

    @property
    def whole_list(self) -> list[OutcomeRow]:
        return [self.whole]


def school_report(
    point: AssessmentPoint,
    subject: Subject,
    *,
    suppress: bool,
    min_size: int,
    school_groups: list[PupilGroup],
) -> TargetReport:
    """Exceeded, met and missed for the whole school, each year group, class and group.

    With `suppress`, year groups, classes and groups are hidden by the one
    suppression check of analysis.groups (small, or derivable by subtraction).
    """
    found = outcomes(point, subject)
    pupil_ids = list(found)
    facts = pupil_facts(pupil_ids)
    classes: dict[int, tuple[int, str, int]] = {}
    for pid, class_id, name, nc_year in SchoolClass.objects.filter(
        year_id=point.year_id, enrolments__pupil_id__in=pupil_ids
    ).values_list("enrolments__pupil_id", "pk", "name", "nc_year"):
        classes[pid] = (class_id, name, nc_year)
    years: dict[int, int] = dict(
        Pupil.objects.filter(pk__in=pupil_ids).values_list("pk", "nc_year")
    )
    choices = group_choices(school_groups)
    from trackwell.analysis.groups import group_test

    known = [(key, test) for key, _ in choices if (test := group_test(key)) is not None]
    hidden: dict[str, str] = {}
    small_years: set[object] = set()
    if suppress:
        small_years, hidden = suppression(
            [(pid, years[pid]) for pid in pupil_ids], facts, known, min_size=min_size
        )
    whole = _row("all", "All pupils", list(found.values()))
    by_year = []
    for nc in sorted(set(years.values())):
        inside = [o for pid, o in found.items() if years[pid] == nc]
        row = _row(f"year-{nc}", "Reception" if nc == 0 else f"Year {nc}", inside)
        row.suppressed = suppress and (nc in small_years or len(inside) < min_size)
        by_year.append(row)
    by_class = []
    for class_id, name in sorted({(c[0], c[1]) for c in classes.values()}, key=lambda c: c[1]):
        inside = [o for pid, o in found.items() if classes.get(pid, (0,))[0] == class_id]
        row = _row(f"class-{class_id}", name, inside)
        row.suppressed = suppress and len(inside) < min_size
        by_class.append(row)
    by_group = []
    labels = dict(choices)
    for key, test in known:
        inside = [o for pid, o in found.items() if pid in facts and test(facts[pid])]
        row = _row(key, labels[key], inside)
        row.suppressed = suppress and (bool(hidden.get(key)) or len(inside) < min_size)
        by_group.append(row)
    if suppress and len(found) < min_size:
        whole.suppressed = True
    return TargetReport(point, subject, whole, by_year, by_class, by_group, min_size)


def flight_path(
    pupil: Pupil, subject: Subject, points: list[AssessmentPoint]
) -> list[tuple[AssessmentPoint, Target | None]]:
    """The pupil's target at each point of the year, in date order (one query)."""
    targets = {
        t.point_id: t
        for t in Target.objects.filter(
            pupil=pupil, subject=subject, point__in=points
        ).select_related("band")
    }
    return [(p, targets.get(p.pk)) for p in points]


def describe_target(target: Target) -> str:
    """A target in words: 'On track', '105', '60% secure'."""
    if target.kind == Target.Kind.BAND:
        return target.band.label if target.band else ""
    if target.kind == Target.Kind.PCT_SECURE:
        return f"{target.value}% secure"
    return f"score {target.value}"


def targets_for(
    school_class: SchoolClass, subject: Subject, point: AssessmentPoint
) -> Mapping[int, Target]:
    """The class's targets at the point, by pupil (one query)."""
    return {
        t.pupil_id: t
        for t in Target.objects.filter(
            subject=subject, point=point, pupil__enrolments__school_class=school_class
        ).select_related("band")
    }


@dataclass
class FlightPath:
    """A pupil's targets through the year in one subject beside what they reached."""

    subject: Subject
    kind: str
    steps: list[tuple[AssessmentPoint, Target | None, PupilOutcome | None]]
    band_labels: list[str]

    def target_values(self) -> list[float | None]:
        return [
            (t.band.order if t.band else None)
            if t and t.kind == Target.Kind.BAND
            else (t.value if t else None)
            for _, t, _ in self.steps
        ]

    def reached_values(self) -> list[float | None]:
        return [o.reached if o else None for _, _, o in self.steps]


def pupil_flight_paths(pupil: Pupil) -> list[FlightPath]:
    """Each subject in which the pupil has targets this year, point by point."""
    points = list(
        AssessmentPoint.objects.filter(school_id=pupil.school_id, year__is_current=True).order_by(
            "date"
        )
    )
    chosen = list(
        Target.objects.filter(pupil=pupil, point__in=points)
        .select_related("band", "subject")
        .order_by("subject__name")
    )
    subjects = {t.subject_id: t.subject for t in chosen}
    bands = attainment_bands(pupil.school_id)
    paths = []
    for subject in subjects.values():
        mine = {t.point_id: t for t in chosen if t.subject_id == subject.pk}
        steps = []
        for point in points:
            target = mine.get(point.pk)
            found = outcomes(point, subject, [pupil.pk]).get(pupil.pk) if target else None
            steps.append((point, target, found))
        kinds = [t.kind for t in mine.values()]
        kind = max(set(kinds), key=kinds.count)
        paths.append(FlightPath(subject, kind, steps, [b.label for b in bands]))
    return paths
