"""Heavy reads for provision: the evaluated provision map, in a fixed number of queries.

`load_map` reads any set of interventions (a class's, a year group's, the
school's) with their staff, funding, measures, pupils, values, sessions and
attendance and pupils' classes in fourteen queries, however many interventions there are; sums of
minutes and attendance are worked out in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    ExpressionWrapper,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce

from trackwell.core.models import AcademicYear
from trackwell.curriculum.models import Objective
from trackwell.provision.models import (
    Attendance,
    FundingShare,
    Intervention,
    InterventionStaff,
    Measure,
    MeasureStep,
    Participant,
    ParticipantMeasure,
    Session,
    Status,
)
from trackwell.provision.values import format_change, format_target, format_value, input_value
from trackwell.pupils.models import Enrolment

HOUR = Decimal(60)
PENNY = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Pounds to the penny."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass
class ValueRow:
    """One participant's entry, target, exit and outcome on one measure, ready to show."""

    measure: Measure
    row: ParticipantMeasure

    @property
    def entry(self) -> str:
        return format_value(self.measure, self.row.entry_value)

    @property
    def exit(self) -> str:
        return format_value(self.measure, self.row.exit_value)

    @property
    def entry_input(self) -> str:
        return input_value(self.measure, self.row.entry_value)

    @property
    def exit_input(self) -> str:
        return input_value(self.measure, self.row.exit_value)

    @property
    def target(self) -> str:
        return format_target(self.measure, self.row.target_kind, self.row.target_amount)

    @property
    def change(self) -> str:
        return format_change(self.measure, self.row.change)

    @property
    def outcome(self) -> str:
        return self.row.get_outcome_display() if self.row.outcome else ""

    @property
    def from_grid(self) -> bool:
        return self.measure.reads_grid


@dataclass
class ParticipantRow:
    """A pupil in an intervention, with their values and the dosage they received."""

    participant: Participant
    values: list[ValueRow] = field(default_factory=list)
    attended: int = 0
    possible: int = 0
    minutes: int = 0
    cost: Decimal = Decimal(0)
    class_name: str = ""

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / HOUR).quantize(Decimal("0.1"))

    @property
    def attendance_pct(self) -> int | None:
        return round(100 * self.attended / self.possible) if self.possible else None

    @property
    def outcome(self) -> str:
        return self.participant.get_outcome_display() if self.participant.outcome else ""


@dataclass
class MapRow:
    """One intervention of the provision map."""

    intervention: Intervention
    staff: list[InterventionStaff] = field(default_factory=list)
    funding: list[FundingShare] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    participants: list[ParticipantRow] = field(default_factory=list)
    others: int = 0  # pupils of the intervention outside the page's scope
    sessions_held: int = 0
    session_minutes: int = 0

    @property
    def lines(self) -> list[tuple[ParticipantRow, ValueRow | None, int]]:
        """(pupil, value, rowspan) lines of the map table; rowspan is 0 after a pupil's first."""
        out: list[tuple[ParticipantRow, ValueRow | None, int]] = []
        for prow in self.participants:
            values: list[ValueRow | None] = list(prow.values) or [None]
            for n, value in enumerate(values):
                out.append((prow, value, len(values) if n == 0 else 0))
        return out

    @property
    def rowspan(self) -> int:
        return max(1, sum(max(1, len(p.values)) for p in self.participants))

    @property
    def hourly_total(self) -> Decimal:
        return sum((s.hourly_rate for s in self.staff), Decimal(0))

    @property
    def planned_cost(self) -> Decimal:
        i = self.intervention
        minutes = Decimal(i.minutes_per_session) * i.sessions_per_week * i.weeks
        return money(minutes / HOUR * self.hourly_total + i.resources_cost)

    @property
    def actual_cost(self) -> Decimal:
        """Staff time for the sessions actually held, plus resources."""
        staff = Decimal(self.session_minutes) / HOUR * self.hourly_total
        return money(staff + self.intervention.resources_cost)

    @property
    def staff_names(self) -> str:
        return ", ".join(s.name for s in self.staff)

    @property
    def funding_text(self) -> str:
        if len(self.funding) == 1:
            return self.funding[0].get_source_display()
        return ", ".join(f"{f.get_source_display()} {f.percent}%" for f in self.funding)

    @property
    def frequency(self) -> str:
        i = self.intervention
        per_week = format(i.sessions_per_week.normalize(), "f")
        sessions = "session" if i.sessions_per_week == 1 else "sessions"
        return f"{per_week} {sessions} of {i.minutes_per_session} min a week for {i.weeks} weeks"

    @property
    def hours_per_week(self) -> Decimal:
        i = self.intervention
        return (i.sessions_per_week * i.minutes_per_session / HOUR).quantize(Decimal("0.01"))


