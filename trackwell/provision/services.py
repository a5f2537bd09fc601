"""Writes for provision: measures, interventions, participants, entry and exit values.

Every function runs in one transaction and leaves an audit entry. Edits of an
intervention or a participant carry the version the user saw and go through
`trackwell.core.versioning`, so nothing is overwritten silently. Sessions,
classroom strategies and budgets are in `sessions.py`; interventions pre-filled
from gaps in `from_gaps.py`.

The meetings app calls these for a review's decisions; their signatures only
ever gain keyword arguments with defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from trackwell.accounts.models import Role, User, log_action
from trackwell.core.models import School
from trackwell.core.versioning import locked_for_edit, save_versioned
from trackwell.curriculum.models import Objective, Subject
from trackwell.provision.measures import (  # noqa: F401  (re-exported for other apps)
    create_measure,
    create_sub_levels,
    ensure_builtin_measures,
    grid_measure,
)
from trackwell.provision.models import (
    AreaOfNeed,
    FundingShare,
    FundingSource,
    Intervention,
    InterventionStaff,
    Measure,
    Status,
    TimeOfDay,
)
from trackwell.provision.participants import (  # noqa: F401  (re-exported for other apps)
    add_participant,
    read_exit_from_grid,
    record_entry,
    record_exit,
    record_value,
    remove_participant,
    school_pupil,
    set_target,
    update_participant,
)

# ---------------------------------------------------------------------------
# Interventions


@dataclass(frozen=True)
class StaffSpec:
    """An adult delivering an intervention: a user of the school or an external name."""

    user_id: int | None = None
    external_name: str = ""
    hourly_rate: Decimal = Decimal(0)


PLAN_FIELDS = (
    "name",
    "area",
    "subject_id",
    "description",
    "evidence_url",
    "adults",
    "group_size",
    "sessions_per_week",
    "minutes_per_session",
    "weeks",
    "start_date",
    "end_date",
    "time_of_day",
    "resources_cost",
    "status",
)
LABELS = {
    "name": "Name",
    "area": "Area of need",
    "subject_id": "Subject",
    "description": "Description",
    "evidence_url": "Evidence link",
    "adults": "Adults per group",
    "group_size": "Pupils per group",
    "sessions_per_week": "Sessions per week",
    "minutes_per_session": "Minutes per session",
    "weeks": "Weeks",
    "start_date": "Start date",
    "end_date": "End date",
    "time_of_day": "Time of day",
    "resources_cost": "Resources cost",
    "status": "Status",
    "evaluation": "Evaluation",
    "target": "SMART target",
    "success_criteria": "Success criteria",
    "comment": "Other factors",
    "left_on": "Left on",
}


def _state(intervention: Intervention) -> dict[str, Any]:
    state = {f: getattr(intervention, f) for f in PLAN_FIELDS}
    return {k: (str(v) if isinstance(v, Decimal | dt.date) else v) for k, v in state.items()}


def _clean_plan(school: School, values: dict[str, Any]) -> dict[str, Any]:
    """Check an intervention's plan; every problem is named."""
    errors: dict[str, str] = {}
    name = " ".join(str(values.get("name", "")).split())
    if not name:
        errors["name"] = "Give the intervention a name."
    elif len(name) > 150:
        errors["name"] = "The name is at most 150 characters."
    values["name"] = name
    if values.get("area") not in AreaOfNeed.values:
        errors["area"] = "Choose an area of need."
    if values.get("status", Status.PLANNED) not in Status.values:
        errors["status"] = "Choose a status."
    if values.get("time_of_day", "") not in {"", *TimeOfDay.values}:
        errors["time_of_day"] = "Choose a time of day."
    subject_id = values.get("subject_id")
    if subject_id and not Subject.objects.filter(school=school, pk=subject_id).exists():
        errors["subject_id"] = "That subject is not one of the school's."
    for key, low, high in (
        ("adults", 1, 20),
        ("group_size", 1, 60),
        ("minutes_per_session", 1, 600),
        ("weeks", 1, 60),
    ):
        if key in values and not low <= int(values[key]) <= high:
            errors[key] = f"{LABELS[key]} must be between {low} and {high}."
    spw = values.get("sessions_per_week")
    if spw is not None and not Decimal(0) < Decimal(spw) <= Decimal(25):
        errors["sessions_per_week"] = "Sessions per week must be between 0.5 and 25."
    cost = values.get("resources_cost")
    if cost is not None and Decimal(cost) < 0:
        errors["resources_cost"] = "The resources cost cannot be negative."
    start, end = values.get("start_date"), values.get("end_date")
    if start is not None and end is None:
        end = values["end_date"] = _default_end(start, int(values.get("weeks") or 6))
    if start is None:
        errors["start_date"] = "Give a start date."
    if start is not None and end is not None and end < start:
        errors["end_date"] = "The end date is before the start date."
    if errors:
        raise ValidationError(errors)
    return values


