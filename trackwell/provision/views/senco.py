"""The SENCO's overview, budgets, the governors' summary, a pupil's costed history, measures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.core.versioning import EditConflict
from trackwell.provision import overview, services, sessions
from trackwell.provision.forms import MeasureForm
from trackwell.provision.impact import by_area, impact_of
from trackwell.provision.models import FundingSource, Intervention, Measure
from trackwell.provision.queries import load_map, money
from trackwell.provision.views.common import current_year, error_text, parse_decimal, user_of
from trackwell.pupils.models import SchoolClass, SenStatus


@require_safe
@login_required
def senco(request: HttpRequest) -> HttpResponse:
    """Across the school: need, provision by area, staff time, cost against budget, what to do."""
    user = user_of(request)
    school = access.provision_school(user, manage=True)
    year = current_year(school.pk)
    rows = load_map(Intervention.objects.filter(overview.in_year(school, year)))
    impacts = impact_of(rows, min_group=school.min_group_size)
    need, sen_totals = overview.pattern_of_need(school)
    funding, unfunded_planned, unfunded_actual = overview.cost_by_funding(school, year, impacts)
    return render(
        request,
        "provision/senco.html",
        {
            "year": year,
            "need": need,
            "sen_statuses": SenStatus.choices,
            "sen_totals": sen_totals,
            "areas": by_area(impacts),
            "deployment": overview.staff_deployment(school),
            "funding": funding,
            "unfunded_planned": unfunded_planned,
            "unfunded_actual": unfunded_actual,
            "attention": overview.needs_attention(school),
            "without": overview.sen_without_provision(school),
            "flags": [i for i in impacts if i.flag],
            "planned_total": money(sum((r.planned_cost for r in rows), Decimal(0))),
            "actual_total": money(sum((r.actual_cost for r in rows), Decimal(0))),
            "classes": SchoolClass.objects.filter(school=school, year=year) if year else [],
        },
    )


@require_POST
@login_required
def budget(request: HttpRequest) -> HttpResponse:
    """Set this year's provision budget for each funding source."""
    user = user_of(request)
    school = access.provision_school(user, manage=True)
    year = current_year(school.pk)
    if year is None:
        raise Http404("No current year")
    try:
        amounts = {
            key: parse_decimal(request.POST[f"budget_{key}"], key)
            for key in FundingSource.values
            if request.POST.get(f"budget_{key}", "").strip()
        }
        with transaction.atomic():
            for key, amount in amounts.items():
                seen: object = sessions.SEEN_NOTHING
                if f"seen_{key}" in request.POST:
                    seen_raw = request.POST[f"seen_{key}"].strip()
                    seen = parse_decimal(seen_raw, key) if seen_raw else None
                    if seen == amount:
                        continue  # unchanged on the form
                sessions.set_budget(
                    user=user, school=school, year=year, source=key, amount=amount, seen=seen
                )
    except EditConflict as conflict:
        diff = conflict.differences[0]
        messages.warning(
            request,
            f"{conflict.message} {diff.label}: yours £{diff.yours}, saved now "
            f"£{diff.theirs or '0'}.",
        )
    except ValidationError as exc:
        messages.warning(request, error_text(exc))
    else:
        messages.success(request, "Saved the budgets.")
    return HttpResponseRedirect(reverse("provision:senco"))


@require_safe
@login_required
def summary(request: HttpRequest) -> HttpResponse:
    """Anonymised impact and cost by area of need and funding; small groups hidden for governors."""
    user = user_of(request)
    if not access.sees_provision_summary(user):
        raise Http404("No such page")
    school = access.school_of(user)
    year = current_year(school.pk)
    rows = load_map(Intervention.objects.filter(overview.in_year(school, year)))
    impacts = impact_of(rows, min_group=school.min_group_size)
    suppress = access.suppresses_small_groups(user)
    minimum = school.min_group_size
    areas: list[dict[str, Any]] = []
    for area in by_area(impacts):
        hidden = suppress and 0 < area.pupil_count < minimum
        areas.append(
            {
                "label": area.label,
                "interventions": area.interventions,
                "pupils": None if hidden else area.pupil_count,
                "met_pct": None
                if hidden or (suppress and area.with_outcome < minimum)
                else area.met_pct,
                "with_outcome": None if hidden else area.with_outcome,
                "cost": money(area.actual_cost),
                "planned": money(area.planned_cost),
                "hidden": hidden,
            }
        )
    funding, unfunded_planned, unfunded_actual = overview.cost_by_funding(school, year, impacts)
    shown = [a for a in areas if not a["hidden"]]
    return render(
        request,
        "provision/summary.html",
        {
            "year": year,
            "areas": areas,
            "funding": funding,
            "unfunded_planned": unfunded_planned,
            "unfunded_actual": unfunded_actual,
            "minimum": minimum,
            "suppress": suppress,
            # Totals are sums of what is shown, so a hidden group cannot be worked out.
            "shown_pupils": sum(a["pupils"] or 0 for a in shown),
            "any_hidden": any(a["hidden"] for a in areas),
        },
    )


@require_safe
@login_required
def pupil_history(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """A pupil's costed provision history, past and present, as a printable page."""
    user = user_of(request)
    pupil = access.get_pupil_for_user(user, pupil_id)
    interventions = Intervention.objects.filter(participants__pupil=pupil).distinct()
    rows = load_map(interventions, Q(pupil=pupil))
    lines = [(r, r.participants[0]) for r in rows if r.participants]
    lines.sort(key=lambda pair: pair[0].intervention.start_date)
    return render(
        request,
        "provision/pupil_history.html",
        {
            "pupil": pupil,
            "lines": lines,
            "total_cost": money(sum((p.cost for _, p in lines), Decimal(0))),
            "total_hours": sum((p.hours for _, p in lines), Decimal(0)),
            "sees_sen": access.sees_special_category_for_pupil(user, pupil),
            "printed": timezone.localtime(),
            "school": pupil.school,
            "strategies": pupil.strategies.filter(active=True).select_related("school_class"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def measures(request: HttpRequest) -> HttpResponse:
    """The school's measures: the built-in ones and its own lists and ranges."""
    user = user_of(request)
    school = access.provision_school(user, manage=True)
    services.ensure_builtin_measures(school)
    form = MeasureForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if request.POST.get("add") == "sub_levels":
            services.create_sub_levels(user=user, school=school)
            messages.success(request, "Added the NC sub-levels (1c to 5a).")
            return HttpResponseRedirect(request.path)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.create_measure(
                    user=user,
                    school=school,
                    name=data["name"],
                    kind=data["kind"],
                    steps=[s.strip() for s in (data.get("steps") or "").split(",")],
                    min_value=data.get("min_value"),
                    max_value=data.get("max_value"),
                    unit=data.get("unit") or "",
                    description=data.get("description") or "",
                )
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, f"Added the measure '{data['name']}'.")
                return HttpResponseRedirect(request.path)
        status = 400
    return render(
        request,
        "provision/measures.html",
        {
            "measures": Measure.objects.filter(school=school).prefetch_related("steps"),
            "form": form,
        },
        status=status,
    )


@require_safe
@login_required
def import_map(request: HttpRequest) -> HttpResponse:
    """The provision-map import, on the shared import pages (the SENCO and leaders)."""
    user = user_of(request)
    access.provision_school(user, manage=True)
    return HttpResponseRedirect(reverse("imports:upload", args=["provision_map"]))
