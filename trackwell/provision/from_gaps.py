"""Interventions pre-filled from gaps: a pupil's gaps, a class's shared gap, a saved group.

Each is an academic intervention on the chosen objectives, measured on the grid,
made through `services.create_intervention` (one transaction, audited). The
meetings app calls `create_from_pupil_gaps` for a review's decisions; the
signatures only ever gain keyword arguments with defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from trackwell.accounts.models import User
from trackwell.core.models import School
from trackwell.curriculum.models import Framework, Objective, Subject
from trackwell.provision.measures import grid_measure
from trackwell.provision.models import AreaOfNeed, Intervention
from trackwell.provision.services import create_intervention, school_objectives
from trackwell.pupils.models import Pupil, PupilGroup, SchoolClass


def create_from_pupil_gaps(
    *,
    user: User | None,
    pupil: Pupil,
    objective_ids: Collection[int] = (),
    name: str = "",
    start_date: dt.date | None = None,
    weeks: int = 6,
    subject: Subject | None = None,
    **plan: Any,
) -> Intervention:
    """An academic intervention for one pupil on their gaps, measured on the grid.

    Without `objective_ids`, the pupil's next steps in `subject` (their gaps,
    key objectives and last year's first) are its objectives.
    """
    if not objective_ids and subject is not None:
        objective_ids = [o.pk for o in pupil_next_steps(pupil, subject)]
    return _from_gaps(
        user=user,
        school=pupil.school,
        pupil_ids=[pupil.pk],
        objective_ids=objective_ids,
        name=name or f"{pupil.full_name}: catch-up",
        start_date=start_date,
        weeks=weeks,
        group_size=1,
        **plan,
    )


def pupil_next_steps(pupil: Pupil, subject: Subject) -> list[Objective]:
    """The pupil's next steps in a subject: the gaps the pupil page lists first."""
    from trackwell.analysis.gaps import pupil_gaps
    from trackwell.analysis.models import PupilFramework

    school_class = (
        SchoolClass.objects.filter(enrolments__pupil=pupil, year__is_current=True)
        .order_by("pk")
        .first()
    )
    chosen = PupilFramework.objects.filter(pupil=pupil, subject=subject).first()
    nc_year = school_class.nc_year if school_class else pupil.nc_year
    framework = (
        chosen.framework
        if chosen is not None and chosen.framework_id
        else Framework.objects.filter(subject=subject, nc_year=nc_year).first()
    )
    if framework is None:
        return []
    previous = Framework.objects.filter(subject=subject, nc_year=framework.nc_year - 1).first()
    gaps = pupil_gaps(pupil, framework, previous, [school_class.pk] if school_class else [])
    return gaps.next_steps


def create_from_gap_group(
    *,
    user: User | None,
    school_class: SchoolClass,
    objective_ids: Collection[int],
    pupil_ids: Collection[int],
    name: str = "",
    start_date: dt.date | None = None,
    weeks: int = 6,
    **plan: Any,
) -> Intervention:
    """An intervention for pupils of a class who share gaps: those objectives as its target."""
    in_class = set(school_class.enrolments.values_list("pupil_id", flat=True))
    if not set(pupil_ids) <= in_class:
        raise ValidationError({"pupils": "Some of these pupils are not in the class."})
    return _from_gaps(
        user=user,
        school=school_class.school,
        pupil_ids=list(pupil_ids),
        objective_ids=objective_ids,
        name=name or f"{school_class.name}: shared gap group",
        start_date=start_date,
        weeks=weeks,
        group_size=max(1, len(pupil_ids)),
        **plan,
    )


def create_from_pupil_group(
    *,
    user: User | None,
    group: PupilGroup,
    objective_ids: Collection[int],
    name: str = "",
    start_date: dt.date | None = None,
    weeks: int = 6,
    **plan: Any,
) -> Intervention:
    """An intervention for a saved group of pupils (such as a gap group) on chosen objectives."""
    pupil_ids = list(group.pupils.values_list("pk", flat=True))
    return _from_gaps(
        user=user,
        school=group.school,
        pupil_ids=pupil_ids,
        objective_ids=objective_ids,
        name=name or group.name,
        start_date=start_date,
        weeks=weeks,
        group_size=max(1, len(pupil_ids)),
        **plan,
    )


def _from_gaps(
    *,
    user: User | None,
    school: School,
    pupil_ids: Collection[int],
    objective_ids: Collection[int],
    name: str,
    start_date: dt.date | None,
    weeks: int,
    group_size: int,
    **plan: Any,
) -> Intervention:
    if not objective_ids:
        raise ValidationError({"objectives": "Choose at least one objective to work on."})
    if not pupil_ids:
        raise ValidationError({"pupils": "Choose at least one pupil."})
    objectives = school_objectives(school, objective_ids)
    frameworks = {o.framework_id for o in objectives}
    subject_ids = set(
        Framework.objects.filter(pk__in=frameworks).values_list("subject_id", flat=True)
    )
    count = len(objectives)
    plan.setdefault("area", AreaOfNeed.ACADEMIC)
    plan.setdefault("subject_id", next(iter(subject_ids)) if len(subject_ids) == 1 else None)
    plan.setdefault("description", "Working on: " + "; ".join(o.code for o in objectives))
    plan.setdefault(
        "target",
        f"Secure {count} of these {count} objective{'s' if count != 1 else ''}: "
        + ", ".join(o.code for o in objectives)
        + ".",
    )
    plan.setdefault(
        "success_criteria", "The class teacher judges each objective secure in the grid."
    )
    plan.setdefault("group_size", group_size)
    measure_ids = set(plan.pop("measure_ids", ())) | {grid_measure(school).pk}
    return create_intervention(
        user=user,
        school=school,
        name=name,
        start_date=start_date or timezone.localdate(),
        weeks=weeks,
        objective_ids=[o.pk for o in objectives],
        measure_ids=measure_ids,
        pupil_ids=pupil_ids,
        **plan,
    )
