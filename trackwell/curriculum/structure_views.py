"""The framework editor's structure: strands and objectives, moving, removing, restoring,
reordering, splitting an objective and merging frameworks.

Only leaders and admins change them (others get 403, governors 404). Views parse, ask
the access layer, call a service and render.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from trackwell.accounts import access
from trackwell.core.versioning import EditConflict
from trackwell.curriculum import restructure, services, structure_edits
from trackwell.curriculum.forms import (
    MergeForm,
    ObjectiveForm,
    SplitForm,
    StrandForm,
)
from trackwell.curriculum.framework_spec import StalePlan
from trackwell.curriculum.view_helpers import (
    GET_POST,
    form_again,
    framework_url,
    refuse,
    step_of,
    user_of,
)

# ---------------------------------------------------------------------------
# Strands


@require_POST
@login_required
def strand_new(request: HttpRequest, framework_id: int) -> HttpResponse:
    user = user_of(request)
    framework = access.get_framework_for_user(user, framework_id, edit=True)
    form = StrandForm(request.POST)
    back = framework_url(framework)
    title = f"New strand in {framework.name}"
    if not form.is_valid():
        return form_again(request, form, title=title, back=back)
    try:
        structure_edits.create_strand(
            user=user,
            framework=framework,
            name=form.cleaned_data["name"],
            code=form.cleaned_data["code"],
            statement=form.cleaned_data["statement"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return form_again(request, form, title=title, back=back)
    return HttpResponseRedirect(back)


@require_http_methods(GET_POST)
@login_required
def strand_edit(request: HttpRequest, strand_id: int) -> HttpResponse:
    user = user_of(request)
    strand = access.get_strand_for_user(user, strand_id, edit=True)
    form = StrandForm(
        request.POST or None,
        initial={"name": strand.name, "code": strand.code, "statement": strand.statement},
    )
    back = framework_url(strand.framework_id)
    if request.method == "POST" and form.is_valid():
        try:
            structure_edits.update_strand(user=user, strand=strand, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return HttpResponseRedirect(back)
    return render(
        request, "curriculum/form.html", {"form": form, "title": "Edit strand", "back": back}
    )


@require_POST
@login_required
def strand_move(request: HttpRequest, strand_id: int) -> HttpResponse:
    user = user_of(request)
    strand = access.get_strand_for_user(user, strand_id, edit=True)
    structure_edits.move_strand(user=user, strand=strand, step=step_of(request))
    return HttpResponseRedirect(framework_url(strand.framework_id) + f"#strand-{strand.pk}")


@require_POST
@login_required
def strand_delete(request: HttpRequest, strand_id: int) -> HttpResponse:
    user = user_of(request)
    strand = access.get_strand_for_user(user, strand_id, edit=True)
    back = framework_url(strand.framework_id)
    try:
        structure_edits.delete_strand(user=user, strand=strand)
    except ValidationError as exc:
        return refuse(request, exc, back)
    messages.success(request, f"Removed the strand {strand.name}.")
    return HttpResponseRedirect(back)


# ---------------------------------------------------------------------------
# Objectives


@require_POST
@login_required
def objective_new(request: HttpRequest, strand_id: int) -> HttpResponse:
    user = user_of(request)
    strand = access.get_strand_for_user(user, strand_id, edit=True)
    form = ObjectiveForm(request.POST, framework_id=strand.framework_id)
    # Moving to another strand is for an objective that exists: a new one joins this strand.
    form.fields.pop("strand")
    back = framework_url(strand.framework_id) + f"#strand-{strand.pk}"
    title = f"New objective in {strand.name}"
    if not form.is_valid():
        return form_again(request, form, title=title, back=back)
    data = form.cleaned_data
    try:
        structure_edits.create_objective(
            user=user,
            strand=strand,
            code=data["code"],
            statement=data["statement"],
            is_key=data["is_key"],
            tags=services.clean_tags(data["tags"]),
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return form_again(request, form, title=title, back=back)
    return HttpResponseRedirect(back)


@require_http_methods(GET_POST)
@login_required
def objective_edit(request: HttpRequest, objective_id: int) -> HttpResponse:
    user = user_of(request)
    objective = access.get_objective_for_user(user, objective_id, edit=True)
    form = ObjectiveForm(
        request.POST or None,
        framework_id=objective.framework_id,
        initial={
            "code": objective.code,
            "statement": objective.statement,
            "is_key": objective.is_key,
            "tags": ", ".join(objective.tags or []),
            "strand": objective.strand_id,
            "version": objective.version,
        },
    )
    back = framework_url(objective.framework_id) + f"#objective-{objective.pk}"
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            structure_edits.update_objective(
                user=user,
                objective=objective,
                code=data["code"],
                statement=data["statement"],
                is_key=data["is_key"],
                tags=services.clean_tags(data["tags"]),
                strand=data["strand"],
                expected_version=data["version"],
            )
        except EditConflict as exc:
            conflict = exc
            form = with_version(
                ObjectiveForm,
                request.POST,
                exc.current_version,
                framework_id=objective.framework_id,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return HttpResponseRedirect(back)
    return render(
        request,
        "curriculum/form.html",
        {
            "form": form,
            "title": f"Edit objective {objective.code}",
            "back": back,
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )


def with_version(form_class: Any, data: Any, version: int, **kwargs: Any) -> Any:
    """The user's own values again, now carrying the saved version: saving again is a choice."""
    fresh = data.copy()
    fresh["version"] = str(version)
    return form_class(fresh, **kwargs)


