"""Delivering provision: an adult's groups, recording a session on a phone, classroom strategies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.core.ids import parse_ids
from trackwell.core.versioning import EditConflict, parse_version
from trackwell.provision import sessions as session_services
from trackwell.provision.models import AreaOfNeed, ClassroomStrategy, Intervention, Session, Status
from trackwell.provision.views.common import error_text, int_or_404, parse_date, user_of
from trackwell.provision.views.maps import render_class_map
from trackwell.pupils.models import Pupil


@require_safe
@login_required
def my_groups(request: HttpRequest) -> HttpResponse:
    """The groups the signed-in adult delivers, with today's session one tap away."""
    user = user_of(request)
    school = access.provision_school(user)
    today = timezone.localdate()
    groups = list(
        Intervention.objects.filter(
            school=school,
            staff__user=user,
            status__in=[Status.PLANNED, Status.RUNNING, Status.ENDED],
        )
        .distinct()
        .order_by("status", "name")
    )
    held_today = set(
        Session.objects.filter(intervention__in=groups, date=today).values_list(
            "intervention_id", flat=True
        )
    )
    return render(
        request,
        "provision/my_groups.html",
        {"groups": groups, "held_today": held_today, "today": today},
    )


def _session_page(
    request: HttpRequest,
    intervention: Intervention,
    day: dt.date,
    *,
    conflict: EditConflict | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    group = session_services.session_participants(intervention, day)
    existing = Session.objects.filter(intervention=intervention, date=day).first()
    present: set[int]
    if existing is not None:
        present = set(
            existing.attendance.filter(present=True).values_list("participant_id", flat=True)
        )
    else:
        present = {p.pk for p in group}
    return render(
        request,
        "provision/session.html",
        {
            "intervention": intervention,
            "day": day,
            "group": group,
            "present": present,
            "existing": existing,
            "conflict": conflict,
            "error": error,
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def record_session(request: HttpRequest, intervention_id: int) -> HttpResponse:
    """Record a session in a few taps: the date, who came, a short note."""
    user = user_of(request)
    intervention = access.get_intervention_for_user(user, intervention_id, record=True)
    if request.method == "GET":
        raw = request.GET.get("date")
        try:
            day = parse_date(raw) if raw else timezone.localdate()
        except ValidationError:
            day = timezone.localdate()
        return _session_page(request, intervention, day)
    try:
        day = parse_date(request.POST.get("date"))
        chosen = parse_ids(request.POST.getlist("present"))
        if chosen is None:
            raise ValueError("not a list of pupils")
        present = set(chosen)
    except (ValidationError, ValueError):
        return _session_page(
            request,
            intervention,
            timezone.localdate(),
            error="Give the session's date and tick who came.",
            status=400,
        )
    if request.POST.get("remove"):
        return _remove_session(request, user, intervention, day)
    minutes_raw = request.POST.get("minutes") or None
    try:
        session_services.record_session(
            user=user,
            intervention=intervention,
            day=day,
            present=present,
            note=request.POST.get("note", ""),
            minutes=int_or_404(minutes_raw) if minutes_raw else None,
            expected_version=parse_version(request.POST.get("version")),
        )
    except EditConflict as conflict:
        return _session_page(request, intervention, day, conflict=conflict, status=409)
    except ValidationError as exc:
        return _session_page(request, intervention, day, error=error_text(exc), status=400)
    messages.success(
        request,
        f"Recorded {intervention.name} on {day:%-d %B %Y}: {len(present)} "
        f"pupil{'s' if len(present) != 1 else ''} present.",
    )
    if access.manages_provision(user) or access.can_edit_intervention(user, intervention):
        return HttpResponseRedirect(reverse("provision:intervention", args=[intervention.pk]))
    return HttpResponseRedirect(reverse("provision:mine"))


def _remove_session(
    request: HttpRequest, user: Any, intervention: Intervention, day: dt.date
) -> HttpResponse:
    """Remove a session recorded by mistake (the audit log keeps who was there)."""
    session = Session.objects.filter(intervention=intervention, date=day).first()
    if session is None:
        return _session_page(
            request, intervention, day, error="No session is recorded on that day.", status=400
        )
    try:
        session_services.delete_session(
            user=user, session=session, expected_version=parse_version(request.POST.get("version"))
        )
    except EditConflict as conflict:
        return _session_page(request, intervention, day, conflict=conflict, status=409)
    messages.success(request, f"Removed the session on {day:%-d %B %Y}.")
    return HttpResponseRedirect(reverse("provision:intervention", args=[intervention.pk]))


# ---------------------------------------------------------------------------
# Classroom strategies


@require_POST
@login_required
def add_strategy(request: HttpRequest, class_id: int) -> HttpResponse:
    """Add a classroom strategy for the class or one of its pupils."""
    user = user_of(request)
    school_class = access.get_class_for_user(user, class_id)
    if not access.can_plan_provision_for_class(user, school_class):
        raise PermissionDenied("Only the class's teacher, the SENCO or a leader adds strategies.")
    pupil = None
    if request.POST.get("pupil"):
        pupil = Pupil.objects.filter(
            pk=int_or_404(request.POST.get("pupil")), enrolments__school_class=school_class
        ).first()
        if pupil is None:
            return HttpResponse("pupil: not in this class", status=400, content_type="text/plain")
    try:
        session_services.add_strategy(
            user=user,
            school_class=school_class,
            title=request.POST.get("title", "")[:200],
            description=request.POST.get("description", "")[:2000],
            area=request.POST.get("area", ""),
            pupil=pupil,
        )
    except ValidationError as exc:
        return render_class_map(request, user, school_class, strategy_refused=error_text(exc))
    messages.success(request, "Added the strategy.")
    return HttpResponseRedirect(reverse("provision:class-map", args=[school_class.pk]))


@require_http_methods(["GET", "POST"])
@login_required
def strategies(request: HttpRequest, class_id: int) -> HttpResponse:
    """Change or retire a class's strategies; a change made meanwhile is shown beside yours."""
    user = user_of(request)
    school_class = access.get_class_for_user(user, class_id)
    if not access.can_plan_provision_for_class(user, school_class):
        raise PermissionDenied(
            "Only the class's teacher, the SENCO or a leader changes strategies."
        )
    conflict = None
    status = 200
    if request.method == "POST":
        try:
            session_services.update_strategy(
                user=user,
                strategy_id=int_or_404(request.POST.get("strategy")),
                school_class=school_class,
                expected_version=parse_version(request.POST.get("version")),
                title=request.POST.get("title", "")[:200],
                description=request.POST.get("description", "")[:2000],
                area=request.POST.get("area", ""),
                active=request.POST.get("active") == "on",
            )
        except ClassroomStrategy.DoesNotExist:
            return HttpResponse("strategy: not one of this class's", status=404)
        except EditConflict as exc:
            conflict, status = exc, 409
        except ValidationError as exc:
            messages.warning(request, error_text(exc))
        else:
            messages.success(request, "Saved.")
            return HttpResponseRedirect(request.path)
    return render(
        request,
        "provision/strategies.html",
        {
            "school_class": school_class,
            "strategies": ClassroomStrategy.objects.filter(
                school_class=school_class
            ).select_related("pupil"),
            "areas": AreaOfNeed.choices,
            "conflict": conflict,
        },
        status=status,
    )
