"""Tests, conversion tables, results and targets (read); results and targets in bulk (write)."""

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
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from trackwell.accounts import access
from trackwell.accounts.models import User, log_action
from trackwell.api import serializers_areas as s
from trackwell.api.models import Area
from trackwell.api.problems import problem
from trackwell.api.views.base import (
    UPDATED_SINCE,
    ReadOnly,
    int_param,
    key_of,
    since_param,
    user_of,
)
from trackwell.core.models import AssessmentPoint
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Enrolment
from trackwell.scores import services
from trackwell.scores.models import ConversionTable, Target, Test, TestResult, TestResultHistory
from trackwell.scores.targets import StaleTargets, TargetInput, save_targets


def _school_id(user: User) -> int:
    return access.school_id_of(user) if access.sees_tests(user) else -1


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("nc_year", int, description="Only this year group's tests.")]
    )
)
class TestViewSet(ReadOnly):
    """The school's tests: subject, year group, date, maximum raw mark, how it is scored."""

    area = Area.TESTS
    serializer_class = s.TestSerializer

    def get_queryset(self) -> QuerySet[Test]:
        qs = Test.objects.filter(school_id=_school_id(user_of(self.request)))
        nc_year = int_param(self.request, "nc_year")
        return qs.filter(nc_year=nc_year) if nc_year is not None else qs


class ConversionTableViewSet(ReadOnly):
    """Conversion tables: which raw mark (at which age in months) gives which score."""

    area = Area.TESTS
    serializer_class = s.ConversionTableSerializer

    def get_queryset(self) -> QuerySet[ConversionTable]:
        return ConversionTable.objects.filter(
            school_id=_school_id(user_of(self.request))
        ).prefetch_related("rows")


RESULT_FILTERS = [
    OpenApiParameter("test", int, description="Only this test's results."),
    OpenApiParameter("pupil", int, description="Only this pupil's results."),
    UPDATED_SINCE,
]


@extend_schema_view(list=extend_schema(parameters=RESULT_FILTERS))
class ResultViewSet(ReadOnly):
    """Each pupil's raw mark and score per test; a cleared mark stays with `raw_mark` null."""

    area = Area.TESTS
    serializer_class = s.ResultSerializer

    def get_queryset(self) -> QuerySet[TestResult]:
        user = user_of(self.request)
        if not access.sees_tests(user):
            return TestResult.objects.none()
        qs = TestResult.objects.filter(pupil__in=access.visible_pupils(user))
        for param, name in (("test", "test_id"), ("pupil", "pupil_id")):
            value = int_param(self.request, param)
            if value is not None:
                qs = qs.filter(**{name: value})
        since = since_param(self.request)
        if since is not None:
            qs = qs.filter(updated_at__gte=since)
        return qs

    @extend_schema(
        request=s.BulkResultsSerializer,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Every result as it is now."),
            400: OpenApiResponse(description="Problem details naming each bad mark."),
            404: OpenApiResponse(description="The test, or some pupils, are not yours to change."),
            409: OpenApiResponse(description="Some results moved on; `conflicts` holds them."),
        },
        examples=[
            OpenApiExample(
                "Two marks",
                value={
                    "test": 7,
                    "results": [
                        {"pupil": 12, "raw_mark": 31, "version": 0},
                        {"pupil": 13, "raw_mark": None, "version": 2},
                    ],
                },
                request_only=True,
            )
        ],
        summary="Set many pupils' raw marks for a test, all or nothing, each with its version",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        user = user_of(request)
        data = s.BulkResultsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        test = access.get_test_for_user(user, data.validated_data["test"])
        rows = data.validated_data["results"]
        errors = []
        seen: set[int] = set()
        for index, row in enumerate(rows):
            if row["pupil"] in seen:
                errors.append({"field": f"results[{index}].pupil", "reason": "Sent twice."})
            seen.add(row["pupil"])
            if row["raw_mark"] is not None and row["raw_mark"] > test.max_raw_mark:
                errors.append(
                    {
                        "field": f"results[{index}].raw_mark",
                        "reason": f"A raw mark of {row['raw_mark']} is outside "
                        f"0-{test.max_raw_mark} for this test.",
                    }
                )
        if errors:
            return problem(400, f"{errors[0]['field']}: {errors[0]['reason']}", errors=errors)
        editable = set(
            Enrolment.objects.filter(
                school_class__in=access.editable_classes(user), pupil__school_id=test.school_id
            ).values_list("pupil_id", flat=True)
        )
        outside = [i for i, row in enumerate(rows) if row["pupil"] not in editable]
        if outside:
            return problem(
                404,
                "Some results name pupils that are not yours to change.",
                errors=[
                    {"field": f"results[{i}].pupil", "reason": "No such pupil."}
                    for i in outside[:100]
                ],
            )
        try:
            with transaction.atomic():
                states = services.save_results(
                    user=user,
                    test=test,
                    marks={row["pupil"]: (row["raw_mark"], row["version"]) for row in rows},
                    source=TestResultHistory.Source.API,
                )
                log_action(
                    school=test.school,
                    user=user,
                    action="api_results_bulk",
                    obj=key_of(request) or user,
                    new={"test": test.pk, "results": len(rows)},
                )
        except services.StaleResults as exc:
            return problem(
                409,
                f"{len(exc.current)} result(s) changed since the versions you sent. "
                "Nothing was saved: read them again and resend.",
                slug="conflict",
                conflicts=[c.as_dict() for c in exc.current],
            )
        return Response({"results": [c.as_dict() for c in states]})