@require_POST
@login_required
def objective_move(request: HttpRequest, objective_id: int) -> HttpResponse:
    user = user_of(request)
    objective = access.get_objective_for_user(user, objective_id, edit=True)
    back = framework_url(objective.framework_id) + f"#objective-{objective.pk}"
    try:
        structure_edits.move_objective(user=user, objective=objective, step=step_of(request))
    except ValidationError as exc:
        return refuse(request, exc, back)
    return HttpResponseRedirect(back)


@require_POST
@login_required
def objective_remove(request: HttpRequest, objective_id: int) -> HttpResponse:
    """Delete an unused objective, or archive one that has judgements."""
    user = user_of(request)
    objective = access.get_objective_for_user(user, objective_id, edit=True)
    outcome = structure_edits.remove_objective(user=user, objective=objective)
    if outcome == "archived":
        messages.success(
            request,
            f"Archived {objective.code}: it has judgements, which stay in its history.",
        )
    else:
        messages.success(request, f"Deleted {objective.code}.")
    return HttpResponseRedirect(framework_url(objective.framework_id))


@require_POST
@login_required
def objective_restore(request: HttpRequest, objective_id: int) -> HttpResponse:
    user = user_of(request)
    objective = access.get_objective_for_user(user, objective_id, edit=True)
    back = framework_url(objective.framework_id) + f"#objective-{objective.pk}"
    try:
        structure_edits.restore_objective(user=user, objective=objective)
    except ValidationError as exc:
        return refuse(request, exc, back)
    messages.success(request, f"Restored {objective.code}.")
    return HttpResponseRedirect(back)


@require_POST
@login_required
def framework_reorder(request: HttpRequest, framework_id: int) -> HttpResponse:
    """Drag and drop: `strand-<id>` fields list that strand's objective ids in order."""
    user = user_of(request)
    framework = access.get_framework_for_user(user, framework_id, edit=True)
    layout: dict[int, list[int]] = {}
    try:
        for key in request.POST:
            if key.startswith("strand-"):
                value = request.POST.get(key, "")
                layout[int(key[7:])] = [int(v) for v in value.split(",") if v.strip()]
        structure_edits.reorder_framework(user=user, framework=framework, layout=layout)
    except ValueError:
        return JsonResponse({"error": "The new order could not be read."}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"ok": True})


@require_http_methods(GET_POST)
@login_required
def objective_split(request: HttpRequest, objective_id: int) -> HttpResponse:
    """Split one objective into several; each inherits every pupil's judgement."""
    user = user_of(request)
    objective = access.get_objective_for_user(user, objective_id, edit=True)
    back = framework_url(objective.framework_id)
    initial = {
        "code_1": f"{objective.code}a",
        "statement_1": objective.statement,
        "code_2": f"{objective.code}b",
    }
    form = SplitForm(request.POST or None, initial=None if request.POST else initial)
    judged = objective.judgements.count()
    if request.method == "POST" and form.is_valid():
        try:
            created = restructure.split_objective(
                user=user, objective=objective, parts=form.parts()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Split {objective.code} into {', '.join(o.code for o in created)}; "
                f"{judged} judgement(s) inherited by each. {objective.code} is archived.",
            )
            return HttpResponseRedirect(back)
    return render(
        request,
        "curriculum/split.html",
        {"objective": objective, "form": form, "judged": judged, "back": back},
    )


@require_http_methods(GET_POST)
@login_required
def framework_merge(request: HttpRequest, framework_id: int) -> HttpResponse:
    """Choose objectives and a rule, see who gets which rating, then confirm."""
    user = user_of(request)
    framework = access.get_framework_for_user(user, framework_id, edit=True)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = MergeForm(data, framework_id=framework.pk)
    plan = None
    if data is not None and form.is_valid():
        chosen = list(form.cleaned_data["objectives"])
        rule = form.cleaned_data["rule"]
        try:
            plan = restructure.plan_merge(chosen, rule)
            if request.method == "POST" and request.POST.get("confirm"):
                # Only what was previewed is merged: the confirm step carries its digest.
                target = restructure.merge_objectives(
                    user=user,
                    objectives=chosen,
                    rule=rule,
                    code=form.cleaned_data["code"],
                    statement=form.cleaned_data["statement"],
                    into=form.cleaned_data["into"],
                    expected_digest=request.POST.get("digest", ""),
                )
                messages.success(
                    request,
                    f"Merged {len(chosen)} objectives into {target.code}; "
                    f"{len(plan.rows)} pupil(s) keep one rating each.",
                )
                return HttpResponseRedirect(framework_url(framework))
        except StalePlan as exc:
            messages.warning(request, str(exc))  # `plan` is the new preview, shown again
        except ValidationError as exc:
            form.add_error(None, exc)
            plan = None
    return render(
        request,
        "curriculum/merge.html",
        {
            "framework": framework,
            "form": form,
            "plan": plan,
            "rules": restructure.MERGE_RULES,
        },
    )