def _default_end(start: dt.date, weeks: int) -> dt.date:
    return start + dt.timedelta(weeks=weeks) - dt.timedelta(days=3)


def _clean_funding(funding: Mapping[str, int] | None) -> dict[str, int]:
    shares = {k: int(v) for k, v in (funding or {}).items() if int(v)}
    if not shares:
        return {}
    for key, percent in shares.items():
        if key not in FundingSource.values:
            raise ValidationError({"funding": f"Unknown funding source '{key}'."})
        if not 0 < percent <= 100:
            raise ValidationError({"funding": "Each share is between 1% and 100%."})
    if sum(shares.values()) != 100:
        raise ValidationError(
            {"funding": f"The funding shares add up to {sum(shares.values())}%, not 100%."}
        )
    return shares


def _set_staff(intervention: Intervention, staff: Iterable[StaffSpec]) -> list[str]:
    school = intervention.school
    specs = list(staff)
    user_ids = [s.user_id for s in specs if s.user_id is not None]
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in=user_ids, school=school).exclude(
            role__in=[Role.GOVERNOR, Role.TRUST_LEADER]
        )
    }
    missing = set(user_ids) - set(users)
    if missing:
        raise ValidationError({"staff": "Some of these adults are not staff of the school."})
    if len(set(user_ids)) != len(user_ids):
        raise ValidationError({"staff": "Each adult is listed once."})
    rows = []
    for spec in specs:
        if spec.user_id is None and not spec.external_name.strip():
            continue
        if spec.hourly_rate < 0:
            raise ValidationError({"staff": "An hourly rate cannot be negative."})
        rows.append(
            InterventionStaff(
                school=school,
                intervention=intervention,
                user=users.get(spec.user_id) if spec.user_id else None,
                external_name="" if spec.user_id else spec.external_name.strip()[:120],
                hourly_rate=spec.hourly_rate,
            )
        )
    InterventionStaff.objects.filter(intervention=intervention).delete()
    InterventionStaff.objects.bulk_create(rows)
    return [r.name for r in rows]


def _set_funding(intervention: Intervention, shares: dict[str, int]) -> None:
    FundingShare.objects.filter(intervention=intervention).delete()
    FundingShare.objects.bulk_create(
        FundingShare(school=intervention.school, intervention=intervention, source=k, percent=v)
        for k, v in shares.items()
    )


def school_objectives(school: School, objective_ids: Collection[int]) -> list[Objective]:
    objectives = list(Objective.objects.filter(school=school, pk__in=list(objective_ids)))
    if len(objectives) != len(set(objective_ids)):
        raise ValidationError({"objectives": "Some of these objectives are not the school's."})
    return objectives


def _school_measures(school: School, measure_ids: Collection[int]) -> list[Measure]:
    measures = list(Measure.objects.filter(school=school, pk__in=list(measure_ids)))
    if len(measures) != len(set(measure_ids)):
        raise ValidationError({"measures": "Some of these measures are not the school's."})
    return measures


