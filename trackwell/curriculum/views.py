"""The framework editor: subjects, frameworks, strands, objectives, split, merge, history.

Staff other than governors may read frameworks; only leaders and admins change
them (others get 403 on editing pages, governors 404 everywhere). Views parse,
ask the access layer, call a service and render.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import AuditEntry
from trackwell.core.versioning import EditConflict
from trackwell.curriculum import services
from trackwell.curriculum.forms import (
    FrameworkForm,
    NewFrameworkForm,
    ObjectiveForm,
    StrandForm,
    SubjectForm,
)
from trackwell.curriculum.models import (
    Framework,
    Objective,
    ObjectiveLink,
    RatingScale,
    Strand,
    Subject,
)

# Strands and objectives are in structure_views; their views answer here too, as before.
from trackwell.curriculum.structure_views import (  # noqa: F401
    framework_merge,
    framework_reorder,
    objective_edit,
    objective_move,
    objective_new,
    objective_remove,
    objective_restore,
    objective_split,
    strand_delete,
    strand_edit,
    strand_move,
    strand_new,
    with_version,
)
from trackwell.curriculum.trust import pending_update
from trackwell.curriculum.view_helpers import (
    GET_POST,
    form_again,
    framework_url,
    refuse,
    step_of,
    user_of,
)

__all__ = ["GET_POST", "framework_url", "refuse", "step_of", "user_of"]


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Subjects with their frameworks, the school's rating scales, and where to start."""
    user = user_of(request)
    school = access.curriculum_school(user)
    subjects = Subject.objects.filter(school=school).prefetch_related("frameworks__scale")
    return render(
        request,
        "curriculum/index.html",
        {
            "subjects": subjects,
            "scales": RatingScale.objects.filter(school=school).prefetch_related("levels"),
            "can_edit": access.can_manage_curriculum(user),
            "has_frameworks": Framework.objects.filter(school=school).exists(),
            "subject_form": SubjectForm(),
            "in_trust": school.trust_id is not None,
        },
    )


@require_POST
@login_required
def subject_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    school = access.curriculum_school(user, edit=True)
    form = SubjectForm(request.POST)
    back = reverse("curriculum-index")
    if not form.is_valid():
        return form_again(request, form, title="New subject", back=back)
    try:
        services.create_subject(user=user, school=school, name=form.cleaned_data["name"])
    except ValidationError as exc:
        form.add_error(None, exc)
        return form_again(request, form, title="New subject", back=back)
    messages.success(request, f"Added {form.cleaned_data['name']}.")
    return HttpResponseRedirect(back)


