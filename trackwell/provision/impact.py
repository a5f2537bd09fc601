"""Impact, honestly: targets met, change, change per hour and per pound, and a comparison.

For measures read from the tracking grid, the participants' change is set
beside that of comparable pupils not in the intervention: same year group,
entry within one objective of a participant's, over the same dates. Counts are
always shown, with a warning when either group is too small to say anything.
Flags for the SENCO compare an intervention with others of its area of need
and never name an adult.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery

from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.provision.models import AreaOfNeed, Measure, Outcome, Participant
from trackwell.provision.queries import MapRow, ParticipantRow, money
from trackwell.provision.values import format_change
from trackwell.pupils.models import Pupil

# Below this many pupils on either side, a comparison says nothing.
DEFAULT_MIN_GROUP = 5
# An intervention is flagged when its share of targets met is this far below its area's.
FLAG_GAP = 25


def _mean(values: Iterable[Decimal]) -> Decimal | None:
    items = list(values)
    return sum(items, Decimal(0)) / len(items) if items else None


def _round(value: Decimal | None, places: str = "0.1") -> Decimal | None:
    return None if value is None else value.quantize(Decimal(places))


@dataclass
class Comparison:
    """The change of comparable pupils not in the intervention, on a grid measure."""

    pupils: int
    mean_change: Decimal | None
    participants: int
    participants_change: Decimal | None
    too_small: bool

    @property
    def difference(self) -> Decimal | None:
        if self.mean_change is None or self.participants_change is None:
            return None
        return _round(self.participants_change - self.mean_change)


@dataclass
class MeasureImpact:
    """One intervention's results on one measure."""

    measure: Measure
    with_both: int = 0
    mean_entry: Decimal | None = None
    mean_exit: Decimal | None = None
    mean_change: Decimal | None = None
    change_per_hour: Decimal | None = None
    change_per_100: Decimal | None = None
    comparison: Comparison | None = None
    no_comparison_reason: str = ""

    @property
    def mean_change_text(self) -> str:
        return format_change(self.measure, _round(self.mean_change))


@dataclass
class Impact:
    """How an intervention went: outcomes, change per measure, dosage and cost."""

    row: MapRow
    met: int = 0
    partly: int = 0
    not_met: int = 0
    measures: list[MeasureImpact] = field(default_factory=list)
    flag: str = ""

    @property
    def with_outcome(self) -> int:
        return self.met + self.partly + self.not_met

    @property
    def met_pct(self) -> int | None:
        return round(100 * self.met / self.with_outcome) if self.with_outcome else None

    @property
    def pupil_hours(self) -> Decimal:
        return sum((p.hours for p in self.row.participants), Decimal(0))

    @property
    def attendance_pct(self) -> int | None:
        possible = sum(p.possible for p in self.row.participants)
        attended = sum(p.attended for p in self.row.participants)
        return round(100 * attended / possible) if possible else None

    @property
    def cost_per_pupil(self) -> Decimal | None:
        pupils = len(self.row.participants) + self.row.others
        return money(self.row.actual_cost / pupils) if pupils else None


def impact_of(rows: list[MapRow], *, min_group: int = DEFAULT_MIN_GROUP) -> list[Impact]:
    """Impact of each intervention; comparisons for all grid measures in three queries."""
    grid_rows = [r for r in rows if any(m.reads_grid for m in r.measures) and r.objectives]
    comparisons = grid_comparisons(grid_rows, min_group=min_group)
    result = []
    for row in rows:
        impact = Impact(row)
        for prow in row.participants:
            if prow.participant.outcome == Outcome.MET:
                impact.met += 1
            elif prow.participant.outcome == Outcome.PARTLY:
                impact.partly += 1
            elif prow.participant.outcome == Outcome.NOT_MET:
                impact.not_met += 1
        for measure in row.measures:
            impact.measures.append(
                _measure_impact(row, measure, comparisons.get(row.intervention.pk))
            )
        result.append(impact)
    _flag(result, min_group)
    return result