def create_intervention(
    *,
    user: User | None,
    school: School,
    name: str,
    area: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    subject_id: int | None = None,
    description: str = "",
    evidence_url: str = "",
    adults: int = 1,
    group_size: int = 1,
    sessions_per_week: Decimal | int = 1,
    minutes_per_session: int = 30,
    weeks: int = 6,
    time_of_day: str = "",
    resources_cost: Decimal | int = 0,
    status: str = Status.PLANNED,
    staff: Iterable[StaffSpec] = (),
    funding: Mapping[str, int] | None = None,
    objective_ids: Collection[int] = (),
    measure_ids: Collection[int] = (),
    pupil_ids: Collection[int] = (),
    target: str = "",
    success_criteria: str = "",
) -> Intervention:
    """Plan an intervention, optionally with its pupils (each gets the same starting target)."""
    values = _clean_plan(
        school,
        {
            "name": name,
            "area": area,
            "subject_id": subject_id or None,
            "description": description,
            "evidence_url": evidence_url,
            "adults": adults,
            "group_size": group_size,
            "sessions_per_week": Decimal(sessions_per_week),
            "minutes_per_session": minutes_per_session,
            "weeks": weeks,
            "start_date": start_date,
            "end_date": end_date or _default_end(start_date, weeks),
            "time_of_day": time_of_day,
            "resources_cost": Decimal(resources_cost),
            "status": status,
        },
    )
    shares = _clean_funding(funding)
    objectives = school_objectives(school, objective_ids)
    measures = _school_measures(school, measure_ids)
    with transaction.atomic():
        intervention = Intervention.objects.create(school=school, created_by=user, **values)
        names = _set_staff(intervention, staff)
        _set_funding(intervention, shares)
        intervention.objectives.set(objectives)
        intervention.measures.set(measures)
        log_action(
            school=school,
            user=user,
            action="provision.intervention.create",
            obj=intervention,
            new={
                **_state(intervention),
                "staff": names,
                "funding": shares,
                "objectives": [o.pk for o in objectives],
                "measures": [m.pk for m in measures],
            },
        )
        for pupil_id in pupil_ids:
            pupil = school_pupil(school, pupil_id)
            add_participant(
                user=user,
                intervention=intervention,
                pupil=pupil,
                joined_on=intervention.start_date,
                target=target,
                success_criteria=success_criteria,
            )
    return intervention


def update_intervention(
    *,
    user: User | None,
    intervention_id: int,
    school: School,
    expected_version: int | None,
    changes: Mapping[str, Any],
    staff: Iterable[StaffSpec] | None = None,
    funding: Mapping[str, int] | None = None,
    objective_ids: Collection[int] | None = None,
    measure_ids: Collection[int] | None = None,
) -> Intervention:
    """Change an intervention's plan, version-checked; `changes` holds only plan fields."""
    unknown = set(changes) - set(PLAN_FIELDS) - {"evaluation"}
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        intervention = locked_for_edit(
            Intervention.objects.filter(school=school),
            intervention_id,
            expected_version,
            yours=dict(changes),
            labels=LABELS,
            what=f"The intervention '{_name_of(intervention_id)}'",
        )
        old = _state(intervention)
        merged = {**{f: getattr(intervention, f) for f in PLAN_FIELDS}, **changes}
        values = _clean_plan(school, merged)
        shares = _clean_funding(funding) if funding is not None else None
        for key, value in values.items():
            setattr(intervention, key, value)
        if "evaluation" in changes:
            intervention.evaluation = str(changes["evaluation"])
        save_versioned(intervention, [*PLAN_FIELDS, "evaluation"])
        extra: dict[str, Any] = {}
        if staff is not None:
            extra["staff"] = _set_staff(intervention, staff)
        if shares is not None:
            _set_funding(intervention, shares)
            extra["funding"] = shares
        if objective_ids is not None:
            intervention.objectives.set(school_objectives(school, objective_ids))
            extra["objectives"] = sorted(objective_ids)
        if measure_ids is not None:
            intervention.measures.set(_school_measures(school, measure_ids))
            extra["measures"] = sorted(measure_ids)
        log_action(
            school=school,
            user=user,
            action="provision.intervention.update",
            obj=intervention,
            old=old,
            new={**_state(intervention), **extra},
        )
    return intervention