@require_http_methods(GET_POST)
@login_required
def subject_edit(request: HttpRequest, subject_id: int) -> HttpResponse:
    user = user_of(request)
    subject = access.get_subject_for_user(user, subject_id, edit=True)
    form = SubjectForm(request.POST or None, initial={"name": subject.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_subject(user=user, subject=subject, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return HttpResponseRedirect(reverse("curriculum-index"))
    return render(
        request,
        "curriculum/form.html",
        {"form": form, "title": f"Rename {subject.name}", "back": reverse("curriculum-index")},
    )


@require_http_methods(GET_POST)
@login_required
def framework_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    school = access.curriculum_school(user, edit=True)
    initial: dict[str, Any] = {}
    if request.GET.get("subject"):
        initial["subject"] = request.GET["subject"]
    form = NewFrameworkForm(request.POST or None, school_id=school.pk, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            framework = services.create_framework(
                user=user,
                subject=data["subject"],
                year=data["year"],
                name=data["name"],
                scale=data["scale"],
                description=data["description"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return HttpResponseRedirect(framework_url(framework))
    return render(
        request,
        "curriculum/form.html",
        {"form": form, "title": "New framework", "back": reverse("curriculum-index")},
    )


@require_safe
@login_required
def framework_detail(request: HttpRequest, framework_id: int) -> HttpResponse:
    """A framework's strands and objectives; the editor itself for leaders and admins."""
    user = user_of(request)
    framework = access.get_framework_for_user(user, framework_id)
    objectives = list(
        Objective.objects.filter(framework=framework)
        .annotate(judged=Count("judgements", filter=Q(judgements__level__isnull=False)))
        .select_related("parent")
        .order_by("strand__order", "strand_id", "order", "id")
    )
    strands = list(Strand.objects.filter(framework=framework).order_by("order", "id"))
    current: dict[int, list[Objective]] = {s.pk: [] for s in strands}
    for obj in objectives:
        if obj.archived_at is None:
            current[obj.strand_id].append(obj)
    can_edit = access.can_manage_curriculum(user)
    return render(
        request,
        "curriculum/framework.html",
        {
            "framework": framework,
            "strands": [(s, current[s.pk]) for s in strands],
            "archived": [o for o in objectives if o.archived_at is not None],
            "levels": list(framework.scale.levels.all()),
            "can_edit": can_edit,
            "update": pending_update(framework) if can_edit else None,
            "in_trust": framework.school.trust_id is not None,
            "strand_form": StrandForm(),
            "objective_form": ObjectiveForm(framework_id=framework.pk),
        },
    )


@require_http_methods(GET_POST)
@login_required
def framework_edit(request: HttpRequest, framework_id: int) -> HttpResponse:
    user = user_of(request)
    framework = access.get_framework_for_user(user, framework_id, edit=True)
    form = FrameworkForm(
        request.POST or None,
        initial={
            "name": framework.name,
            "year": framework.phase or str(framework.nc_year),
            "description": framework.description,
            "version": framework.version,
        },
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_framework(
                user=user,
                framework=framework,
                name=data["name"],
                year=data["year"],
                description=data["description"],
                expected_version=data["version"],
            )
        except EditConflict as exc:
            conflict = exc
            form = with_version(FrameworkForm, request.POST, exc.current_version)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return HttpResponseRedirect(framework_url(framework))
    return render(
        request,
        "curriculum/form.html",
        {
            "form": form,
            "title": f"Edit {framework.name}",
            "back": framework_url(framework),
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )


@require_safe
@login_required
def framework_history(request: HttpRequest, framework_id: int) -> HttpResponse:
    """Every change to the framework, its strands and objectives: who, when, what.

    Entries name their framework in their old or new state, so those about
    objectives and strands deleted since are found too; older entries without
    it are found through the objects that still exist.
    """
    user = user_of(request)
    framework = access.get_framework_for_user(user, framework_id)
    objective_ids = [str(pk) for pk in framework.objectives.values_list("pk", flat=True)]
    strand_ids = [str(pk) for pk in framework.strands.values_list("pk", flat=True)]
    entries = (
        AuditEntry.objects.filter(school=framework.school)
        .filter(
            Q(object_type="curriculum.Framework", object_id=str(framework.pk))
            | Q(object_type="curriculum.Objective", object_id__in=objective_ids)
            | Q(object_type="curriculum.Strand", object_id__in=strand_ids)
            | (
                Q(object_type__startswith="curriculum.")
                & (Q(old__framework=framework.pk) | Q(new__framework=framework.pk))
            )
        )
        .select_related("user")[:300]
    )
    links = ObjectiveLink.objects.filter(target__framework=framework).select_related(
        "source", "target", "made_by"
    )
    return render(
        request,
        "curriculum/history.html",
        {"framework": framework, "entries": entries, "links": links},
    )


@require_safe
@login_required
def export_framework_csv(request: HttpRequest, framework_id: int) -> HttpResponse:
    from trackwell.interop.csv_frameworks import export_csv

    framework = access.get_framework_for_user(user_of(request), framework_id)
    response = HttpResponse(export_csv([framework]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="framework-{framework.pk}.csv"'
    return response


@require_safe
@login_required
def export_framework_case(request: HttpRequest, framework_id: int) -> HttpResponse:
    from trackwell.interop.case import export_case

    framework = access.get_framework_for_user(user_of(request), framework_id)
    response = JsonResponse(export_case(framework), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="framework-{framework.pk}-case.json"'
    return response
