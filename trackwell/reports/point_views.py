"""Assessment points: the list, closing (with its confirmation page), reopening, and where
confirmed bands differ from the suggestions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis import services
from trackwell.analysis.evaluation import (
    point_results,
)
from trackwell.analysis.models import BandSet
from trackwell.core.models import AssessmentPoint
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Pupil

from .band_common import _manager, _user


@require_safe
@login_required
def close_confirm(request: HttpRequest, point_id: int) -> HttpResponse:
    """Ask before closing: warn of a date still to come and count bands not yet confirmed."""
    user = request.user
    assert isinstance(user, User)
    if not access.can_manage_assessment(user):
        raise Http404("No such page")
    point = get_object_or_404(
        AssessmentPoint.objects.select_related("year"), school=access.school_of(user), pk=point_id
    )
    unconfirmed = confirmed = 0
    if point.state == AssessmentPoint.State.OPEN:
        results = point_results(point)
        for row in results.rows.values():
            for band in row.bands.values():
                if band.is_confirmed:
                    confirmed += 1
                else:
                    unconfirmed += 1
    today = timezone.localdate()
    return render(
        request,
        "reports/point_close.html",
        {
            "point": point,
            "in_future": point.date > today,
            "days_to_go": (point.date - today).days,
            "unconfirmed": unconfirmed,
            "confirmed": confirmed,
            "has_bands": BandSet.objects.filter(school_id=point.school_id).exists(),
        },
    )


def _point_for(user: User, point_id: int) -> AssessmentPoint:
    return get_object_or_404(
        AssessmentPoint.objects.select_related("year", "school"),
        school=access.school_of(user),
        pk=point_id,
    )


@require_safe
@login_required
def points(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    return render(request, "reports/points.html", _points_context(user))


def _points_context(user: User, **extra: Any) -> dict[str, Any]:
    school = access.school_of(user)
    return {
        "points": AssessmentPoint.objects.filter(school=school)
        .select_related("year")
        .order_by("-year__start_date", "date"),
        "has_bands": BandSet.objects.filter(school=school).exists(),
        "today": timezone.localdate(),
        **extra,
    }


@require_POST
@login_required
def close_point(request: HttpRequest, point_id: int) -> HttpResponse:
    user = _manager(request)
    point = _point_for(user, point_id)
    if request.POST.get("confirm") != "yes":
        # Closing is asked for on its own page first: the date, and bands still unconfirmed.
        return HttpResponseRedirect(reverse("report-point-close-confirm", args=[point.pk]))
    try:
        summary = services.close_point(user=user, point=point)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Closed {point.name} {point.year.name}: {summary.snapshots} pupil records kept, "
            f"{summary.confirmed} confirmed bands.",
        )
    return HttpResponseRedirect(reverse("report-points"))


@require_POST
@login_required
def reopen_point(request: HttpRequest, point_id: int) -> HttpResponse:
    user = _manager(request)
    point = _point_for(user, point_id)
    reason = request.POST.get("reason", "").strip()[:200]
    if point.state != AssessmentPoint.State.CLOSED:
        # Opened meanwhile (another leader, an old tab): there is no reason box to show.
        messages.warning(request, f"{point.name} {point.year.name} is already open.")
        return HttpResponseRedirect(reverse("report-points"))
    if not reason:
        # The list drawn again with the error beside this point's reason box.
        error = f"Say why {point.name} {point.year.name} is being reopened: the reason is kept."
        context = _points_context(user, reopen_error=(point.pk, error))
        return render(request, "reports/points.html", context, status=400)
    try:
        services.reopen_point(user=user, point=point, reason=reason)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Reopened {point.name} {point.year.name}. Its earlier record is kept; closing it "
            "again keeps a new one.",
        )
    return HttpResponseRedirect(reverse("report-points"))


@require_safe
@login_required
def differences(request: HttpRequest, point_id: int) -> HttpResponse:
    """Where teachers' confirmed bands differ from the suggestions, with their reasons."""
    user = _user(request)
    if not access.sees_pupils(user) or user.role not in access.WHOLE_SCHOOL_READ:
        raise Http404("No such page")
    point = _point_for(user, point_id)
    results = point_results(point)
    subjects = {s.pk: s for s in Subject.objects.filter(school_id=point.school_id)}
    rows = [(r, band) for r in results.rows.values() for band in r.bands.values() if band.differs]
    pupils = Pupil.objects.in_bulk({r.pupil_id for r, _ in rows})
    unconfirmed = sum(
        1 for r in results.rows.values() for b in r.bands.values() if not b.is_confirmed
    )
    return render(
        request,
        "reports/differences.html",
        {
            "point": point,
            "rows": sorted(
                [
                    {"pupil": pupils[r.pupil_id], "subject": subjects.get(r.subject_id), "band": b}
                    for r, b in rows
                ],
                key=lambda x: (x["pupil"].last_name, x["pupil"].first_name),
            ),
            "unconfirmed": unconfirmed,
        },
    )
