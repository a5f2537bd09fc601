"""Pupils, classes, enrolments, groups, staff, years and assessment points (read)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from trackwell.accounts import access
from trackwell.accounts.models import Role, User
from trackwell.api import serializers as s
from trackwell.api.models import Area
from trackwell.api.views.base import ReadOnly, int_param, school_of, user_of
from trackwell.core.models import AcademicYear, AssessmentPoint
from trackwell.pupils.models import Enrolment, Pupil, PupilGroup, SchoolClass

CLASS_FILTER = OpenApiParameter("class", int, description="Only pupils enrolled in this class.")
YEAR_FILTER = OpenApiParameter("nc_year", int, description="Only this national curriculum year.")


@extend_schema_view(list=extend_schema(parameters=[CLASS_FILTER, YEAR_FILTER]))
class PupilViewSet(ReadOnly):
    """Pupils the key (or the signed-in member of staff) may see.

    SEN status, FSM, pupil premium and looked-after flags are null for pupils
    whose special-category data the caller may not see.
    """

    area = Area.PEOPLE
    serializer_class = s.PupilSerializer

    def get_queryset(self) -> QuerySet[Pupil]:
        user = user_of(self.request)
        qs = access.visible_pupils(user).prefetch_related("groups")
        class_id = int_param(self.request, "class")
        if class_id is not None:
            qs = qs.filter(enrolments__school_class_id=class_id)
        nc_year = int_param(self.request, "nc_year")
        if nc_year is not None:
            qs = qs.filter(nc_year=nc_year)
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        user = user_of(self.request)
        if not access.sees_special_category(user):
            context["special_ids"] = set(
                access.special_category_pupils(user).values_list("pk", flat=True)
            )
        return context


class ClassViewSet(ReadOnly):
    """Classes the caller may see, every year."""

    area = Area.PEOPLE
    serializer_class = s.ClassSerializer

    def get_queryset(self) -> QuerySet[SchoolClass]:
        return access.visible_classes(user_of(self.request)).select_related("year")


class EnrolmentViewSet(ReadOnly):
    """Which pupil is in which class."""

    area = Area.PEOPLE
    serializer_class = s.EnrolmentSerializer

    def get_queryset(self) -> QuerySet[Enrolment]:
        classes = access.visible_classes(user_of(self.request)).values("pk")
        return Enrolment.objects.filter(school_class_id__in=classes)


class GroupViewSet(ReadOnly):
    """The school's own groups of pupils."""

    area = Area.PEOPLE
    serializer_class = s.GroupSerializer

    def get_queryset(self) -> QuerySet[PupilGroup]:
        user = user_of(self.request)
        if not access.sees_pupils(user):
            return PupilGroup.objects.none()
        return PupilGroup.objects.filter(school=school_of(self.request))


class StaffViewSet(ReadOnly):
    """The school's staff and the classes they work with (admins and leaders)."""

    area = Area.PEOPLE
    serializer_class = s.StaffSerializer

    def get_queryset(self) -> QuerySet[User]:
        user = user_of(self.request)
        if user.role not in {Role.ADMIN, Role.LEADER} or not access.sees_pupils(user):
            return User.objects.none()
        return (
            User.objects.filter(school=school_of(self.request), api_key__isnull=True)
            .exclude(role=Role.TRUST_LEADER)
            .prefetch_related("assignments")
        )


class YearViewSet(ReadOnly):
    """The school's academic years."""

    area = Area.PEOPLE
    serializer_class = s.YearSerializer

    def get_queryset(self) -> QuerySet[AcademicYear]:
        return AcademicYear.objects.filter(school=school_of(self.request))


class PointViewSet(ReadOnly):
    """Assessment points of every year; `state` is open or closed."""

    area = Area.PEOPLE
    serializer_class = s.PointSerializer

    def get_queryset(self) -> QuerySet[AssessmentPoint]:
        return AssessmentPoint.objects.filter(school=school_of(self.request))


@extend_schema(responses=s.SchoolSerializer, summary="The school this key or account belongs to")
@api_view(["GET"])
def school(request: Request) -> Response:
    return Response(s.SchoolSerializer(school_of(request)).data)


school.cls.area = Area.PEOPLE  # type: ignore[attr-defined]
