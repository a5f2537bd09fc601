"""Gaps shared by a class or a year group, and saving the pupils who share one as a group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis import services
from trackwell.analysis.gaps import SharedGap, shared_gaps, ticked_gaps
from trackwell.analysis.models import PupilFramework
from trackwell.core.ids import parse_ids
from trackwell.curriculum.models import Framework, Subject
from trackwell.pupils.models import Pupil, SchoolClass, nc_year_label

from .page_common import _user


def framework_for(subject: Subject, nc_year: int) -> Framework:
    framework = Framework.objects.filter(subject=subject, nc_year=nc_year).select_related("scale")
    found = framework.first()
    if found is None:
        raise Http404("No framework for this year")
    return found


def on_other_framework(pupil_ids: list[int], subject: Subject, framework: Framework) -> set[int]:
    return set(
        PupilFramework.objects.filter(pupil_id__in=pupil_ids, subject=subject)
        .exclude(framework=framework)
        .values_list("pupil_id", flat=True)
    )


@require_safe
@login_required
def class_gaps(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """The class's objectives by how many pupils are not yet secure; pick pupils for a group."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id)
    subject = get_object_or_404(Subject, school_id=school_class.school_id, slug=subject_slug)
    return _class_gaps_page(request, user, school_class, subject)


def _class_gaps_page(
    request: HttpRequest,
    user: User,
    school_class: SchoolClass,
    subject: Subject,
    refused: str = "",
) -> HttpResponse:
    framework = framework_for(subject, school_class.nc_year)
    pupils = list(
        Pupil.objects.filter(enrolments__school_class=school_class).order_by(
            "last_name", "first_name", "pk"
        )
    )
    elsewhere = on_other_framework([p.pk for p in pupils], subject, framework)
    gaps = shared_gaps([p for p in pupils if p.pk not in elsewhere], framework, [school_class.pk])
    return render(
        request,
        "reports/gaps.html",
        {
            "title": f"{school_class.name}: {subject.name} gaps",
            "school_class": school_class,
            "subject": subject,
            "framework": framework,
            "gaps": gaps,
            "elsewhere": [p for p in pupils if p.pk in elsewhere],
            "can_group": access.can_edit_class(user, school_class),
            "group_url": reverse("report-class-gap-group", args=[school_class.pk, subject.slug]),
            **_group_sent(request, refused, gaps),
        },
        status=400 if refused else 200,
    )


def _group_sent(request: HttpRequest, refused: str, gaps: list[SharedGap]) -> dict[str, Any]:
    """A group refused: why, and what was ticked and typed, for the page drawn again."""
    if not refused:
        return {}
    ticked = set(parse_ids(request.POST.getlist("pupils")) or ())
    return {
        "group_refused": refused,
        "group_sent": request.POST,
        "group_pupils": ticked,
        "open_gaps": ticked_gaps(gaps, set(), ticked),
    }


@require_POST
@login_required
def class_gap_group(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """Save the chosen pupils who share a gap as a school group."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id, edit=True)
    subject = get_object_or_404(Subject, school_id=school_class.school_id, slug=subject_slug)
    back = reverse("report-class-gaps", args=[school_class.pk, subject.slug])
    allowed = set(school_class.enrolments.values_list("pupil_id", flat=True))
    return _save_group(
        request,
        user,
        allowed,
        back,
        lambda why: _class_gaps_page(request, user, school_class, subject, why),
    )


def _save_group(
    request: HttpRequest,
    user: User,
    allowed: set[int],
    back: str,
    again: Callable[[str], HttpResponse],
) -> HttpResponse:
    """Save the pupils ticked as a group; refused, `again(why)` draws the page again."""
    ids = parse_ids(request.POST.getlist("pupils"))
    if ids is None:
        return HttpResponse("pupils: not a list of pupils", status=400, content_type="text/plain")
    chosen = set(ids)
    if not chosen <= allowed:
        return HttpResponse(
            "pupils: some of these pupils are not in this list",
            status=400,
            content_type="text/plain",
        )
    try:
        group = services.create_group(
            user=user,
            school=access.school_of(user),
            name=request.POST.get("name", ""),
            pupil_ids=chosen,
            description=request.POST.get("description", ""),
        )
    except ValidationError as exc:
        return again(" ".join(exc.messages))
    messages.success(
        request,
        f"Saved the group '{group.name}' with {len(chosen)} pupil{pluralize(len(chosen))}.",
    )
    return HttpResponseRedirect(back)


def year_group_pupils(user: User, nc_year: int) -> tuple[list[Pupil], list[int]]:
    classes = list(
        access.visible_classes(user).filter(year__is_current=True, nc_year=nc_year).order_by("name")
    )
    if not classes:
        raise Http404("No classes in this year group")
    class_ids = [c.pk for c in classes]
    pupils = list(
        Pupil.objects.filter(enrolments__school_class_id__in=class_ids)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    return pupils, class_ids


@require_safe
@login_required
def year_gaps(request: HttpRequest, nc_year: int, subject_slug: str) -> HttpResponse:
    """Gaps shared across a year group's classes."""
    user = _user(request)
    if not access.sees_pupils(user):
        raise Http404("No such page")
    school = access.school_of(user)
    subject = get_object_or_404(Subject, school=school, slug=subject_slug)
    return _year_gaps_page(request, user, nc_year, subject)


def _year_gaps_page(
    request: HttpRequest, user: User, nc_year: int, subject: Subject, refused: str = ""
) -> HttpResponse:
    framework = framework_for(subject, nc_year)
    pupils, class_ids = year_group_pupils(user, nc_year)
    elsewhere = on_other_framework([p.pk for p in pupils], subject, framework)
    gaps = shared_gaps([p for p in pupils if p.pk not in elsewhere], framework, class_ids)
    return render(
        request,
        "reports/gaps.html",
        {
            "title": f"{nc_year_label(nc_year)}: {subject.name} gaps shared across the year group",
            "subject": subject,
            "framework": framework,
            "gaps": gaps,
            "elsewhere": [p for p in pupils if p.pk in elsewhere],
            "can_group": access.can_manage_assessment(user),
            "group_url": reverse("report-year-gap-group", args=[nc_year, subject.slug]),
            **_group_sent(request, refused, gaps),
        },
        status=400 if refused else 200,
    )


@require_POST
@login_required
def year_gap_group(request: HttpRequest, nc_year: int, subject_slug: str) -> HttpResponse:
    user = _user(request)
    if not access.sees_pupils(user):
        raise Http404("No such page")
    if not access.can_manage_assessment(user):
        raise PermissionDenied("Only leaders save year-group groups.")
    school = access.school_of(user)
    subject = get_object_or_404(Subject, school=school, slug=subject_slug)
    pupils, _ = year_group_pupils(user, nc_year)
    back = reverse("report-year-gaps", args=[nc_year, subject.slug])
    return _save_group(
        request,
        user,
        {p.pk for p in pupils},
        back,
        lambda why: _year_gaps_page(request, user, nc_year, subject, why),
    )
