"""Forms for pupils, classes and groups on the management pages."""

from __future__ import annotations

from typing import Any

from django import forms

from trackwell.accounts.models import User
from trackwell.core.ids import parse_id
from trackwell.pupils.models import NC_YEAR_CHOICES, Pupil, SenStatus, Sex


def _plain_id(value: Any) -> bool:
    return parse_id(value) is not None


class IdChoiceField(forms.ModelChoiceField):
    """A choice of one row; a value that is no plausible id is refused before any query."""

    def to_python(self, value: Any) -> Any:
        """Refuse huge or non-numeric ids (the database would overflow), then look it up."""
        if value not in self.empty_values and not _plain_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A choice of several rows; values that are no plausible ids are refused before any query."""

    def _check_values(self, value: Any) -> Any:
        for item in value:
            if not _plain_id(item):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(item)[:20]},
                )
        return super()._check_values(value)  # type: ignore[misc]  # not in django-stubs


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
            self.fields["school_class"] = IdChoiceField(
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
    teachers = IdsChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    assistants = IdsChoiceField(
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
            self.fields["year"] = IdChoiceField(queryset=years, empty_label=None)
            self.order_fields(["year", "name", "nc_year"])


class GroupForm(forms.Form):
    """A school-defined group and its pupils."""

    name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    pupils = IdsChoiceField(
        queryset=Pupil.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, pupils: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils  # type: ignore[attr-defined]
        self.fields["pupils"].label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"{p.full_name} ({p.get_nc_year_display()})"
        )
