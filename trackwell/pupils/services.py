"""Writes of pupils, their classes and their dated attributes: in transactions, with audit.

Plain functions taking the acting user and the school. Bad input raises
``ValidationError`` with a dict naming each field, so forms and imports can put
each message beside its field or its column. Pupils are never deleted: a pupil
who leaves keeps their record and judgements, read-only, out of current lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from trackwell.accounts.models import log_action
from trackwell.core.models import School
from trackwell.core.versioning import check_version, save_versioned
from trackwell.pupils.models import (
    NC_YEAR_CHOICES,
    Enrolment,
    PastEnrolment,
    Pupil,
    PupilAttributeChange,
    SchoolClass,
    SenStatus,
    Sex,
)
from trackwell.pupils.upn import is_valid_upn

# Fields a school may set on a pupil, with their labels for messages and conflicts.
LABELS = {
    "upn": "UPN",
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "nc_year": "NC year",
    "disadvantaged": "Pupil premium",
    "fsm": "Free school meals",
    "sen_status": "SEN status",
    "eal": "EAL",
    "looked_after": "Looked after",
}
EDITABLE_FIELDS = tuple(LABELS)
# Contextual attributes whose changes are kept with the date they took effect.
DATED_FIELDS = ("disadvantaged", "fsm", "sen_status", "eal", "looked_after", "nc_year")
BOOLEAN_FIELDS = ("disadvantaged", "fsm", "eal", "looked_after")
_NC_YEARS = {value for value, _ in NC_YEAR_CHOICES}


def today() -> dt.date:
    """Today in the school's time zone."""
    return timezone.localdate()


def english_date(day: dt.date) -> str:
    """A date as schools write it: 1 December 2026."""
    return f"{day.day} {day:%B %Y}"


