"""Pages for academic years, assessment points and the year rollover (people managers only)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis.evaluation import current_point
from trackwell.core.models import AcademicYear, AssessmentPoint
from trackwell.core.versioning import EditConflict, parse_version
from trackwell.pupils.models import NC_YEAR_CHOICES
from trackwell.pupils.services import today
from trackwell.schoolsetup import rollover as rollover_service
from trackwell.schoolsetup import services
from trackwell.schoolsetup.models import Rollover

MAX_POINTS = AssessmentPoint.MAX_PER_YEAR


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _date(raw: str | None) -> dt.date | None:
    try:
        return parse_date((raw or "").strip())
    except ValueError:
        return None


@require_safe
@login_required
def year_list(request: HttpRequest) -> HttpResponse:
    """The school's years, newest first, with their points and which point is current."""
    school = access.people_school(_user(request))
    years = list(
        AcademicYear.objects.filter(school=school)
        .prefetch_related("assessment_points")
        .order_by("-start_date")
    )
    current = next((y for y in years if y.is_current), None)
    for r in Rollover.objects.filter(school=school).select_related("to_year"):
        for y in years:
            if y.pk == r.from_year_id:
                y.rolled_over_name = r.to_year.name  # type: ignore[attr-defined]
    return render(
        request,
        "schoolsetup/years.html",
        {
            "years": years,
            "current_point": current_point(current) if current else None,
        },
    )


def _posted_points(request: HttpRequest, year: AcademicYear | None) -> tuple[list[Any], dict]:
    """The point rows of the form: PointSpecs and the raw rows to show again."""
    existing = {p.pk: p for p in year.assessment_points.all()} if year else {}
    specs, rows = [], []
    for i in range(1, MAX_POINTS + 1):
        name = request.POST.get(f"point_name_{i}", "").strip()[:60]
        raw_date = request.POST.get(f"point_date_{i}", "")
        baseline = request.POST.get(f"point_baseline_{i}") == "on"
        raw_pk = request.POST.get(f"point_pk_{i}", "")
        pk = (
            int(raw_pk)
            if raw_pk.isascii()
            and raw_pk.isdigit()
            and len(raw_pk) < 12
            and int(raw_pk) in existing
            else None
        )
        remove = request.POST.get(f"point_remove_{i}") == "on"
        rows.append(
            {
                "n": i,
                "name": name,
                "date": raw_date,
                "baseline": baseline,
                "pk": pk,
                "remove": remove,
            }
        )
        if remove or (not name and not raw_date and pk is None):
            continue
        specs.append(services.PointSpec(name, _date(raw_date), baseline, pk))
    return specs, {"rows": rows}


def _rows_for(year: AcademicYear | None, pattern: list[AssessmentPoint] | None = None) -> list:
    points = list(year.assessment_points.order_by("date")) if year else (pattern or [])
    rows = [
        {
            "n": i,
            "name": p.name,
            "date": p.date.isoformat() if isinstance(p.date, dt.date) else "",
            "baseline": p.is_baseline,
            "pk": p.pk if year else None,
            "closed": year is not None and p.state == AssessmentPoint.State.CLOSED,
        }
        for i, p in enumerate(points, start=1)
    ]
    for i in range(len(rows) + 1, MAX_POINTS + 1):
        rows.append({"n": i, "name": "", "date": "", "baseline": False, "pk": None})
    return rows


