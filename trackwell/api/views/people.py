"""Pupils, classes, enrolments, groups, staff, years and assessment points (read)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from trackwell.accounts import access
from trackwell.accounts import services as staff_services
from trackwell.accounts.models import AuditEntry, Role, User
from trackwell.accounts.services import StaffValues
from trackwell.api import mis_sync
from trackwell.api import serializers as s
from trackwell.api import serializers_people as ps
from trackwell.api.models import Area
from trackwell.api.problems import problem
from trackwell.api.views.base import (
    UPDATED_SINCE,
    ReadOnly,
    bool_param,
    int_param,
    key_of,
    school_of,
    since_param,
    user_of,
)
from trackwell.core.models import AcademicYear, AssessmentPoint
from trackwell.core.versioning import check_version
from trackwell.pupils.models import Enrolment, Pupil, PupilGroup, SchoolClass

CLASS_FILTER = OpenApiParameter("class", int, description="Only pupils enrolled in this class.")
YEAR_FILTER = OpenApiParameter("nc_year", int, description="Only this national curriculum year.")
INCLUDE_LEFT = OpenApiParameter(
    "include_left",
    bool,
    description="Also pupils who have left (`left_on` set). By default only pupils on roll; "
    "with `updated_since`, pupils who left since then are always included.",
)


@extend_schema_view(
    list=extend_schema(parameters=[CLASS_FILTER, YEAR_FILTER, INCLUDE_LEFT, UPDATED_SINCE])
)
class PupilViewSet(ReadOnly):
    """Pupils the key (or the signed-in member of staff) may see.

    SEN status, FSM, pupil premium and looked-after flags are null for pupils
    whose special-category data the caller may not see. A pupil who has left
    has `left_on` set; lists hold pupils on roll unless `include_left=true`.
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
        if self.action != "list":
            return qs
        since = since_param(self.request)
        if since is not None:
            # Pupils have no timestamp of their own: every change to one is in the audit
            # log (created, changed, moved, left), so that is what "changed since" reads.
            changed = AuditEntry.objects.filter(
                school_id=school_of(self.request).pk,
                object_type=Pupil._meta.label,
                at__gte=since,
            ).values_list("object_id", flat=True)
            ids = {int(i) for i in changed if i.isdigit()}
            return qs.filter(pk__in=ids)
        if not bool_param(self.request, "include_left"):
            qs = qs.filter(left_on__isnull=True)
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


# --- Writes for an MIS sync (people:write) ---------------------------------------------


@extend_schema(
    request=ps.PupilSyncSerializer,
    responses={
        200: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="The plan (`digest`, `summary`, `changes` field by field) and, unless "
            "`dry_run`, what was written (`done`).",
        ),
        400: OpenApiResponse(description="Problem details naming `pupils[INDEX].FIELD`."),
        409: OpenApiResponse(description="The plan moved on since the dry run's `plan_digest`."),
    },
    examples=[
        OpenApiExample(
            "A dry run of two pupils",
            value={
                "pupils": [
                    {
                        "upn": "A123456789012",
                        "first_name": "Amira",
                        "last_name": "Khan",
                        "date_of_birth": "2018-03-14",
                        "sex": "F",
                        "nc_year": 3,
                        "class_name": "3 Oak",
                        "fsm": False,
                    }
                ],
                "full_roll": False,
                "dry_run": True,
            },
            request_only=True,
        )
    ],
    summary="Sync pupils, their classes and enrolments from an MIS, as the CSV import does",
)
@api_view(["POST"])
def pupil_sync(request: Request) -> Response:
    user = user_of(request)
    school = access.imports_school(user, mis_sync.KIND)
    data = ps.PupilSyncSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    left_on = values.get("left_on")
    try:
        result = mis_sync.sync_pupils(
            user=user,
            school=school,
            records=values["pupils"],
            full_roll=values["full_roll"],
            left_on=left_on.isoformat() if left_on else None,
            dry_run=values["dry_run"],
            expected_digest=values.get("plan_digest"),
            key=key_of(request),
        )
    except mis_sync.StaleSync as exc:
        return problem(409, str(exc), slug="conflict")
    if result.errors:
        first = result.errors[0]
        return problem(
            400,
            f"{first['field']}: {first['reason']} Nothing was saved.",
            errors=result.errors,
            warnings=result.warnings,
        )
    assert result.plan is not None
    body = {
        "dry_run": values["dry_run"],
        **mis_sync.plan_json(result.plan),
        "warnings": result.warnings,
    }
    if result.done is not None:
        body["done"] = result.done
    return Response(body)


pupil_sync.cls.area = Area.PEOPLE  # type: ignore[attr-defined]


def _staff_values(data: dict[str, Any], current: User | None = None) -> StaffValues:
    def pick(name: str) -> Any:
        return data[name] if name in data else getattr(current, name)

    if "classes" in data:
        classes = frozenset(data["classes"])
    elif current is not None:
        classes = frozenset(current.assignments.values_list("school_class_id", flat=True))
    else:
        classes = frozenset()
    return StaffValues(pick("first_name"), pick("last_name"), pick("email"), pick("role"), classes)


class StaffWrites:
    """Create and change staff through the staff pages' services (people:write)."""

    @extend_schema(
        request=ps.StaffCreateSerializer,
        responses={201: s.StaffSerializer},
        summary="Add a member of staff (emailed a link to set their password)",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = user_of(request)
        school = access.people_school(user)
        data = ps.StaffCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff = staff_services.create_staff(
            user,
            school,
            _staff_values(data.validated_data),
            base_url=request.build_absolute_uri("/"),
            invite=data.validated_data["invite"],
        )
        return Response(s.StaffSerializer(staff).data, status=201)

    @extend_schema(
        request=ps.StaffUpdateSerializer,
        responses={200: s.StaffSerializer},
        summary="Change a member of staff (version-checked); is_active false deactivates",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = user_of(request)
        school = access.people_school(user)
        staff = access.get_staff_for_user(user, int(kwargs["pk"]))
        if staff.role not in {value for value, _ in ps.API_STAFF_ROLES}:
            raise PermissionDenied(
                f"{staff.get_full_name() or staff.username} is a {staff.get_role_display()}: "
                "accounts that reach the whole school are changed only in the web app, "
                "by a school admin."
            )
        data = ps.StaffUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic():
            if set(values) - {"version", "is_active"}:
                staff_services.update_staff(
                    user,
                    school,
                    staff,
                    _staff_values(values, staff),
                    expected_version=values["version"],
                )
            elif staff.version != values["version"]:
                check_version(staff, values["version"], what="This account")
            if "is_active" in values:
                staff_services.set_active(user, school, staff, active=values["is_active"])
        staff.refresh_from_db()
        return Response(s.StaffSerializer(staff).data)


class StaffViewSet(StaffWrites, ReadOnly):
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