def _both(row: MapRow, measure: Measure) -> list[tuple[ParticipantRow, Decimal, Decimal]]:
    """(pupil's row, entry, exit) for the pupils with both values on the measure."""
    found = []
    for prow in row.participants:
        for v in prow.values:
            entry, exit = v.row.entry_value, v.row.exit_value
            if v.measure.pk == measure.pk and entry is not None and exit is not None:
                found.append((prow, entry, exit))
    return found


def _measure_impact(row: MapRow, measure: Measure, comparison: Comparison | None) -> MeasureImpact:
    values = _both(row, measure)
    found = MeasureImpact(measure, with_both=len(values))
    if not values:
        found.no_comparison_reason = "No pupil has both an entry and an exit value yet."
        return found
    changes = [exit - entry for _, entry, exit in values]
    found.mean_entry = _round(_mean(entry for _, entry, _ in values))
    found.mean_exit = _round(_mean(exit for _, _, exit in values))
    found.mean_change = _mean(changes)
    hours = sum((prow.hours for prow, _, _ in values), Decimal(0))
    total_change = sum(changes, Decimal(0))
    if hours:
        found.change_per_hour = _round(total_change / hours, "0.01")
    cost = sum((prow.cost for prow, _, _ in values), Decimal(0))
    if cost:
        found.change_per_100 = _round(total_change / cost * 100, "0.01")
    if measure.reads_grid:
        found.comparison = comparison
        if comparison is None:
            found.no_comparison_reason = "The intervention names no objectives to compare on."
    else:
        found.no_comparison_reason = (
            f"{measure.name} is recorded only for pupils in interventions, so there is no "
            "group of pupils without it to compare with."
        )
    return found


def grid_comparisons(
    rows: list[MapRow], *, min_group: int = DEFAULT_MIN_GROUP
) -> dict[int, Comparison]:
    """For each intervention measured on the grid, comparable pupils' change (three queries).

    Comparable: same school and year group as a participant, not in this or any
    other intervention on these objectives, and secure in within one objective
    of a participant's entry at the start. Change runs from the start date to
    the end date (or today), on the intervention's own objectives, counted in SQL.
    """
    if not rows:
        return {}
    ids = [r.intervention.pk for r in rows]
    years = {p.participant.pupil.nc_year for r in rows for p in r.participants}
    schools = {r.intervention.school_id for r in rows}
    cohort = {
        pk: (nc_year, school_id)
        for pk, nc_year, school_id in Pupil.objects.filter(
            school_id__in=schools, nc_year__in=years
        ).values_list("pk", "nc_year", "school_id")
    }
    history = JudgementHistory.objects.filter(judgement=OuterRef("pk"))
    before = history.filter(
        changed_at__date__lte=OuterRef("objective__interventions__start_date")
    ).order_by("-changed_at", "-version")
    after = history.filter(
        changed_at__date__lte=OuterRef("objective__interventions__end_date")
    ).order_by("-changed_at", "-version")
    counts: dict[tuple[int, int], tuple[int, int]] = {}
    for intervention_id, pupil_id, n_before, n_after in (
        Judgement.objects.filter(objective__interventions__in=ids, pupil_id__in=list(cohort))
        .annotate(
            secure_before=Subquery(before.values("new_level__counts_as_secure")[:1]),
            secure_after=Subquery(after.values("new_level__counts_as_secure")[:1]),
        )
        .values("objective__interventions", "pupil_id")
        .annotate(
            n_before=Count("pk", filter=Q(secure_before=True)),
            n_after=Count("pk", filter=Q(secure_after=True)),
        )
        .values_list("objective__interventions", "pupil_id", "n_before", "n_after")
    ):
        counts[(intervention_id, pupil_id)] = (n_before, n_after)
    objectives_of = {r.intervention.pk: {o.pk for o in r.objectives} for r in rows}
    # Pupils in any intervention on an objective (shown here or not) are not comparable on it.
    taken: dict[int, set[int]] = defaultdict(set)
    all_objectives = set().union(*objectives_of.values())
    for pupil_id, objective_id in Participant.objects.filter(
        intervention__school_id__in=schools, intervention__objectives__in=all_objectives
    ).values_list("pupil_id", "intervention__objectives"):
        taken[pupil_id].add(objective_id)
    result = {}
    for r in rows:
        measure = next(m for m in r.measures if m.reads_grid)
        values = _both(r, measure)
        if not values:
            continue
        iid = r.intervention.pk
        entries = {int(entry) for _, entry, _ in values}
        own_years = {p.participant.pupil.nc_year for p in r.participants}
        changes = []
        for pupil_id, (nc_year, school_id) in cohort.items():
            if school_id != r.intervention.school_id or nc_year not in own_years:
                continue
            if taken.get(pupil_id, set()) & objectives_of[iid]:
                continue
            n_before, n_after = counts.get((iid, pupil_id), (0, 0))
            if any(abs(n_before - e) <= 1 for e in entries):
                changes.append(Decimal(n_after - n_before))
        own = [exit - entry for _, entry, exit in values]
        result[iid] = Comparison(
            pupils=len(changes),
            mean_change=_round(_mean(changes)),
            participants=len(own),
            participants_change=_round(_mean(own)),
            too_small=len(changes) < min_group or len(own) < min_group,
        )
    return result


