"""The evaluated provision map: for the school, a year group, a class, and a trust."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.core.exports import FORMATS, export_response
from trackwell.curriculum.models import Framework, Subject
from trackwell.provision.impact import Impact, by_area, impact_of
from trackwell.provision.layout import map_table
from trackwell.provision.models import (
    AreaOfNeed,
    ClassroomStrategy,
    FundingSource,
    Intervention,
    Status,
)
from trackwell.provision.queries import MapFilters, load_map, money, terms
from trackwell.provision.views.common import current_year, int_or_none, user_of
from trackwell.pupils.models import SchoolClass, nc_year_label


def _filters(request: HttpRequest) -> MapFilters:
    get = request.GET
    area = get.get("area", "")
    funding = get.get("funding", "")
    status = get.get("status", "")
    term = get.get("term", "")
    return MapFilters(
        area=area if area in AreaOfNeed.values else "",
        funding=funding if funding in FundingSource.values else "",
        staff=int_or_none(get.get("staff")),
        status=status if status in Status.values else "",
        term=term if term in {"autumn", "spring", "summer"} else "",
    )


def _render_map(
    request: HttpRequest,
    user: User,
    interventions: QuerySet[Intervention],
    *,
    title: str,
    scope: Q | None,
    filename: str,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    school = access.school_of(user)
    year = current_year(school.pk)
    filters = _filters(request)
    chosen = filters.apply(interventions, year)
    rows = load_map(chosen, scope)
    # A map drawn again after a refused POST (a class's strategy) downloads nothing.
    fmt = request.GET.get("export", "") if request.method in ("GET", "HEAD") else ""
    if fmt:
        if fmt not in FORMATS:
            raise Http404("No such export")
        return export_response(map_table(rows, title[:31]), fmt, filename)
    impacts = impact_of(rows, min_group=school.min_group_size)
    staff_ids = set(
        interventions.filter(staff__user__isnull=False).values_list("staff__user_id", flat=True)
    )
    staff_choices = list(User.objects.filter(pk__in=staff_ids).order_by("last_name", "first_name"))
    query = request.GET.copy()
    query.pop("export", None)
    context = {
        "title": title,
        "impacts": impacts,
        "filters": filters,
        "areas": AreaOfNeed.choices,
        "sources": FundingSource.choices,
        "statuses": Status.choices,
        "terms": terms(year) if year else [],
        "staff_choices": staff_choices,
        "query": query.urlencode(),
        "pupils": len({p.participant.pupil_id for r in rows for p in r.participants}),
        "planned": money(sum((r.planned_cost for r in rows), Decimal(0))),
        "actual": money(sum((r.actual_cost for r in rows), Decimal(0))),
        "can_plan": access.manages_provision(user),
        "strategies": [],
        # The map's own address: links and filters lead there, also when the page is
        # drawn again at the address a refused form was sent to.
        "page_url": request.path,
        **(extra or {}),
    }
    return render(request, "provision/map.html", context, status=status)


@require_safe
@login_required
def school_map(request: HttpRequest) -> HttpResponse:
    """The school's provision map (managers), or the interventions a teacher or assistant sees."""
    user = user_of(request)
    access.provision_school(user)
    interventions = access.visible_interventions(user)
    title = "Provision map" if access.manages_provision(user) else "Your provision"
    return _render_map(
        request,
        user,
        interventions,
        title=title,
        scope=None,
        filename="provision-map",
        extra={"year_groups": _year_groups(user)},
    )


def _year_groups(user: User) -> list[tuple[int, str]]:
    years = (
        access.visible_classes(user)
        .filter(year__is_current=True)
        .values_list("nc_year", flat=True)
        .distinct()
        .order_by("nc_year")
    )
    return [(n, nc_year_label(n)) for n in years]


@require_safe
@login_required
def year_map(request: HttpRequest, nc_year: int) -> HttpResponse:
    """The provision map for one year group's pupils."""
    user = user_of(request)
    access.provision_school(user)
    if nc_year not in dict(_year_groups(user)):
        raise Http404("No such year group")
    scope = Q(pupil__nc_year=nc_year)
    interventions = access.visible_interventions(user).filter(participants__pupil__nc_year=nc_year)
    return _render_map(
        request,
        user,
        interventions.distinct(),
        title=f"Provision map: {nc_year_label(nc_year)}",
        scope=scope,
        filename=f"provision-map-{nc_year_label(nc_year)}",
    )


