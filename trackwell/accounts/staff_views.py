"""Staff pages for school admins: list, add, edit, deactivate and invite again.

Everyone who may not manage people gets 404 (`access.people_school`).
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trackwell.accounts import access, services
from trackwell.accounts.forms import StaffForm
from trackwell.accounts.models import User
from trackwell.core.models import School
from trackwell.core.versioning import EditConflict
from trackwell.pupils.models import SchoolClass, StaffAssignment


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _classes(school: School) -> Any:
    """Classes offered for assignment: the current year's, then later ones."""
    return (
        SchoolClass.objects.filter(school=school)
        .select_related("year")
        .order_by("-year__is_current", "-year__start_date", "nc_year", "name")
        .filter(year__end_date__gte=_current_start(school))
    )


def _current_start(school: School) -> Any:
    current = school.years.filter(is_current=True).values_list("start_date", flat=True).first()
    if current is None:
        import datetime as dt

        return dt.date.min
    return current


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _apply_form_errors(form: StaffForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _classes_fit_role(form: StaffForm) -> bool:
    if form.cleaned_data["classes"] and form.cleaned_data["role"] not in services.CLASS_ROLES:
        form.add_error(
            "classes",
            "Only teachers and teaching assistants are given classes: untick them, or "
            "choose one of those roles.",
        )
        return False
    return True


@require_safe
@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    """The school's staff with their roles, classes and whether they have signed in."""
    school = access.people_school(_user(request))
    staff = (
        access.managed_staff(_user(request))
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=StaffAssignment.objects.select_related("school_class__year").filter(
                    school_class__year__is_current=True
                ),
            )
        )
        .order_by("-is_active", "last_name", "first_name")
    )
    return render(request, "people/staff_list.html", {"school": school, "staff": staff})


@require_http_methods(["GET", "POST"])
@login_required
def staff_add(request: HttpRequest) -> HttpResponse:
    """Add a member of staff and email them a set-password link."""
    user = _user(request)
    school = access.people_school(user)
    form = StaffForm(request.POST or None, school_classes=_classes(school))
    if request.method == "POST" and form.is_valid() and _classes_fit_role(form):
        data = form.cleaned_data
        values = services.StaffValues(
            data["first_name"],
            data["last_name"],
            data["email"],
            data["role"],
            frozenset(c.pk for c in data["classes"]),
        )
        try:
            staff = services.create_staff(user, school, values, base_url=_base_url(request))
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(
                request,
                f"Added {staff.display_name}. An email with a link to set their password has "
                f"been sent to {staff.email}.",
            )
            return HttpResponseRedirect(reverse("people-staff"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "people/staff_form.html",
        {
            "form": form,
            "title": "Add a member of staff",
            "staff": None,
            "link_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def staff_edit(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Edit a member of staff: name, email, role, classes (version-checked)."""
    user = _user(request)
    school = access.people_school(user)
    staff = access.get_staff_for_user(user, staff_id)
    initial = {
        "first_name": staff.first_name,
        "last_name": staff.last_name,
        "email": staff.email,
        "role": staff.role,
        "classes": list(staff.assignments.values_list("school_class_id", flat=True)),
        "version": staff.version,
    }
    form = StaffForm(request.POST or None, initial=initial, school_classes=_classes(school))
    conflict: EditConflict | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and _classes_fit_role(form):
            data = form.cleaned_data
            # Classes of earlier years stay as they were: the form offers this year's on.
            kept = set(
                staff.assignments.exclude(school_class__in=_classes(school)).values_list(
                    "school_class_id", flat=True
                )
            )
            values = services.StaffValues(
                data["first_name"],
                data["last_name"],
                data["email"],
                data["role"],
                frozenset({c.pk for c in data["classes"]} | kept),
            )
            try:
                services.update_staff(
                    user, school, staff, values, expected_version=data.get("version")
                )
            except EditConflict as exc:
                conflict, status = exc, 409
                post = request.POST.copy()
                post["version"] = str(exc.current_version)
                form = StaffForm(post, school_classes=_classes(school))
                form.is_valid()
            except ValidationError as exc:
                _apply_form_errors(form, exc)
            else:
                messages.success(request, f"Saved {staff.display_name}.")
                return HttpResponseRedirect(reverse("people-staff"))
    return render(
        request,
        "people/staff_form.html",
        {
            "form": form,
            "title": f"Edit {staff.display_name}",
            "staff": staff,
            "conflict": conflict,
        },
        status=status,
    )


@require_POST
@login_required
def staff_active(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Deactivate (their sessions end at once) or reactivate an account."""
    user = _user(request)
    school = access.people_school(user)
    staff = access.get_staff_for_user(user, staff_id)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(user, school, staff, active=active)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("people-staff"))
    if active:
        messages.success(request, f"{staff.display_name} can sign in again.")
    else:
        messages.success(
            request, f"{staff.display_name} is deactivated and has been signed out everywhere."
        )
    return HttpResponseRedirect(reverse("people-staff"))


@require_POST
@login_required
def staff_invite(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Send the set-password email again (e.g. the first link expired)."""
    user = _user(request)
    access.people_school(user)
    staff = access.get_staff_for_user(user, staff_id)
    if not staff.is_active:
        messages.warning(request, f"{staff.display_name} is deactivated: reactivate them first.")
    else:
        services.send_invitation(staff, base_url=_base_url(request), invited_by=user)
        messages.success(request, f"A new set-password link has been sent to {staff.email}.")
    return HttpResponseRedirect(reverse("people-staff"))
