"""Pupils: list (on roll and leavers), add, edit with dated changes, mark as left."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from trackwell.accounts import access
from trackwell.core.versioning import EditConflict
from trackwell.pupils import services
from trackwell.pupils.forms import LeaverForm, PupilForm
from trackwell.pupils.models import (
    NC_YEAR_CHOICES,
    Enrolment,
    PastEnrolment,
    Pupil,
    SchoolClass,
)
from trackwell.pupils.views.common import acting_user, current_year, put_errors, with_version

PAGE_SIZE = 200


@require_safe
@login_required
def pupil_list(request: HttpRequest) -> HttpResponse:
    """Pupils on roll (or leavers), by NC year or a search, with this year's class."""
    school = access.people_school(acting_user(request))
    year = current_year(school)
    leavers = request.GET.get("status") == "left"
    qs = Pupil.objects.filter(school=school, left_on__isnull=not leavers)
    nc = request.GET.get("nc_year", "")
    if nc.isascii() and nc.isdigit() and len(nc) <= 2:  # a year group, not 5,000 digits
        qs = qs.filter(nc_year=int(nc))
    query = request.GET.get("q", "").strip()[:100]
    if query:
        qs = qs.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(upn__iexact=query)
        )
    total = qs.count()
    pupils = list(
        qs.order_by(
            "-left_on" if leavers else "nc_year", "last_name", "first_name"
        ).prefetch_related(
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.filter(school_class__year=year).select_related(
                    "school_class"
                ),
                to_attr="this_year",
            )
        )[:PAGE_SIZE]
    )
    return render(
        request,
        "people/pupil_list.html",
        {
            "pupils": pupils,
            "total": total,
            "shown": len(pupils),
            "leavers": leavers,
            "nc_years": NC_YEAR_CHOICES,
            "nc": nc,
            "q": query,
            "year": year,
        },
    )


def _class_choices(school: Any) -> Any:
    return SchoolClass.objects.filter(school=school, year__is_current=True).order_by(
        "nc_year", "name"
    )


@require_http_methods(["GET", "POST"])
@login_required
def pupil_add(request: HttpRequest) -> HttpResponse:
    """Add a pupil, optionally into one of this year's classes."""
    user = acting_user(request)
    school = access.people_school(user)
    form = PupilForm(request.POST or None, classes=_class_choices(school))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pupil = services.create_pupil(
                user,
                school,
                upn=data["upn"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                sex=data["sex"],
                nc_year=data["nc_year"],
                disadvantaged=data["disadvantaged"],
                fsm=data["fsm"],
                sen_status=data["sen_status"],
                eal=data["eal"],
                looked_after=data["looked_after"],
                school_class=data.get("school_class"),
                effective_from=data.get("effective_from"),
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, f"Added {pupil.full_name}.")
            return HttpResponseRedirect(reverse("people-pupil", args=[pupil.pk]))
    return render(
        request,
        "people/pupil_form.html",
        {"form": form, "title": "Add a pupil", "pupil": None},
        status=400 if request.method == "POST" else 200,
    )


def _pupil_context(pupil: Pupil) -> dict[str, Any]:
    return {
        "classes": Enrolment.objects.filter(pupil=pupil)
        .select_related("school_class__year")
        .order_by("-school_class__year__start_date", "school_class__name"),
        "past": PastEnrolment.objects.filter(pupil=pupil).select_related("school_class__year"),
        "history": pupil.attribute_changes.select_related("recorded_by").order_by(
            "-effective_from", "-pk"
        ),
        "labels": services.LABELS,
    }


@require_http_methods(["GET", "POST"])
@login_required
def pupil_edit(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """A pupil's record: edit (version-checked, changes dated), classes and history."""
    user = acting_user(request)
    school = access.people_school(user)
    pupil = access.get_managed_pupil_for_user(user, pupil_id)
    initial = {name: getattr(pupil, name) for name in services.EDITABLE_FIELDS}
    initial["version"] = pupil.version
    form = PupilForm(request.POST or None, initial=initial)
    conflict: EditConflict | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if pupil.has_left:
            form.add_error(None, "This pupil has left: their record is read-only.")
        elif form.is_valid():
            data = form.cleaned_data
            try:
                changed = services.update_pupil(
                    user,
                    school,
                    pupil,
                    {name: data[name] for name in services.EDITABLE_FIELDS},
                    effective_from=data.get("effective_from"),
                    expected_version=data.get("version") if data.get("version") is not None else -1,
                )
            except EditConflict as exc:
                conflict, status = exc, 409
                form = PupilForm(with_version(request, exc.current_version))
                form.is_valid()
            except ValidationError as exc:
                put_errors(form, exc)
            else:
                if changed:
                    names = ", ".join(services.LABELS[c].lower() for c in changed)
                    messages.success(request, f"Saved {pupil.full_name}: {names} changed.")
                else:
                    messages.info(request, "Nothing had changed.")
                return HttpResponseRedirect(reverse("people-pupil", args=[pupil.pk]))
    return render(
        request,
        "people/pupil_form.html",
        {
            "form": form,
            "title": pupil.full_name,
            "pupil": pupil,
            "conflict": conflict,
            **_pupil_context(pupil),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def pupil_leave(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """Mark a pupil as left: kept, read-only, out of this year's classes and figures."""
    user = acting_user(request)
    school = access.people_school(user)
    pupil = access.get_managed_pupil_for_user(user, pupil_id)
    form = LeaverForm(
        request.POST or None,
        initial={"left_on": services.today(), "version": pupil.version},
    )
    conflict: EditConflict | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.mark_left(
                    user,
                    school,
                    pupil,
                    left_on=data["left_on"],
                    reason=data["reason"],
                    expected_version=data["version"] if data["version"] is not None else -1,
                )
            except EditConflict as exc:
                conflict, status = exc, 409
                form = LeaverForm(with_version(request, exc.current_version))
                form.is_valid()
            except ValidationError as exc:
                put_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{pupil.full_name} is marked as left on "
                    f"{services.english_date(data['left_on'])}. Their record and judgements are "
                    "kept.",
                )
                return HttpResponseRedirect(reverse("people-pupil", args=[pupil.pk]))
    return render(
        request,
        "people/pupil_leave.html",
        {"form": form, "pupil": pupil, "conflict": conflict},
        status=status,
    )