@require_safe
@login_required
def class_map(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's provision map: classroom strategies at the top, then its pupils' interventions."""
    user = user_of(request)
    school_class = access.get_class_for_user(user, class_id)
    return render_class_map(request, user, school_class)


def render_class_map(
    request: HttpRequest,
    user: User,
    school_class: SchoolClass,
    *,
    strategy_refused: str = "",
) -> HttpResponse:
    """The class's provision map; with `strategy_refused`, drawn again after a strategy was
    refused, saying why beside its form with what was typed kept (400)."""
    access.provision_school(user)
    scope = Q(pupil__enrolments__school_class=school_class)
    interventions = access.visible_interventions(user).filter(
        participants__pupil__enrolments__school_class=school_class
    )
    strategies = list(
        ClassroomStrategy.objects.filter(school_class=school_class, active=True).select_related(
            "pupil"
        )
    )
    pupils = list(school_class.pupils.order_by("last_name", "first_name"))
    can_plan = access.can_plan_provision_for_class(user, school_class)
    subjects = list(Subject.objects.filter(school_id=school_class.school_id))
    with_framework = set(
        Framework.objects.filter(subject__in=subjects, nc_year=school_class.nc_year).values_list(
            "subject_id", flat=True
        )
    )
    return _render_map(
        request,
        user,
        interventions.distinct(),
        title=f"Provision map: {school_class.name}",
        scope=scope,
        filename=f"provision-map-{school_class.name}",
        extra={
            "school_class": school_class,
            "strategies": [s for s in strategies if s.pupil_id is None],
            "personal": [s for s in strategies if s.pupil_id is not None],
            "class_pupils": pupils,
            "can_strategy": can_plan,
            "can_plan_class": can_plan,
            # Gaps exist only for subjects with a framework for the class's year.
            "gap_links": [
                (s, reverse("provision:from-gap", args=[school_class.pk, s.slug]))
                for s in subjects
                if s.pk in with_framework
            ],
            "areas_for_strategy": AreaOfNeed.choices,
            "strategy_refused": strategy_refused,
            "page_url": reverse("provision:class-map", args=[school_class.pk]),
            "strategy_sent": request.POST if strategy_refused else {},
        },
        status=400 if strategy_refused else 200,
    )


# ---------------------------------------------------------------------------
# Trust: aggregates across the trust's schools, small groups suppressed


@require_safe
@login_required
def trust_map(request: HttpRequest) -> HttpResponse:
    """Each school's provision in aggregate: interventions, pupils, targets met, cost."""
    user = user_of(request)
    schools = list(access.trust_schools(user))
    interventions = Intervention.objects.filter(school__in=schools)
    rows = load_map(interventions)
    impacts = impact_of(rows)
    by_school: dict[int, list[Impact]] = defaultdict(list)
    for impact in impacts:  # grouped once, not scanned again for every school
        by_school[impact.row.intervention.school_id].append(impact)
    table = [
        _suppressed_summary(school.name, by_school[school.pk], school.min_group_size)
        for school in schools
    ]
    minimum = max((s.min_group_size for s in schools), default=5)
    areas = [_suppressed_area(area, minimum) for area in by_area(impacts)]
    return render(
        request,
        "provision/trust.html",
        {"schools": table, "areas": areas, "minimum": minimum, "trust": access.trust_of(user)},
    )


def _suppressed_summary(name: str, impacts: list[Impact], minimum: int) -> dict[str, Any]:
    pupils = len({p.participant.pupil_id for i in impacts for p in i.row.participants})
    met = sum(i.met for i in impacts)
    with_outcome = sum(i.with_outcome for i in impacts)
    hidden = 0 < pupils < minimum
    return {
        "name": name,
        "interventions": len(impacts),
        "pupils": None if hidden else pupils,
        "met_pct": None if hidden or with_outcome < minimum else round(100 * met / with_outcome),
        "cost": money(sum((i.row.actual_cost for i in impacts), Decimal(0))),
        "hidden": hidden,
    }


def _suppressed_area(area: Any, minimum: int) -> dict[str, Any]:
    hidden = 0 < area.pupil_count < minimum
    return {
        "label": area.label,
        "interventions": area.interventions,
        "pupils": None if hidden else area.pupil_count,
        "met_pct": None if hidden or area.with_outcome < minimum else area.met_pct,
        "cost": money(area.actual_cost),
        "hidden": hidden,
    }
