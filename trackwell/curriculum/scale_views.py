"""Rating scale pages: levels, descriptors per subject, and moving a framework to another scale."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.core.versioning import EditConflict
from trackwell.curriculum import restructure, scales
from trackwell.curriculum.forms import (
    LevelForm,
    NewScaleForm,
    ScaleChoiceForm,
    ScaleForm,
    SubjectDescriptorForm,
)
from trackwell.curriculum.models import PALETTE, RatingLevel, RatingScale, Subject
from trackwell.curriculum.view_helpers import (
    GET_POST,
    form_again,
    framework_url,
    refuse,
    step_of,
    user_of,
)


def _subject_wording(level: RatingLevel, subjects: list[Subject]) -> list[dict[str, str]]:
    """The subjects that have their own wording for this level, with that wording."""
    found = []
    for subject in subjects:
        own = level.subject_descriptors.get(str(subject.pk))
        if own:
            found.append({"subject": subject.name, **own})
    return found


def scale_url(scale_id: int) -> str:
    return reverse("curriculum-scale", args=[scale_id])


@require_http_methods(GET_POST)
@login_required
def scale_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    school = access.curriculum_school(user, edit=True)
    form = NewScaleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scale = scales.create_scale(user=user, school=school, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return HttpResponseRedirect(scale_url(scale.pk))
    return render(
        request,
        "curriculum/form.html",
        {"form": form, "title": "New rating scale", "back": reverse("curriculum-index")},
    )


@require_safe
@login_required
def scale_detail(request: HttpRequest, scale_id: int) -> HttpResponse:
    """The scale's levels with their descriptors, subject by subject."""
    user = user_of(request)
    scale = access.get_scale_for_user(user, scale_id)
    levels = list(scale.levels.all())
    subjects = list(Subject.objects.filter(school_id=scale.school_id))
    secure = next((lv for lv in levels if lv.counts_as_secure), None)
    greater = next((lv for lv in levels if lv.is_greater_depth), None)
    return render(
        request,
        "curriculum/scale.html",
        {
            "scale": scale,
            "levels": [(lv, _subject_wording(lv, subjects)) for lv in levels],
            "frameworks": scale.frameworks.select_related("subject"),
            "can_edit": access.can_manage_curriculum(user),
            "scale_form": ScaleForm(
                scale=scale,
                initial={
                    "version": scale.version,
                    "name": scale.name,
                    "description": scale.description,
                    "secure_from": secure.pk if secure else None,
                    "greater_depth_from": greater.pk if greater else None,
                },
            ),
            "level_form": LevelForm(),
            "palette": PALETTE,
        },
    )


