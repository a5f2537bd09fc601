"""The tracking grid page and the requests that change it.

Views parse, check access, call a service and render. Changes answer JSON to
the grid's script (Accept: application/json) and redirect plain form posts.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis.metrics import objective_summaries, pupil_summaries
from trackwell.assessment import services
from trackwell.assessment.forms import BulkForm, CellForm, TaughtForm
from trackwell.assessment.grid import SORTS, frameworks_for, load_grid
from trackwell.assessment.models import JudgementHistory
from trackwell.curriculum.models import Framework, Objective, Subject
from trackwell.curriculum.services import set_taught
from trackwell.pupils.models import Pupil, SchoolClass


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _subject(school_class: SchoolClass, slug: str) -> Subject:
    return get_object_or_404(Subject, school_id=school_class.school_id, slug=slug)


def _framework(subject: Subject, framework_id: int) -> Framework:
    return get_object_or_404(frameworks_for(subject).select_related("scale"), pk=framework_id)


def _grid_url(school_class: SchoolClass, subject: Subject, framework: Framework) -> str:
    url = reverse("grid", args=[school_class.pk, subject.slug])
    return f"{url}?framework={framework.pk}"


def _form_errors(form: Any) -> str:
    return "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())


def _error(
    request: HttpRequest, message: str, status: int, back: str, **extra: Any
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": message, **extra}, status=status)
    if status == 400:
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    messages.warning(request, message)
    return HttpResponseRedirect(back)


@require_safe
@login_required
def grid(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """The tracking grid: pupils down the side, objectives across, ratings in the cells."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id)
    subjects = list(Subject.objects.filter(school_id=school_class.school_id))
    subject = next((s for s in subjects if s.slug == subject_slug), None)
    if subject is None:
        raise Http404("No such subject")
    try:
        framework_id = int(request.GET["framework"]) if request.GET.get("framework") else None
    except ValueError:
        framework_id = None
    sort_key = request.GET.get("sort", "name")
    if sort_key not in SORTS:
        sort_key = "name"
    # SEN, pupil premium, FSM and looked-after flags, and filters on them, only for those
    # who need them: a teacher reading another class's grid can neither see nor filter.
    special = access.sees_special_category(user, school_class)
    filter_key = request.GET.get("filter", "")
    if not special and filter_key in access.SPECIAL_CATEGORY_FILTERS:
        filter_key = ""
    data = load_grid(
        school_class,
        subject,
        framework_id=framework_id,
        filter_key=filter_key,
        sort_key=sort_key,
        descending=request.GET.get("dir") == "desc",
    )
    if not special:
        data.filters = {
            k: v for k, v in data.filters.items() if k not in access.SPECIAL_CATEGORY_FILTERS
        }
    return render(
        request,
        "assessment/grid.html",
        {
            "grid": data,
            "special": special,
            "subjects": subjects,
            "can_edit": access.can_edit_class(user, school_class),
            "sorts": SORTS,
            "other_year": data.framework.nc_year != school_class.nc_year,
            # What each level means in this subject (as the legend shows it), for the
            # cells' hover and focus text; read from the levels already loaded.
            "grid_levels_json": [
                {
                    "code": lv.code,
                    "label": lv.label,
                    "value": lv.value,
                    "descriptor": lv.for_subject(subject.pk)[0],
                }
                for lv in data.levels
            ],
        },
    )


def _cell_payload(
    school_class: SchoolClass, framework: Framework, pupil_id: int, objective_id: int
) -> dict:
    objective_count = framework.objectives.filter(archived_at__isnull=True).count()
    class_pupils = list(school_class.enrolments.values_list("pupil_id", flat=True))
    row = pupil_summaries(school_class, framework, [pupil_id], objective_count)[pupil_id]
    column = objective_summaries(framework, class_pupils).get(objective_id)
    return {
        "row": row.as_dict(),
        "column": column.as_dict() if column else {"pct_secured": 0, "secured": 0, "assessed": 0},
    }


