"""Forms of the security app."""

from __future__ import annotations

from django import forms

from trackwell.security.models import SecurityPolicy


class PolicyForm(forms.ModelForm):
    """The school's security and privacy settings, with the version the admin saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    class Meta:
        model = SecurityPolicy
        fields = [
            "require_mfa_for_all",
            "idle_timeout_minutes",
            "retention_years_after_leaving",
            "retention_until_age",
            "retention_action",
        ]
