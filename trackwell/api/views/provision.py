"""Interventions, their pupils and measures (read); plan, add, remove, record outcomes (write).

Every write goes through provision's services, version-checked where people share
the record, each in the audit log naming the key's account.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from trackwell.accounts import access
from trackwell.api import serializers_areas as s
from trackwell.api.models import Area
from trackwell.api.views.base import ReadOnly, int_param, user_of
from trackwell.provision import participants as participant_services
from trackwell.provision import services
from trackwell.provision.models import Intervention, Measure, Participant

INTERVENTION_FILTERS = [
    OpenApiParameter("pupil", int, description="Only interventions this pupil takes part in."),
    OpenApiParameter("status", str, description="planned, running, stopped or completed."),
]
PARTICIPANT_FILTERS = [
    OpenApiParameter("intervention", int, description="Only this intervention's pupils."),
    OpenApiParameter("pupil", int, description="Only this pupil's places."),
]


@extend_schema_view(list=extend_schema(parameters=INTERVENTION_FILTERS))
class InterventionViewSet(ReadOnly):
    """Interventions the caller may see, with their plan; `create` plans a new one."""

    area = Area.PROVISION
    serializer_class = s.InterventionSerializer

    def get_queryset(self) -> QuerySet[Intervention]:
        user = user_of(self.request)
        qs = access.visible_interventions(user).prefetch_related(
            "objectives", "measures", "staff", "funding"
        )
        pupil = int_param(self.request, "pupil")
        if pupil is not None:
            qs = qs.filter(participants__pupil_id=pupil)
        status = self.request.query_params.get("status")
        if status:
            qs = qs.filter(status=str(status)[:20])
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["special"] = access.sees_special_category(user_of(self.request))
        return context

    @extend_schema(
        request=s.InterventionCreateSerializer,
        responses={201: s.InterventionSerializer},
        summary="Plan an intervention (SENCOs, leaders and admins), optionally with its pupils",
    )
    def create(self, request: Request) -> Response:
        user = user_of(request)
        school = access.provision_school(user, manage=True)
        data = s.InterventionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        intervention = services.create_intervention(
            user=user,
            school=school,
            name=v["name"],
            area=v["area"],
            start_date=v["start_date"],
            end_date=v.get("end_date"),
            subject_id=v.get("subject"),
            description=v.get("description", ""),
            weeks=v["weeks"],
            sessions_per_week=v["sessions_per_week"],
            minutes_per_session=v["minutes_per_session"],
            group_size=v["group_size"],
            objective_ids=v.get("objectives", []),
            measure_ids=v.get("measures", []),
            pupil_ids=v.get("pupils", []),
            target=v.get("target", ""),
        )
        found = self.get_queryset().get(pk=intervention.pk)
        return Response(self.get_serializer(found).data, status=201)

    @extend_schema(
        request=s.ParticipantAddSerializer,
        responses={201: s.ParticipantSerializer},
        summary="Add a pupil to the intervention with their target",
    )
    @action(detail=True, methods=["post"])
    def participants(self, request: Request, pk: int) -> Response:
        user = user_of(request)
        intervention = access.get_intervention_for_user(user, int(pk), edit=True)
        data = s.ParticipantAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pupil = access.get_pupil_for_user(user, data.validated_data["pupil"])
        participant = participant_services.add_participant(
            user=user,
            intervention=intervention,
            pupil=pupil,
            target=data.validated_data.get("target", ""),
            success_criteria=data.validated_data.get("success_criteria", ""),
        )
        return Response(_participant(participant.pk), status=201)


def _participant(pk: int) -> dict[str, Any]:
    found = Participant.objects.prefetch_related("values").get(pk=pk)
    return dict(s.ParticipantSerializer(found).data)


@extend_schema_view(list=extend_schema(parameters=PARTICIPANT_FILTERS))
class ParticipantViewSet(ReadOnly):
    """Pupils' places in interventions: targets, entry and exit values, outcomes."""

    area = Area.PROVISION
    serializer_class = s.ParticipantSerializer

    def get_queryset(self) -> QuerySet[Participant]:
        user = user_of(self.request)
        qs = Participant.objects.filter(
            intervention__in=access.visible_interventions(user)
        ).prefetch_related("values")
        for param, name in (("intervention", "intervention_id"), ("pupil", "pupil_id")):
            value = int_param(self.request, param)
            if value is not None:
                qs = qs.filter(**{name: value})
        return qs

    @extend_schema(
        request=s.ParticipantRemoveSerializer,
        responses={200: s.ParticipantSerializer, 204: None},
        summary="Take a pupil out (leaves on a date if anything was recorded; else removed)",
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: int) -> Response:
        user = user_of(request)
        participant = access.get_participant_for_user(user, int(pk), edit=True)
        data = s.ParticipantRemoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kept = participant_services.remove_participant(
            user=user,
            participant=participant,
            expected_version=data.validated_data["version"],
            on=data.validated_data.get("on"),
            reason=data.validated_data.get("reason", ""),
        )
        if kept is None:
            return Response(status=204)
        return Response(_participant(kept.pk))

    @extend_schema(
        request=s.OutcomeSerializer,
        responses={200: s.ParticipantSerializer},
        summary="Record an exit value on a measure; the outcome is worked out from the target",
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: int) -> Response:
        user = user_of(request)
        participant = access.get_participant_for_user(user, int(pk), record=True)
        data = s.OutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            measure = Measure.objects.get(
                pk=data.validated_data["measure"], school_id=participant.school_id
            )
        except Measure.DoesNotExist:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"measure": "No such measure at this school."}) from None
        participant_services.record_exit(
            user=user,
            participant=participant,
            measure=measure,
            expected_version=data.validated_data["version"],
            value=data.validated_data["exit_value"],
            on=data.validated_data.get("on"),
        )
        return Response(_participant(participant.pk))


class MeasureViewSet(ReadOnly):
    """The school's measures of progress in interventions (steps, scores, ...)."""

    area = Area.PROVISION
    serializer_class = s.MeasureSerializer

    def get_queryset(self) -> QuerySet[Measure]:
        user = user_of(self.request)
        if not access.sees_pupils(user):
            return Measure.objects.none()
        return Measure.objects.filter(school_id=access.school_id_of(user)).prefetch_related("steps")
