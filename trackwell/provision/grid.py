"""Reading the tracking grid as a measure: how many of some objectives each pupil has secured."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import OuterRef, Subquery

from trackwell.assessment.models import Judgement, JudgementHistory


@dataclass
class GridReading:
    """A pupil's secured count on some objectives, with each objective's rating code."""

    secured: int = 0
    codes: dict[str, str] = field(default_factory=dict)  # objective id (as text) -> code


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of a school day, in the school's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone)


def read_grid(
    pupil_ids: Collection[int], objective_ids: Collection[int], on: dt.date | None = None
) -> dict[int, GridReading]:
    """Each pupil's ratings on the objectives as the grid stood at the end of `on` (now if None).

    One query: the latest history row at that moment, for every judgement.
    """
    result = {pid: GridReading() for pid in pupil_ids}
    if not pupil_ids or not objective_ids:
        return result
    judgements = Judgement.objects.filter(
        pupil_id__in=list(pupil_ids), objective_id__in=list(objective_ids)
    )
    if on is None:
        rows = judgements.filter(level__isnull=False).values_list(
            "pupil_id", "objective_id", "level__code", "level__counts_as_secure"
        )
    else:
        latest = JudgementHistory.objects.filter(
            judgement=OuterRef("pk"), changed_at__lte=end_of_day(on)
        ).order_by("-changed_at", "-version")
        rows = (
            judgements.annotate(
                code_then=Subquery(latest.values("new_level__code")[:1]),
                secure_then=Subquery(latest.values("new_level__counts_as_secure")[:1]),
            )
            .filter(code_then__isnull=False)
            .values_list("pupil_id", "objective_id", "code_then", "secure_then")
        )
    for pupil_id, objective_id, code, secure in rows:
        reading = result[pupil_id]
        reading.codes[str(objective_id)] = code
        if secure:
            reading.secured += 1
    return result
