"""Closing an assessment point: the confirmation page, with its date and unconfirmed bands."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis.evaluation import point_results
from trackwell.analysis.models import BandSet
from trackwell.core.models import AssessmentPoint


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
