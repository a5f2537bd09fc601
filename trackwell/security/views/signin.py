"""Signing in and changing a password, both recorded in the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from trackwell.accounts.models import User
from trackwell.core.concurrency import heavy_work
from trackwell.security import sessions
from trackwell.security.audit import log_user_event


class SignInView(auth_views.LoginView):
    """Django's sign-in page; a success goes to the audit log (failures come by signal)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The password check and the sign-in's own work (throttling records, the
        # session, the audit entry) take one turn as heavy work (`core.concurrency`).
        with heavy_work():
            return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if isinstance(user, User):
            second = self.request.session.get(sessions.MFA_STATE, "")
            log_user_event(self.request, user, "auth.signed_in", second_step=second or "none")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing one's password ends every other session at once (Django's session hash)."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        if isinstance(user, User):
            log_user_event(self.request, user, "auth.password_changed")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a password from an emailed link (forgotten, or a new member of staff's first).

    Like a change, it ends every session of the person at once (the session hash moves
    on with the password), and it goes to the audit log.
    """

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        if isinstance(user, User):
            log_user_event(self.request, user, "auth.password_changed", how="emailed link")
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The page's own wording names the length the validators ask for.
        context["min_length"] = min_password_length()
        return context


def min_password_length() -> int | None:
    """The shortest password the configured validators accept (None if none sets one)."""
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, password_validation.MinimumLengthValidator):
            return validator.min_length
    return None