@require_http_methods(["GET", "POST"])
@login_required
def year_add(request: HttpRequest) -> HttpResponse:
    """Create a year and its 2 to 6 assessment points."""
    user = _user(request)
    school = access.people_school(user)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        specs, posted = _posted_points(request, None)
        values = {
            "name": request.POST.get("name", "")[:20],
            "start_date": request.POST.get("start_date", ""),
            "end_date": request.POST.get("end_date", ""),
            "make_current": request.POST.get("make_current") == "on",
        }
        try:
            year = services.create_year(
                user,
                school,
                name=values["name"],
                start_date=_date(values["start_date"]),  # type: ignore[arg-type]
                end_date=_date(values["end_date"]),  # type: ignore[arg-type]
                points=specs,
                make_current=values["make_current"],
            )
        except ValidationError as exc:
            errors = exc.message_dict
            rows = posted["rows"]
        else:
            messages.success(request, f"Added {year.name} with {len(specs)} assessment points.")
            return HttpResponseRedirect(reverse("setup-years"))
    else:
        rows = _rows_for(None)
    return render(
        request,
        "schoolsetup/year_form.html",
        {"title": "Add an academic year", "values": values, "rows": rows, "errors": errors},
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def year_edit(request: HttpRequest, year_id: int) -> HttpResponse:
    """Edit a year's dates and its points' names and dates (version-checked)."""
    user = _user(request)
    school = access.people_school(user)
    year = access.get_managed_year_for_user(user, year_id)
    errors: dict[str, list[str]] = {}
    conflict: EditConflict | None = None
    values: dict[str, Any] = {
        "name": year.name,
        "start_date": year.start_date.isoformat(),
        "end_date": year.end_date.isoformat(),
        "version": year.version,
    }
    rows = _rows_for(year)
    status = 200
    if request.method == "POST":
        specs, posted = _posted_points(request, year)
        values = {
            "name": request.POST.get("name", "")[:20],
            "start_date": request.POST.get("start_date", ""),
            "end_date": request.POST.get("end_date", ""),
            "version": request.POST.get("version", ""),
        }
        version = parse_version(values["version"])
        try:
            services.update_year(
                user,
                school,
                year,
                name=values["name"],
                start_date=_date(values["start_date"]),  # type: ignore[arg-type]
                end_date=_date(values["end_date"]),  # type: ignore[arg-type]
                points=specs,
                expected_version=version if version is not None else -1,
            )
        except EditConflict as exc:
            conflict, status = exc, 409
            values["version"] = exc.current_version
            rows = _merge_closed(posted["rows"], year)
        except ValidationError as exc:
            errors, status = exc.message_dict, 400
            rows = _merge_closed(posted["rows"], year)
        else:
            messages.success(request, f"Saved {year.name}.")
            return HttpResponseRedirect(reverse("setup-years"))
    return render(
        request,
        "schoolsetup/year_form.html",
        {
            "title": f"Academic year {year.name}",
            "year": year,
            "values": values,
            "rows": rows,
            "errors": errors,
            "conflict": conflict,
        },
        status=status,
    )


def _merge_closed(rows: list[dict[str, Any]], year: AcademicYear) -> list[dict[str, Any]]:
    closed = set(
        year.assessment_points.filter(state=AssessmentPoint.State.CLOSED).values_list(
            "pk", flat=True
        )
    )
    for row in rows:
        row["closed"] = row["pk"] in closed
    return rows


@require_POST
@login_required
def year_make_current(request: HttpRequest, year_id: int) -> HttpResponse:
    """Make a year the current one (the grid, home and analysis pages follow it)."""
    user = _user(request)
    school = access.people_school(user)
    year = access.get_managed_year_for_user(user, year_id)
    services.make_current(user, school, year)
    messages.success(request, f"{year.name} is now the current year.")
    return HttpResponseRedirect(reverse("setup-years"))


def _framework_edits(post: Any, key: str, cp: rollover_service.ClassPlan) -> dict[int, int]:
    """The frameworks chosen for one class; a choice left at the default shown is no choice
    (so changing the class's NC year moves its default with it)."""
    chosen = {}
    for choice in cp.choices:
        raw = post.get(f"class_fw_{key}_{choice.subject_id}", "")[:12]
        shown = post.get(f"class_fw_default_{key}_{choice.subject_id}", "")[:12]
        if raw.isascii() and raw.isdigit() and raw != shown:
            chosen[choice.subject_id] = int(raw)
    return chosen


def _rollover_edits(request: HttpRequest, plan: rollover_service.RolloverPlan) -> dict[str, Any]:
    """The admin's edits of the preview, read from the form."""
    post = request.POST
    points = []
    for i in range(1, MAX_POINTS + 1):
        name = post.get(f"point_name_{i}", "").strip()[:60]
        raw = post.get(f"point_date_{i}", "")
        if name or raw:
            points.append(
                services.PointSpec(name, _date(raw), post.get(f"point_baseline_{i}") == "on")
            )
    classes: dict[int, dict[str, Any]] = {}
    for cp in plan.classes:
        key = str(cp.from_class_id)
        nc = post.get(f"class_nc_{key}", "")[:2]
        classes[cp.from_class_id] = {
            "name": post.get(f"class_name_{key}", "").strip()[:60] or cp.name,
            "nc_year": int(nc) if nc.isascii() and nc.isdigit() and int(nc) <= 13 else cp.nc_year,
            "create": post.get(f"class_create_{key}") == "on",
            "frameworks": _framework_edits(post, key, cp),
        }
    leaving = post.get("leaving_nc_year", "")[:2]
    return {
        "name": post.get("name", "").strip()[:20] or plan.name,
        "start_date": _date(post.get("start_date")) or plan.start_date,
        "end_date": _date(post.get("end_date")) or plan.end_date,
        "points": points or plan.points,
        "leaving_nc_year": (
            int(leaving) if leaving.isascii() and leaving.isdigit() else plan.leaving_nc_year
        ),
        "left_on": _date(post.get("left_on")) or plan.left_on,
        "classes": classes,
        "classes_from_import": post.get("classes_from_import") == "on",
        "close_open_points": post.get("close_open_points") == "on",
        "move_frameworks_up": post.get("move_frameworks_up") == "on",
    }


@require_http_methods(["GET", "POST"])
@login_required
def rollover(request: HttpRequest) -> HttpResponse:
    """The guided rollover: an editable preview, then one step that does all of it or none."""
    user = _user(request)
    school = access.people_school(user)
    year = AcademicYear.objects.filter(school=school, is_current=True).first()
    refusal = rollover_service.refused_because(year, today()) if year else ""
    if year is None or refusal:
        return render(
            request,
            "schoolsetup/rollover_done.html",
            {
                "year": year,
                "refusal": refusal,
                "last": Rollover.objects.filter(school=school).first(),
            },
        )
    plan = rollover_service.plan_rollover(school)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if request.POST.get("from_year") != str(year.pk):
            messages.warning(
                request, "The current year changed since you opened the preview: check it again."
            )
            return HttpResponseRedirect(reverse("setup-rollover"))
        plan = rollover_service.plan_rollover(school, _rollover_edits(request, plan))
        if request.POST.get("action") == "apply":
            if request.POST.get("confirm") != "yes":
                errors = ["Tick the box to confirm the rollover."]
                status = 400
            else:
                try:
                    done = rollover_service.apply_rollover(user, school, plan)
                except ValidationError as exc:
                    errors, status = exc.messages, 400
                else:
                    s = done.summary
                    messages.success(
                        request,
                        f"{s['to_year']} has begun: {s['promoted']} pupils moved up a year, "
                        f"{s['leavers']} marked as left, {len(s['classes'])} classes made. "
                        f"{s['from_year']} is kept as it was.",
                    )
                    return HttpResponseRedirect(reverse("setup-years"))
    return render(
        request,
        "schoolsetup/rollover.html",
        {
            "plan": plan,
            "year": year,
            "errors": errors,
            "point_rows": [
                {
                    "n": i,
                    "name": p.name,
                    "date": p.date.isoformat() if p.date else "",
                    "baseline": p.is_baseline,
                }
                for i, p in enumerate(plan.points, start=1)
            ]
            + [
                {"n": i, "name": "", "date": "", "baseline": False}
                for i in range(len(plan.points) + 1, MAX_POINTS + 1)
            ],
            "nc_years": NC_YEAR_CHOICES,
        },
        status=status,
    )
