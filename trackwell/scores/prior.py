"""Prior attainment groups and the teacher's judgement of progress.

A pupil's prior attainment group in a subject comes, in this order, from what
the school entered for them; from their end of Key Stage 1 result in the
subject; from their Reception (EYFS) result; or from last year's final
snapshot (the attainment band they ended the year in). Progress and
attainment are then compared within each group, as the national measures do.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet

from trackwell.accounts.models import User, log_action
from trackwell.analysis.evaluation import PointResults
from trackwell.analysis.groups import PupilFacts, pupil_facts, suppression
from trackwell.analysis.models import Band, SnapshotBand
from trackwell.core.models import AcademicYear, AssessmentPoint, School
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import SchoolClass

from .models import (
    KeyStage,
    KeyStageResult,
    PriorAttainmentGroup,
    PriorAttainmentRule,
    ProgressJudgement,
    PupilPriorAttainment,
    TestResult,
)

DEFAULT_GROUPS = [
    ("low", "Low prior attainment"),
    ("middle", "Middle prior attainment"),
    ("high", "High prior attainment"),
]
# The statutory outcome codes as CTFs record them.
DEFAULT_RULES = {
    KeyStage.KS1: {
        "BLW": "low",
        "PKF": "low",
        "PK1": "low",
        "PK2": "low",
        "PK3": "low",
        "PK4": "low",
        "PK5": "low",
        "PK6": "low",
        "HNM": "low",
        "WTS": "low",
        "EXS": "middle",
        "GDS": "high",
    },
    KeyStage.EYFS: {
        "1": "low",
        "EMG": "low",
        "EMERGING": "low",
        "2": "middle",
        "EXP": "middle",
        "EXPECTED": "middle",
        "3": "high",
        "EXC": "high",
        "EXCEEDING": "high",
    },
}
# What the school's subjects are called in statutory records.
SUBJECT_NAMES = {
    "maths": {"maths", "mathematics", "mat", "ma"},
    "reading": {"reading", "rea", "read", "en-r"},
    "writing": {"writing", "wri", "writ", "en-w"},
}

ENTERED, KS1, EYFS, SNAPSHOT = "entered", "ks1", "eyfs", "snapshot"
SOURCE_LABELS = {
    ENTERED: "entered by the school",
    KS1: "end of Key Stage 1",
    EYFS: "Reception (EYFS)",
    SNAPSHOT: "last year's final band",
}


@transaction.atomic
def ensure_groups(school: School) -> list[PriorAttainmentGroup]:
    """The school's groups, with low, middle and high and their rules made the first time."""
    groups = list(PriorAttainmentGroup.objects.filter(school=school).order_by("order"))
    if groups:
        return groups
    groups = [
        PriorAttainmentGroup.objects.create(school=school, key=key, label=label, order=n)
        for n, (key, label) in enumerate(DEFAULT_GROUPS)
    ]
    by_key = {g.key: g for g in groups}
    PriorAttainmentRule.objects.bulk_create(
        PriorAttainmentRule(school=school, stage=stage, outcome=code, group=by_key[key])
        for stage, codes in DEFAULT_RULES.items()
        for code, key in codes.items()
    )
    return groups


def _names(subject: Subject) -> set[str]:
    return SUBJECT_NAMES.get(subject.slug, set()) | {
        subject.slug.casefold(),
        subject.name.casefold(),
    }


@dataclass(frozen=True)
class Prior:
    key: str
    label: str
    source: str


def prior_groups(school_id: int, subject: Subject, pupil_ids: Collection[int]) -> dict[int, Prior]:
    """Each pupil's prior attainment group in the subject (pupils with none are left out)."""
    found = prior_groups_many({school_id: pupil_ids}, [subject])
    return {pid: prior for (pid, _), prior in found.items()}


# Above this many pupils, rows are read by the pupils' schools and the pupils picked out
# here (an IN list of every pupil of a trust is long; SQLite caps a statement's parameters).
_BY_PUPIL_UP_TO = 2000