def load_map(interventions: QuerySet[Intervention], pupil_scope: Q | None = None) -> list[MapRow]:
    """The provision map rows for these interventions; `pupil_scope` limits the pupils shown.

    `pupil_scope` is a condition on Participant (for example the pupils of one
    class); pupils outside it are counted in `others`, not shown.
    """
    found = list(interventions.select_related("subject").order_by("-start_date", "name", "pk"))
    if not found:
        return []
    ids = [i.pk for i in found]
    rows = {i.pk: MapRow(i) for i in found}
    for staff in InterventionStaff.objects.filter(intervention_id__in=ids).select_related("user"):
        rows[staff.intervention_id].staff.append(staff)
    for share in FundingShare.objects.filter(intervention_id__in=ids):
        rows[share.intervention_id].funding.append(share)
    through = Intervention.measures.through
    links = list(
        through.objects.filter(intervention_id__in=ids).values_list("intervention_id", "measure_id")
    )
    measures = {m.pk: m for m in Measure.objects.filter(pk__in={m for _, m in links})}
    steps: dict[int, list[MeasureStep]] = defaultdict(list)
    for step in MeasureStep.objects.filter(measure_id__in=list(measures)).order_by("position"):
        steps[step.measure_id].append(step)
    for measure in measures.values():
        measure._step_cache = steps[measure.pk]  # type: ignore[attr-defined]
    for intervention_id, measure_id in links:
        rows[intervention_id].measures.append(measures[measure_id])
    for row in rows.values():
        row.measures.sort(key=lambda m: m.name)
    objective_links = Intervention.objectives.through.objects.filter(
        intervention_id__in=ids
    ).select_related("objective")
    for link in objective_links.order_by("objective__order", "objective_id"):
        rows[link.intervention_id].objectives.append(link.objective)
    participants = Participant.objects.filter(intervention_id__in=ids).select_related("pupil")
    if pupil_scope is not None:
        participants = participants.filter(pupil_scope).distinct()
    by_pk: dict[int, ParticipantRow] = {}
    for participant in participants.order_by("pupil__last_name", "pupil__first_name", "pk"):
        prow = ParticipantRow(participant)
        by_pk[participant.pk] = prow
        rows[participant.intervention_id].participants.append(prow)
    totals = dict(
        Participant.objects.filter(intervention_id__in=ids)
        .values("intervention_id")
        .annotate(n=Count("pk"))
        .values_list("intervention_id", "n")
    )
    for row in rows.values():
        row.others = totals.get(row.intervention.pk, 0) - len(row.participants)
    for value in ParticipantMeasure.objects.filter(participant_id__in=list(by_pk)):
        if value.measure_id in measures:
            by_pk[value.participant_id].values.append(ValueRow(measures[value.measure_id], value))
    for prow in by_pk.values():
        prow.values.sort(key=lambda v: v.measure.name)
    pupil_rows: dict[int, list[ParticipantRow]] = defaultdict(list)
    for prow in by_pk.values():
        pupil_rows[prow.participant.pupil_id].append(prow)
    for pupil_id, name in Enrolment.objects.filter(
        pupil_id__in=list(pupil_rows), school_class__year__is_current=True
    ).values_list("pupil_id", "school_class__name"):
        for prow in pupil_rows[pupil_id]:
            prow.class_name = name
    for intervention_id, held, minutes in (
        Session.objects.filter(intervention_id__in=ids)
        .values("intervention_id")
        .annotate(held=Count("pk"), minutes=Coalesce(Sum("minutes"), 0))
        .values_list("intervention_id", "held", "minutes")
    ):
        rows[intervention_id].sessions_held = held
        rows[intervention_id].session_minutes = minutes
    _attendance(rows, by_pk)
    return list(rows.values())


