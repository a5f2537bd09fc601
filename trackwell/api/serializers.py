"""How Trackwell's records look in the API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from trackwell.accounts.models import User
from trackwell.assessment.models import Judgement
from trackwell.core.models import AcademicYear, AssessmentPoint, School
from trackwell.curriculum.models import (
    Framework,
    Objective,
    RatingLevel,
    RatingScale,
    Strand,
    Subject,
)
from trackwell.pupils.models import Enrolment, Pupil, PupilGroup, SchoolClass

SPECIAL_FIELDS = ("disadvantaged", "fsm", "sen_status", "looked_after")


class SchoolSerializer(serializers.ModelSerializer[School]):
    class Meta:
        model = School
        fields = ["id", "name", "urn", "min_group_size"]


class PupilSerializer(serializers.ModelSerializer[Pupil]):
    """A pupil; special-category fields only for those who may see them (else null)."""

    class Meta:
        model = Pupil
        fields = [
            "id",
            "upn",
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "nc_year",
            "eal",
            *SPECIAL_FIELDS,
            "groups",
            "left_on",
        ]

    def to_representation(self, instance: Pupil) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        allowed = self.context.get("special_ids")
        if allowed is not None and instance.pk not in allowed:
            for name in SPECIAL_FIELDS:
                data[name] = None
        return data


class GroupSerializer(serializers.ModelSerializer[PupilGroup]):
    class Meta:
        model = PupilGroup
        fields = ["id", "name", "description"]


class ClassSerializer(serializers.ModelSerializer[SchoolClass]):
    year = serializers.CharField(source="year.name", read_only=True)

    class Meta:
        model = SchoolClass
        fields = ["id", "name", "nc_year", "year", "year_id"]


class EnrolmentSerializer(serializers.ModelSerializer[Enrolment]):
    class_id = serializers.IntegerField(source="school_class_id", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "pupil_id", "class_id"]


class StaffSerializer(serializers.ModelSerializer[User]):
    name = serializers.CharField(source="display_name", read_only=True)
    classes = serializers.SerializerMethodField(help_text="Ids of the classes they work with.")

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "role", "is_active", "classes", "version"]

    def get_classes(self, user: User) -> list[int]:
        return sorted(a.school_class_id for a in user.assignments.all())


class YearSerializer(serializers.ModelSerializer[AcademicYear]):
    class Meta:
        model = AcademicYear
        fields = ["id", "name", "start_date", "end_date", "is_current"]


class PointSerializer(serializers.ModelSerializer[AssessmentPoint]):
    class Meta:
        model = AssessmentPoint
        fields = ["id", "year_id", "name", "date", "state"]


class SubjectSerializer(serializers.ModelSerializer[Subject]):
    class Meta:
        model = Subject
        fields = ["id", "name", "slug", "order"]


class LevelSerializer(serializers.ModelSerializer[RatingLevel]):
    class Meta:
        model = RatingLevel
        fields = [
            "id",
            "value",
            "code",
            "label",
            "descriptor",
            "colour",
            "counts_as_secure",
            "is_greater_depth",
        ]


class ScaleSerializer(serializers.ModelSerializer[RatingScale]):
    levels = LevelSerializer(many=True, read_only=True)

    class Meta:
        model = RatingScale
        fields = ["id", "name", "description", "identifier", "levels"]


class FrameworkSerializer(serializers.ModelSerializer[Framework]):
    class Meta:
        model = Framework
        fields = [
            "id",
            "subject_id",
            "name",
            "nc_year",
            "last_nc_year",
            "phase",
            "description",
            "scale_id",
            "identifier",
        ]


class StrandSerializer(serializers.ModelSerializer[Strand]):
    class Meta:
        model = Strand
        fields = ["id", "framework_id", "name", "code", "statement", "order", "identifier"]


class ObjectiveSerializer(serializers.ModelSerializer[Objective]):
    archived = serializers.SerializerMethodField()

    class Meta:
        model = Objective
        fields = [
            "id",
            "framework_id",
            "strand_id",
            "code",
            "statement",
            "order",
            "is_key",
            "tags",
            "archived",
        ]

    def get_archived(self, objective: Objective) -> bool:
        return objective.archived_at is not None


_DATETIME = serializers.DateTimeField()


class JudgementSerializer(serializers.ModelSerializer[Judgement]):
    """A pupil's rating on an objective; `code` null means the cell was cleared."""

    code = serializers.SerializerMethodField()
    cleared = serializers.SerializerMethodField()

    class Meta:
        model = Judgement
        fields = [
            "id",
            "pupil_id",
            "objective_id",
            "code",
            "cleared",
            "note",
            "version",
            "updated_at",
        ]

    def get_code(self, judgement: Judgement) -> str | None:
        return judgement.level.code if judgement.level else None

    def get_cleared(self, judgement: Judgement) -> bool:
        return judgement.level_id is None and not judgement.note

    def to_representation(self, instance: Judgement) -> dict[str, Any]:
        # The fields above, written out: a full read of a school is tens of thousands
        # of rows, and DRF's per-field machinery was most of its time.
        return {
            "id": instance.pk,
            "pupil_id": instance.pupil_id,
            "objective_id": instance.objective_id,
            "code": self.get_code(instance),
            "cleared": self.get_cleared(instance),
            "note": instance.note,
            "version": instance.version,
            "updated_at": _DATETIME.to_representation(instance.updated_at),
        }


class CellWriteSerializer(serializers.Serializer[dict[str, Any]]):
    pupil = serializers.IntegerField(min_value=1, max_value=2**62)
    objective = serializers.IntegerField(min_value=1, max_value=2**62)
    code = serializers.CharField(allow_blank=True, allow_null=True, max_length=10)
    version = serializers.IntegerField(
        min_value=0, max_value=2**31, help_text="The version you last read (0 for an empty cell)."
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=2000,
        help_text="Omit (or null) to keep the note.",
    )


MAX_CELLS = 5000


class BulkJudgementSerializer(serializers.Serializer[dict[str, Any]]):
    cells = serializers.ListField(
        child=CellWriteSerializer(),
        allow_empty=False,
        max_length=MAX_CELLS,
        help_text=f"Up to {MAX_CELLS} cells, all saved or none.",
    )
