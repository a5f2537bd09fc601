"""How provision, tests and scores, targets and meetings look in the API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from trackwell.meetings.models import Action, Decision, Meeting
from trackwell.provision.models import Intervention, Measure, Participant, ParticipantMeasure
from trackwell.scores.models import ConversionRow, ConversionTable, Target, Test, TestResult

# --- Provision -----------------------------------------------------------------------------


class MeasureSerializer(serializers.ModelSerializer[Measure]):
    steps = serializers.SerializerMethodField(help_text="Step labels, lowest first (steps only).")

    class Meta:
        model = Measure
        fields = ["id", "name", "kind", "unit", "min_value", "max_value", "archived", "steps"]

    def get_steps(self, measure: Measure) -> list[str]:
        return [s.label for s in measure.steps.all()]


class InterventionSerializer(serializers.ModelSerializer[Intervention]):
    """An intervention's plan; `funding` (which reveals pupil premium) is null for those
    who may not see special-category data."""

    objectives: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    measures: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    staff = serializers.SerializerMethodField(help_text="Staff ids, or names of outside adults.")
    funding = serializers.SerializerMethodField(help_text="Percent of the cost per source.")

    class Meta:
        model = Intervention
        fields = [
            "id",
            "name",
            "area",
            "subject_id",
            "description",
            "status",
            "start_date",
            "end_date",
            "weeks",
            "sessions_per_week",
            "minutes_per_session",
            "group_size",
            "adults",
            "objectives",
            "measures",
            "staff",
            "funding",
            "version",
            "created_at",
        ]

    def get_staff(self, intervention: Intervention) -> list[int | str]:
        return [s.user_id or s.external_name for s in intervention.staff.all()]

    def get_funding(self, intervention: Intervention) -> dict[str, int] | None:
        if not self.context.get("special", True):
            return None
        return {f.source: f.percent for f in intervention.funding.all()}


class ParticipantValueSerializer(serializers.ModelSerializer[ParticipantMeasure]):
    class Meta:
        model = ParticipantMeasure
        fields = [
            "measure_id",
            "entry_value",
            "entry_date",
            "target_kind",
            "target_amount",
            "exit_value",
            "exit_date",
            "outcome",
        ]


class ParticipantSerializer(serializers.ModelSerializer[Participant]):
    """A pupil's place in an intervention: target, entry and exit values, outcome."""

    values = ParticipantValueSerializer(many=True, read_only=True)

    class Meta:
        model = Participant
        fields = [
            "id",
            "intervention_id",
            "pupil_id",
            "joined_on",
            "left_on",
            "target",
            "success_criteria",
            "outcome",
            "values",
            "version",
        ]


class InterventionCreateSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=150)
    area = serializers.CharField(max_length=20, help_text="Area of need, e.g. academic.")
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    subject = serializers.IntegerField(min_value=1, max_value=2**62, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    weeks = serializers.IntegerField(min_value=1, max_value=52, default=6)
    sessions_per_week = serializers.IntegerField(min_value=1, max_value=20, default=1)
    minutes_per_session = serializers.IntegerField(min_value=1, max_value=600, default=30)
    group_size = serializers.IntegerField(min_value=1, max_value=60, default=1)
    objectives = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62), required=False, max_length=200
    )
    measures = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62), required=False, max_length=20
    )
    pupils = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62), required=False, max_length=60
    )
    target = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ParticipantAddSerializer(serializers.Serializer[dict[str, Any]]):
    pupil = serializers.IntegerField(min_value=1, max_value=2**62)
    target = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    success_criteria = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ParticipantRemoveSerializer(serializers.Serializer[dict[str, Any]]):
    version = serializers.IntegerField(min_value=0, max_value=2**31)
    on = serializers.DateField(required=False, help_text="Leaving date (default today).")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class OutcomeSerializer(serializers.Serializer[dict[str, Any]]):
    version = serializers.IntegerField(min_value=0, max_value=2**31)
    measure = serializers.IntegerField(min_value=1, max_value=2**62)
    exit_value = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="null clears it."
    )
    on = serializers.DateField(required=False, help_text="When it was measured (default today).")


# --- Tests, conversion, results, targets ------------------------------------------------------