def _name_of(intervention_id: int) -> str:
    return str(
        Intervention.objects.filter(pk=intervention_id).values_list("name", flat=True).first()
        or "intervention"
    )


def start_intervention(
    *, user: User | None, intervention: Intervention, expected_version: int | None
) -> Intervention:
    """Mark a planned intervention as running."""
    return update_intervention(
        user=user,
        intervention_id=intervention.pk,
        school=intervention.school,
        expected_version=expected_version,
        changes={"status": Status.RUNNING},
    )


def extend_intervention(
    *,
    user: User | None,
    intervention: Intervention,
    expected_version: int | None,
    weeks: int,
    reason: str = "",
) -> Intervention:
    """Run an intervention for more weeks: the end date moves on and an ended one runs again."""
    if not 1 <= int(weeks) <= 52:
        raise ValidationError({"weeks": "Extend by between 1 and 52 weeks."})
    with transaction.atomic():
        current = locked_for_edit(
            Intervention.objects.filter(school=intervention.school),
            intervention.pk,
            expected_version,
            what=f"The intervention '{intervention.name}'",
        )
        if current.status == Status.EVALUATED:
            raise ValidationError("This intervention has been evaluated; start a new one instead.")
        old = _state(current)
        current.weeks += int(weeks)
        current.end_date = current.end_date + dt.timedelta(weeks=int(weeks))
        current.status = Status.RUNNING
        save_versioned(current, ["weeks", "end_date", "status"])
        log_action(
            school=current.school,
            user=user,
            action="provision.intervention.extend",
            obj=current,
            old=old,
            new={**_state(current), "reason": reason},
        )
    return current


def stop_intervention(
    *,
    user: User | None,
    intervention: Intervention,
    expected_version: int | None,
    on: dt.date | None = None,
    reason: str = "",
) -> Intervention:
    """End an intervention on a date: exit values are read from the grid where it is the measure.

    Values typed by hand are never overwritten; outcomes are worked out where
    entry and exit are both known.
    """
    day = on or timezone.localdate()
    with transaction.atomic():
        current = locked_for_edit(
            Intervention.objects.filter(school=intervention.school),
            intervention.pk,
            expected_version,
            what=f"The intervention '{intervention.name}'",
        )
        if day < current.start_date:
            raise ValidationError({"on": "An intervention cannot end before it starts."})
        old = _state(current)
        current.end_date = day
        if current.status != Status.EVALUATED:
            current.status = Status.ENDED
        save_versioned(current, ["end_date", "status"])
        read_exit_from_grid(user=user, intervention=current, on=day)
        log_action(
            school=current.school,
            user=user,
            action="provision.intervention.stop",
            obj=current,
            old=old,
            new={**_state(current), "reason": reason},
        )
    return current


def evaluate_intervention(
    *,
    user: User | None,
    intervention: Intervention,
    expected_version: int | None,
    evaluation: str,
) -> Intervention:
    """Record the SENCO's evaluation of an ended intervention."""
    text = evaluation.strip()
    if not text:
        raise ValidationError({"evaluation": "Write what the evaluation found."})
    if intervention.status in {Status.PLANNED, Status.RUNNING}:
        raise ValidationError("End the intervention before evaluating it.")
    return update_intervention(
        user=user,
        intervention_id=intervention.pk,
        school=intervention.school,
        expected_version=expected_version,
        changes={"status": Status.EVALUATED, "evaluation": text},
    )
