"""Forms for pupils, classes and groups on the management pages."""

from __future__ import annotations

from typing import Any

from django import forms

from trackwell.accounts.models import User
from trackwell.pupils.models import NC_YEAR_CHOICES, Pupil, SenStatus, Sex


class DateInput(forms.DateInput):
    input_type = "date"


class PupilForm(forms.Form):
    """A pupil's identity and contextual attributes."""

    upn = forms.CharField(label="UPN", max_length=13, help_text="13 characters, from the MIS.")
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(widget=DateInput)
    sex = forms.ChoiceField(choices=Sex.choices)
    nc_year = forms.TypedChoiceField(label="NC year", choices=NC_YEAR_CHOICES, coerce=int)
    sen_status = forms.ChoiceField(label="SEN status", choices=SenStatus.choices)
    disadvantaged = forms.BooleanField(label="Pupil premium (disadvantaged)", required=False)
    fsm = forms.BooleanField(label="Free school meals", required=False)
    eal = forms.BooleanField(label="English as an additional language", required=False)
    looked_after = forms.BooleanField(label="Looked after", required=False)
    effective_from = forms.DateField(
        label="Changes take effect from",
        widget=DateInput,
        required=False,
        help_text="For SEN status, pupil premium and the other attributes: the date the change "
        "happened (today if left empty). Earlier figures keep the old value.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, classes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if classes is not None:
            self.fields["school_class"] = forms.ModelChoiceField(
                label="Class", queryset=classes, required=False, empty_label="(no class yet)"
            )


class LeaverForm(forms.Form):
    """The date a pupil left and why."""

    left_on = forms.DateField(label="Left on", widget=DateInput)
    reason = forms.CharField(max_length=200, required=False, help_text="For example: moved area.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class ClassForm(forms.Form):
    """A class for a year with its teachers and teaching assistants."""

    name = forms.CharField(max_length=60)
    nc_year = forms.TypedChoiceField(label="Main NC year", choices=NC_YEAR_CHOICES, coerce=int)
    teachers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    assistants = forms.ModelMultipleChoiceField(
        label="Teaching assistants and SENCOs",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(
        self, *args: Any, teachers: Any, assistants: Any, years: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teachers"].queryset = teachers  # type: ignore[attr-defined]
        self.fields["assistants"].queryset = assistants  # type: ignore[attr-defined]
        for name in ("teachers", "assistants"):
            self.fields[name].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
        if years is not None:
            self.fields["year"] = forms.ModelChoiceField(queryset=years, empty_label=None)
            self.order_fields(["year", "name", "nc_year"])


class GroupForm(forms.Form):
    """A school-defined group and its pupils."""

    name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    pupils = forms.ModelMultipleChoiceField(
        queryset=Pupil.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, pupils: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils  # type: ignore[attr-defined]
        self.fields["pupils"].label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"{p.full_name} ({p.get_nc_year_display()})"
        )
