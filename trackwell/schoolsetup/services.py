"""Academic years and their assessment points: created, dates edited, made current.

In transactions, with audit. A closed point's date is not moved: its record
(snapshot) was taken for that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts.models import log_action
from trackwell.core.models import AcademicYear, AssessmentPoint, School
from trackwell.core.versioning import check_version, save_versioned


@dataclass(frozen=True)
class PointSpec:
    """One assessment point of a year: name, date, baseline or not; pk when it exists."""

    name: str
    date: dt.date | None
    is_baseline: bool = False
    pk: int | None = None


def english_date(day: dt.date) -> str:
    """A date as schools write it: 1 December 2026."""
    return f"{day.day} {day:%B %Y}"


def _check_year(
    school: School, name: str, start: Any, end: Any, exclude_pk: int | None
) -> tuple[str, dt.date, dt.date]:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the year a name, for example 2026/27."
    elif len(name) > 20:
        errors["name"] = "The name is longer than 20 characters."
    else:
        taken = AcademicYear.objects.filter(school=school, name__iexact=name)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["name"] = f"There is already a year called {name}."
    if not isinstance(start, dt.date):
        errors["start_date"] = "Give the first day of the year."
    if not isinstance(end, dt.date):
        errors["end_date"] = "Give the last day of the year."
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        if end <= start:
            errors["end_date"] = "The year must end after it starts."
        elif (end - start).days > 400:
            errors["end_date"] = "A school year lasts at most about twelve months."
        else:
            overlapping = AcademicYear.objects.filter(
                school=school, start_date__lte=end, end_date__gte=start
            )
            if exclude_pk is not None:
                overlapping = overlapping.exclude(pk=exclude_pk)
            other = overlapping.first()
            if other is not None:
                errors["start_date"] = (
                    f"These dates overlap {other.name} ({english_date(other.start_date)} to "
                    f"{english_date(other.end_date)})."
                )
    if errors:
        raise ValidationError(errors)
    return name, start, end


def _check_points(points: Sequence[PointSpec], start: dt.date, end: dt.date) -> None:
    errors: dict[str, str] = {}
    count = len(points)
    if not AssessmentPoint.MIN_PER_YEAR <= count <= AssessmentPoint.MAX_PER_YEAR:
        errors["points"] = (
            f"A year has {AssessmentPoint.MIN_PER_YEAR} to {AssessmentPoint.MAX_PER_YEAR} "
            f"assessment points (a baseline counts as one); this has {count}."
        )
    if sum(p.is_baseline for p in points) > 1:
        errors["points"] = "A year has at most one baseline."
    names = [p.name.strip().lower() for p in points]
    for i, p in enumerate(points, start=1):
        label = f"point_{i}"
        if not p.name.strip():
            errors[label] = f"Point {i}: give it a name, for example Autumn."
        elif len(p.name.strip()) > 60:
            errors[label] = f"Point {i}: the name is longer than 60 characters."
        elif names.count(p.name.strip().lower()) > 1:
            errors[label] = f"Point {i}: another point of the year is called {p.name.strip()}."
        elif p.date is None:
            errors[label] = f"Point {i} ({p.name.strip()}): give its date."
        elif not start <= p.date <= end:
            errors[label] = (
                f"Point {i} ({p.name.strip()}): {english_date(p.date)} is outside the year "
                f"({english_date(start)} to {english_date(end)})."
            )
    baselines = [p for p in points if p.is_baseline and p.date]
    others = [p for p in points if not p.is_baseline and p.date]
    if (
        baselines
        and others
        and baselines[0].date
        and min(o.date for o in others if o.date) < (baselines[0].date)
    ):
        errors.setdefault("points", "The baseline comes before the year's other points.")
    if errors:
        raise ValidationError(errors)


def create_year(
    user: Any,
    school: School,
    *,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    points: Sequence[PointSpec],
    make_current: bool = False,
) -> AcademicYear:
    """A new academic year with its 2 to 6 assessment points (optionally a baseline)."""
    name, start, end = _check_year(school, name, start_date, end_date, None)
    _check_points(points, start, end)
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        has_current = AcademicYear.objects.filter(school=school, is_current=True).exists()
        year = AcademicYear.objects.create(
            school=school, name=name, start_date=start, end_date=end, is_current=False
        )
        AssessmentPoint.objects.bulk_create(
            AssessmentPoint(
                school=school,
                year=year,
                name=p.name.strip(),
                date=cast(dt.date, p.date),
                is_baseline=p.is_baseline,
            )
            for p in points
        )
        log_action(
            school=school,
            user=user,
            action="year.create",
            obj=year,
            new={
                "name": name,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "points": [
                    {"name": p.name.strip(), "date": str(p.date), "baseline": p.is_baseline}
                    for p in points
                ],
            },
        )
        if make_current or not has_current:
            _make_current(user, school, year)
    return year


def _make_current(user: Any, school: School, year: AcademicYear) -> None:
    old = AcademicYear.objects.filter(school=school, is_current=True).exclude(pk=year.pk).first()
    if old is not None:
        old.is_current = False
        save_versioned(old, ["is_current"])
    year.is_current = True
    save_versioned(year, ["is_current"])
    log_action(
        school=school,
        user=user,
        action="year.current",
        obj=year,
        old={"current": old.name if old else None},
        new={"current": year.name},
    )


def make_current(user: Any, school: School, year: AcademicYear) -> None:
    """Make a year the school's current one (the grid and home pages follow it)."""
    if year.school_id != school.pk:
        raise ValidationError({"year": "That year is not this school's."})
    with transaction.atomic():
        locked = AcademicYear.objects.select_for_update().get(pk=year.pk)
        if not locked.is_current:
            _make_current(user, school, locked)


