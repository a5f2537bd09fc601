"""Sign-in events in the audit log (the school is empty for names nobody has)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from trackwell.accounts.models import AuditEntry, User, log_action


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    # Axes has already worked out the address (with its reverse-proxy settings).
    return str(getattr(request, "axes_ip_address", "") or request.META.get("REMOTE_ADDR", ""))


def log_user_event(
    request: HttpRequest | None, user: User, action: str, actor: User | None = None, **extra: Any
) -> AuditEntry:
    """An event about one account: who did it (themselves unless `actor`), from where."""
    return log_action(
        school=user.school,
        user=actor or user,
        action=action,
        obj=user,
        new={"username": user.username, "address": client_address(request), **extra},
    )


def log_unknown_event(request: HttpRequest | None, username: str, action: str) -> AuditEntry:
    """A failed or locked-out sign-in for a name that is no account."""
    return AuditEntry.objects.create(
        school=None,
        user=None,
        action=action,
        object_type=User._meta.label,
        object_id="",
        new={"username": username[:150], "address": client_address(request)},
    )


def log_sign_in_event(request: HttpRequest | None, username: str, action: str) -> None:
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        log_unknown_event(request, username or "", action)
    else:
        log_user_event(request, user, action)
