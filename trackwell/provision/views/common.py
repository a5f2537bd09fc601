"""Helpers shared by the provision views."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from trackwell.accounts.models import User
from trackwell.core.models import AcademicYear


def user_of(request: HttpRequest) -> User:
    """The signed-in user, typed."""
    user = request.user
    assert isinstance(user, User)
    return user


def int_or_404(value: Any) -> int:
    """A number from the URL or a form, or 404."""
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404("Not a number") from exc


def int_or_none(value: Any) -> int | None:
    """A number from a form, or None when empty or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_date(value: Any, field: str = "date") -> dt.date:
    """An ISO date from a form, or a ValidationError naming the field."""
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationError({field: "Give a date such as 2026-12-01."}) from exc


def parse_decimal(value: Any, field: str) -> Decimal:
    """A number from a form, or a ValidationError naming the field."""
    try:
        number = Decimal(str(value).strip().replace(",", "").lstrip("£"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: "Enter a number."}) from exc
    if not number.is_finite():
        raise ValidationError({field: "Enter a number."})
    return number


def current_year(school_id: int) -> AcademicYear | None:
    """The school's current academic year, if it has one."""
    return AcademicYear.objects.filter(school_id=school_id, is_current=True).first()


def error_text(exc: ValidationError) -> str:
    """A ValidationError as one kind sentence."""
    return " ".join(exc.messages)