def prior_groups_many(
    pupils_of_school: Mapping[int, Collection[int]],
    subjects: Sequence[Subject],
    *,
    defaults_without_groups: bool = False,
    by_school: bool = False,
) -> dict[tuple[int, int], Prior]:
    """Each (pupil, subject) pair's prior attainment group, for pupils of one school or many.

    `pupils_of_school` maps each school to its pupils; each pupil is placed in
    its own school's `subjects`. The order is the one in the module's
    docstring: entered, end of KS1, Reception, then last year's final band
    (that last only for schools whose groups include low, middle and high).
    With `defaults_without_groups`, a school that has no groups of its own yet
    (it never opened its prior attainment page) is read with the default groups
    and rules, as a trust leader's page does; otherwise such a school's pupils
    get no group from its (absent) rules. A fixed number of queries however
    many schools, pupils or subjects. Rows are read by the pupils' schools rather than
    by an IN list of their ids with `by_school` (a trust's pages), or above
    `_BY_PUPIL_UP_TO` pupils.
    """
    school_of = {pid: sid for sid, pids in pupils_of_school.items() for pid in pids}
    school_ids = list(pupils_of_school)
    subject_ids = [s.pk for s in subjects]
    if not school_of or not subject_ids:
        return {}
    by_pupil = not by_school and len(school_of) <= _BY_PUPIL_UP_TO
    pupil_ids = list(school_of)

    def of_pupils(qs: QuerySet[Any]) -> QuerySet[Any]:
        # By the pupil's school, not the row's: a row stored under another school than
        # its pupil's still counts, as it does when read by pupil.
        if by_pupil:
            return qs.filter(pupil_id__in=pupil_ids)
        return qs.filter(pupil__school_id__in=school_ids)

    groups = {g.pk: g for g in PriorAttainmentGroup.objects.filter(school_id__in=school_ids)}
    # school -> its groups' keys, each with its label
    labels: dict[int, dict[str, str]] = {}
    for g in groups.values():
        labels.setdefault(g.school_id, {})[g.key] = g.label
    rules: dict[tuple[int, str, str], tuple[str, str]] = {}
    for school_id, stage, outcome, gid in PriorAttainmentRule.objects.filter(
        school_id__in=school_ids
    ).values_list("school_id", "stage", "outcome", "group_id"):
        rules[(school_id, stage, outcome.upper())] = (groups[gid].key, groups[gid].label)
    if defaults_without_groups:
        default_labels = dict(DEFAULT_GROUPS)
        for school_id in set(school_ids) - set(labels):
            labels[school_id] = dict(default_labels)
            for stage, codes in DEFAULT_RULES.items():
                for code, key in codes.items():
                    rules[(school_id, stage, code)] = (key, default_labels[key])

    found: dict[tuple[int, int], Prior] = {}
    for pid, sid, gid in of_pupils(
        PupilPriorAttainment.objects.filter(subject_id__in=subject_ids)
    ).values_list("pupil_id", "subject_id", "group_id"):
        if pid in school_of:
            found[(pid, sid)] = Prior(groups[gid].key, groups[gid].label, ENTERED)

    subjects_of_school: dict[int, list[tuple[int, set[str]]]] = {}
    for s in subjects:
        subjects_of_school.setdefault(s.school_id, []).append((s.pk, _names(s)))
    statutory: dict[tuple[int, int], dict[str, Prior]] = {}
    for pid, stage, subj, outcome in of_pupils(
        KeyStageResult.objects.filter(stage__in=[KeyStage.KS1, KeyStage.EYFS], component="")
    ).values_list("pupil_id", "stage", "subject", "outcome"):
        own = school_of.get(pid)
        if own is None:
            continue
        group = rules.get((own, stage, outcome.strip().upper()))
        if group is None:
            continue
        name = subj.strip().casefold()
        for sid, names in subjects_of_school.get(own, []):
            if name in names:
                statutory.setdefault((pid, sid), {})[stage] = Prior(*group, stage)
    for pair, by_stage in statutory.items():
        if pair not in found:
            found[pair] = by_stage.get(KS1) or by_stage[EYFS]

    banded = {
        school_id for school_id, keys in labels.items() if {"low", "middle", "high"} <= set(keys)
    }
    missing = {
        (pid, sid)
        for pid, school_id in school_of.items()
        if school_id in banded
        for sid, _ in subjects_of_school.get(school_id, [])
        if (pid, sid) not in found
    }
    if missing:
        for pair, key in _from_last_year(
            [s for s in school_ids if s in banded], subject_ids, missing, by_pupil
        ).items():
            found[pair] = Prior(key, labels[school_of[pair[0]]][key], SNAPSHOT)
    return found


