"""Retention: a leaver's record is kept until the later of N years after leaving and the
pupil's 25th birthday (the school's settings), then anonymised or erased, and logged.

A pupil has left on `left_on` when the pupil record carries that date; otherwise on the
last day of the last academic year they were enrolled in, once they are in no class of a
current year. Pupils never enrolled anywhere are left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef

from trackwell.accounts.models import AuditEntry, log_action
from trackwell.core.append_only import allow_erasure
from trackwell.core.models import School
from trackwell.pupils.models import Enrolment, Pupil, SenStatus
from trackwell.security.models import RetentionAction, SecurityPolicy, policy_for
from trackwell.security.pupil_data import anonymise_related

ANONYMISED_UPN = "ANON-"


@dataclass(frozen=True)
class Due:
    """A pupil whose record is past the school's retention period."""

    pupil_id: int
    left_on: dt.date
    keep_until: dt.date


@dataclass
class RetentionRun:
    school: School
    action: str
    due: list[Due] = field(default_factory=list)
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def keep_until(left_on: dt.date, date_of_birth: dt.date, policy: SecurityPolicy) -> dt.date:
    """The last day the record is kept: the later of the two limits."""
    return max(
        _add_years(left_on, policy.retention_years_after_leaving),
        _add_years(date_of_birth, policy.retention_until_age),
    )


def _has_left_on() -> bool:
    return any(f.name == "left_on" for f in Pupil._meta.concrete_fields)


def due_for(school: School, today: dt.date) -> list[Due]:
    """Pupils of the school past the retention period on `today` (not yet anonymised)."""
    policy = policy_for(school)
    current = Enrolment.objects.filter(pupil=OuterRef("pk"), school_class__year__is_current=True)
    pupils = (
        Pupil.objects.filter(school=school)
        .exclude(upn__startswith=ANONYMISED_UPN)
        .annotate(
            last_year_end=Max("enrolments__school_class__year__end_date"),
            on_roll=Exists(current),
        )
        .order_by("pk")
    )
    due = []
    for pupil in pupils:
        left_on = getattr(pupil, "left_on", None) if _has_left_on() else None
        if left_on is None and not pupil.on_roll:
            left_on = pupil.last_year_end
        if left_on is None:
            continue
        until = keep_until(left_on, pupil.date_of_birth, policy)
        if today > until:
            due.append(Due(pupil.pk, left_on, until))
    return due


def _anonymise(pupil: Pupil) -> None:
    anonymise_related(pupil)
    pupil.groups.clear()
    Pupil.objects.filter(pk=pupil.pk).update(
        first_name="Former",
        last_name=f"pupil {pupil.pk}",
        upn=f"{ANONYMISED_UPN}{pupil.pk}"[:13],
        date_of_birth=pupil.date_of_birth.replace(month=1, day=1),
        disadvantaged=False,
        fsm=False,
        sen_status=SenStatus.NONE,
        eal=False,
        looked_after=False,
    )
    AuditEntry.objects.filter(object_type=Pupil._meta.label, object_id=str(pupil.pk)).update(
        old=None, new=None
    )


def _erase(pupil: Pupil) -> None:
    AuditEntry.objects.filter(object_type=Pupil._meta.label, object_id=str(pupil.pk)).delete()
    pupil.delete()


def apply_retention(
    school: School, *, today: dt.date, dry_run: bool, user: object = None
) -> RetentionRun:
    """Anonymise or erase every record past the period; each one logged, all or nothing."""
    policy = policy_for(school)
    run = RetentionRun(school=school, action=policy.retention_action, due=due_for(school, today))
    if dry_run or not run.due:
        return run
    with allow_erasure("retention"), transaction.atomic():
        for item in run.due:
            pupil = Pupil.objects.select_for_update().get(pk=item.pupil_id)
            detail = {
                "pupil": item.pupil_id,
                "left_on": item.left_on.isoformat(),
                "kept_until": item.keep_until.isoformat(),
            }
            try:
                with transaction.atomic():
                    if policy.retention_action == RetentionAction.ERASE:
                        _erase(pupil)
                    else:
                        _anonymise(pupil)
            except models.ProtectedError as exc:
                run.refused[item.pupil_id] = f"kept: other records refer to it ({exc.args[0]})"
                continue
            run.done.append(item.pupil_id)
            log_action(
                school=school,
                user=user,
                action=f"privacy.retention_{policy.retention_action}",
                obj=school,
                new=detail,
            )
    return run
