"""Writes to classes: adding and changing them with their staff, and moving pupils between them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts.models import log_action
from trackwell.core.models import School
from trackwell.core.versioning import check_version, save_versioned
from trackwell.pupils.models import SchoolClass
from trackwell.pupils.services import _NC_YEARS, _check_school, move_pupil

CLASS_LABELS = {"name": "Name", "nc_year": "Main NC year"}


def _clean_class(
    school: School, year: Any, name: str, nc_year: Any, exclude_pk: int | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = (name or "").strip().replace("\x00", "")
    if year is None or year.school_id != school.pk:
        raise ValidationError({"year": "Choose one of the school's academic years."})
    if not name:
        errors["name"] = "Give the class a name."
    elif len(name) > 60:
        errors["name"] = "The name is longer than 60 characters."
    else:
        taken = SchoolClass.objects.filter(year=year, name__iexact=name)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["name"] = f"There is already a class called '{name}' in {year}."
    try:
        nc = int(nc_year)
    except (TypeError, ValueError):
        nc = -1
    if nc not in _NC_YEARS:
        errors["nc_year"] = "Main NC year must be Reception (0) or Year 1 to Year 13."
    if errors:
        raise ValidationError(errors)
    return {"name": name, "nc_year": nc}


def _set_class_staff(school: School, school_class: SchoolClass, staff_ids: Any) -> list[int]:
    from trackwell.accounts.models import User
    from trackwell.pupils.models import StaffAssignment

    wanted = set(staff_ids)
    found = set(
        User.objects.filter(school=school, pk__in=wanted, is_active=True).values_list(
            "pk", flat=True
        )
    )
    if found != wanted:
        raise ValidationError(
            {"staff": "Some of those people are not active staff of this school."}
        )
    have = set(school_class.assignments.values_list("user_id", flat=True))
    StaffAssignment.objects.filter(school_class=school_class, user_id__in=have - wanted).delete()
    StaffAssignment.objects.bulk_create(
        StaffAssignment(school=school, user_id=pk, school_class=school_class)
        for pk in sorted(wanted - have)
    )
    return sorted(wanted)


def create_class(
    user: Any,
    school: School,
    *,
    year: Any,
    name: str,
    nc_year: int,
    staff_ids: Any = (),
) -> SchoolClass:
    """Add a class for a year with its teachers and teaching assistants."""
    values = _clean_class(school, year, name, nc_year, None)
    with transaction.atomic():
        school_class = SchoolClass.objects.create(school=school, year=year, **values)
        staff = _set_class_staff(school, school_class, staff_ids)
        log_action(
            school=school,
            user=user,
            action="class.create",
            obj=school_class,
            new={**values, "year": str(year), "staff": staff},
        )
    return school_class


def update_class(
    user: Any,
    school: School,
    school_class: SchoolClass,
    *,
    name: str,
    nc_year: int,
    staff_ids: Any,
    expected_version: int | None,
) -> None:
    """Rename a class, change its main NC year or its staff (version-checked)."""
    _check_school(school, school_class)
    with transaction.atomic():
        current = (
            SchoolClass.objects.select_for_update()
            .select_related("year")
            .get(pk=school_class.pk, school=school)
        )
        values = _clean_class(school, current.year, name, nc_year, current.pk)
        check_version(
            current, expected_version, yours=values, labels=CLASS_LABELS, what=f"Class {current}"
        )
        old_staff = sorted(current.assignments.values_list("user_id", flat=True))
        changed = [k for k, v in values.items() if getattr(current, k) != v]
        old: dict[str, Any] = {k: getattr(current, k) for k in changed}
        for k in changed:
            setattr(current, k, values[k])
        save_versioned(current, changed)
        staff = _set_class_staff(school, current, staff_ids)
        if staff != old_staff:
            old["staff"], changed = old_staff, [*changed, "staff"]
        if changed:
            log_action(
                school=school,
                user=user,
                action="class.update",
                obj=current,
                old=old,
                new={k: (staff if k == "staff" else values[k]) for k in changed},
            )
    school_class.refresh_from_db()


def move_pupils(
    user: Any,
    school: School,
    pupils: Any,
    to_class: SchoolClass,
    *,
    from_class: SchoolClass | None = None,
    moved_on: dt.date | None = None,
) -> int:
    """Move several pupils into a class: all of them or, on any error, none."""
    with transaction.atomic():
        for pupil in pupils:
            move_pupil(user, school, pupil, to_class, from_class=from_class, moved_on=moved_on)
    return len(pupils)