@require_POST
@login_required
def save_cell(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """Set, change or clear one cell, checking the version the user saw."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id, edit=True)
    subject = _subject(school_class, subject_slug)
    form = CellForm(request.POST)
    back = reverse("grid", args=[school_class.pk, subject.slug])
    if not form.is_valid():
        return _error(request, _form_errors(form), 400, back)
    data = form.cleaned_data
    framework = _framework(subject, data["framework"])
    try:
        state = services.set_judgement(
            user=user,
            school_class=school_class,
            framework=framework,
            pupil_id=data["pupil"],
            objective_id=data["objective"],
            code=data["code"],
            expected_version=data["version"],
            note=data["note"] if "note" in request.POST else None,
        )
    except ValidationError as exc:
        return _error(request, " ".join(exc.messages), 400, back)
    except services.StaleEdit as exc:
        return _error(
            request,
            str(exc),
            409,
            _grid_url(school_class, subject, framework),
            current=[c.as_dict() for c in exc.current],
        )
    if not _wants_json(request):
        return HttpResponseRedirect(_grid_url(school_class, subject, framework))
    return JsonResponse(
        {
            "cell": state.as_dict(),
            **_cell_payload(school_class, framework, data["pupil"], data["objective"]),
        }
    )


@require_POST
@login_required
def bulk_column(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """Give the selected pupils one rating on one objective, all or nothing."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id, edit=True)
    subject = _subject(school_class, subject_slug)
    back = reverse("grid", args=[school_class.pk, subject.slug])
    pupil_ids = list(school_class.enrolments.values_list("pupil_id", flat=True))
    form = BulkForm(request.POST, pupil_ids=pupil_ids)
    if not form.is_valid():
        return _error(request, _form_errors(form), 400, back)
    data = form.cleaned_data
    framework = _framework(subject, data["framework"])
    back = _grid_url(school_class, subject, framework)
    try:
        states = services.set_column(
            user=user,
            school_class=school_class,
            framework=framework,
            objective_id=data["objective"],
            code=data["code"],
            pupil_ids=data["pupils"],
            expected_versions=data["versions"],
        )
    except ValidationError as exc:
        return _error(request, " ".join(exc.messages), 400, back)
    except services.StaleEdit as exc:
        return _error(
            request,
            "Some of these pupils' ratings were changed by someone else since you loaded the page; "
            "nothing was saved. Reload to see the latest.",
            409,
            back,
            current=[c.as_dict() for c in exc.current],
        )
    if _wants_json(request):
        return JsonResponse({"cells": [s.as_dict() for s in states]})
    messages.success(request, f"Saved {data['code']} for {len(states)} pupils.")
    return HttpResponseRedirect(back)


@require_POST
@login_required
def mark_taught(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """Mark an objective as taught to the class, or not yet taught."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id, edit=True)
    subject = _subject(school_class, subject_slug)
    back = reverse("grid", args=[school_class.pk, subject.slug])
    form = TaughtForm(request.POST)
    if not form.is_valid():
        return _error(request, _form_errors(form), 400, back)
    framework = _framework(subject, form.cleaned_data["framework"])
    try:
        taught = set_taught(
            user=user,
            school_class=school_class,
            framework=framework,
            objective_id=form.cleaned_data["objective"],
            taught=form.cleaned_data["taught"],
        )
    except ValidationError as exc:
        return _error(request, " ".join(exc.messages), 400, back)
    if _wants_json(request):
        return JsonResponse({"objective": form.cleaned_data["objective"], "taught": taught})
    return HttpResponseRedirect(_grid_url(school_class, subject, framework))


@require_safe
@login_required
def cell_history(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """Every change to one pupil's rating on one objective, newest first."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id)
    subject = _subject(school_class, subject_slug)
    try:
        pupil_id = int(request.GET["pupil"])
        objective_id = int(request.GET["objective"])
    except (KeyError, ValueError) as exc:
        raise Http404("Choose a pupil and an objective") from exc
    pupil = get_object_or_404(
        Pupil, pk=pupil_id, enrolments__school_class=school_class, school_id=school_class.school_id
    )
    objective = get_object_or_404(
        Objective.objects.select_related("framework"), pk=objective_id, framework__subject=subject
    )
    history = (
        JudgementHistory.objects.filter(judgement__pupil=pupil, judgement__objective=objective)
        .select_related("old_level", "new_level", "changed_by")
        .order_by("-version")
    )
    return render(
        request,
        "assessment/cell_history.html",
        {
            "school_class": school_class,
            "subject": subject,
            "pupil": pupil,
            "objective": objective,
            "history": history,
            "back": _grid_url(school_class, subject, objective.framework),
        },
    )
