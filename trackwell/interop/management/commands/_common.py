"""Shared helpers for the framework import and export commands."""

from django.core.management.base import CommandError

from trackwell.accounts.models import User
from trackwell.core.models import School


def find_school(value: str) -> School:
    """A school by id or exact name."""
    school = (
        School.objects.filter(pk=int(value)).first()
        if value.isascii() and value.isdigit()
        else School.objects.filter(name=value).first()
    )
    if school is None:
        raise CommandError(f"No school {value!r} (give its id or exact name).")
    return school


def find_user(school: School, username: str | None) -> User | None:
    """The account the audit log names for this change (none: the command itself)."""
    if not username:
        return None
    user = User.objects.filter(username=username, school=school).first()
    if user is None:
        raise CommandError(f"No user {username!r} at {school.name}.")
    return user