def _from_last_year(
    school_ids: list[int],
    subject_ids: list[int],
    missing: set[tuple[int, int]],
    by_pupil: bool,
) -> dict[tuple[int, int], str]:
    """Low, middle or high from the attainment band each pupil ended last year in.

    Last year's final point is each school's latest closed point of a year that
    began before its current one; its newest closure counts.
    """
    starts = dict(
        AcademicYear.objects.filter(school_id__in=school_ids, is_current=True).values_list(
            "school_id", "start_date"
        )
    )
    if not starts:
        return {}
    last: dict[int, int] = {}
    for pk, school_id, year_start in (
        AssessmentPoint.objects.filter(
            school_id__in=list(starts),
            year__start_date__lt=max(starts.values()),
            state=AssessmentPoint.State.CLOSED,
        )
        .order_by("date", "pk")
        .values_list("pk", "school_id", "year__start_date")
    ):
        if year_start < starts[school_id]:
            last[school_id] = pk  # the latest wins
    if not last:
        return {}
    bands = SnapshotBand.objects.filter(
        snapshot__point_id__in=list(last.values()),
        snapshot__subject_id__in=subject_ids,
        band_set__kind="attainment",
    )
    if by_pupil:
        bands = bands.filter(snapshot__pupil_id__in=sorted({pid for pid, _ in missing}))
    found = list(
        bands.order_by("snapshot__closure_id").values_list(
            "snapshot__pupil_id",
            "snapshot__subject_id",
            "band_set_id",
            "suggested_order",
            "confirmed_order",
            "suggested__meets_expectation",
            "confirmed__meets_expectation",
        )
    )
    tops = dict(
        Band.objects.filter(band_set_id__in={f[2] for f in found})
        .values("band_set_id")
        .annotate(top=Max("order"))
        .values_list("band_set_id", "top")
    )
    result: dict[tuple[int, int], str] = {}
    for pid, sid, set_id, suggested, confirmed, meets_suggested, meets_confirmed in found:
        if (pid, sid) not in missing:
            continue
        order = suggested if confirmed is None else confirmed
        meets = meets_suggested if confirmed is None else meets_confirmed
        if not meets:
            result[(pid, sid)] = "low"
        elif order >= tops.get(set_id, order):
            result[(pid, sid)] = "high"
        else:
            result[(pid, sid)] = "middle"
    return result


def set_prior_group(
    *,
    user: User,
    school_class: SchoolClass,
    pupil_id: int,
    subject: Subject,
    group_id: int | None,
    reason: str,
) -> None:
    """The school's own word on a pupil's prior attainment group (None: derive it again)."""
    if not school_class.enrolments.filter(pupil_id=pupil_id).exists():
        raise ValidationError(f"Pupil {pupil_id} is not in {school_class.name}.")
    with transaction.atomic():
        existing = (
            PupilPriorAttainment.objects.select_for_update()
            .filter(pupil_id=pupil_id, subject=subject)
            .first()
        )
        old = existing.group_id if existing else None
        if group_id is None:
            if existing:
                existing.delete()
        else:
            group = PriorAttainmentGroup.objects.filter(
                school_id=school_class.school_id, pk=group_id
            ).first()
            if group is None:
                raise ValidationError("Choose one of the school's prior attainment groups.")
            PupilPriorAttainment.objects.update_or_create(
                pupil_id=pupil_id,
                subject=subject,
                defaults={
                    "school_id": school_class.school_id,
                    "group": group,
                    "reason": reason.strip()[:200],
                    "set_by": user,
                },
            )
        log_action(
            school=school_class.school,
            user=user,
            action="scores.prior.set",
            obj=school_class,
            old=[pupil_id, old],
            new=[pupil_id, group_id],
        )


# --- The teacher's judgement of progress --------------------------------------------------


class StaleJudgements(Exception):
    """Someone changed a progress judgement since the teacher loaded the page."""

    def __init__(self, current: dict[int, ProgressJudgement | None]) -> None:
        super().__init__(
            "A progress judgement was changed by someone else since you opened the page."
        )
        self.current = current


@dataclass(frozen=True)
class JudgementInput:
    pupil_id: int
    good_progress: bool | None  # None clears it
    reason: str
    expected_version: int


