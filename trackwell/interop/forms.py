"""The upload form for framework imports."""

from typing import Any

from django import forms

from trackwell.curriculum.models import RatingScale
from trackwell.curriculum.phases import year_phase_choices


class ImportForm(forms.Form):
    file = forms.FileField()
    kind = forms.ChoiceField(choices=[("csv", "CSV"), ("case", "CASE JSON")], label="Format")
    scale = forms.ModelChoiceField(
        queryset=RatingScale.objects.none(), required=False, label="Rating scale for new frameworks"
    )
    subject = forms.CharField(
        max_length=100,
        required=False,
        help_text="CASE only; leave blank to use the subject the file names.",
    )
    year = forms.ChoiceField(
        choices=[("", "—"), *year_phase_choices()], required=False, help_text="CASE only."
    )

    def __init__(self, *args: Any, school_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scale"].queryset = RatingScale.objects.filter(school_id=school_id)  # type: ignore[attr-defined]
