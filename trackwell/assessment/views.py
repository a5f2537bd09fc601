"""The tracking grid page and the requests that change it.

Views parse, check access, call a service and render. Changes answer JSON to
the grid's script (Accept: application/json) and redirect plain form posts.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User, log_action
from trackwell.assessment import services
from trackwell.assessment.forms import BulkForm, CellForm, TaughtForm
from trackwell.assessment.grid import SORTS, bulk_plan, frameworks_for, load_grid
from trackwell.assessment.models import JudgementHistory
from trackwell.core.concurrency import heavy
from trackwell.core.dates import english_datetime
from trackwell.core.ids import parse_id
from trackwell.core.models import School
from trackwell.core.versioning import EditConflict, FieldDifference, parse_version
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
    """Every error of a form in plain words, naming the field by its label."""
    parts = []
    for name, errs in form.errors.items():
        text = " ".join(errs)
        if name == "__all__":
            parts.append(text)
        else:
            label = form.fields[name].label or name
            parts.append(f"{label}: {text}")
    return " ".join(parts)


def _error(
    request: HttpRequest, message: str, status: int, back: str, **extra: Any
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": message, **extra}, status=status)
    messages.warning(request, message)
    return HttpResponseRedirect(back)


def _grid_context(
    user: User,
    school_class: SchoolClass,
    subject: Subject,
    subjects: list[Subject],
    *,
    framework_id: int | None,
    filter_key: str = "",
    sort_key: str = "name",
    descending: bool = False,
) -> dict[str, Any]:
    """What the grid page needs, for the page itself and for a bulk form shown again."""
    if sort_key not in SORTS:
        sort_key = "name"
    # SEN, pupil premium, FSM and looked-after flags, and filters on them, only for those
    # who need them: a teacher reading another class's grid can neither see nor filter.
    special = access.sees_special_category(user, school_class)
    if not special and filter_key in access.SPECIAL_CATEGORY_FILTERS:
        filter_key = ""
    data = load_grid(
        school_class,
        subject,
        framework_id=framework_id,
        filter_key=filter_key,
        sort_key=sort_key,
        descending=descending,
    )
    if not special:
        data.filters = {
            k: v for k, v in data.filters.items() if k not in access.SPECIAL_CATEGORY_FILTERS
        }
    return {
        "grid": data,
        "special": special,
        "subjects": subjects,
        "can_edit": access.can_edit_class(user, school_class),
        "sorts": SORTS,
        "filter_label": data.filters.get(data.filter_key, "all pupils"),
        "sort_label": SORTS[data.sort_key].lower(),
        "other_year": data.framework.nc_year != school_class.nc_year,
        "cursor": user.grid_cursor,
        "cursor_choices": User._meta.get_field("grid_cursor").choices,
        "untaught_rule": school_class.school.untaught_ratings,
        "can_manage": access.can_manage_assessment(user),
        # The version of every cell as the page shows it, so a bulk change without
        # JavaScript still says what the user saw (objective:pupil:version).
        "seen_versions": ",".join(
            f"{cell.objective.id}:{row.pupil.id}:{cell.version}"
            for row in data.rows
            for cell in row.cells
        ),
        # What each level means in this subject (as the legend shows it), for the
        # cells' hover and focus text; read from the levels already loaded.
        "grid_levels_json": [
            {
                "code": lv.code,
                "label": lv.label,
                "value": lv.value,
                "secure": lv.counts_as_secure,
                "greater": lv.is_greater_depth,
                "descriptor": lv.for_subject(subject.pk)[0],
            }
            for lv in data.levels
        ],
    }


@require_safe
@login_required
@heavy
def grid(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """The tracking grid: pupils down the side, objectives across, ratings in the cells."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id)
    subjects = list(Subject.objects.filter(school_id=school_class.school_id))
    subject = next((s for s in subjects if s.slug == subject_slug), None)
    if subject is None:
        raise Http404("No such subject")
    framework_id = parse_id(request.GET.get("framework"))
    context = _grid_context(
        user,
        school_class,
        subject,
        subjects,
        framework_id=framework_id,
        filter_key=request.GET.get("filter", ""),
        sort_key=request.GET.get("sort", "name"),
        descending=request.GET.get("dir") == "desc",
    )
    return render(request, "assessment/grid.html", context)


