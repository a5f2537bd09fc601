"""What every endpoint shares: the acting user, the school, and common filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, viewsets
from rest_framework.request import Request

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.api.models import ApiKey
from trackwell.core.models import AssessmentPoint, School

UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="Only rows changed at or after this time (ISO 8601), for incremental sync.",
)


def user_of(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    if access.is_parent(user):
        # Parents have family pages only; the API is for staff and systems (issue 12).
        raise Http404("No such endpoint")
    return user


def key_of(request: Request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


def school_of(request: Request) -> School:
    """The one school the request reaches (404 for trust keys and accounts without one)."""
    return access.school_of(user_of(request))


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw))
    except ValueError:
        raise exceptions.ValidationError({name: "Expected a whole number."}) from None
    if not 0 < value < 2**62:
        raise exceptions.ValidationError({name: "Expected a positive id."})
    return value


def bool_param(request: Request, name: str) -> bool:
    raw = str(request.query_params.get(name, "")).strip().lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise exceptions.ValidationError({name: "Expected true or false."})


def since_param(request: Request) -> dt.datetime | None:
    raw = request.query_params.get("updated_since")
    if raw in (None, ""):
        return None
    try:
        value = parse_datetime(str(raw))
    except ValueError:
        value = None
    if value is None:
        raise exceptions.ValidationError(
            {"updated_since": "Expected an ISO 8601 date and time, e.g. 2026-12-01T06:00:00Z."}
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        # In UTC: PostgreSQL refuses offsets beyond its range (+22:55 is valid ISO 8601).
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise exceptions.ValidationError(
            {"updated_since": "That date and time is out of range."}
        ) from None


def point_param(request: Request, school: School) -> AssessmentPoint:
    """`?point=` or the school's current assessment point."""
    from trackwell.analysis.evaluation import current_point, current_year

    point_id = int_param(request, "point")
    if point_id is not None:
        try:
            return AssessmentPoint.objects.select_related("year").get(pk=point_id, school=school)
        except AssessmentPoint.DoesNotExist:
            raise Http404("No such assessment point") from None
    year = current_year(school.pk)
    point = current_point(year) if year else None
    if point is None:
        raise Http404("The school has no current assessment point")
    return point


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    """A read-only collection in one area."""

    area: str = ""
    lookup_value_converter = "int"

    def get_serializer_context(self) -> dict[str, Any]:
        return super().get_serializer_context()
