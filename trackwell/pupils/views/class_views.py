"""Classes per year with their staff; pupils moved between classes or added to one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access
from trackwell.accounts.models import Role, User
from trackwell.core.ids import parse_id, parse_ids
from trackwell.core.models import AcademicYear, School
from trackwell.core.versioning import EditConflict
from trackwell.pupils import class_services, services
from trackwell.pupils.forms import ClassForm
from trackwell.pupils.models import Pupil, SchoolClass
from trackwell.pupils.views.common import acting_user, current_year, put_errors, with_version


def _teachers(school: School) -> Any:
    return User.objects.filter(
        school=school, is_active=True, role__in=[Role.TEACHER, Role.LEADER, Role.ADMIN]
    ).order_by("last_name", "first_name")


def _assistants(school: School) -> Any:
    return User.objects.filter(
        school=school, is_active=True, role__in=[Role.TA, Role.SENCO]
    ).order_by("last_name", "first_name")


def _class_form(school: School, data: Any = None, **kwargs: Any) -> ClassForm:
    return ClassForm(data, teachers=_teachers(school), assistants=_assistants(school), **kwargs)


def _staff_ids(form: ClassForm) -> list[int]:
    return [u.pk for u in form.cleaned_data["teachers"]] + [
        u.pk for u in form.cleaned_data["assistants"]
    ]


@require_safe
@login_required
def class_list(request: HttpRequest) -> HttpResponse:
    """The classes of a year (the current one unless chosen), with pupils and staff."""
    school = access.people_school(acting_user(request))
    years = list(AcademicYear.objects.filter(school=school).order_by("-start_date"))
    chosen = request.GET.get("year", "")
    year = next((y for y in years if str(y.pk) == chosen), None) or current_year(school)
    classes = (
        SchoolClass.objects.filter(school=school, year=year)
        .annotate(pupil_count=Count("enrolments", distinct=True))
        .prefetch_related("assignments__user")
        .order_by("nc_year", "name")
    )
    unplaced = 0
    if year is not None:
        unplaced = (
            Pupil.objects.filter(school=school, left_on__isnull=True)
            .exclude(enrolments__school_class__year=year)
            .count()
        )
    return render(
        request,
        "people/class_list.html",
        {"classes": classes, "years": years, "year": year, "unplaced": unplaced},
    )


@require_http_methods(["GET", "POST"])
@login_required
def class_add(request: HttpRequest) -> HttpResponse:
    """Add a class for a year with its teachers and teaching assistants."""
    user = acting_user(request)
    school = access.people_school(user)
    years = AcademicYear.objects.filter(school=school).order_by("-is_current", "-start_date")
    form = _class_form(
        school,
        request.POST or None,
        years=years,
        initial={"year": current_year(school)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            school_class = class_services.create_class(
                user,
                school,
                year=form.cleaned_data["year"],
                name=form.cleaned_data["name"],
                nc_year=form.cleaned_data["nc_year"],
                staff_ids=_staff_ids(form),
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, f"Added the class {school_class.name}.")
            return HttpResponseRedirect(reverse("people-class", args=[school_class.pk]))
    return render(
        request,
        "people/class_form.html",
        {"form": form, "title": "Add a class", "school_class": None},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def class_edit(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class: its name, NC year and staff (version-checked); its pupils, to move or add."""
    user = acting_user(request)
    school = access.people_school(user)
    school_class = access.get_managed_class_for_user(user, class_id)
    staff = set(school_class.assignments.values_list("user_id", flat=True))
    initial = {
        "name": school_class.name,
        "nc_year": school_class.nc_year,
        "teachers": [pk for pk in _teachers(school).values_list("pk", flat=True) if pk in staff],
        "assistants": [
            pk for pk in _assistants(school).values_list("pk", flat=True) if pk in staff
        ],
        "version": school_class.version,
    }
    form = _class_form(school, request.POST or None, initial=initial)
    conflict: EditConflict | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            # Staff of the class whom the form does not offer (e.g. deactivated) stay on it.
            offered = set(_teachers(school).values_list("pk", flat=True)) | set(
                _assistants(school).values_list("pk", flat=True)
            )
            try:
                class_services.update_class(
                    user,
                    school,
                    school_class,
                    name=form.cleaned_data["name"],
                    nc_year=form.cleaned_data["nc_year"],
                    staff_ids=set(_staff_ids(form))
                    | {pk for pk in staff if pk not in offered and _active(pk)},
                    expected_version=form.cleaned_data["version"]
                    if form.cleaned_data["version"] is not None
                    else -1,
                )
            except EditConflict as exc:
                conflict, status = exc, 409
                form = _class_form(school, with_version(request, exc.current_version))
                form.is_valid()
            except ValidationError as exc:
                put_errors(form, exc)
            else:
                messages.success(request, f"Saved the class {school_class.name}.")
                return HttpResponseRedirect(reverse("people-class", args=[school_class.pk]))
    return render(
        request,
        "people/class_form.html",
        {
            "form": form,
            "title": f"Class {school_class.name} ({school_class.year.name})",
            "school_class": school_class,
            "conflict": conflict,
            **_class_pupils(school, school_class),
        },
        status=status,
    )


