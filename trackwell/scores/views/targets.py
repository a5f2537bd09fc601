"""Targets: a class's targets at a point (set one by one or from suggestions), and the
school's report of how many pupils exceeded, met or missed them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.core.models import AssessmentPoint
from trackwell.core.versioning import parse_version
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Pupil, PupilGroup, SchoolClass
from trackwell.scores import targets
from trackwell.scores.models import Target

from .common import int_or_none, messages_of, user_of


def _point(school_class: SchoolClass, raw: str | None) -> AssessmentPoint:
    points = list(AssessmentPoint.objects.filter(year_id=school_class.year_id).order_by("date"))
    if not points:
        raise Http404("No assessment points this year")
    wanted = int_or_none(raw)
    return next((p for p in points if p.pk == wanted), points[0])


def _context(
    school_class: SchoolClass, subject: Subject, point: AssessmentPoint, kind: str, **extra: object
) -> dict[str, object]:
    pupils = list(
        Pupil.objects.filter(enrolments__school_class=school_class).order_by(
            "last_name", "first_name", "pk"
        )
    )
    current = targets.targets_for(school_class, subject, point)
    suggested = targets.suggest(school_class, subject, point, kind) if extra.get("suggest") else {}
    found = targets.outcomes(point, subject, [p.pk for p in pupils])
    rows = []
    for p in pupils:
        t = current.get(p.pk)
        s = suggested.get(p.pk)
        rows.append(
            {
                "pupil": p,
                "target": t,
                "version": t.version if t else 0,
                "band_id": (s.band_id if s else None)
                or (t.band_id if t and t.kind == kind else None),
                "value": (s.value if s else None)
                if s
                else (t.value if t and t.kind == kind else None),
                "why": s.why if s else "",
                "outcome": found.get(p.pk),
            }
        )
    return {
        "school_class": school_class,
        "subject": subject,
        "point": point,
        "points": AssessmentPoint.objects.filter(year_id=school_class.year_id).order_by("date"),
        "subjects": Subject.objects.filter(school_id=school_class.school_id),
        "kind": kind,
        "kinds": Target.Kind.choices,
        "bands": targets.attainment_bands(school_class.school_id),
        "rows": rows,
        "labels": targets.OUTCOME_LABELS,
        **extra,
    }


@login_required
def class_targets(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """A class's targets in one subject at one point: shown to staff, set by its teachers."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    user = user_of(request)
    school_class = access.get_class_for_user(user, class_id, edit=request.method == "POST")
    subject = get_object_or_404(Subject, school_id=school_class.school_id, slug=subject_slug)
    source = request.POST if request.method == "POST" else request.GET
    point = _point(school_class, source.get("point"))
    kind: str = (
        str(source.get("kind", ""))
        if source.get("kind") in Target.Kind.values
        else Target.Kind.BAND
    )
    can_edit = access.can_edit_class(user, school_class)
    if request.method != "POST":
        context = _context(
            school_class,
            subject,
            point,
            kind,
            suggest=can_edit and request.GET.get("suggest") == "1",
            can_edit=can_edit,
        )
        return render(request, "scores/targets.html", context)
    entries: list[targets.TargetInput] = []
    clear: dict[int, int] = {}
    errors: list[str] = []
    pupils = Pupil.objects.filter(enrolments__school_class=school_class).values_list(
        "pk", flat=True
    )
    # A box left empty clears only a target of the kind this form shows: a pupil's band
    # target is never lost by saving the page of score targets.
    current = targets.targets_for(school_class, subject, point)
    for pid in pupils:
        version = parse_version(request.POST.get(f"version-{pid}"))
        raw = request.POST.get(f"target-{pid}", "").strip()
        if version is None:
            continue  # not on the form the teacher saw
        if raw == "":
            if version and pid in current and current[pid].kind == kind:
                clear[pid] = version
            continue
        number = int_or_none(raw)
        if number is None:
            errors.append(f"Pupil {pid}: {raw!r} is not a whole number.")
            continue
        entries.append(
            targets.TargetInput(
                pupil_id=pid,
                kind=kind,
                band_id=number if kind == Target.Kind.BAND else None,
                value=None if kind == Target.Kind.BAND else number,
                expected_version=version,
            )
        )
    status = 400
    if not errors:
        try:
            changed = targets.save_targets(
                user=user,
                school_class=school_class,
                subject=subject,
                point=point,
                entries=entries,
                clear=clear,
            )
        except targets.StaleTargets as exc:
            errors = [
                f"{names}'s target was changed by someone else since you opened the page "
                f"(now: {targets.describe_target(t) if t else 'none'}). Nothing was saved: "
                "check and save again."
                for pid, t in exc.current.items()
                for names in [next((p.full_name for p in Pupil.objects.filter(pk=pid)), str(pid))]
            ]
            status = 409
        except ValidationError as exc:
            errors = messages_of(exc)
        else:
            messages.success(request, f"Targets saved ({changed} changed).")
            url = reverse("scores:class-targets", args=[school_class.pk, subject.slug])
            return HttpResponseRedirect(f"{url}?point={point.pk}&kind={kind}")
    context = _context(
        school_class, subject, point, kind, can_edit=can_edit, errors=errors, posted=request.POST
    )
    return render(request, "scores/targets.html", context, status=status)


@require_safe
@login_required
def school_targets(request: HttpRequest) -> HttpResponse:
    """How many pupils exceeded, met or missed their targets: school, year, class and group."""
    user = user_of(request)
    if not access.sees_aggregates(user):
        raise Http404("No such page")
    school = access.school_of(user)
    points = list(
        AssessmentPoint.objects.filter(school=school, year__is_current=True).order_by("date")
    )
    subjects = list(Subject.objects.filter(school=school))
    if not points or not subjects:
        return render(request, "scores/target_report.html", {"report": None})
    wanted = int_or_none(request.GET.get("point"))
    point = next((p for p in points if p.pk == wanted), points[0])
    subject = next((s for s in subjects if s.slug == request.GET.get("subject")), subjects[0])
    suppress = access.suppresses_small_groups(user)
    report = targets.school_report(
        point,
        subject,
        suppress=suppress,
        min_size=school.min_group_size,
        school_groups=list(PupilGroup.objects.filter(school=school)),
    )
    # Class rows name pupils' classes: only for those who may see the classes.
    if suppress or not access.sees_pupils(user):
        report.by_class = []
    return render(
        request,
        "scores/target_report.html",
        {
            "report": report,
            "points": points,
            "subjects": subjects,
            "labels": targets.OUTCOME_LABELS,
            "suppressed": suppress,
        },
    )
