"""Pupil progress meetings: the meetings, their agendas, decisions and actions (read).

Meetings are about named pupils and the support they get, so they are in the
`provision` area. Whoever may open a meeting's page may read it here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from trackwell.accounts import access
from trackwell.accounts.models import AuditEntry
from trackwell.api import serializers_areas as s
from trackwell.api.auth import ANY_AREA
from trackwell.api.models import Area
from trackwell.api.views.base import (
    UPDATED_SINCE,
    ReadOnly,
    int_param,
    key_of,
    school_of,
    since_param,
    user_of,
)
from trackwell.meetings.models import Action, Decision, Meeting
from trackwell.meetings.queries import build_agenda

MEETING_FILTER = OpenApiParameter("meeting", int, description="Only this meeting's rows.")


@extend_schema_view(list=extend_schema(parameters=[UPDATED_SINCE]))
class MeetingViewSet(ReadOnly):
    """Meetings the caller may see: which class or year group, when, and their state."""

    area = Area.PROVISION
    serializer_class = s.MeetingSerializer

    def get_queryset(self) -> QuerySet[Meeting]:
        qs = access.visible_meetings(user_of(self.request)).select_related("school_class")
        since = since_param(self.request)
        return qs.filter(updated_at__gte=since) if since is not None else qs

    @extend_schema(
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Each pupil on the agenda: why (reasons), gaps per subject (objective "
                "ids), why added by hand; `special` is null for callers who may not see "
                "special-category data.",
            )
        },
        summary="The meeting's agenda: the pupils to discuss and why",
    )
    @action(detail=True, methods=["get"])
    def agenda(self, request: Request, pk: int) -> Response:
        user = user_of(request)
        meeting = access.get_meeting_for_user(user, int(pk))
        agenda = build_agenda(meeting, user)
        items: list[dict[str, Any]] = []
        for item in agenda.pupils:
            items.append(
                {
                    "pupil_id": item.pupil.pk,
                    "reasons": [{"kind": r.kind, "text": r.text} for r in item.reasons],
                    "added_reason": item.added_reason,
                    "gaps": {str(k): [o.pk for o in v] for k, v in item.gaps.items()},
                    "special": item.special if agenda.shows_special else None,
                    "decisions": [d.pk for d in item.decisions],
                    "actions": [a.pk for a in item.actions],
                }
            )
        return Response(
            {
                "meeting": meeting.pk,
                "point": agenda.point.pk,
                "subjects": [subject.pk for subject in agenda.subjects],
                "pupils": items,
            }
        )


@extend_schema_view(list=extend_schema(parameters=[MEETING_FILTER]))
class DecisionViewSet(ReadOnly):
    """Decisions recorded in meetings (withdrawn ones stay, with `withdrawn` true)."""

    area = Area.PROVISION
    serializer_class = s.DecisionSerializer

    def get_queryset(self) -> QuerySet[Decision]:
        meetings = access.visible_meetings(user_of(self.request)).values("pk")
        qs = Decision.objects.filter(meeting_id__in=meetings)
        meeting = int_param(self.request, "meeting")
        return qs.filter(meeting_id=meeting) if meeting is not None else qs


@extend_schema_view(list=extend_schema(parameters=[MEETING_FILTER, UPDATED_SINCE]))
class ActionViewSet(ReadOnly):
    """Actions agreed in meetings: who, by when, open or done, and what became of them."""

    area = Area.PROVISION
    serializer_class = s.ActionSerializer

    def get_queryset(self) -> QuerySet[Action]:
        qs = access.visible_actions(user_of(self.request))
        meeting = int_param(self.request, "meeting")
        if meeting is not None:
            qs = qs.filter(meeting_id=meeting)
        since = since_param(self.request)
        return qs.filter(updated_at__gte=since) if since is not None else qs


# Deletions, as the audit log records them: action -> (resource, area).
DELETIONS = {
    "scores.target.clear": ("targets", Area.TESTS),
    "provision.participant.remove": ("participants", Area.PROVISION),
    "group.delete": ("groups", Area.PEOPLE),
}


@extend_schema(
    parameters=[UPDATED_SINCE],
    responses={
        200: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="`deletions`: each record removed since then as {resource, id, at}, "
            "for the areas the key may read, oldest first (at most 5,000).",
        )
    },
    summary="Records removed (targets cleared, pupils taken out of interventions, groups)",
)
@api_view(["GET"])
def deletions(request: Request) -> Response:
    user = user_of(request)
    school = school_of(request)
    key = key_of(request)
    actions = [
        name
        for name, (_, area) in DELETIONS.items()
        if key is None or key.allows(area, write=False)
    ]
    if not access.sees_pupils(user):
        actions = []
    qs = AuditEntry.objects.filter(school=school, action__in=actions).order_by("at", "id")
    since = since_param(request)
    if since is not None:
        qs = qs.filter(at__gte=since)
    rows = qs.values_list("action", "object_id", "at")[:5000]
    return Response(
        {
            "deletions": [
                {"resource": DELETIONS[a][0], "id": int(i), "at": at.isoformat()}
                for a, i, at in rows
                if i.isdigit()
            ]
        }
    )


deletions.cls.area = ANY_AREA  # type: ignore[attr-defined]