def _active(pk: int) -> bool:
    return User.objects.filter(pk=pk, is_active=True).exists()


def _class_pupils(school: School, school_class: SchoolClass) -> dict[str, Any]:
    pupils = Pupil.objects.filter(enrolments__school_class=school_class).order_by(
        "last_name", "first_name"
    )
    others = SchoolClass.objects.filter(year_id=school_class.year_id).exclude(pk=school_class.pk)
    unplaced = (
        Pupil.objects.filter(school=school, left_on__isnull=True)
        .exclude(enrolments__school_class__year_id=school_class.year_id)
        .order_by("nc_year", "last_name", "first_name")
    )
    return {
        "pupils": pupils,
        "other_classes": others.order_by("nc_year", "name"),
        "unplaced": unplaced,
        "is_current": school_class.year.is_current,
    }


def _chosen_pupils(request: HttpRequest, school: School) -> list[Pupil] | None:
    found = parse_ids(request.POST.getlist("pupil")[:2000])
    if not found:
        return None
    ids = set(found)
    pupils = list(Pupil.objects.filter(school=school, pk__in=ids))
    return pupils if len(pupils) == len(ids) else None


@require_POST
@login_required
def class_move(request: HttpRequest, class_id: int) -> HttpResponse:
    """Move the chosen pupils from this class into another class of the same year."""
    user = acting_user(request)
    school = access.people_school(user)
    school_class = access.get_managed_class_for_user(user, class_id)
    back = HttpResponseRedirect(reverse("people-class", args=[school_class.pk]))
    pupils = _chosen_pupils(request, school)
    target_id = parse_id(request.POST.get("to_class", ""))
    target = (
        SchoolClass.objects.filter(
            school=school, year_id=school_class.year_id, pk=target_id
        ).first()
        if target_id is not None
        else None
    )
    if pupils is None:
        messages.warning(request, "Choose the pupils to move.")
        return back
    if target is None:
        messages.warning(request, "Choose a class of the same year to move them to.")
        return back
    try:
        count = class_services.move_pupils(user, school, pupils, target, from_class=school_class)
    except ValidationError as exc:
        messages.warning(request, "Nobody was moved: " + " ".join(exc.messages))
        return back
    messages.success(request, f"Moved {count} pupil{'s' if count != 1 else ''} to {target.name}.")
    return back


@require_POST
@login_required
def class_enrol(request: HttpRequest, class_id: int) -> HttpResponse:
    """Put the chosen pupils (on roll, without a class this year) into this class."""
    user = acting_user(request)
    school = access.people_school(user)
    school_class = access.get_managed_class_for_user(user, class_id)
    back = HttpResponseRedirect(reverse("people-class", args=[school_class.pk]))
    pupils = _chosen_pupils(request, school)
    if pupils is None:
        messages.warning(request, "Choose the pupils to add.")
        return back
    try:
        with transaction.atomic():
            for pupil in pupils:
                services.enrol_pupil(user, school, pupil, school_class)
    except ValidationError as exc:
        messages.warning(request, "Nobody was added: " + " ".join(exc.messages))
        return back
    messages.success(
        request, f"Added {len(pupils)} pupil{'s' if len(pupils) != 1 else ''} to {school_class}."
    )
    return back


@require_POST
@login_required
def class_remove(request: HttpRequest, class_id: int) -> HttpResponse:
    """Take the chosen pupils out of this class (kept as a past class on their record)."""
    user = acting_user(request)
    school = access.people_school(user)
    school_class = access.get_managed_class_for_user(user, class_id)
    back = HttpResponseRedirect(reverse("people-class", args=[school_class.pk]))
    pupils = _chosen_pupils(request, school)
    if pupils is None:
        messages.warning(request, "Choose the pupils to take out of the class.")
        return back
    try:
        with transaction.atomic():
            for pupil in pupils:
                services.remove_from_class(user, school, pupil, school_class)
    except ValidationError as exc:
        messages.warning(request, "Nobody was taken out: " + " ".join(exc.messages))
        return back
    messages.success(request, f"Took {len(pupils)} out of {school_class}.")
    return back