@require_POST
@login_required
def scale_edit(request: HttpRequest, scale_id: int) -> HttpResponse:
    user = user_of(request)
    scale = access.get_scale_for_user(user, scale_id, edit=True)
    form = ScaleForm(request.POST, scale=scale)
    back = scale_url(scale.pk)
    if not form.is_valid():
        return form_again(request, form, title=f"Edit {scale.name}", back=back)
    data = dict(form.cleaned_data)
    expected = data.pop("version")
    try:
        scales.update_scale(user=user, scale=scale, expected_version=expected, **data)
    except EditConflict as exc:
        fresh = request.POST.copy()
        fresh["version"] = str(exc.current_version)
        return render(
            request,
            "curriculum/form.html",
            {
                "form": ScaleForm(fresh, scale=scale),
                "title": f"Edit {scale.name}",
                "back": back,
                "conflict": exc,
            },
            status=409,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return form_again(request, form, title=f"Edit {scale.name}", back=back)
    messages.success(request, f"Saved {scale.name}.")
    return HttpResponseRedirect(back)


@require_POST
@login_required
def level_new(request: HttpRequest, scale_id: int) -> HttpResponse:
    user = user_of(request)
    scale = access.get_scale_for_user(user, scale_id, edit=True)
    form = LevelForm(request.POST)
    back = scale_url(scale.pk)
    title = f"New level in {scale.name}"
    if not form.is_valid():
        return form_again(request, form, title=title, back=back)
    try:
        scales.add_level(user=user, scale=scale, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return form_again(request, form, title=title, back=back)
    return HttpResponseRedirect(back)


@require_http_methods(GET_POST)
@login_required
def level_edit(request: HttpRequest, level_id: int) -> HttpResponse:
    """A level's wording and colour, and what it means in each subject."""
    user = user_of(request)
    level = access.get_level_for_user(user, level_id, edit=True)
    back = scale_url(level.scale_id)
    form = LevelForm(
        request.POST or None,
        initial={
            "code": level.code,
            "label": level.label,
            "descriptor": level.descriptor,
            "exemplification": level.exemplification,
            "colour": level.colour,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            scales.update_level(user=user, level=level, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return HttpResponseRedirect(back)
    return render(
        request,
        "curriculum/level.html",
        {
            "level": level,
            "form": form,
            "back": back,
            "descriptors": _subject_wording(
                level, list(Subject.objects.filter(school_id=level.school_id))
            ),
            "descriptor_form": SubjectDescriptorForm(school_id=level.school_id),
            "subjects": Subject.objects.filter(school_id=level.school_id),
        },
    )


@require_POST
@login_required
def level_descriptor(request: HttpRequest, level_id: int) -> HttpResponse:
    user = user_of(request)
    level = access.get_level_for_user(user, level_id, edit=True)
    back = reverse("curriculum-level-edit", args=[level.pk])
    form = SubjectDescriptorForm(request.POST, school_id=level.school_id)
    title = f"What {level.code} means in one subject"
    if not form.is_valid():
        return form_again(request, form, title=title, back=back)
    try:
        scales.set_subject_descriptor(user=user, level=level, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return form_again(request, form, title=title, back=back)
    messages.success(request, f"Saved what {level.code} means in {form.cleaned_data['subject']}.")
    return HttpResponseRedirect(back)


@require_POST
@login_required
def level_move(request: HttpRequest, level_id: int) -> HttpResponse:
    user = user_of(request)
    level = access.get_level_for_user(user, level_id, edit=True)
    changed = scales.move_level(user=user, level=level, step=step_of(request))
    if changed:
        messages.info(request, changed)
    return HttpResponseRedirect(scale_url(level.scale_id))


@require_POST
@login_required
def level_delete(request: HttpRequest, level_id: int) -> HttpResponse:
    user = user_of(request)
    level = access.get_level_for_user(user, level_id, edit=True)
    back = scale_url(level.scale_id)
    try:
        scales.delete_level(user=user, level=level)
    except ValidationError as exc:
        return refuse(request, exc, back)
    messages.success(request, f"Deleted level {level.code}.")
    return HttpResponseRedirect(back)


def _mapping_form(framework_scale: RatingScale, new_scale: RatingScale, data: object) -> forms.Form:
    form = forms.Form(data)  # type: ignore[arg-type]
    new_levels = list(new_scale.levels.all())
    for old in framework_scale.levels.all():
        # Suggest the new level at the same relative height of the scale.
        guess = new_levels[min(old.value, len(new_levels) - 1)].pk if new_levels else None
        form.fields[f"map_{old.pk}"] = forms.TypedChoiceField(
            coerce=int,
            choices=[(lv.pk, f"{lv.code} {lv.label}") for lv in new_levels],
            label=f"{old.code} {old.label} becomes",
            initial=guess,
        )
    return form


@require_http_methods(GET_POST)
@login_required
def framework_scale(request: HttpRequest, framework_id: int) -> HttpResponse:
    """Move a framework to another scale: choose it, map every level, preview, confirm."""
    user = user_of(request)
    framework = access.get_framework_for_user(user, framework_id, edit=True)
    chooser = ScaleChoiceForm(
        request.POST or request.GET or None,
        school_id=framework.school_id,
        exclude=framework.scale_id,
    )
    new_scale = chooser.cleaned_data["scale"] if chooser.is_bound and chooser.is_valid() else None
    mapping_form = None
    plan = None
    if new_scale is not None:
        mapping_form = _mapping_form(
            framework.scale, new_scale, request.POST if request.method == "POST" else None
        )
        if request.method == "POST" and mapping_form.is_valid():
            mapping = {int(name[4:]): value for name, value in mapping_form.cleaned_data.items()}
            plan = restructure.plan_rescale(framework, new_scale, mapping)
            if request.POST.get("confirm") and not plan.errors:
                try:
                    moved = restructure.change_scale(
                        user=user, framework=framework, new_scale=new_scale, mapping=mapping
                    )
                except ValidationError as exc:
                    mapping_form.add_error(None, exc)
                else:
                    messages.success(
                        request,
                        f"{framework.name} now uses {new_scale.name}; {moved} judgement(s) "
                        "moved, each keeping its old rating in its history.",
                    )
                    return HttpResponseRedirect(framework_url(framework))
    return render(
        request,
        "curriculum/rescale.html",
        {
            "framework": framework,
            "chooser": chooser,
            "new_scale": new_scale,
            "mapping_form": mapping_form,
            "plan": plan,
        },
    )
