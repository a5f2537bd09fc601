"""What the report pages share: the signed-in user and the school's current point."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from trackwell.accounts.models import User
from trackwell.analysis.evaluation import current_point, current_year
from trackwell.core.models import AcademicYear, AssessmentPoint


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class NoCurrentPoint(Http404):
    """The school has no current year with assessment points yet."""


def _year_and_point(school_id: int) -> tuple[AcademicYear, AssessmentPoint]:
    year = current_year(school_id)
    point = current_point(year) if year else None
    if year is None or point is None:
        raise NoCurrentPoint("No current year with assessment points")
    return year, point