def update_year(
    user: Any,
    school: School,
    year: AcademicYear,
    *,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    points: Sequence[PointSpec],
    expected_version: int | None,
) -> list[str]:
    """Edit a year's name and dates and its points' names and dates; add or remove open points.

    A closed point keeps its date; a point with kept records (snapshots) is never removed.
    """
    from trackwell.analysis.models import PointClosure

    if year.school_id != school.pk:
        raise ValidationError({"year": "That year is not this school's."})
    name, start, end = _check_year(school, name, start_date, end_date, year.pk)
    _check_points(points, start, end)
    with transaction.atomic():
        locked = AcademicYear.objects.select_for_update().get(pk=year.pk)
        check_version(
            locked,
            expected_version,
            yours={"name": name, "start_date": start, "end_date": end},
            labels={"name": "Name", "start_date": "First day", "end_date": "Last day"},
            what=f"The year {locked.name}",
        )
        existing = {
            p.pk: p for p in AssessmentPoint.objects.select_for_update().filter(year=locked)
        }
        kept_ids = {p.pk for p in points if p.pk is not None}
        if not kept_ids <= set(existing):
            raise ValidationError({"points": "Some of those points are not this year's."})
        closed_ids = set(
            PointClosure.objects.filter(point__year=locked).values_list("point_id", flat=True)
        )
        errors: dict[str, str] = {}
        for pk in set(existing) - kept_ids:
            if pk in closed_ids:
                errors["points"] = (
                    f"{existing[pk].name} has kept records (it was closed), so it stays."
                )
        changes: list[str] = []
        for i, spec in enumerate(points, start=1):
            if spec.pk is None:
                continue
            point = existing[spec.pk]
            if point.state == AssessmentPoint.State.CLOSED and spec.date != point.date:
                errors[f"point_{i}"] = (
                    f"{point.name} is closed: its record was kept for {english_date(point.date)}. "
                    "Reopen it first to move its date."
                )
        if errors:
            raise ValidationError(errors)
        old = {
            "name": locked.name,
            "start_date": locked.start_date.isoformat(),
            "end_date": locked.end_date.isoformat(),
            "points": [{"name": p.name, "date": p.date.isoformat()} for p in existing.values()],
        }
        fields = [
            f
            for f, v in (("name", name), ("start_date", start), ("end_date", end))
            if getattr(locked, f) != v
        ]
        for f in fields:
            setattr(locked, f, {"name": name, "start_date": start, "end_date": end}[f])
        changes += fields
        removed = set(existing) - kept_ids
        if removed:
            AssessmentPoint.objects.filter(pk__in=removed).delete()
            changes.append("points removed")
        for spec in points:
            if spec.pk is None:
                AssessmentPoint.objects.create(
                    school=school,
                    year=locked,
                    name=spec.name.strip(),
                    date=cast(dt.date, spec.date),
                    is_baseline=spec.is_baseline,
                )
                changes.append("point added")
                continue
            point = existing[spec.pk]
            new = (spec.name.strip(), spec.date, spec.is_baseline)
            if (point.name, point.date, point.is_baseline) != new:
                point.name, point.date, point.is_baseline = new  # type: ignore[assignment]
                save_versioned(point, ["name", "date", "is_baseline"])
                changes.append(f"point {point.name}")
        if changes:
            save_versioned(locked, fields)
            log_action(
                school=school,
                user=user,
                action="year.update",
                obj=locked,
                old=old,
                new={
                    "name": name,
                    "start_date": start.isoformat(),
                    "end_date": end.isoformat(),
                    "points": [{"name": p.name.strip(), "date": str(p.date)} for p in points],
                },
            )
    year.refresh_from_db()
    return changes