@require_POST
@login_required
def save_cell(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """Set, change or clear one cell, checking the version the user saw.

    The answer is the cell as saved and whether its objective is taught to the
    class; the grid's script works the row and column summaries out from the
    cells it holds (issue 15: a save in at most eight queries).
    """
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id, edit=True)
    form = CellForm(request.POST)
    back = reverse("grid", args=[school_class.pk, subject_slug])
    if not form.is_valid():
        _subject(school_class, subject_slug)  # an unknown subject is 404 before anything else
        return _error(request, _form_errors(form), 400, back)
    data = form.cleaned_data
    note = data["note"] if "note" in request.POST else None
    rule = school_class.school.untaught_ratings
    taught: bool | None = None
    try:
        saved = services.save_cell(
            user=user,
            school_class=school_class,
            subject_slug=subject_slug,
            framework_id=data["framework"],
            pupil_id=data["pupil"],
            objective_id=data["objective"],
            code=data["code"],
            expected_version=data["version"],
            note=note,
            taught_rule=rule,
            mark_taught=data["mark_taught"],
        )
        if saved is None:
            # Not resolved in one query: look the parts up one by one, for 404 or the reason.
            framework = _framework(_subject(school_class, subject_slug), data["framework"])
            state = services.set_judgement(
                user=user,
                school_class=school_class,
                framework=framework,
                pupil_id=data["pupil"],
                objective_id=data["objective"],
                code=data["code"],
                expected_version=data["version"],
                note=note,
                taught_rule=rule,
                mark_taught=data["mark_taught"],
            )
        else:
            state, target = saved
            taught = target.is_taught or bool(data["mark_taught"] and state.code)
    except services.NotTaught as exc:
        message = " ".join(exc.messages)
        return _error(request, message, 409, back, untaught=exc.rule, objective=exc.objective_id)
    except ValidationError as exc:
        return _error(request, " ".join(exc.messages), 400, back)
    except services.StaleEdit as exc:
        return _error(
            request,
            str(exc),
            409,
            f"{back}?framework={data['framework']}",
            current=[c.as_dict() for c in exc.current],
        )
    if not _wants_json(request):
        return HttpResponseRedirect(f"{back}?framework={data['framework']}")
    return JsonResponse({"cell": state.as_dict(), "taught": taught})


def _bulk_page(
    request: HttpRequest,
    user: User,
    school_class: SchoolClass,
    subject: Subject,
    framework_id: int | None,
    status: int,
    **extra: Any,
) -> HttpResponse:
    """The grid page again, with the bulk form's problem (or conflict) shown inside it."""
    subjects = list(Subject.objects.filter(school_id=school_class.school_id))
    try:
        context = _grid_context(user, school_class, subject, subjects, framework_id=framework_id)
    except Http404:
        context = _grid_context(user, school_class, subject, subjects, framework_id=None)
    post = request.POST
    context["bulk"] = {
        "open": True,
        "objective": post.get("objective", ""),
        "code": post.get("code", ""),
        "pupils": set(post.getlist("pupils")),
        "every_pupil": bool(post.get("every_pupil")),
    }
    context.update(extra)
    return render(request, "assessment/grid.html", context, status=status)


def _conflict_for(
    school_class: SchoolClass, code: str, seen: dict[int, int], stale: list[services.CellState]
) -> EditConflict:
    """A bulk change's stale cells as one conflict: each pupil's rating, yours and theirs."""
    names = {
        p.pk: p.full_name
        for p in Pupil.objects.filter(
            pk__in=[c.pupil_id for c in stale], school=school_class.school
        )
    }

    def saved(cell: services.CellState) -> str:
        who = f" by {cell.updated_by}" if cell.updated_by else ""
        when = f", {english_datetime(cell.updated_at)}" if cell.updated_at else ""
        return f"{cell.code or 'no rating'}{who}{when}"

    latest = max((c for c in stale if c.updated_at), key=lambda c: c.updated_at or 0, default=None)
    return EditConflict(
        what="This objective's column",
        expected_version=0,
        current_version=0,
        differences=[
            FieldDifference(
                field=str(c.pupil_id),
                label=names.get(c.pupil_id, str(c.pupil_id)),
                yours=code,
                theirs=saved(c),
            )
            for c in stale
        ],
        changed_by=latest.updated_by if latest else "",
        changed_at=latest.updated_at if latest else None,
    )