def as_text(value: Any) -> str:
    """A value as the text kept in dated changes and the audit log (yes/no for booleans)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _clean_values(values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check and normalise pupil fields; raise ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    unknown = set(values) - set(EDITABLE_FIELDS)
    for name in sorted(unknown):
        errors[name] = f"'{name}' is not a pupil field that can be set."
    missing = [f for f in ("upn", "first_name", "last_name", "date_of_birth", "sex", "nc_year")]
    if not partial:
        for name in missing:
            if values.get(name) in (None, ""):
                errors[name] = f"{LABELS[name]} is required."
    for name, value in values.items():
        if name in unknown or name in errors:
            continue
        if isinstance(value, str) and "\x00" in value:
            errors[name] = f"{LABELS[name]} holds a character that cannot be stored."
            continue
        if name == "upn":
            upn = str(value or "").strip().upper()
            if not is_valid_upn(upn):
                errors[name] = (
                    f"'{value}' is not a valid UPN: 13 characters, a check letter, "
                    "then 11 digits and a digit or letter."
                )
            clean[name] = upn
        elif name in ("first_name", "last_name"):
            text = str(value or "").strip()
            if not text:
                errors[name] = f"{LABELS[name]} is required."
            elif len(text) > 100:
                errors[name] = f"{LABELS[name]} is longer than 100 characters."
            clean[name] = text
        elif name == "date_of_birth":
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                errors[name] = "Date of birth must be a date."
            elif value > today():
                errors[name] = "Date of birth cannot be in the future."
            elif value.year < 1990:
                errors[name] = f"Date of birth {value:%d/%m/%Y} is too long ago for a pupil."
            clean[name] = value
        elif name == "sex":
            if value not in Sex.values:
                errors[name] = f"Sex must be one of {', '.join(Sex.values)}."
            clean[name] = value
        elif name == "nc_year":
            try:
                year = int(value)
            except (TypeError, ValueError):
                year = -1
            if year not in _NC_YEARS:
                errors[name] = "NC year must be Reception (0) or Year 1 to Year 13."
            clean[name] = year
        elif name == "sen_status":
            if value not in SenStatus.values:
                errors[name] = "SEN status must be N (none), K (SEN support) or E (EHC plan)."
            clean[name] = value
        elif name in BOOLEAN_FIELDS:
            if not isinstance(value, bool):
                errors[name] = f"{LABELS[name]} must be yes or no."
            clean[name] = value
    if errors:
        raise ValidationError(errors)
    return clean


def _check_upn_free(school: School, upn: str, exclude_pk: int | None = None) -> None:
    taken = Pupil.objects.filter(school=school, upn=upn)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"upn": f"Another pupil at this school already has UPN {upn}."})


def _check_school(school: School, *objs: Any) -> None:
    for obj in objs:
        if obj is not None and obj.school_id != school.pk:
            # Callers scope through the access layer; this guards scripted use.
            raise ValidationError({"school": "That belongs to another school."})


def _check_on_roll(pupil: Pupil) -> None:
    if pupil.left_on is not None:
        raise ValidationError(
            {
                "pupil": (
                    f"{pupil.full_name} left on {english_date(pupil.left_on)}: "
                    "their record is read-only."
                )
            }
        )


def _check_year_not_over(school_class: SchoolClass | None, field: str = "school_class") -> None:
    # A year that has ended is kept as it was: its classes' pupils do not change.
    if school_class is None:
        return
    year = school_class.year
    if not year.is_current and year.end_date < today():
        raise ValidationError(
            {
                field: f"{school_class.name} is a class of {year.name}, which has ended: "
                "its pupils are kept as they were."
            }
        )


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def create_pupil(
    user: Any,
    school: School,
    *,
    upn: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    sex: str,
    nc_year: int,
    disadvantaged: bool = False,
    fsm: bool = False,
    sen_status: str = SenStatus.NONE,
    eal: bool = False,
    looked_after: bool = False,
    school_class: SchoolClass | None = None,
    effective_from: dt.date | None = None,
) -> Pupil:
    """Add a pupil (optionally enrolled in a class); their starting attributes are dated."""
    values = _clean_values(
        {
            "upn": upn,
            "first_name": first_name,
            "last_name": last_name,
            "date_of_birth": date_of_birth,
            "sex": sex,
            "nc_year": nc_year,
            "disadvantaged": disadvantaged,
            "fsm": fsm,
            "sen_status": sen_status,
            "eal": eal,
            "looked_after": looked_after,
        },
        partial=False,
    )
    _check_school(school, school_class)
    _check_year_not_over(school_class)
    when = effective_from or today()
    with transaction.atomic():
        _check_upn_free(school, values["upn"])
        pupil = Pupil.objects.create(school=school, **values)
        PupilAttributeChange.objects.bulk_create(
            PupilAttributeChange(
                school=school,
                pupil=pupil,
                field=name,
                old_value="",
                new_value=as_text(values[name]),
                effective_from=when,
                recorded_by=_user_or_none(user),
            )
            for name in DATED_FIELDS
        )
        log_action(
            school=school,
            user=user,
            action="pupil.create",
            obj=pupil,
            new={k: as_text(v) for k, v in values.items()},
        )
        if school_class is not None:
            _enrol(user, school, pupil, school_class)
    return pupil


def update_pupil(
    user: Any,
    school: School,
    pupil: Pupil,
    changes: Mapping[str, Any],
    *,
    effective_from: dt.date | None = None,
    expected_version: int | None = None,
) -> list[str]:
    """Change a pupil's fields; returns the names of the fields that changed.

    Changes of contextual attributes (SEN status, pupil premium, FSM, EAL,
    looked after, NC year) are kept with `effective_from` (default today).
    `expected_version` is the version the user saw (forms must send it; a
    moved-on version raises EditConflict with both values). Imports that
    check for moved data themselves pass None.
    """
    _check_school(school, pupil)
    values = _clean_values(changes, partial=True)
    when = effective_from or today()
    with transaction.atomic():
        current = Pupil.objects.select_for_update().get(pk=pupil.pk, school=school)
        if expected_version is not None:
            check_version(
                current,
                expected_version,
                yours=values,
                labels=LABELS,
                what=f"{current.full_name}'s record",
            )
        _check_on_roll(current)
        changed = [name for name, value in values.items() if getattr(current, name) != value]
        if not changed:
            return []
        if "upn" in changed:
            _check_upn_free(school, values["upn"], exclude_pk=current.pk)
        dated = [name for name in changed if name in DATED_FIELDS]
        if dated:
            earliest = current.attribute_changes.filter(field__in=dated).order_by("-effective_from")
            latest = earliest.values_list("effective_from", flat=True).first()
            if latest is not None and when < latest:
                raise ValidationError(
                    {
                        "effective_from": (
                            f"A later change is already recorded from {english_date(latest)}; "
                            "give a date on or after it."
                        )
                    }
                )
        old = {name: as_text(getattr(current, name)) for name in changed}
        for name in changed:
            setattr(current, name, values[name])
        save_versioned(current, changed)
        PupilAttributeChange.objects.bulk_create(
            PupilAttributeChange(
                school=school,
                pupil=current,
                field=name,
                old_value=old[name],
                new_value=as_text(values[name]),
                effective_from=when,
                recorded_by=_user_or_none(user),
            )
            for name in dated
        )
        log_action(
            school=school,
            user=user,
            action="pupil.update",
            obj=current,
            old=old,
            new={
                **{name: as_text(values[name]) for name in changed},
                **({"effective_from": when.isoformat()} if dated else {}),
            },
        )
    for name in changed:
        setattr(pupil, name, values[name])
    pupil.version = current.version
    return changed


def _current_enrolments(pupil: Pupil) -> Any:
    return Enrolment.objects.filter(pupil=pupil, school_class__year__is_current=True)


def mark_left(
    user: Any,
    school: School,
    pupil: Pupil,
    *,
    left_on: dt.date,
    reason: str = "",
    expected_version: int | None = None,
) -> Pupil:
    """Mark a pupil as left: kept with their judgements, read-only, out of current classes.

    Their classes in the current year become past enrolments ending on
    `left_on`; classes of earlier years keep them, so last year stays as it was.
    """
    _check_school(school, pupil)
    if not isinstance(left_on, dt.date):
        raise ValidationError({"left_on": "Give the date the pupil left."})
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": "The reason is longer than 200 characters."})
    with transaction.atomic():
        current = Pupil.objects.select_for_update().get(pk=pupil.pk, school=school)
        if expected_version is not None:
            check_version(current, expected_version, what=f"{current.full_name}'s record")
        _check_on_roll(current)
        if left_on < current.date_of_birth:
            raise ValidationError({"left_on": "The leaving date is before the date of birth."})
        ended = list(_current_enrolments(current).select_related("school_class"))
        PastEnrolment.objects.bulk_create(
            PastEnrolment(
                school=school,
                pupil=current,
                school_class=e.school_class,
                ended_on=left_on,
                reason="left",
                recorded_by=_user_or_none(user),
            )
            for e in ended
        )
        Enrolment.objects.filter(pk__in=[e.pk for e in ended]).delete()
        current.left_on = left_on
        current.leaving_reason = reason
        save_versioned(current, ["left_on", "leaving_reason"])
        log_action(
            school=school,
            user=user,
            action="pupil.left",
            obj=current,
            old={"classes": [e.school_class.name for e in ended]},
            new={"left_on": left_on.isoformat(), "reason": reason},
        )
    pupil.left_on, pupil.leaving_reason, pupil.version = left_on, reason, current.version
    return pupil


def _enrol(user: Any, school: School, pupil: Pupil, school_class: SchoolClass) -> Enrolment:
    enrolment, created = Enrolment.objects.get_or_create(
        school=school, pupil=pupil, school_class=school_class
    )
    if created:
        log_action(
            school=school,
            user=user,
            action="pupil.enrol",
            obj=enrolment,
            new={"pupil": pupil.pk, "class": school_class.name, "class_id": school_class.pk},
        )
    return enrolment


def enrol_pupil(user: Any, school: School, pupil: Pupil, school_class: SchoolClass) -> Enrolment:
    """Put a pupil in a class (as well as any others they are in); nothing if already there."""
    _check_school(school, pupil, school_class)
    _check_year_not_over(school_class)
    with transaction.atomic():
        current = Pupil.objects.select_for_update().get(pk=pupil.pk, school=school)
        _check_on_roll(current)
        return _enrol(user, school, current, school_class)


def move_pupil(
    user: Any,
    school: School,
    pupil: Pupil,
    to_class: SchoolClass,
    *,
    from_class: SchoolClass | None = None,
    moved_on: dt.date | None = None,
) -> Enrolment:
    """Move a pupil into `to_class` from their other class(es) of the same year.

    With `from_class`, only that class is left; otherwise every other class of
    `to_class`'s year. The classes left are kept as past enrolments; judgements
    belong to the pupil, so they follow them.
    """
    _check_school(school, pupil, to_class, from_class)
    if from_class is not None and from_class.year_id != to_class.year_id:
        raise ValidationError({"to_class": "A pupil moves between classes of the same year."})
    if from_class is not None and from_class.pk == to_class.pk:
        raise ValidationError({"to_class": "Choose a different class to move to."})
    _check_year_not_over(to_class, "to_class")
    when = moved_on or today()
    with transaction.atomic():
        current = Pupil.objects.select_for_update().get(pk=pupil.pk, school=school)
        _check_on_roll(current)
        leaving = Enrolment.objects.filter(
            pupil=current, school_class__year_id=to_class.year_id
        ).exclude(school_class=to_class)
        if from_class is not None:
            leaving = leaving.filter(school_class=from_class)
            if not leaving.exists():
                raise ValidationError(
                    {"from_class": f"{current.full_name} is not in {from_class}."}
                )
        ended = list(leaving.select_related("school_class"))
        PastEnrolment.objects.bulk_create(
            PastEnrolment(
                school=school,
                pupil=current,
                school_class=e.school_class,
                ended_on=when,
                reason="moved",
                recorded_by=_user_or_none(user),
            )
            for e in ended
        )
        Enrolment.objects.filter(pk__in=[e.pk for e in ended]).delete()
        enrolment = _enrol(user, school, current, to_class)
        log_action(
            school=school,
            user=user,
            action="pupil.move",
            obj=current,
            old={"classes": [e.school_class.name for e in ended]},
            new={"class": to_class.name, "moved_on": when.isoformat()},
        )
    return enrolment


def remove_from_class(
    user: Any, school: School, pupil: Pupil, school_class: SchoolClass, *, on: dt.date | None = None
) -> None:
    """Take a pupil out of one class (kept as a past enrolment), e.g. a set they no longer join."""
    _check_school(school, pupil, school_class)
    _check_year_not_over(school_class)
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update()
            .filter(pupil=pupil, school_class=school_class)
            .first()
        )
        if enrolment is None:
            raise ValidationError({"school_class": f"{pupil.full_name} is not in {school_class}."})
        PastEnrolment.objects.create(
            school=school,
            pupil=pupil,
            school_class=school_class,
            ended_on=on or today(),
            reason="moved",
            recorded_by=_user_or_none(user),
        )
        enrolment.delete()
        log_action(
            school=school,
            user=user,
            action="pupil.unenrol",
            obj=pupil,
            old={"class": school_class.name, "class_id": school_class.pk},
        )


def attribute_on(pupil: Pupil, field: str, on: dt.date) -> str | None:
    """The recorded value (as text) of a dated attribute on a day, or None before any record."""
    if field not in DATED_FIELDS:
        raise ValueError(f"{field} is not a dated attribute")
    change = (
        PupilAttributeChange.objects.filter(pupil=pupil, field=field, effective_from__lte=on)
        .order_by("-effective_from", "-pk")
        .first()
    )
    return change.new_value if change else None