def _flag(impacts: list[Impact], min_group: int) -> None:
    """Flag interventions whose share of targets met is well below others of their area.

    The wording points at the provision (targets, dosage, match to need), never at a person.
    """
    by_area: dict[str, list[Impact]] = defaultdict(list)
    for impact in impacts:
        if impact.with_outcome:
            by_area[impact.row.intervention.area].append(impact)
    for area, group in by_area.items():
        for impact in group:
            others = [i for i in group if i is not impact]
            met = sum(i.met for i in others)
            total = sum(i.with_outcome for i in others)
            if total < min_group or impact.with_outcome < 2 or impact.met_pct is None:
                continue
            others_pct = round(100 * met / total)
            if others_pct - impact.met_pct >= FLAG_GAP:
                area_words = AreaOfNeed(area).label.lower()
                dosage = impact.attendance_pct
                impact.flag = (
                    f"{impact.met} of {impact.with_outcome} pupils met their targets here, "
                    f"against {met} of {total} in other {area_words} interventions. "
                    "Worth a look at the targets, the match to pupils' needs"
                    + (f" and attendance ({dosage}% of sessions)" if dosage is not None else "")
                    + "."
                )


@dataclass
class AreaSummary:
    """Provision and outcomes for one area of need, across the school."""

    area: str
    label: str
    interventions: int = 0
    pupils: set[int] = field(default_factory=set)
    met: int = 0
    with_outcome: int = 0
    planned_cost: Decimal = Decimal(0)
    actual_cost: Decimal = Decimal(0)
    hours_per_week: Decimal = Decimal(0)
    pupil_hours: Decimal = Decimal(0)

    @property
    def pupil_count(self) -> int:
        return len(self.pupils)

    @property
    def met_pct(self) -> int | None:
        return round(100 * self.met / self.with_outcome) if self.with_outcome else None

    @property
    def cost_per_pupil(self) -> Decimal | None:
        return money(self.actual_cost / len(self.pupils)) if self.pupils else None


def by_area(impacts: list[Impact]) -> list[AreaSummary]:
    """The school's provision by area of need (every area listed, in the Code's order)."""
    areas = {a.value: AreaSummary(a.value, a.label) for a in AreaOfNeed}
    for impact in impacts:
        summary = areas[impact.row.intervention.area]
        summary.interventions += 1
        summary.pupils.update(p.participant.pupil_id for p in impact.row.participants)
        summary.met += impact.met
        summary.with_outcome += impact.with_outcome
        summary.planned_cost += impact.row.planned_cost
        summary.actual_cost += impact.row.actual_cost
        summary.pupil_hours += impact.pupil_hours
        if impact.row.intervention.is_open:
            summary.hours_per_week += impact.row.hours_per_week
    return list(areas.values())