def save_progress_judgements(
    *,
    user: User,
    school_class: SchoolClass,
    subject: Subject,
    point: AssessmentPoint,
    entries: list[JudgementInput],
) -> int:
    """Record the teacher's word on each pupil's progress, all or nothing, version-checked."""
    if point.school_id != school_class.school_id or subject.school_id != school_class.school_id:
        raise ValidationError("That subject or point belongs to another school.")
    if point.state == AssessmentPoint.State.CLOSED:
        raise ValidationError(f"{point.name} is closed: reopen it to change progress judgements.")
    enrolled = set(school_class.enrolments.values_list("pupil_id", flat=True))
    outside = sorted({e.pupil_id for e in entries} - enrolled)
    if outside:
        raise ValidationError(f"Pupils {outside} are not in {school_class.name}.")
    for e in entries:
        if len(e.reason) > 300:
            raise ValidationError("A reason is at most 300 characters.")
    changed = 0
    with transaction.atomic():
        existing = {
            j.pupil_id: j
            for j in ProgressJudgement.objects.select_for_update().filter(
                subject=subject, point=point, pupil_id__in=[e.pupil_id for e in entries]
            )
        }
        stale = {
            e.pupil_id: existing.get(e.pupil_id)
            for e in entries
            if (existing[e.pupil_id].version if e.pupil_id in existing else 0) != e.expected_version
        }
        if stale:
            raise StaleJudgements(stale)
        for e in entries:
            j = existing.get(e.pupil_id)
            reason = e.reason.strip()
            if e.good_progress is None:
                if j is not None:
                    log_action(
                        school=school_class.school,
                        user=user,
                        action="scores.progress.clear",
                        obj=j,
                        old=[j.good_progress, j.reason],
                    )
                    j.delete()
                    changed += 1
                continue
            if j is None:
                j = ProgressJudgement.objects.create(
                    school_id=school_class.school_id,
                    pupil_id=e.pupil_id,
                    subject=subject,
                    point=point,
                    good_progress=e.good_progress,
                    reason=reason,
                    set_by=user,
                )
                old = None
            elif (j.good_progress, j.reason) == (e.good_progress, reason):
                continue
            else:
                old = [j.good_progress, j.reason]
                ProgressJudgement.objects.filter(pk=j.pk).update(
                    good_progress=e.good_progress,
                    reason=reason,
                    set_by=user,
                    version=j.version + 1,
                )
            changed += 1
            log_action(
                school=school_class.school,
                user=user,
                action="scores.progress.set",
                obj=j,
                old=old,
                new=[e.good_progress, reason],
            )
    return changed


# --- Comparing within prior attainment groups -------------------------------------------


@dataclass
class PriorRow:
    key: str
    label: str
    pupils: int
    attainment_meets: int | None
    progress_meets: int | None
    teacher_good: int | None
    mean_score: float | None
    suppressed: bool = False


def _member(prior: dict[int, Prior], key: str) -> Callable[[PupilFacts], bool]:
    return lambda f: f.pupil_id in prior and prior[f.pupil_id].key == key


def _pct(hits: int, n: int) -> int | None:
    return round(100 * hits / n) if n else None


def compare_prior_groups(
    results: PointResults,
    subject: Subject,
    *,
    min_size: int,
    suppress: bool,
) -> tuple[list[PriorRow], int]:
    """Attainment, progress, the teacher's word and test scores within each prior group.

    Returns the rows and the number of pupils with no prior attainment group.
    """
    rows = [r for (pid, sid), r in results.rows.items() if sid == subject.pk]
    pupil_ids = [r.pupil_id for r in rows]
    school_id = results.point.school_id
    groups = ensure_groups(School.objects.get(pk=school_id))
    prior = prior_groups(school_id, subject, pupil_ids)
    judged = dict(
        ProgressJudgement.objects.filter(
            point=results.point, subject=subject, pupil_id__in=pupil_ids
        ).values_list("pupil_id", "good_progress")
    )
    scores: dict[int, int] = {}
    for pid, score in (
        TestResult.objects.filter(
            pupil_id__in=pupil_ids,
            test__subject=subject,
            score__isnull=False,
            test__taken_on__lte=results.point.date,
        )
        .order_by("test__taken_on", "pk")
        .values_list("pupil_id", "score")
    ):
        if score is not None:
            scores[pid] = score
    hidden: dict[str, str] = {}
    small: set[object] = set()
    if suppress:
        facts = pupil_facts(pupil_ids)
        placed = [
            (r.pupil_id, r.nc_year) for r in rows if r.pupil_id in prior and r.pupil_id in facts
        ]
        known = [(g.key, (lambda f, k=g.key: prior[f.pupil_id].key == k)) for g in groups]
        small, hidden = suppression(placed, facts, known, min_size=min_size)
    found = []
    for g in groups:
        inside = [
            r
            for r in rows
            if r.pupil_id in prior and prior[r.pupil_id].key == g.key and r.nc_year not in small
        ]
        att = [r.attainment for r in inside if r.attainment]
        prog = [r.progress for r in inside if r.progress]
        said = [judged[r.pupil_id] for r in inside if r.pupil_id in judged]
        sc = [scores[r.pupil_id] for r in inside if r.pupil_id in scores]
        found.append(
            PriorRow(
                g.key,
                g.label,
                len(inside),
                _pct(sum(b.shown.meets_expectation for b in att), len(att)),
                _pct(sum(b.shown.meets_expectation for b in prog), len(prog)),
                _pct(sum(said), len(said)),
                round(sum(sc) / len(sc), 1) if sc else None,
                suppressed=suppress and (bool(hidden.get(g.key)) or len(inside) < min_size),
            )
        )
    return found, len([p for p in pupil_ids if p not in prior])
