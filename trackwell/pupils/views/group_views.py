"""School-defined groups: listed, added, edited and deleted (teachers' gap groups too)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.analysis import services as analysis_services
from trackwell.core.models import School
from trackwell.core.versioning import EditConflict
from trackwell.pupils import group_services
from trackwell.pupils.forms import GroupForm
from trackwell.pupils.models import Pupil, PupilGroup
from trackwell.pupils.views.common import acting_user, put_errors, with_version


def _pupils(school: School, group: PupilGroup | None = None) -> Any:
    """Pupils on roll, plus any leavers already in the group (so they are not dropped)."""
    keep = Q(left_on__isnull=True)
    if group is not None:
        keep |= Q(groups=group)
    return (
        Pupil.objects.filter(keep, school=school)
        .distinct()
        .order_by("nc_year", "last_name", "first_name")
    )


@require_safe
@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    """The school's groups with how many pupils on roll are in each."""
    school = access.people_school(acting_user(request))
    groups = PupilGroup.objects.filter(school=school).annotate(
        on_roll=Count("pupils", filter=Q(pupils__left_on__isnull=True)),
        left=Count("pupils", filter=Q(pupils__left_on__isnull=False)),
    )
    return render(request, "people/group_list.html", {"groups": groups})


@require_http_methods(["GET", "POST"])
@login_required
def group_add(request: HttpRequest) -> HttpResponse:
    """Add a group and choose its pupils."""
    user = acting_user(request)
    school = access.people_school(user)
    form = GroupForm(request.POST or None, pupils=_pupils(school))
    if request.method == "POST" and form.is_valid():
        try:
            group = analysis_services.create_group(
                user=user,
                school=school,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                pupil_ids=[p.pk for p in form.cleaned_data["pupils"]],
            )
        except ValidationError as exc:
            # That service names fields as "field: message"; put each beside its field.
            for message in exc.messages:
                field, _, text = message.partition(": ")
                form.add_error(field if field in form.fields else None, text or message)
        else:
            messages.success(request, f"Added the group {group.name}.")
            return HttpResponseRedirect(reverse("people-groups"))
    return render(
        request,
        "people/group_form.html",
        {"form": form, "title": "Add a group", "group": None},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    """Edit a group's name, description and pupils (version-checked)."""
    user = acting_user(request)
    school = access.people_school(user)
    group = access.get_managed_group_for_user(user, group_id)
    initial = {
        "name": group.name,
        "description": group.description,
        "pupils": list(group.pupils.values_list("pk", flat=True)),
        "version": group.version,
    }
    form = GroupForm(request.POST or None, initial=initial, pupils=_pupils(school, group))
    conflict: EditConflict | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            version = form.cleaned_data["version"]
            try:
                group_services.update_group(
                    user,
                    school,
                    group,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    pupil_ids=[p.pk for p in form.cleaned_data["pupils"]],
                    expected_version=version if version is not None else -1,
                )
            except EditConflict as exc:
                conflict, status = exc, 409
                form = GroupForm(
                    with_version(request, exc.current_version), pupils=_pupils(school, group)
                )
                form.is_valid()
            except ValidationError as exc:
                put_errors(form, exc)
            else:
                messages.success(request, f"Saved the group {group.name}.")
                return HttpResponseRedirect(reverse("people-groups"))
    return render(
        request,
        "people/group_form.html",
        {"form": form, "title": f"Group: {group.name}", "group": group, "conflict": conflict},
        status=status,
    )


@require_POST
@login_required
def group_delete(request: HttpRequest, group_id: int) -> HttpResponse:
    """Delete a group; its pupils stay as they are, and the audit log keeps its members."""
    user = acting_user(request)
    school = access.people_school(user)
    group = access.get_managed_group_for_user(user, group_id)
    if request.POST.get("confirm") != "yes":
        messages.warning(request, f"Tick the box to confirm deleting {group.name}.")
        return HttpResponseRedirect(reverse("people-group", args=[group.pk]))
    name = group.name
    group_services.delete_group(user, school, group)
    messages.success(request, f"Deleted the group {name}. Its pupils are unchanged.")
    return HttpResponseRedirect(reverse("people-groups"))