@require_POST
@login_required
def bulk_column(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """Give the selected pupils one rating on one objective, all or nothing.

    The form carries the version of every cell the user saw (with or without
    JavaScript); a cell that moved on stops the whole change, shown with both
    values. Changing existing ratings, or rating an objective not yet taught,
    asks first.
    """
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id, edit=True)
    subject = _subject(school_class, subject_slug)
    pupil_ids = list(school_class.enrolments.values_list("pupil_id", flat=True))
    form = BulkForm(request.POST, pupil_ids=pupil_ids)
    framework_id = parse_version(request.POST.get("framework"))
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"error": _form_errors(form)}, status=400)
        return _bulk_page(
            request, user, school_class, subject, framework_id, 400, bulk_error=_form_errors(form)
        )
    data = form.cleaned_data
    framework = _framework(subject, data["framework"])
    back = _grid_url(school_class, subject, framework)
    rule = school_class.school.untaught_ratings
    try:
        plan = bulk_plan(school_class, framework, data["objective"], data["code"], data["pupils"])
    except ValidationError as exc:
        return _bulk_refused(request, user, school_class, subject, framework, exc)
    asks_taught = not plan.taught and rule == "ask" and data["mark_taught"] is None
    if (plan.changes or asks_taught) and not data["confirm"]:
        if _wants_json(request):
            return JsonResponse(
                {
                    "error": "Confirm first: this changes existing ratings"
                    + (" and the objective is not yet taught." if asks_taught else "."),
                    "changes": len(plan.changes),
                    "untaught": not plan.taught,
                },
                status=409,
            )
        return render(
            request,
            "assessment/bulk_confirm.html",
            {
                "plan": plan,
                "school_class": school_class,
                "subject": subject,
                "framework": framework,
                "asks_taught": asks_taught,
                "post": request.POST,
                "pupils": data["pupils"],
                "back": back,
            },
        )
    try:
        states = services.set_column(
            user=user,
            school_class=school_class,
            framework=framework,
            objective_id=data["objective"],
            code=data["code"],
            pupil_ids=data["pupils"],
            expected_versions=data["seen"],
            taught_rule=rule,
            mark_taught=data["mark_taught"],
        )
    except ValidationError as exc:
        return _bulk_refused(request, user, school_class, subject, framework, exc)
    except services.StaleEdit as exc:
        conflict = _conflict_for(school_class, data["code"], data["seen"], exc.current)
        if _wants_json(request):
            return JsonResponse(
                {
                    **conflict.as_dict(),
                    "error": "Some of these pupils' ratings were changed by someone else since "
                    "you loaded the page; nothing was saved. Reload to see the latest.",
                    "current": [c.as_dict() for c in exc.current],
                },
                status=409,
            )
        return _bulk_page(
            request, user, school_class, subject, framework.pk, 409, conflict=conflict
        )
    if _wants_json(request):
        return JsonResponse({"cells": [s.as_dict() for s in states]})
    messages.success(
        request,
        f"Saved {plan.level_code} for {len(states)} pupil{'s' if len(states) != 1 else ''}"
        f" on {plan.objective.code}.",
    )
    return HttpResponseRedirect(back)


def _bulk_refused(
    request: HttpRequest,
    user: User,
    school_class: SchoolClass,
    subject: Subject,
    framework: Framework,
    exc: ValidationError,
) -> HttpResponse:
    message = " ".join(exc.messages)
    if _wants_json(request):
        return JsonResponse({"error": message}, status=400)
    return _bulk_page(request, user, school_class, subject, framework.pk, 400, bulk_error=message)


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


@require_POST
@login_required
def set_cursor(request: HttpRequest) -> HttpResponse:
    """Remember where the grid's cursor goes after a rating: down or right."""
    user = _user(request)
    if access.is_parent(user):
        raise Http404("No such page")  # parents reach no staff page
    choice = request.POST.get("grid_cursor", "")
    if choice not in {"down", "right"}:
        return _error(request, "Choose down or right.", 400, reverse("home"))
    if user.grid_cursor != choice:
        old = user.grid_cursor
        user.grid_cursor = choice
        user.save(update_fields=["grid_cursor"])
        log_action(
            school=user.school,
            user=user,
            action="user.grid_cursor",
            obj=user,
            old={"grid_cursor": old},
            new={"grid_cursor": choice},
        )
    if _wants_json(request):
        return JsonResponse({"grid_cursor": choice})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("home")
    return HttpResponseRedirect(back)


@require_safe
@login_required
def cell_history(request: HttpRequest, class_id: int, subject_slug: str) -> HttpResponse:
    """Every change to one pupil's rating on one objective, newest first."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id)
    subject = _subject(school_class, subject_slug)
    pupil_id = parse_id(request.GET.get("pupil"))
    objective_id = parse_id(request.GET.get("objective"))
    if pupil_id is None or objective_id is None:
        raise Http404("Choose a pupil and an objective")
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


@require_http_methods(["GET", "POST"])
@login_required
def grid_settings(request: HttpRequest) -> HttpResponse:
    """The school's rule for ratings typed for objectives not yet taught (leaders, admins)."""
    user = _user(request)
    if not access.sees_pupils(user):
        raise Http404("No such page")
    if not access.can_manage_assessment(user):
        raise PermissionDenied("Only the school's leaders and admins change this.")
    school = access.school_of(user)
    choices = School._meta.get_field("untaught_ratings").choices
    conflict = None
    status = 200
    if request.method == "POST":
        try:
            services.set_untaught_rule(
                user=user,
                school_id=school.pk,
                rule=request.POST.get("untaught_ratings", ""),
                seen=request.POST.get("seen", ""),
            )
        except ValidationError as exc:
            messages.warning(request, " ".join(exc.messages))
            status = 400
        except EditConflict as exc:
            conflict, status = exc, 409
        else:
            messages.success(request, "Saved the school's grid setting.")
            return HttpResponseRedirect(reverse("grid-settings"))
        school.refresh_from_db()
    return render(
        request,
        "assessment/settings.html",
        {"school": school, "choices": choices, "conflict": conflict},
        status=status,
    )