class TestSerializer(serializers.ModelSerializer[Test]):
    class Meta:
        model = Test
        fields = [
            "id",
            "name",
            "publisher",
            "subject_id",
            "nc_year",
            "point_id",
            "taken_on",
            "max_raw_mark",
            "score_kind",
            "table_id",
            "thresholds_id",
            "version",
        ]


class ConversionRowSerializer(serializers.ModelSerializer[ConversionRow]):
    class Meta:
        model = ConversionRow
        fields = ["age_from", "age_to", "raw_from", "raw_to", "score"]


class ConversionTableSerializer(serializers.ModelSerializer[ConversionTable]):
    """Raw marks to scores (by age in months where the table has ages)."""

    rows = ConversionRowSerializer(many=True, read_only=True)

    class Meta:
        model = ConversionTable
        fields = ["id", "name", "kind", "source", "max_raw_mark", "complete", "rows"]


class ResultSerializer(serializers.ModelSerializer[TestResult]):
    """A pupil's raw mark and its score; a cleared mark stays with `raw_mark` null."""

    class Meta:
        model = TestResult
        fields = [
            "id",
            "test_id",
            "pupil_id",
            "raw_mark",
            "score",
            "age_months",
            "version",
            "updated_at",
        ]


class MarkSerializer(serializers.Serializer[dict[str, Any]]):
    pupil = serializers.IntegerField(min_value=1, max_value=2**62)
    raw_mark = serializers.IntegerField(
        min_value=0, max_value=10_000, allow_null=True, help_text="null clears the mark."
    )
    version = serializers.IntegerField(
        min_value=0, max_value=2**31, help_text="The version you last read (0 for none)."
    )


MAX_MARKS = 2000


class BulkResultsSerializer(serializers.Serializer[dict[str, Any]]):
    test = serializers.IntegerField(min_value=1, max_value=2**62)
    results = serializers.ListField(child=MarkSerializer(), allow_empty=False, max_length=MAX_MARKS)


class TargetSerializer(serializers.ModelSerializer[Target]):
    class Meta:
        model = Target
        fields = [
            "id",
            "pupil_id",
            "subject_id",
            "point_id",
            "kind",
            "band_id",
            "value",
            "version",
            "set_at",
        ]


class TargetWriteSerializer(serializers.Serializer[dict[str, Any]]):
    pupil = serializers.IntegerField(min_value=1, max_value=2**62)
    kind = serializers.ChoiceField(choices=Target.Kind.choices)
    band = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True)
    value = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)
    version = serializers.IntegerField(min_value=0, max_value=2**31)


class TargetClearSerializer(serializers.Serializer[dict[str, Any]]):
    pupil = serializers.IntegerField(min_value=1, max_value=2**62)
    version = serializers.IntegerField(min_value=0, max_value=2**31)


class BulkTargetsSerializer(serializers.Serializer[dict[str, Any]]):
    class_id = serializers.IntegerField(min_value=1, max_value=2**62, source="class")
    subject = serializers.IntegerField(min_value=1, max_value=2**62)
    point = serializers.IntegerField(min_value=1, max_value=2**62)
    targets = serializers.ListField(child=TargetWriteSerializer(), max_length=200, default=list)
    clear = serializers.ListField(
        child=TargetClearSerializer(),
        max_length=200,
        default=list,
        help_text="Pupils whose target is removed, each with the version of it you last read "
        "(409 if it has changed since).",
    )


# --- Meetings --------------------------------------------------------------------------------


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    class_id = serializers.IntegerField(source="school_class_id", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "point_id",
            "class_id",
            "nc_year",
            "label",
            "date",
            "status",
            "notes",
            "version",
            "updated_at",
        ]


class DecisionSerializer(serializers.ModelSerializer[Decision]):
    class Meta:
        model = Decision
        fields = [
            "id",
            "meeting_id",
            "pupil_id",
            "kind",
            "text",
            "intervention_ref",
            "provision_summary",
            "withdrawn",
            "version",
            "created_at",
        ]


class ActionSerializer(serializers.ModelSerializer[Action]):
    class Meta:
        model = Action
        fields = [
            "id",
            "meeting_id",
            "decision_id",
            "pupil_id",
            "description",
            "owner_id",
            "due",
            "status",
            "outcome",
            "version",
            "updated_at",
        ]
