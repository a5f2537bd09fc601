"""Prior attainment across a trust: progress and attainment within prior groups, by school.

Reads every school of the trust at its current point in a fixed number of
queries (as `reports.trust.load_trust` does), works out each pupil's prior
attainment group as the school's own page does (entered, end of Key Stage 1,
Reception, else last year's final band), and compares the groups across the
schools. Small groups are hidden by the shared `analysis.groups.suppression()`:
the parts are each school's year groups, each with its school's minimum, so
that no school's column can be subtracted from the trust's to show a hidden group.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from django.db.models import Max

from trackwell.analysis.evaluation import PupilResult
from trackwell.analysis.groups import pupil_facts, suppression
from trackwell.analysis.models import Band, SnapshotBand
from trackwell.core.models import AssessmentPoint
from trackwell.curriculum.models import Subject
from trackwell.reports.trust import TrustSchool

from .models import (
    KeyStage,
    KeyStageResult,
    PriorAttainmentGroup,
    PriorAttainmentRule,
    PupilPriorAttainment,
)
from .prior import DEFAULT_GROUPS, DEFAULT_RULES, _names


@dataclass
class Cell:
    pupils: int
    attainment_meets: int | None  # % of the group's pupils whose attainment band meets
    progress_meets: int | None
    suppressed: bool = False


@dataclass
class PriorLine:
    key: str
    label: str
    trust: Cell
    schools: list[Cell] = field(default_factory=list)


@dataclass
class PriorBlock:
    subject: str
    lines: list[PriorLine]
    without: int  # pupils with no prior attainment group


def _pct(hits: int, n: int) -> int | None:
    return round(100 * hits / n) if n else None


def _cell(rows: list[PupilResult], minimum: int, hidden: bool) -> Cell:
    att = [r.attainment for r in rows if r.attainment]
    prog = [r.progress for r in rows if r.progress]
    suppressed = hidden or len(rows) < minimum
    if suppressed:
        return Cell(len(rows), None, None, suppressed=True)
    return Cell(
        len(rows),
        _pct(sum(b.shown.meets_expectation for b in att), len(att)),
        _pct(sum(b.shown.meets_expectation for b in prog), len(prog)),
    )


def trust_prior_groups(
    loaded: list[TrustSchool], subjects: list[Subject]
) -> dict[tuple[int, int], str]:
    """Each (pupil, subject) pair's prior group key across the schools, in fixed queries.

    A school that has not opened its prior attainment page yet has no groups of
    its own: the default low, middle and high and their rules are used for it.
    """
    school_ids = [t.school.pk for t in loaded]
    pupil_ids = {r.pupil_id for t in loaded for r in t.rows()}
    subject_ids = [s.pk for s in subjects]
    by_pk = {s.pk: s for s in subjects}
    found: dict[tuple[int, int], str] = {}
    group_key = dict(
        PriorAttainmentGroup.objects.filter(school_id__in=school_ids).values_list("pk", "key")
    )
    has_groups = set(
        PriorAttainmentGroup.objects.filter(school_id__in=school_ids).values_list(
            "school_id", flat=True
        )
    )
    for pid, sid, gid in PupilPriorAttainment.objects.filter(
        subject_id__in=subject_ids, pupil_id__in=pupil_ids
    ).values_list("pupil_id", "subject_id", "group_id"):
        found[(pid, sid)] = group_key[gid]
    rules: dict[tuple[int, str, str], str] = {}
    for school_id, stage, outcome, gid in PriorAttainmentRule.objects.filter(
        school_id__in=school_ids
    ).values_list("school_id", "stage", "outcome", "group_id"):
        rules[(school_id, stage, outcome.upper())] = group_key[gid]
    for school_id in set(school_ids) - has_groups:
        for stage, codes in DEFAULT_RULES.items():
            for code, key in codes.items():
                rules[(school_id, stage, code)] = key
    school_of = {r.pupil_id: t.school.pk for t in loaded for r in t.rows()}
    subjects_of_school: dict[int, list[Subject]] = {}
    for s in subjects:
        subjects_of_school.setdefault(s.school_id, []).append(s)
    statutory: dict[tuple[int, int], dict[str, str]] = {}
    for pid, stage, subj, outcome in KeyStageResult.objects.filter(
        pupil_id__in=pupil_ids, stage__in=[KeyStage.KS1, KeyStage.EYFS]
    ).values_list("pupil_id", "stage", "subject", "outcome"):
        school_id = school_of[pid]
        group = rules.get((school_id, stage, outcome.strip().upper()))
        if group is None:
            continue
        for s in subjects_of_school.get(school_id, []):
            if subj.strip().casefold() in _names(s):
                statutory.setdefault((pid, s.pk), {})[stage] = group
    for pair, by_stage in statutory.items():
        found.setdefault(pair, by_stage.get(KeyStage.KS1) or by_stage[KeyStage.EYFS])
    _from_last_year(loaded, subject_ids, found, has_groups, by_pk)
    return found


def _from_last_year(
    loaded: list[TrustSchool],
    subject_ids: list[int],
    found: dict[tuple[int, int], str],
    has_groups: set[int],
    subjects: dict[int, Subject],
) -> None:
    """Low, middle or high from last year's final attainment band, for pairs with none yet."""
    starts = {t.school.pk: t.year.year.start_date for t in loaded if t.year is not None}
    if not starts:
        return
    closed = AssessmentPoint.objects.filter(
        school_id__in=list(starts),
        year__start_date__lt=max(starts.values()),
        state=AssessmentPoint.State.CLOSED,
    ).values_list("pk", "school_id", "date", "year__start_date")
    last: dict[int, tuple[object, int]] = {}
    for pk, school_id, when, year_start in closed:
        if year_start < starts[school_id] and (
            school_id not in last or when > last[school_id][0]  # type: ignore[operator]
        ):
            last[school_id] = (when, pk)
    if not last:
        return
    found_bands = list(
        SnapshotBand.objects.filter(
            snapshot__point_id__in=[pk for _, pk in last.values()],
            snapshot__subject_id__in=subject_ids,
            band_set__kind="attainment",
        )
        .order_by("snapshot__closure_id")
        .values_list(
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
        Band.objects.filter(band_set_id__in={f[2] for f in found_bands})
        .values("band_set_id")
        .annotate(top=Max("order"))
        .values_list("band_set_id", "top")
    )
    keys_of_school: dict[int, set[str]] = {}
    for key, school_id in PriorAttainmentGroup.objects.filter(
        school_id__in=list(has_groups)
    ).values_list("key", "school_id"):
        keys_of_school.setdefault(school_id, set()).add(key)
    defaults = {k for k, _ in DEFAULT_GROUPS}
    missing = {(r.pupil_id, r.subject_id) for t in loaded for r in t.rows()} - set(found)
    for pid, sid, set_id, suggested, confirmed, meets_s, meets_c in found_bands:
        pair = (pid, sid)
        if pair not in missing:
            continue
        if not defaults <= keys_of_school.get(subjects[sid].school_id, defaults):
            continue  # a school whose own groups are not low, middle and high
        order = suggested if confirmed is None else confirmed
        meets = meets_s if confirmed is None else meets_c
        if not meets:
            found[pair] = "low"
        elif order >= tops.get(set_id, order):
            found[pair] = "high"
        else:
            found[pair] = "middle"


def trust_prior_comparison(loaded: list[TrustSchool]) -> tuple[list[PriorBlock], int]:
    """Per subject (matched by name across schools), each prior group by school and trust-wide.

    Always suppressed. Returns the blocks and the trust-wide minimum group size
    (the largest of the schools' minimums).
    """
    minimum = max((t.school.min_group_size for t in loaded), default=5)
    subjects = list(Subject.objects.filter(school__in=[t.school for t in loaded]))
    name_of = {s.pk: s.name for s in subjects}
    prior = trust_prior_groups(loaded, subjects)
    labels = dict(DEFAULT_GROUPS)
    order = [k for k, _ in DEFAULT_GROUPS]
    for key, label in (
        PriorAttainmentGroup.objects.filter(school__in=[t.school for t in loaded])
        .order_by("order", "pk")
        .values_list("key", "label")
    ):
        labels.setdefault(key, label)
        if key not in order:
            order.append(key)
    school_of: dict[int, int] = {}
    rows: list[PupilResult] = []
    for t in loaded:
        for r in t.rows():
            school_of[r.pupil_id] = t.school.pk
            rows.append(r)
    facts = pupil_facts({r.pupil_id for r in rows})
    minimums = {t.school.pk: t.school.min_group_size for t in loaded}

    def part_minimum(part: Hashable) -> int:
        assert isinstance(part, tuple)
        return minimums[part[0]]

    def school_part(part: Hashable) -> Hashable:
        assert isinstance(part, tuple)
        return part[0]

    blocks = []
    names = sorted({n.casefold(): n for n in name_of.values()}.items())
    for folded, name in names:
        subject_rows = [r for r in rows if name_of.get(r.subject_id, "").casefold() == folded]
        placed_rows = [
            r for r in subject_rows if (r.pupil_id, r.subject_id) in prior and r.pupil_id in facts
        ]
        group_of = {r.pupil_id: prior[(r.pupil_id, r.subject_id)] for r in placed_rows}
        known = [(k, (lambda f, k=k, g=group_of: g.get(f.pupil_id) == k)) for k in order]
        small, hidden = suppression(
            [(r.pupil_id, (school_of[r.pupil_id], r.nc_year)) for r in placed_rows],
            facts,
            known,
            min_size=minimum,
            part_minimum=part_minimum,
            outer_of=school_part,
        )
        counted = [r for r in placed_rows if (school_of[r.pupil_id], r.nc_year) not in small]
        lines = []
        for key in order:
            inside = [r for r in counted if group_of[r.pupil_id] == key]
            if not inside and key not in labels:
                continue
            is_hidden = bool(hidden.get(key))
            cells = [
                _cell(
                    [r for r in inside if school_of[r.pupil_id] == t.school.pk],
                    t.school.min_group_size,
                    is_hidden,
                )
                for t in loaded
            ]
            # A school's small group hidden beside the trust's figure and the other
            # schools' would be their difference: then the whole line is hidden.
            if any(c.suppressed and c.pupils for c in cells):
                is_hidden = True
                cells = [Cell(c.pupils, None, None, suppressed=True) for c in cells]
            lines.append(PriorLine(key, labels[key], _cell(inside, minimum, is_hidden), cells))
        blocks.append(PriorBlock(name, lines, len(subject_rows) - len(placed_rows)))
    return blocks, minimum
