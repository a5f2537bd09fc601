"""Forms for staff accounts and password reset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm

from trackwell.accounts.models import User
from trackwell.accounts.services import STAFF_ROLES
from trackwell.pupils.models import SchoolClass


class ResetForm(PasswordResetForm):
    """Password reset that also reaches staff who never set a password (an expired invitation)."""

    def get_users(self, email: str) -> Iterator[Any]:
        """Active accounts with this email, whether or not they have set a password yet."""
        yield from User.objects.filter(email__iexact=email.strip(), is_active=True)


class StaffForm(forms.Form):
    """A member of staff: name, email, role and the classes they teach or support."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=STAFF_ROLES)
    classes = forms.ModelMultipleChoiceField(
        queryset=SchoolClass.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Teachers edit the grids of their classes; teaching assistants see theirs.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, school_classes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["classes"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = school_classes
        field.label_from_instance = lambda c: f"{c.name} ({c.year.name})"  # type: ignore[method-assign,assignment]
