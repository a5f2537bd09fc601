"""Forms of the framework and rating scale editors (plain HTML forms, no script needed)."""

from __future__ import annotations

from typing import Any

from django import forms

from trackwell.curriculum.models import (
    COLOUR_CHOICES,
    Objective,
    RatingLevel,
    RatingScale,
    Strand,
    Subject,
)
from trackwell.curriculum.phases import YearPhase, parse_year_phase, year_phase_choices
from trackwell.curriculum.restructure import MERGE_RULES
from trackwell.curriculum.scales import SCALE_TEMPLATES
from trackwell.pupils.models import nc_year_label

TAG_HELP = "Separate tags with commas, e.g. essential knowledge, depth objective."


class YearPhaseField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=year_phase_choices(), label="Year or phase", **kwargs)

    def clean(self, value: Any) -> YearPhase:
        text = super().clean(value)
        parsed = parse_year_phase(text)
        if parsed is None:
            raise forms.ValidationError("Choose a year or a phase.")
        return parsed


class SubjectForm(forms.Form):
    name = forms.CharField(max_length=100)


class FrameworkForm(forms.Form):
    # The version the editor saw (edits only): a moved-on framework is a conflict.
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1
    )
    name = forms.CharField(max_length=150, required=False, help_text="Blank: subject and year.")
    year = YearPhaseField()
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NewFrameworkForm(FrameworkForm):
    subject = forms.ModelChoiceField(queryset=Subject.objects.none())
    scale = forms.ModelChoiceField(queryset=RatingScale.objects.none(), label="Rating scale")
    field_order = ["subject", "year", "name", "scale", "description"]

    def __init__(self, *args: Any, school_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Subject.objects.filter(school_id=school_id)  # type: ignore[attr-defined]
        self.fields["scale"].queryset = RatingScale.objects.filter(school_id=school_id)  # type: ignore[attr-defined]


class StrandForm(forms.Form):
    name = forms.CharField(max_length=150)
    code = forms.CharField(max_length=60, required=False)
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Full wording"
    )


class ObjectiveForm(forms.Form):
    # The version the editor saw (edits only): a moved-on objective is a conflict.
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1
    )
    code = forms.CharField(max_length=60)
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    is_key = forms.BooleanField(required=False, label="Key objective")
    tags = forms.CharField(max_length=500, required=False, help_text=TAG_HELP)
    strand = forms.ModelChoiceField(queryset=Strand.objects.none(), required=False)

    def __init__(self, *args: Any, framework_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["strand"].queryset = Strand.objects.filter(framework_id=framework_id)  # type: ignore[attr-defined]


class SplitForm(forms.Form):
    """Up to six new objectives; blank rows are ignored."""

    ROWS = 6

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, self.ROWS + 1):
            self.fields[f"code_{n}"] = forms.CharField(max_length=60, required=False)
            self.fields[f"statement_{n}"] = forms.CharField(max_length=2000, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, self.ROWS + 1):
            code = (data.get(f"code_{n}") or "").strip()
            statement = (data.get(f"statement_{n}") or "").strip()
            if statement and not code:
                self.add_error(f"code_{n}", f"Give part {n} a code.")
            elif code and not statement:
                self.add_error(f"statement_{n}", f"Write the statement for part {n}.")
        return data

    def parts(self) -> list[tuple[str, str]]:
        """Every row with a code or a statement, in order; blank rows are left out."""
        data = self.cleaned_data
        return [
            (data[f"code_{n}"], data[f"statement_{n}"])
            for n in range(1, self.ROWS + 1)
            if data.get(f"code_{n}") or data.get(f"statement_{n}")
        ]

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"code_{n}"], self[f"statement_{n}"]) for n in range(1, self.ROWS + 1)]


class MergeForm(forms.Form):
    objectives = forms.ModelMultipleChoiceField(
        queryset=Objective.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    rule = forms.ChoiceField(choices=list(MERGE_RULES.items()), label="Which rating wins")
    into = forms.ModelChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        empty_label="A new objective (below)",
        label="Merge into",
    )
    code = forms.CharField(max_length=60, required=False, label="New code")
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="New statement"
    )

    def __init__(self, *args: Any, framework_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = Objective.objects.filter(
            framework_id=framework_id, archived_at__isnull=True
        ).order_by("strand__order", "order", "id")
        self.fields["objectives"].queryset = current  # type: ignore[attr-defined]
        self.fields["into"].queryset = current  # type: ignore[attr-defined]


class ScaleChoiceForm(forms.Form):
    scale = forms.ModelChoiceField(queryset=RatingScale.objects.none(), label="New rating scale")

    def __init__(self, *args: Any, school_id: int, exclude: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scale"].queryset = RatingScale.objects.filter(  # type: ignore[attr-defined]
            school_id=school_id
        ).exclude(pk=exclude)


class NewScaleForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    template = forms.ChoiceField(
        choices=[(k, v[0]) for k, v in SCALE_TEMPLATES.items()], label="Start from"
    )


class ScaleForm(forms.Form):
    # The version the editor saw: a scale changed meanwhile is a conflict.
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1
    )
    name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    secure_from: forms.ModelChoiceField[RatingLevel] = forms.ModelChoiceField(
        queryset=RatingLevel.objects.none(),
        required=False,
        label="Secure from",
        empty_label="No level is secure",
    )
    greater_depth_from: forms.ModelChoiceField[RatingLevel] = forms.ModelChoiceField(
        queryset=RatingLevel.objects.none(),
        required=False,
        label="Greater depth from",
        empty_label="None",
    )

    def __init__(self, *args: Any, scale: RatingScale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("secure_from", "greater_depth_from"):
            self.fields[name].queryset = scale.levels.all()  # type: ignore[attr-defined]


class LevelForm(forms.Form):
    code = forms.CharField(max_length=3, help_text="Typed in the grid: 1 to 3 characters.")
    label = forms.CharField(max_length=60)
    descriptor = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    exemplification = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    colour = forms.ChoiceField(choices=COLOUR_CHOICES, required=False)


class SubjectDescriptorForm(forms.Form):
    subject = forms.ModelChoiceField(queryset=Subject.objects.none())
    descriptor = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Evidence in this subject"
    )
    exemplification = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, school_id: int, **kwargs: Any) -> None:
        # Drawn on the level's page below the level's own form, which has fields of the
        # same names: its own ids, so no id is on the page twice (the names stay).
        kwargs.setdefault("auto_id", "id_subject_%s")
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Subject.objects.filter(school_id=school_id)  # type: ignore[attr-defined]


class LibraryForm(forms.Form):
    subject = forms.CharField(max_length=100)
    years = forms.TypedMultipleChoiceField(
        coerce=int, choices=[(n, nc_year_label(n)) for n in range(0, 14)]
    )
    scale = forms.ModelChoiceField(queryset=RatingScale.objects.none(), required=False)

    def __init__(self, *args: Any, school_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scale"].queryset = RatingScale.objects.filter(school_id=school_id)  # type: ignore[attr-defined]
