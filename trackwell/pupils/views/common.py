"""Helpers shared by the management pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from trackwell.accounts.models import User
from trackwell.core.models import AcademicYear, School


def acting_user(request: HttpRequest) -> User:
    """The signed-in user (views are behind login_required)."""
    return cast(User, request.user)


def current_year(school: School) -> AcademicYear | None:
    """The school's current academic year, if it has one."""
    return AcademicYear.objects.filter(school=school, is_current=True).first()


def put_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's field errors beside the form's fields (others at the top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def with_version(request: HttpRequest, version: int) -> Any:
    """The submitted form data with the version replaced by the saved one (after a conflict)."""
    data = request.POST.copy()
    data["version"] = str(version)
    return data
