"""Admin pages: sign-in help for the school's accounts and the security settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.core.versioning import EditConflict
from trackwell.security import mfa, services
from trackwell.security.forms import PolicyForm
from trackwell.security.models import policy_for


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@require_http_methods(["GET"])
@login_required
def accounts(request: HttpRequest) -> HttpResponse:
    """Every account of the school: two-step sign-in set up or not, failed sign-ins, unlock."""
    user = _user(request)
    school = access.security_school(user, edit=True)
    failures = services.locked_usernames(school)
    with_app = set(
        TOTPDevice.objects.filter(user__school=school, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    require_all = policy_for(school).require_mfa_for_all
    rows = [
        {
            "account": account,
            "has_mfa": account.pk in with_app,
            "required": mfa.requires_mfa(account, require_all),
            "failures": failures.get(account.username, 0),
        }
        for account in User.objects.filter(school=school).order_by("last_name", "username")
    ]
    return render(
        request,
        "security/accounts.html",
        {"rows": rows, "school": school, "limit": settings.AXES_FAILURE_LIMIT},
    )


@require_POST
@login_required
def unlock(request: HttpRequest, account_id: int) -> HttpResponse:
    user = _user(request)
    account = access.get_school_account_for_user(user, account_id)
    services.unlock(request, admin=user, account=account)
    messages.success(request, f"{account.display_name} can sign in again now.")
    return HttpResponseRedirect(reverse("security:accounts"), status=303)


@require_POST
@login_required
def reset_mfa(request: HttpRequest, account_id: int) -> HttpResponse:
    user = _user(request)
    account = access.get_school_account_for_user(user, account_id)
    services.reset_mfa(request, admin=user, account=account)
    messages.success(
        request,
        f"Two-step sign-in was removed for {account.display_name}; "
        "they will set it up again when they next sign in.",
    )
    return HttpResponseRedirect(reverse("security:accounts"), status=303)


@require_http_methods(["GET", "POST"])
@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """The school's security and privacy settings (admins change them, leaders read them)."""
    user = _user(request)
    school = access.security_school(user, edit=request.method == "POST")
    current = policy_for(school)
    can_edit = user.role == "admin"
    conflict = None
    status = 200
    if request.method == "POST":
        form = PolicyForm(request.POST, instance=policy_for(school))
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in services.POLICY_FIELDS}
            try:
                services.update_policy(
                    user=user,
                    school=school,
                    expected_version=form.cleaned_data["version"],
                    values=values,
                )
            except EditConflict as exc:
                conflict = exc
                status = 409
                current = policy_for(school)
            else:
                messages.success(request, "The security and privacy settings are saved.")
                return HttpResponseRedirect(reverse("security:policy"), status=303)
        else:
            status = 400
    else:
        form = PolicyForm(instance=current, initial={"version": current.version})
    if conflict is not None:
        # Show the user's values again with the version now saved, so saving again is a choice.
        data = request.POST.copy()
        data["version"] = str(current.version)
        form = PolicyForm(data, instance=current)
    return render(
        request,
        "security/policy.html",
        {"form": form, "conflict": conflict, "can_edit": can_edit, "school": school},
        status=status,
    )
