"""Subjects, rating scales, frameworks (also as CASE JSON), strands and objectives (read)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from trackwell.accounts import access
from trackwell.api import serializers as s
from trackwell.api.models import Area
from trackwell.api.views.base import ReadOnly, int_param, user_of
from trackwell.curriculum.models import Framework, Objective, RatingScale, Strand, Subject
from trackwell.interop.case import export_case

FRAMEWORK_FILTER = OpenApiParameter("framework", int, description="Only this framework's rows.")
ARCHIVED = OpenApiParameter(
    "archived", bool, description="Include archived objectives (default: current ones only)."
)


class _Curriculum(ReadOnly):
    area = Area.CURRICULUM

    def school_id(self) -> int:
        user = user_of(self.request)
        if not access.sees_curriculum(user):
            return -1
        return access.school_id_of(user)


class SubjectViewSet(_Curriculum):
    serializer_class = s.SubjectSerializer

    def get_queryset(self) -> QuerySet[Subject]:
        return Subject.objects.filter(school_id=self.school_id())


class ScaleViewSet(_Curriculum):
    """Rating scales with their levels (which count as secure, which as greater depth)."""

    serializer_class = s.ScaleSerializer

    def get_queryset(self) -> QuerySet[RatingScale]:
        return RatingScale.objects.filter(school_id=self.school_id()).prefetch_related("levels")


class FrameworkViewSet(_Curriculum):
    serializer_class = s.FrameworkSerializer

    def get_queryset(self) -> QuerySet[Framework]:
        return Framework.objects.filter(school_id=self.school_id())

    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        summary="The framework as a 1EdTech CASE 1.0 package",
    )
    @action(detail=True, methods=["get"])
    def case(self, request: Request, pk: str | None = None) -> Response:
        return Response(export_case(self.get_object()))


@extend_schema_view(list=extend_schema(parameters=[FRAMEWORK_FILTER]))
class StrandViewSet(_Curriculum):
    serializer_class = s.StrandSerializer

    def get_queryset(self) -> QuerySet[Strand]:
        qs = Strand.objects.filter(school_id=self.school_id())
        framework = int_param(self.request, "framework")
        return qs.filter(framework_id=framework) if framework is not None else qs


@extend_schema_view(list=extend_schema(parameters=[FRAMEWORK_FILTER, ARCHIVED]))
class ObjectiveViewSet(_Curriculum):
    serializer_class = s.ObjectiveSerializer

    def get_queryset(self) -> QuerySet[Objective]:
        qs = Objective.objects.filter(school_id=self.school_id())
        framework = int_param(self.request, "framework")
        if framework is not None:
            qs = qs.filter(framework_id=framework)
        if self.action == "list" and self.request.query_params.get("archived") not in (
            "true",
            "1",
        ):
            qs = qs.filter(archived_at__isnull=True)
        return qs
