"""Points, opt-in: the switch (behind a plain warning), the points of each band and rating,
and the points-based progress report, which does not exist until points are on."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.analysis.evaluation import current_point, point_results
from trackwell.analysis.models import Band, BandSet
from trackwell.core.models import AssessmentPoint
from trackwell.core.versioning import EditConflict, parse_version
from trackwell.curriculum.models import RatingLevel, Subject
from trackwell.scores import points
from trackwell.scores.models import BandPoints, LevelPoints

from .common import int_or_none, messages_of, user_of


def _context(request: HttpRequest, **extra: object) -> dict[str, object]:
    user = user_of(request)
    school = access.scores_school(user)
    setting = points.setting(school)
    context: dict[str, object] = {
        "setting": setting,
        "warning": points.WARNING,
        "can_manage": access.can_manage_tests(user),
        **extra,
    }
    if setting.enabled:
        band_values = dict(
            BandPoints.objects.filter(school=school).values_list("band_id", "points")
        )
        level_values = dict(
            LevelPoints.objects.filter(school=school).values_list("level_id", "points")
        )
        context["bands"] = [
            (b, band_values.get(b.pk))
            for b in Band.objects.filter(school=school, band_set__kind=BandSet.Kind.ATTAINMENT)
            .select_related("band_set")
            .order_by("band_set__name", "order")
        ]
        context["levels"] = [
            (lv, level_values.get(lv.pk))
            for lv in RatingLevel.objects.filter(school=school)
            .select_related("scale")
            .order_by("scale__name", "value")
        ]
    return context


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """Whether the school uses points; switching on means reading what they hide first."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    user = user_of(request)
    school = access.scores_school(user, edit=request.method == "POST")
    if request.method != "POST":
        return render(request, "scores/points.html", _context(request))
    action = request.POST.get("action", "")
    try:
        if action in ("on", "off"):
            points.switch(
                user=user,
                school=school,
                enabled=action == "on",
                expected_version=parse_version(request.POST.get("version")),
                understood=request.POST.get("understood") == "yes",
            )
            messages.success(request, "Points are on." if action == "on" else "Points are off.")
        elif action == "values":
            points.set_points(
                user=user,
                school=school,
                band_points={
                    pk: request.POST.get(f"band-{pk}", "")
                    for key in request.POST
                    if key.startswith("band-") and (pk := int_or_none(key[5:])) is not None
                },
                level_points={
                    pk: request.POST.get(f"level-{pk}", "")
                    for key in request.POST
                    if key.startswith("level-") and (pk := int_or_none(key[6:])) is not None
                },
            )
            messages.success(request, "Points saved.")
        else:
            raise ValidationError("Choose what to change.")
    except EditConflict as exc:
        return render(request, "scores/points.html", _context(request, conflict=exc), status=409)
    except ValidationError as exc:
        context = _context(request, errors=messages_of(exc))
        return render(request, "scores/points.html", context, status=400)
    return HttpResponseRedirect(reverse("scores:points"))


@require_safe
@login_required
def report(request: HttpRequest) -> HttpResponse:
    """Points-based progress by year group: only once the school has switched points on."""
    user = user_of(request)
    if not access.sees_aggregates(user):
        raise Http404("No such page")
    school = access.school_of(user)
    if not points.points_on(school.pk):
        raise Http404("Points are not switched on")
    year_points = list(
        AssessmentPoint.objects.filter(school=school, year__is_current=True).order_by("date")
    )
    subjects = list(Subject.objects.filter(school=school))
    if not year_points or not subjects:
        return render(request, "scores/points_report.html", {"rows": None})
    subject = next((s for s in subjects if s.slug == request.GET.get("subject")), subjects[0])
    now = current_point(year_points[0].year) or year_points[-1]
    first = year_points[0]
    rows = points.points_progress(
        school.pk,
        point_results(first, subject_ids=[subject.pk]),
        point_results(now, subject_ids=[subject.pk]),
        subject.pk,
    )
    if access.suppresses_small_groups(user):
        for r in rows:
            if r.pupils < school.min_group_size:
                r.mean_then = r.mean_now = None
    return render(
        request,
        "scores/points_report.html",
        {
            "rows": rows,
            "subject": subject,
            "subjects": subjects,
            "first": first,
            "now": now,
            "min_size": school.min_group_size,
        },
    )