def _attendance(rows: dict[int, MapRow], by_pk: dict[int, ParticipantRow]) -> None:
    """Sessions attended and possible, minutes received, and each pupil's share of the cost.

    A session's staff cost is shared between the pupils present at it. Summed in SQL.
    """
    if not by_pk:
        return
    present_here = (
        Attendance.objects.filter(session=OuterRef("session"), present=True)
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    per_pupil = (
        Attendance.objects.filter(participant_id__in=list(by_pk))
        .annotate(present_n=Subquery(present_here, output_field=IntegerField()))
        .values("participant_id")
        .annotate(
            possible=Count("pk"),
            attended=Count("pk", filter=Q(present=True)),
            minutes=Coalesce(Sum("session__minutes", filter=Q(present=True)), 0),
            share=Sum(
                ExpressionWrapper(
                    Cast("session__minutes", FloatField()) / Cast("present_n", FloatField()),
                    output_field=FloatField(),
                ),
                filter=Q(present=True),
            ),
        )
        .values_list("participant_id", "possible", "attended", "minutes", "share")
    )
    for participant_id, possible, attended, minutes, share in per_pupil:
        prow = by_pk[participant_id]
        prow.possible, prow.attended, prow.minutes = possible, attended, minutes
        rate = rows[prow.participant.intervention_id].hourly_total
        prow.cost = Decimal(str(share or 0)) / HOUR * rate
    for row in rows.values():
        pupils = max(1, len(row.participants) + row.others)
        for prow in row.participants:
            prow.cost = money(prow.cost + row.intervention.resources_cost / pupils)


# ---------------------------------------------------------------------------
# Filters and terms


@dataclass(frozen=True)
class Term:
    key: str
    label: str
    start: dt.date
    end: dt.date


def terms(year: AcademicYear) -> list[Term]:
    """The three terms of a school year (autumn to December, spring to March, summer)."""
    first = year.start_date.year
    return [
        Term("autumn", f"Autumn {first}", year.start_date, dt.date(first, 12, 31)),
        Term("spring", f"Spring {first + 1}", dt.date(first + 1, 1, 1), dt.date(first + 1, 3, 31)),
        Term("summer", f"Summer {first + 1}", dt.date(first + 1, 4, 1), year.end_date),
    ]


@dataclass
class MapFilters:
    area: str = ""
    funding: str = ""
    staff: int | None = None
    status: str = ""
    term: str = ""

    def apply(
        self, qs: QuerySet[Intervention], year: AcademicYear | None
    ) -> QuerySet[Intervention]:
        if self.area:
            qs = qs.filter(area=self.area)
        if self.funding:
            qs = qs.filter(funding__source=self.funding)
        if self.staff:
            qs = qs.filter(staff__user_id=self.staff)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.term and year is not None:
            term = next((t for t in terms(year) if t.key == self.term), None)
            if term is not None:
                qs = qs.filter(start_date__lte=term.end, end_date__gte=term.start)
        return qs.distinct()

    @property
    def active(self) -> bool:
        return bool(self.area or self.funding or self.staff or self.status or self.term)


def pupils_in_interventions(interventions: QuerySet[Intervention]) -> int:
    """How many different pupils these interventions reach."""
    return (
        Participant.objects.filter(intervention__in=interventions)
        .aggregate(n=Count("pupil_id", distinct=True, output_field=IntegerField()))
        .get("n")
        or 0
    )


def current_for_pupil(
    pupil_id: int, *, on: dt.date, started_by: dt.date | None = None
) -> list[Intervention]:
    """The interventions a pupil is in on a day: planned or running, not ended, not left.

    `started_by` leaves out those starting after that day (the parents' page shows what
    was in place when the school shared its last update). One query; the subject and the
    objectives it targets come prefetched (one more).
    """
    # One filter() call: the pupil and their leaving date are on the same participant row.
    qs = Intervention.objects.filter(
        Q(participants__left_on__isnull=True) | Q(participants__left_on__gt=on),
        participants__pupil_id=pupil_id,
        status__in=[Status.PLANNED, Status.RUNNING],
        end_date__gte=on,
    )
    if started_by is not None:
        qs = qs.filter(start_date__lte=started_by)
    return list(
        qs.distinct()
        .select_related("subject")
        .prefetch_related("objectives")
        .order_by("start_date", "name", "pk")
    )
