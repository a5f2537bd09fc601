"""Confirming bands: the suggestions for a class and subject, confirmed or changed with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from trackwell.accounts import access
from trackwell.analysis import services
from trackwell.analysis.evaluation import (
    current_point,
    current_year,
    load_band_sets,
    point_results,
)
from trackwell.core.ids import parse_id
from trackwell.core.models import AssessmentPoint
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Pupil

from .band_common import _user
from .views import framework_words

# Confirming bands


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def confirm_bands(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """Suggested bands; the teacher confirms each or chooses another with a reason."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id, edit=request.method == "POST")
    subject = get_object_or_404(Subject, school_id=school_class.school_id, slug=subject_slug)
    year = current_year(school_class.school_id)
    point = current_point(year) if year else None
    if point is None:
        raise Http404("No assessment point")
    pupils = list(
        Pupil.objects.filter(enrolments__school_class=school_class).order_by(
            "last_name", "first_name", "pk"
        )
    )
    ids = [p.pk for p in pupils]
    errors: list[str] = []
    if request.method == "POST":
        choices = []
        sets = load_band_sets(school_class.school_id)
        for pupil_id in ids:
            for loaded in sets.active:
                value = request.POST.get(f"band-{pupil_id}-{loaded.pk}", "")
                if not value:
                    continue
                band_id = parse_id(value)
                if band_id is None:
                    return HttpResponse("band: not a band", status=400)
                choices.append(
                    services.Choice(
                        pupil_id,
                        loaded.pk,
                        band_id,
                        request.POST.get(f"reason-{pupil_id}-{loaded.pk}", "")[:300],
                    )
                )
        try:
            changed = services.confirm_bands(
                user=user, point=point, subject=subject, allowed_pupil_ids=ids, choices=choices
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"Saved {changed} band{'s' if changed != 1 else ''}.")
            return HttpResponseRedirect(
                reverse("report-confirm", args=[school_class.pk, subject.slug])
            )
    results = point_results(point, pupil_ids=ids, subject_ids=[subject.pk])
    rows = []
    for pupil in pupils:
        r = results.rows.get((pupil.pk, subject.pk))
        rows.append(
            {
                "pupil": pupil,
                "result": r,
                "framework": framework_words(r.nc_year, r.framework_year)
                if r and r.below_year
                else "",
                "bands": [
                    (loaded, r.bands.get(loaded.pk) if r else None)
                    for loaded in results.sets.active
                ],
            }
        )
    return render(
        request,
        "reports/confirm.html",
        {
            "school_class": school_class,
            "subject": subject,
            "subjects": Subject.objects.filter(school_id=school_class.school_id),
            "point": point,
            "rows": rows,
            "sets": results.sets.active,
            "errors": errors,
            "posted": request.POST if errors else {},
            "is_open": point.state == AssessmentPoint.State.OPEN,
            "can_edit": access.can_edit_class(user, school_class),
        },
        status=400 if errors else 200,
    )
