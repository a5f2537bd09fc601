"""Receivers: session limits at sign-in; failures and lockouts in the audit log."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from trackwell.security import sessions
from trackwell.security.audit import log_sign_in_event


@receiver(user_logged_in, dispatch_uid="trackwell-session-start")
def _session_start(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.start(request.session, user)


@receiver(user_login_failed, dispatch_uid="trackwell-sign-in-failed")
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only sign-ins over the web: a request-less authenticate() is code, not a person.
    if request is None:
        return
    # Axes flags an attempt refused because the account or address is already locked.
    locked = getattr(request, "axes_locked_out", False)
    action = "auth.sign_in_refused_locked" if locked else "auth.sign_in_failed"
    log_sign_in_event(request, str(credentials.get("username") or ""), action)


@receiver(user_locked_out, dispatch_uid="trackwell-locked-out")
def _locked_out(
    sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    log_sign_in_event(request, username or "", "auth.locked_out")
