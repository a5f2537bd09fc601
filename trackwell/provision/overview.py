"""The SENCO's view across the school: need, provision, staff time, cost against budget, gaps."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.utils import timezone

from trackwell.core.models import AcademicYear, School
from trackwell.provision.impact import Impact
from trackwell.provision.models import (
    AreaOfNeed,
    FundingSource,
    Intervention,
    InterventionStaff,
    Participant,
    ProvisionBudget,
    Status,
)
from trackwell.provision.queries import money
from trackwell.pupils.models import Pupil, SenStatus

OPEN = [Status.PLANNED, Status.RUNNING]
ENDING_SOON_DAYS = 14


def in_year(school: School, year: AcademicYear | None) -> Q:
    """Interventions of the school that overlap the academic year (all of them without one)."""
    condition = Q(school=school)
    if year is not None:
        condition &= Q(start_date__lte=year.end_date, end_date__gte=year.start_date)
    return condition


@dataclass
class NeedRow:
    area: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def pattern_of_need(school: School) -> tuple[list[NeedRow], dict[str, int]]:
    """Pupils in current provision by area of need and SEN status; pupils by SEN status overall."""
    rows = {
        a.value: NeedRow(a.value, a.label, {s: 0 for s in SenStatus.values}) for a in AreaOfNeed
    }
    for area, sen, n in (
        Participant.objects.filter(
            intervention__school=school, intervention__status__in=OPEN, left_on__isnull=True
        )
        .values("intervention__area", "pupil__sen_status")
        .annotate(n=Count("pupil_id", distinct=True))
        .values_list("intervention__area", "pupil__sen_status", "n")
    ):
        rows[area].counts[sen] = n
    totals = {s: 0 for s in SenStatus.values}
    for sen, n in (
        Pupil.objects.filter(school=school)
        .values("sen_status")
        .annotate(n=Count("pk"))
        .values_list("sen_status", "n")
    ):
        totals[sen] = n
    return list(rows.values()), totals


@dataclass
class Deployment:
    name: str
    role: str
    hours_per_week: Decimal
    groups: int


def staff_deployment(school: School) -> list[Deployment]:
    """Planned hours a week each adult spends delivering running and planned interventions."""
    minutes = ExpressionWrapper(
        F("intervention__sessions_per_week") * F("intervention__minutes_per_session"),
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )
    found = []
    for user_id, first, last, username, role, external, total, groups in (
        InterventionStaff.objects.filter(intervention__school=school, intervention__status__in=OPEN)
        .values("user_id", "external_name")
        .annotate(total=Sum(minutes), groups=Count("intervention_id", distinct=True))
        .values_list(
            "user_id",
            "user__first_name",
            "user__last_name",
            "user__username",
            "user__role",
            "external_name",
            "total",
            "groups",
        )
    ):
        name = f"{first} {last}".strip() or username if user_id else external
        found.append(
            Deployment(
                name=name,
                role=role or "external",
                hours_per_week=(Decimal(total or 0) / 60).quantize(Decimal("0.1")),
                groups=groups,
            )
        )
    found.sort(key=lambda d: (-d.hours_per_week, d.name))
    return found


@dataclass
class FundingRow:
    source: str
    label: str
    budget: Decimal | None
    planned: Decimal = Decimal(0)
    actual: Decimal = Decimal(0)

    @property
    def left(self) -> Decimal | None:
        return None if self.budget is None else money(self.budget - self.planned)

    @property
    def over(self) -> bool:
        return self.budget is not None and self.planned > self.budget


def cost_by_funding(
    school: School, year: AcademicYear | None, impacts: list[Impact]
) -> tuple[list[FundingRow], Decimal, Decimal]:
    """Planned and actual cost by funding source (split shares apportioned) against budgets.

    Interventions with no funding source chosen are returned as an unfunded total.
    """
    budgets = {}
    if year is not None:
        budgets = {
            b.source: b.amount for b in ProvisionBudget.objects.filter(school=school, year=year)
        }
    rows = {key: FundingRow(key, label, budgets.get(key)) for key, label in FundingSource.choices}
    unfunded_planned = unfunded_actual = Decimal(0)
    for impact in impacts:
        row = impact.row
        if not row.funding:
            unfunded_planned += row.planned_cost
            unfunded_actual += row.actual_cost
        for share in row.funding:
            part = Decimal(share.percent) / 100
            rows[share.source].planned += row.planned_cost * part
            rows[share.source].actual += row.actual_cost * part
    for r in rows.values():
        r.planned, r.actual = money(r.planned), money(r.actual)
    return list(rows.values()), money(unfunded_planned), money(unfunded_actual)


def needs_attention(school: School, today: dt.date | None = None) -> dict[str, list[Intervention]]:
    """Interventions ending within two weeks, and those ended without an evaluation."""
    day = today or timezone.localdate()
    base = Intervention.objects.filter(school=school).order_by("end_date", "name")
    return {
        "ending_soon": list(
            base.filter(
                status=Status.RUNNING,
                end_date__gte=day,
                end_date__lte=day + dt.timedelta(days=ENDING_SOON_DAYS),
            )
        ),
        "overdue": list(base.filter(status=Status.RUNNING, end_date__lt=day)),
        "not_evaluated": list(base.filter(status=Status.ENDED)),
    }


def sen_without_provision(school: School) -> list[Pupil]:
    """Pupils with SEN support or an EHC plan who are in no planned or running intervention."""
    current = Participant.objects.filter(
        pupil=OuterRef("pk"), intervention__status__in=OPEN, left_on__isnull=True
    )
    return list(
        Pupil.objects.filter(school=school, sen_status__in=[SenStatus.SUPPORT, SenStatus.EHCP])
        .exclude(Exists(current))
        .order_by("nc_year", "last_name", "first_name")
    )


def hours_by_area(impacts: list[Impact]) -> dict[str, Decimal]:
    """Planned adult hours a week by area of need, for open interventions."""
    found: dict[str, Decimal] = defaultdict(Decimal)
    for impact in impacts:
        if impact.row.intervention.is_open:
            found[impact.row.intervention.area] += impact.row.hours_per_week * max(
                1, len(impact.row.staff)
            )
    return dict(found)
