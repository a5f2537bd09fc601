"""Forms of the provision pages: they validate what is typed; services do the writing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from trackwell.accounts.models import Role, User
from trackwell.core.models import School
from trackwell.core.widgets import QuickSelect, QuickSelectMultiple
from trackwell.curriculum.models import Objective, Subject
from trackwell.provision.models import AreaOfNeed, FundingSource, Measure, Status, TimeOfDay
from trackwell.provision.services import StaffSpec

MAX_STAFF_ROWS = 4
EXTRA_PREFIXES = ("staff_", "external_", "rate_", "fund_")


def _objective_label(obj: Objective) -> str:
    return f"{obj.framework.name}: {obj.code} {obj.statement[:70]}"


class InterventionForm(forms.Form):
    """An intervention's plan: what, for whom, how often, by whom, paid from where."""

    name = forms.CharField(max_length=150)
    area = forms.ChoiceField(label="Area of need", choices=AreaOfNeed.choices)
    subject = forms.ModelChoiceField(queryset=Subject.objects.none(), required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    evidence_url = forms.URLField(
        label="Evidence link", required=False, max_length=500, assume_scheme="https"
    )
    status = forms.ChoiceField(choices=Status.choices, initial=Status.PLANNED)
    adults = forms.IntegerField(label="Adults per group", min_value=1, max_value=20, initial=1)
    group_size = forms.IntegerField(label="Pupils per group", min_value=1, max_value=60, initial=4)
    sessions_per_week = forms.DecimalField(
        min_value=Decimal("0.5"), max_value=25, decimal_places=1, initial=3
    )
    minutes_per_session = forms.IntegerField(min_value=1, max_value=600, initial=20)
    weeks = forms.IntegerField(label="Number of weeks", min_value=1, max_value=60, initial=6)
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        help_text="Left empty: worked out from the start date and weeks.",
    )
    time_of_day = forms.ChoiceField(choices=[("", "—"), *TimeOfDay.choices], required=False)
    resources_cost = forms.DecimalField(
        label="Resources (£)", min_value=0, max_digits=9, decimal_places=2, initial=0
    )
    objectives = forms.ModelMultipleChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        help_text="The objectives it is meant to close (hold Ctrl or Cmd to choose several).",
        # Every objective of the school, near a thousand options: written in Python.
        widget=QuickSelectMultiple(attrs={"size": 6}),
    )
    measures = forms.ModelMultipleChoiceField(
        queryset=Measure.objects.none(),
        required=False,
        help_text="Entry and exit data are recorded on these.",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        subject_field = self.fields["subject"]
        assert isinstance(subject_field, forms.ModelChoiceField)
        subject_field.queryset = Subject.objects.filter(school=school)
        objectives_field = self.fields["objectives"]
        assert isinstance(objectives_field, forms.ModelMultipleChoiceField)
        objectives_field.queryset = (
            Objective.objects.filter(school=school, archived_at__isnull=True)
            .select_related("framework")
            .order_by("framework__subject__order", "framework__nc_year", "order", "pk")
        )
        objectives_field.label_from_instance = _objective_label  # type: ignore[method-assign]
        measures_field = self.fields["measures"]
        assert isinstance(measures_field, forms.ModelMultipleChoiceField)
        measures_field.queryset = Measure.objects.filter(school=school, archived=False)
        staff = User.objects.filter(school=school, is_active=True).exclude(
            role__in=[Role.GOVERNOR, Role.TRUST_LEADER]
        )
        choices = [("", "—")] + [
            (str(u.pk), f"{u.display_name} ({u.get_role_display()})")
            for u in staff.order_by("last_name", "first_name")
        ]
        for n in range(MAX_STAFF_ROWS):
            self.fields[f"staff_{n}"] = forms.ChoiceField(
                label=f"Adult {n + 1}", choices=choices, required=False, widget=QuickSelect
            )
            self.fields[f"external_{n}"] = forms.CharField(
                label=f"or someone external ({n + 1})", max_length=120, required=False
            )
            self.fields[f"rate_{n}"] = forms.DecimalField(
                label=f"Hourly rate {n + 1} (£)",
                min_value=0,
                max_digits=7,
                decimal_places=2,
                required=False,
            )
        for key, label in FundingSource.choices:
            self.fields[f"fund_{key}"] = forms.IntegerField(
                label=f"{label} (%)", min_value=0, max_value=100, required=False
            )

    def staff_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"staff_{n}"], self[f"external_{n}"], self[f"rate_{n}"]]
            for n in range(MAX_STAFF_ROWS)
        ]

    def funding_fields(self) -> list[forms.BoundField]:
        return [self[f"fund_{key}"] for key in FundingSource.values]

    def plan_fields(self) -> list[forms.BoundField]:
        skip = {"objectives", "measures"}
        return [
            f
            for f in self
            if f.name not in skip
            and not f.name.startswith(("staff_", "external_", "rate_", "fund_"))
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        total = sum(int(data.get(f"fund_{k}") or 0) for k in FundingSource.values)
        if total not in (0, 100):
            self.add_error(None, f"The funding shares add up to {total}%; make them 100%.")
        return data

    def staff(self) -> list[StaffSpec]:
        specs = []
        for n in range(MAX_STAFF_ROWS):
            user_id = self.cleaned_data.get(f"staff_{n}") or None
            external = (self.cleaned_data.get(f"external_{n}") or "").strip()
            rate = self.cleaned_data.get(f"rate_{n}") or Decimal(0)
            if user_id or external:
                specs.append(
                    StaffSpec(
                        user_id=int(user_id) if user_id else None,
                        external_name="" if user_id else external,
                        hourly_rate=rate,
                    )
                )
        return specs

    def funding(self) -> dict[str, int]:
        return {
            k: int(self.cleaned_data.get(f"fund_{k}") or 0)
            for k in FundingSource.values
            if self.cleaned_data.get(f"fund_{k}")
        }

    def plan(self) -> dict[str, Any]:
        data = self.cleaned_data
        subject = data.get("subject")
        return {
            "name": data["name"],
            "area": data["area"],
            "subject_id": subject.pk if subject else None,
            "description": data.get("description", ""),
            "evidence_url": data.get("evidence_url", ""),
            "status": data["status"],
            "adults": data["adults"],
            "group_size": data["group_size"],
            "sessions_per_week": data["sessions_per_week"],
            "minutes_per_session": data["minutes_per_session"],
            "weeks": data["weeks"],
            "start_date": data["start_date"],
            "end_date": data.get("end_date"),
            "time_of_day": data.get("time_of_day", ""),
            "resources_cost": data["resources_cost"],
        }

    @classmethod
    def initial_for(cls, intervention: Any, staff: list[Any], funding: list[Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": intervention.name,
            "area": intervention.area,
            "subject": intervention.subject_id,
            "description": intervention.description,
            "evidence_url": intervention.evidence_url,
            "status": intervention.status,
            "adults": intervention.adults,
            "group_size": intervention.group_size,
            "sessions_per_week": intervention.sessions_per_week,
            "minutes_per_session": intervention.minutes_per_session,
            "weeks": intervention.weeks,
            "start_date": intervention.start_date,
            "end_date": intervention.end_date,
            "time_of_day": intervention.time_of_day,
            "resources_cost": intervention.resources_cost,
            "objectives": list(intervention.objectives.values_list("pk", flat=True)),
            "measures": list(intervention.measures.values_list("pk", flat=True)),
        }
        for n, s in enumerate(staff[:MAX_STAFF_ROWS]):
            initial[f"staff_{n}"] = str(s.user_id) if s.user_id else ""
            initial[f"external_{n}"] = s.external_name
            initial[f"rate_{n}"] = s.hourly_rate
        for share in funding:
            initial[f"fund_{share.source}"] = share.percent
        return initial


class MeasureForm(forms.Form):
    """A school's own measure."""

    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(
        choices=[("ordinal", "An ordered list of steps"), ("numeric", "A number in a range")]
    )
    steps = forms.CharField(
        required=False,
        help_text="For a list: the steps, lowest first, separated by commas (1c, 1b, 1a, 2c).",
        max_length=2000,
    )
    min_value = forms.DecimalField(
        label="Lowest value", required=False, max_digits=8, decimal_places=2
    )
    max_value = forms.DecimalField(
        label="Highest value", required=False, max_digits=8, decimal_places=2
    )
    unit = forms.CharField(required=False, max_length=30, help_text="For example months, points.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
