"""Prior attainment groups and the teacher's judgement of progress: class pages for
teachers, the school's comparison within prior attainment groups for leaders and governors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from trackwell.accounts import access
from trackwell.analysis.evaluation import current_point, point_results
from trackwell.core.models import AssessmentPoint
from trackwell.core.versioning import parse_version
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Pupil, SchoolClass
from trackwell.scores import prior
from trackwell.scores.models import PriorAttainmentGroup, ProgressJudgement

from .common import int_or_none, messages_of, user_of


def _point(school_class: SchoolClass, raw: str | None) -> AssessmentPoint:
    points = list(AssessmentPoint.objects.filter(year_id=school_class.year_id).order_by("date"))
    if not points:
        raise Http404("No assessment points this year")
    wanted = int_or_none(raw)
    fallback = current_point(school_class.year) or points[0]
    return next((p for p in points if p.pk == wanted), fallback)


def _progress_context(
    school_class: SchoolClass, subject: Subject, point: AssessmentPoint, **extra: object
) -> dict[str, object]:
    pupils = list(
        Pupil.objects.filter(enrolments__school_class=school_class).order_by(
            "last_name", "first_name", "pk"
        )
    )
    ids = [p.pk for p in pupils]
    results = point_results(point, pupil_ids=ids, subject_ids=[subject.pk])
    said = {
        j.pupil_id: j
        for j in ProgressJudgement.objects.filter(point=point, subject=subject, pupil_id__in=ids)
    }
    groups = prior.prior_groups(school_class.school_id, subject, ids)
    return {
        "school_class": school_class,
        "subject": subject,
        "point": point,
        "points": AssessmentPoint.objects.filter(year_id=school_class.year_id).order_by("date"),
        "rows": [
            {
                "pupil": p,
                "result": results.rows.get((p.pk, subject.pk)),
                "judgement": said.get(p.pk),
                "prior": groups.get(p.pk),
            }
            for p in pupils
        ],
        "prior_groups": prior.ensure_groups(school_class.school),
        "sources": prior.SOURCE_LABELS,
        **extra,
    }


@login_required
def class_progress(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """At a point, the teacher says whether each pupil is making good progress, and why."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    user = user_of(request)
    school_class = access.get_class_for_user(user, class_id, edit=request.method == "POST")
    subject = get_object_or_404(Subject, school_id=school_class.school_id, slug=subject_slug)
    source = request.POST if request.method == "POST" else request.GET
    point = _point(school_class, source.get("point"))
    can_edit = access.can_edit_class(user, school_class)
    if request.method != "POST":
        return render(
            request,
            "scores/progress.html",
            _progress_context(school_class, subject, point, can_edit=can_edit),
        )
    entries = []
    for pid in school_class.enrolments.values_list("pupil_id", flat=True):
        version = parse_version(request.POST.get(f"version-{pid}"))
        if version is None:
            continue
        said = request.POST.get(f"good-{pid}", "")
        entries.append(
            prior.JudgementInput(
                pupil_id=pid,
                good_progress={"yes": True, "no": False}.get(said),
                reason=request.POST.get(f"reason-{pid}", "")[:300],
                expected_version=version,
            )
        )
    try:
        changed = prior.save_progress_judgements(
            user=user, school_class=school_class, subject=subject, point=point, entries=entries
        )
    except prior.StaleJudgements as exc:
        names = dict(Pupil.objects.filter(pk__in=list(exc.current)).values_list("pk", "first_name"))
        errors = [
            f"{names.get(pid, pid)}'s judgement was changed by someone else since you opened the "
            f"page (now: {'good progress' if j and j.good_progress else 'not yet' if j else 'none'}"
            f"{', ' + j.reason if j and j.reason else ''}). Nothing was saved: check, then save."
            for pid, j in exc.current.items()
        ]
        context = _progress_context(school_class, subject, point, can_edit=can_edit, errors=errors)
        return render(request, "scores/progress.html", context, status=409)
    except ValidationError as exc:
        context = _progress_context(
            school_class, subject, point, can_edit=can_edit, errors=messages_of(exc)
        )
        return render(request, "scores/progress.html", context, status=400)
    messages.success(request, f"Progress judgements saved ({changed} changed).")
    url = reverse("scores:class-progress", args=[school_class.pk, subject.slug])
    return HttpResponseRedirect(f"{url}?point={point.pk}")


@require_POST
@login_required
def set_prior(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """The school's own word on a pupil's prior attainment group, or back to the derived one."""
    user = user_of(request)
    school_class = access.get_class_for_user(user, class_id, edit=True)
    subject = get_object_or_404(Subject, school_id=school_class.school_id, slug=subject_slug)
    pupil_id = int_or_none(request.POST.get("pupil"))
    if pupil_id is None:
        return HttpResponse("Say which pupil.", status=400, content_type="text/plain")
    group = request.POST.get("group", "")
    try:
        prior.set_prior_group(
            user=user,
            school_class=school_class,
            pupil_id=pupil_id,
            subject=subject,
            group_id=int_or_none(group) if group else None,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain")
    messages.success(request, "Prior attainment group saved.")
    url = reverse("scores:class-progress", args=[school_class.pk, subject.slug])
    return HttpResponseRedirect(f"{url}?point={request.POST.get('point', '')}")


@require_safe
@login_required
def school_prior(request: HttpRequest) -> HttpResponse:
    """Attainment and progress compared within prior attainment groups, small groups hidden."""
    user = user_of(request)
    if not access.sees_aggregates(user):
        raise Http404("No such page")
    school = access.school_of(user)
    points = list(
        AssessmentPoint.objects.filter(school=school, year__is_current=True).order_by("date")
    )
    subjects = list(Subject.objects.filter(school=school))
    if not points or not subjects:
        return render(request, "scores/prior.html", {"rows": None})
    wanted = int_or_none(request.GET.get("point"))
    default = current_point(points[0].year) or points[0]
    point = next((p for p in points if p.pk == wanted), default)
    subject = next((s for s in subjects if s.slug == request.GET.get("subject")), subjects[0])
    results = point_results(point, subject_ids=[subject.pk])
    rows, without = prior.compare_prior_groups(
        results,
        subject,
        min_size=school.min_group_size,
        suppress=access.suppresses_small_groups(user),
    )
    # Progress bands keyed by starting point give a pupil without one only the rules for
    # every starting point: say how many, so a leader can set them rather than miss them.
    keyed = any(
        rule.starting_point
        for loaded in results.sets.progress_sets
        for band in loaded.spec.bands
        for rule in band.rules
    )
    no_start = (
        sum(1 for (_, sid), r in results.rows.items() if sid == subject.pk and not r.starting_point)
        if keyed
        else 0
    )
    return render(
        request,
        "scores/prior.html",
        {
            "rows": rows,
            "without": without,
            "no_start": no_start,
            "point": point,
            "subject": subject,
            "points": points,
            "subjects": subjects,
            "groups": PriorAttainmentGroup.objects.filter(school=school),
            "min_size": school.min_group_size,
        },
    )
