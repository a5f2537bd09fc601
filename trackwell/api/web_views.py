"""The web pages where a school admin (or trust leader) creates and revokes API keys."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from trackwell.accounts.models import Role, User
from trackwell.api.models import ApiKey, Area
from trackwell.api.services import can_manage_keys, create_key, keys_for, revoke_key

LEVELS = [("", "No access"), ("read", "Read"), ("write", "Read and write")]


class KeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What uses it, e.g. “MIS nightly sync” or “Trust dashboard”."
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: the key stops working at the end of this day.",
    )

    def __init__(self, *args: object, trust: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.trust = trust
        areas = [(Area.ANALYSIS, Area.ANALYSIS.label)] if trust else Area.choices
        for value, label in areas:
            choices = LEVELS[:2] if trust else LEVELS
            self.fields[f"scope_{value}"] = forms.ChoiceField(
                label=label, choices=choices, required=False
            )

    def scopes(self) -> list[str]:
        return [
            f"{name.removeprefix('scope_')}:{level}"
            for name, level in self.cleaned_data.items()
            if name.startswith("scope_") and level
        ]

    def expires_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _manager(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not can_manage_keys(user):
        raise Http404("No such page")
    return user


@login_required
@require_http_methods(["GET", "POST"])
def key_list(request: HttpRequest) -> HttpResponse:
    """The school's (or trust's) keys; a new key is shown once, right after it is made."""
    user = _manager(request)
    trust = user.role == Role.TRUST_LEADER
    form = KeyForm(request.POST or None, trust=trust)
    created: tuple[ApiKey, str] | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = create_key(
                    by=user,
                    name=form.cleaned_data["name"],
                    scopes=form.scopes(),
                    expires_at=form.expires_at(),
                )
                form = KeyForm(trust=trust)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(None if field not in form.fields else field, errors)
                status = 400
        else:
            status = 400
    return render(
        request,
        "api/keys.html",
        {"form": form, "keys": keys_for(user), "created": created, "trust": trust},
        status=status,
    )


@login_required
@require_POST
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    user = _manager(request)
    key = next((k for k in keys_for(user) if k.pk == key_id), None)
    if key is None:
        raise Http404("No such key")
    revoke_key(by=user, key=key)
    messages.success(request, f"Revoked “{key.name}”: it no longer works.")
    return redirect("api:keys")
