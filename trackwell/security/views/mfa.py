"""Two-step sign-in pages: set up an app, the second step at sign-in, codes, removal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from trackwell.accounts.models import User
from trackwell.security import mfa, sessions
from trackwell.security.audit import log_user_event
from trackwell.security.models import policy_for


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _verified(request: HttpRequest) -> bool:
    return mfa.is_verified(request)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _required(user: User) -> bool:
    return mfa.requires_mfa(user, policy_for(user.school).require_mfa_for_all)


@require_http_methods(["GET"])
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Whether two-step sign-in is on, with the ways to change it."""
    user = _user(request)
    return render(
        request,
        "security/mfa_overview.html",
        {
            "has_mfa": mfa.has_mfa(user),
            "required": _required(user),
            "codes_left": mfa.recovery_codes_left(user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan, type the first code, keep the recovery codes."""
    user = _user(request)
    if mfa.has_mfa(user) and not _verified(request):
        # A password alone never replaces an existing second step.
        return HttpResponseRedirect(reverse("security:mfa-verify"))
    device = mfa.pending_setup(user)
    if device is None or (request.method == "GET" and request.GET.get("restart")):
        device = mfa.start_setup(user)
    error = ""
    if request.method == "POST":
        if mfa.confirm_setup(user, device, request.POST.get("code", "")):
            mfa.mark_verified(request, device)
            request.session[sessions.MFA_STATE] = "verify"
            codes = mfa.new_recovery_codes(user)
            log_user_event(request, user, "auth.mfa_enabled")
            return render(
                request,
                "security/mfa_codes.html",
                {"codes": codes, "next": _next(request), "first_time": True},
            )
        error = (
            "That code did not match. Check the time on your phone is right and type the "
            "six digits the app shows now."
        )
    return render(
        request,
        "security/mfa_setup.html",
        {
            "qr": mfa.qr_svg(device),
            "secret": mfa.secret_text(device),
            "error": error,
            "next": _next(request),
            "required": _required(user),
        },
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step at sign-in: a code from the app or a recovery code."""
    user = _user(request)
    if _verified(request):
        return HttpResponseRedirect(_next(request))
    if not mfa.has_mfa(user):
        return HttpResponseRedirect(reverse("security:mfa-setup"))
    error = ""
    if request.method == "POST":
        device, recovery = mfa.check_code(user, request.POST.get("code", ""))
        if device is not None:
            mfa.mark_verified(request, device)
            left = mfa.recovery_codes_left(user)
            if recovery:
                log_user_event(request, user, "auth.mfa_recovery_code_used", codes_left=left)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. "
                    "Make new ones on the two-step sign-in page if you are running low.",
                )
            else:
                log_user_event(request, user, "auth.mfa_verified")
            return HttpResponseRedirect(_next(request))
        log_user_event(request, user, "auth.mfa_failed")
        error = (
            "That code did not work. Type the six digits your app shows now, or one of "
            "your recovery codes. After several wrong codes you will need to wait a little."
        )
    return render(
        request,
        "security/mfa_verify.html",
        {"error": error, "next": _next(request)},
        status=400 if error else 200,
    )


@require_POST
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working)."""
    user = _user(request)
    if not mfa.has_mfa(user):
        return redirect("security:mfa-setup")
    codes = mfa.new_recovery_codes(user)
    log_user_event(request, user, "auth.mfa_recovery_codes_renewed")
    return render(
        request,
        "security/mfa_codes.html",
        {"codes": codes, "next": reverse("security:mfa"), "first_time": False},
    )


@require_POST
@login_required
def remove(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in off, for accounts that do not need it, with a current code."""
    user = _user(request)
    if _required(user):
        messages.error(request, "Your account needs two-step sign-in, so it cannot be turned off.")
        return HttpResponseRedirect(reverse("security:mfa"), status=303)
    device, _ = mfa.check_code(user, request.POST.get("code", ""))
    if device is None:
        messages.error(request, "That code did not work, so two-step sign-in is still on.")
        return HttpResponseRedirect(reverse("security:mfa"), status=303)
    mfa.remove_mfa(user)
    request.session[sessions.MFA_STATE] = ""
    request.session.pop(mfa.VERIFIED_KEY, None)
    log_user_event(request, user, "auth.mfa_removed")
    messages.success(request, "Two-step sign-in is off for your account.")
    return HttpResponseRedirect(reverse("security:mfa"), status=303)
