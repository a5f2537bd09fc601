"""Small helpers shared by the scores pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from trackwell.accounts.models import User


def user_of(request: HttpRequest) -> User:
    """The signed-in user (every view here requires one)."""
    assert isinstance(request.user, User)
    return request.user


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def messages_of(exc: ValidationError) -> list[str]:
    """Every message of a ValidationError, in order."""
    return [str(m) for m in exc.messages]


def int_or_none(value: str | None) -> int | None:
    """A posted id or number, or None when missing or malformed."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**31 else None