TARGET_FILTERS = [
    OpenApiParameter("pupil", int, description="Only this pupil's targets."),
    OpenApiParameter("subject", int, description="Only this subject's targets."),
    OpenApiParameter("point", int, description="Only targets for this assessment point."),
    UPDATED_SINCE,
]


@extend_schema_view(list=extend_schema(parameters=TARGET_FILTERS))
class TargetViewSet(ReadOnly):
    """Pupils' targets per subject and assessment point (a band, a test score or a % secure).

    A removed target is reported by `/api/v1/deletions/`.
    """

    area = Area.TESTS
    serializer_class = s.TargetSerializer

    def get_queryset(self) -> QuerySet[Target]:
        user = user_of(self.request)
        if not access.sees_tests(user):
            return Target.objects.none()
        qs = Target.objects.filter(pupil__in=access.visible_pupils(user))
        for param, name in (
            ("pupil", "pupil_id"),
            ("subject", "subject_id"),
            ("point", "point_id"),
        ):
            value = int_param(self.request, param)
            if value is not None:
                qs = qs.filter(**{name: value})
        since = since_param(self.request)
        if since is not None:
            qs = qs.filter(set_at__gte=since)
        return qs

    @extend_schema(
        request=s.BulkTargetsSerializer,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The class's targets now."),
            409: OpenApiResponse(description="Some targets moved on; `conflicts` holds them."),
        },
        summary="Set (and clear) a class's targets for a subject and point, all or nothing",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        user = user_of(request)
        data = s.BulkTargetsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        school_class = access.get_class_for_user(user, v["class"], edit=True)
        subject = _in_school(Subject, v["subject"], school_class.school_id)
        point = _in_school(AssessmentPoint, v["point"], school_class.school_id)
        entries = [
            TargetInput(t["pupil"], t["kind"], t.get("band"), t.get("value"), t["version"])
            for t in v["targets"]
        ]
        cleared = [c["pupil"] for c in v["clear"]]
        errors = []
        seen: set[int] = set()
        for field, pids in (("targets", [e.pupil_id for e in entries]), ("clear", cleared)):
            for index, pid in enumerate(pids):
                if pid in seen:
                    errors.append(
                        {
                            "field": f"{field}[{index}].pupil",
                            "reason": "Sent twice: give or clear each pupil's target once.",
                        }
                    )
                seen.add(pid)
        if errors:
            return problem(400, f"{errors[0]['field']}: {errors[0]['reason']}", errors=errors)
        try:
            with transaction.atomic():
                changed = save_targets(
                    user=user,
                    school_class=school_class,
                    subject=subject,
                    point=point,
                    entries=entries,
                    clear={c["pupil"]: c["version"] for c in v["clear"]},
                )
                log_action(
                    school=school_class.school,
                    user=user,
                    action="api_targets_bulk",
                    obj=key_of(request) or user,
                    new={"class": school_class.pk, "targets": len(entries), "changed": changed},
                )
        except StaleTargets as exc:
            return problem(
                409,
                f"{len(exc.current)} target(s) changed since the versions you sent. "
                "Nothing was saved: read them again and resend.",
                slug="conflict",
                conflicts=[
                    {"pupil": pid, "target": s.TargetSerializer(t).data if t else None}
                    for pid, t in exc.current.items()
                ],
            )
        wanted = [e.pupil_id for e in entries] + cleared
        now = Target.objects.filter(subject=subject, point=point, pupil_id__in=wanted)
        return Response({"changed": changed, "targets": s.TargetSerializer(now, many=True).data})


def _in_school(model: Any, pk: int, school_id: int) -> Any:
    from django.http import Http404

    try:
        return model.objects.get(pk=pk, school_id=school_id)
    except model.DoesNotExist:
        raise Http404(f"No such {model._meta.verbose_name}") from None
