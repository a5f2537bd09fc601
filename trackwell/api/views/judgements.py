"""Judgements: read with filters and incremental sync; many cells in one all-or-nothing write."""

from __future__ import annotations

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
from trackwell.accounts.models import log_action
from trackwell.api import serializers as s
from trackwell.api.models import Area
from trackwell.api.problems import problem
from trackwell.api.views.base import UPDATED_SINCE, ReadOnly, int_param, since_param, user_of
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.assessment.services import CellWrite, OutOfScope, StaleEdit, set_cells
from trackwell.pupils.models import Enrolment

FILTERS = [
    OpenApiParameter("class", int, description="Only pupils enrolled in this class."),
    OpenApiParameter("pupil", int, description="Only this pupil."),
    OpenApiParameter("framework", int, description="Only this framework's objectives."),
    OpenApiParameter("objective", int, description="Only this objective."),
    UPDATED_SINCE,
]


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class JudgementViewSet(ReadOnly):
    """Each pupil's current rating per objective.

    A cell someone cleared stays in the list with `code` null and `cleared`
    true, so an incremental sync (`updated_since`) sees the clearing.
    """

    area = Area.JUDGEMENTS
    serializer_class = s.JudgementSerializer

    def get_queryset(self) -> QuerySet[Judgement]:
        user = user_of(self.request)
        qs = Judgement.objects.filter(pupil__in=access.visible_pupils(user)).select_related("level")
        for param, field in (
            ("pupil", "pupil_id"),
            ("objective", "objective_id"),
            ("framework", "objective__framework_id"),
        ):
            value = int_param(self.request, param)
            if value is not None:
                qs = qs.filter(**{field: value})
        class_id = int_param(self.request, "class")
        if class_id is not None:
            qs = qs.filter(
                pupil_id__in=Enrolment.objects.filter(school_class_id=class_id).values("pupil_id")
            )
        since = since_param(self.request)
        if since is not None:
            qs = qs.filter(updated_at__gte=since)
        return qs

    @extend_schema(
        request=s.BulkJudgementSerializer,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Every cell as it is now."),
            400: OpenApiResponse(description="Problem details naming each bad cell field."),
            404: OpenApiResponse(description="Some cells name pupils or objectives out of scope."),
            409: OpenApiResponse(
                description="Some cells moved on since the versions sent; `conflicts` holds "
                "each one as it is now. Nothing was saved."
            ),
        },
        examples=[
            OpenApiExample(
                "Two cells",
                value={
                    "cells": [
                        {"pupil": 12, "objective": 301, "code": "2", "version": 0},
                        {"pupil": 13, "objective": 301, "code": "", "version": 3},
                    ]
                },
                request_only=True,
            )
        ],
        summary="Set many cells at once, all or nothing, each with the version it expects",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        data = s.BulkJudgementSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_of(request)
        cells = [
            CellWrite(
                pupil_id=c["pupil"],
                objective_id=c["objective"],
                code=c.get("code"),
                expected_version=c["version"],
                note=c.get("note"),
            )
            for c in data.validated_data["cells"]
        ]
        editable = Enrolment.objects.filter(
            school_class__in=access.editable_classes(user)
        ).values_list("pupil_id", flat=True)
        try:
            states = set_cells(
                user=user,
                editable_pupil_ids=editable,
                cells=cells,
                source=JudgementHistory.Source.API,
            )
        except OutOfScope as exc:
            return problem(
                404,
                "Some cells name pupils or objectives that are not yours to change.",
                errors=[
                    {"field": f"cells[{i}]", "reason": "No such pupil or objective."}
                    for i in exc.indexes[:100]
                ],
            )
        except StaleEdit as exc:
            return problem(
                409,
                f"{len(exc.current)} cell(s) changed since the versions you sent. "
                "Nothing was saved: read them again and resend.",
                slug="conflict",
                conflicts=[c.as_dict() for c in exc.current],
            )
        key = request.auth
        log_action(
            school=access.school_of(user),
            user=user,
            action="api_judgements_bulk",
            obj=key if key is not None else user,
            new={"cells": len(cells)},
        )
        return Response({"cells": [c.as_dict() for c in states]})
