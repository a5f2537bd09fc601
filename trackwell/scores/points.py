"""Points, for schools that insist on them: off until a leader switches them on.

A points scale hides most of what the tracker knows: which objectives are
secure, where the gaps are, and that learning goes up and down. WARNING is
what the switching-on screen says, word for word.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.analysis.evaluation import PointResults
from trackwell.analysis.models import Band
from trackwell.core.models import School
from trackwell.core.versioning import locked_for_edit, save_versioned
from trackwell.curriculum.models import RatingLevel

from .models import BandPoints, LevelPoints, PointsSetting

WARNING = [
    "A points score turns each pupil's learning into one number. That number hides which "
    "objectives a pupil has secured and which are gaps, so it cannot tell a teacher what to "
    "teach next.",
    "Equal steps in points are not equal steps in learning: moving from 'developing' to "
    "'secure' is not the same distance in every subject or every year.",
    "Averages of points make it look as if progress should be a straight line. Learning is "
    "not linear: pupils dip and recover, and a points line can make a normal dip look like "
    "failure, or hide a real gap behind a good average.",
    "Points invite comparison of classes and teachers. Trackwell will not rank teachers, "
    "and points shown here are for the school's own reports only.",
    "Bands, targets, test scores and the teacher's judgement keep working whether points "
    "are on or off. You can switch points off again at any time; nothing is lost.",
]


def setting(school: School) -> PointsSetting:
    """The school's points setting (off unless a leader switched it on)."""
    found, _ = PointsSetting.objects.get_or_create(school=school)
    return found


def points_on(school_id: int) -> bool:
    """Whether points may be shown at all for this school."""
    return PointsSetting.objects.filter(school_id=school_id, enabled=True).exists()


def switch(
    *,
    user: User,
    school: School,
    enabled: bool,
    expected_version: int | None,
    understood: bool,
) -> PointsSetting:
    """Switch points on (only with the warning read) or off, version-checked and logged."""
    if enabled and not understood:
        raise ValidationError(
            "Tick the box to say you have read what points hide before switching them on."
        )
    setting(school)
    with transaction.atomic():
        current = locked_for_edit(
            PointsSetting.objects.filter(school=school),
            PointsSetting.objects.get(school=school).pk,
            expected_version,
            yours={"enabled": enabled},
            labels={"enabled": "Points on"},
            what="The points setting",
        )
        old = current.enabled
        current.enabled = enabled
        current.changed_by = user
        current.changed_at = timezone.now()
        save_versioned(current, ["enabled", "changed_by", "changed_at"])
        log_action(
            school=school,
            user=user,
            action="scores.points.switch",
            obj=current,
            old=old,
            new=enabled,
        )
    return current


def _number(raw: str, what: str) -> Decimal | None:
    text = raw.strip()
    if text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(f"{what}: {text!r} is not a number.") from exc
    if not value.is_finite() or not Decimal("-999") <= value <= Decimal("999"):
        raise ValidationError(f"{what}: points run from -999 to 999.")
    return value.quantize(Decimal("0.1"))


@transaction.atomic
def set_points(
    *, user: User, school: School, band_points: Mapping[int, str], level_points: Mapping[int, str]
) -> None:
    """The points of each band and rating level (blank: no points), all or nothing."""
    if not points_on(school.pk):
        raise ValidationError("Switch points on first.")
    bands = {b.pk: b for b in Band.objects.filter(school=school, pk__in=list(band_points))}
    levels = {
        lv.pk: lv for lv in RatingLevel.objects.filter(school=school, pk__in=list(level_points))
    }
    errors = []
    parsed_bands, parsed_levels = {}, {}
    for pk, raw in band_points.items():
        if pk not in bands:
            errors.append(f"Band {pk} is not one of the school's.")
            continue
        try:
            parsed_bands[pk] = _number(raw, bands[pk].label)
        except ValidationError as exc:
            errors += exc.messages
    for pk, raw in level_points.items():
        if pk not in levels:
            errors.append(f"Rating {pk} is not one of the school's.")
            continue
        try:
            parsed_levels[pk] = _number(raw, levels[pk].label)
        except ValidationError as exc:
            errors += exc.messages
    if errors:
        raise ValidationError(errors)
    for pk, value in parsed_bands.items():
        if value is None:
            BandPoints.objects.filter(band_id=pk).delete()
        else:
            BandPoints.objects.update_or_create(
                band_id=pk, defaults={"school": school, "points": value}
            )
    for pk, value in parsed_levels.items():
        if value is None:
            LevelPoints.objects.filter(level_id=pk).delete()
        else:
            LevelPoints.objects.update_or_create(
                level_id=pk, defaults={"school": school, "points": value}
            )
    log_action(
        school=school,
        user=user,
        action="scores.points.set",
        obj=school,
        new={
            "bands": {k: str(v) for k, v in parsed_bands.items()},
            "levels": {k: str(v) for k, v in parsed_levels.items()},
        },
    )


@dataclass
class PointsRow:
    label: str
    pupils: int
    mean_then: float | None
    mean_now: float | None

    @property
    def change(self) -> float | None:
        if self.mean_then is None or self.mean_now is None:
            return None
        return round(self.mean_now - self.mean_then, 1)


def points_progress(
    school_id: int, first: PointResults, now: PointResults, subject_id: int
) -> list[PointsRow]:
    """Mean attainment band points by year group at an earlier point and now."""
    values = dict(BandPoints.objects.filter(school_id=school_id).values_list("band_id", "points"))

    def points_of(results: PointResults) -> dict[int, tuple[int, float]]:
        found = {}
        for (pid, sid), row in results.rows.items():
            band = row.attainment.shown if row.attainment else None
            if sid == subject_id and band is not None and band.pk in values:
                found[pid] = (row.nc_year, float(values[band.pk]))
        return found

    then, current = points_of(first), points_of(now)
    rows = []
    for nc in sorted({y for y, _ in current.values()} | {y for y, _ in then.values()}):
        both = [p for p in current if current[p][0] == nc and p in then]
        rows.append(
            PointsRow(
                "Reception" if nc == 0 else f"Year {nc}",
                len(both),
                round(sum(then[p][1] for p in both) / len(both), 1) if both else None,
                round(sum(current[p][1] for p in both) / len(both), 1) if both else None,
            )
        )
    return rows
