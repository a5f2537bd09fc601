"""What every judgement write checks, and what it answers: cell states and refusals.

Shared by the single-cell save (`cell_save`), the bulk writes (`bulk_writes`)
and anything else that writes judgements through `assessment.services`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Subquery

from trackwell.accounts.models import User
from trackwell.assessment.models import Judgement
from trackwell.core.dates import english_datetime
from trackwell.curriculum.models import Framework, Objective, RatingLevel, TaughtObjective
from trackwell.curriculum.services import set_taught
from trackwell.pupils.models import SchoolClass

NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class CellState:
    """What a grid cell holds now, as the client needs to redraw it."""

    pupil_id: int
    objective_id: int
    code: str | None
    note: str
    version: int
    updated_by: str
    updated_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {
            "pupil": self.pupil_id,
            "objective": self.objective_id,
            "code": self.code,
            "note": self.note,
            "version": self.version,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            # For people: "1 December 2026, 06:39" in the school's time zone.
            "updated_at_text": english_datetime(self.updated_at),
        }


class StaleEdit(Exception):
    """Someone changed the cell(s) after the user loaded them; nothing was saved."""

    def __init__(self, current: list[CellState]) -> None:
        super().__init__("This has been changed by someone else since you loaded the page.")
        self.current = current


def _state(judgement: Judgement | None, pupil_id: int, objective_id: int) -> CellState:
    if judgement is None:
        return CellState(pupil_id, objective_id, None, "", 0, "", None)
    return CellState(
        pupil_id=pupil_id,
        objective_id=objective_id,
        code=judgement.level.code if judgement.level else None,
        note=judgement.note,
        version=judgement.version,
        updated_by=judgement.updated_by.display_name if judgement.updated_by else "",
        updated_at=judgement.updated_at,
    )


def _resolve_level(framework: Framework, code: str | None) -> RatingLevel | None:
    if code is None or code == "":
        return None
    levels = {level.code.upper(): level for level in framework.scale.levels.all()}
    level = levels.get(code.strip().upper())
    if level is None:
        allowed = ", ".join(lv.code for lv in framework.scale.levels.all())
        raise ValidationError(
            f"Unknown rating code {code!r}: the {framework.scale.name} scale uses {allowed}.",
            code="unknown_rating",
        )
    return level


def _check_objective(
    framework: Framework, objective_id: int, school_class: SchoolClass | None = None
) -> Objective:
    """The current objective of the framework, with `is_taught` to the class when given."""
    objectives = Objective.objects.all()
    if school_class is not None:
        # Read with the objective, so the school's rule for untaught objectives costs no query.
        objectives = objectives.annotate(
            is_taught=Exists(
                TaughtObjective.objects.filter(school_class=school_class, objective=OuterRef("pk"))
            )
        )
    try:
        return objectives.get(pk=objective_id, framework=framework, archived_at__isnull=True)
    except Objective.DoesNotExist as exc:
        raise ValidationError(
            f"Objective {objective_id} is not a current objective of {framework.name}.",
            code="objective_outside_framework",
        ) from exc


def _check_pupils(school_class: SchoolClass, pupil_ids: Iterable[int]) -> set[int]:
    wanted = set(pupil_ids)
    rows = school_class.enrolments.filter(pupil_id__in=wanted).values_list(
        "pupil_id", "pupil__left_on"
    )
    enrolled = {pupil_id for pupil_id, _ in rows}
    missing = sorted(wanted - enrolled)
    if missing:
        raise ValidationError(
            f"Pupil {', '.join(map(str, missing))} is not in {school_class.name}.",
            code="pupil_outside_class",
        )
    # A pupil who has left keeps their judgements as they were: read-only.
    left = sorted(pupil_id for pupil_id, left_on in rows if left_on is not None)
    if left:
        raise ValidationError(
            f"Pupil {', '.join(map(str, left))} has left the school: their judgements are "
            "kept as they were and cannot be changed.",
            code="pupil_left",
        )
    return wanted


class NotTaught(ValidationError):
    """A rating for an objective not yet marked as taught to the class."""

    def __init__(self, objective: Objective, school_class: SchoolClass, rule: str) -> None:
        if rule == "refuse":
            text = (
                f"{objective.code} is not yet marked as taught to {school_class.name}, and the "
                "school asks for objectives to be marked taught before they are rated. "
                "Mark it as taught first, then rate it."
            )
        else:
            text = (
                f"{objective.code} is not yet marked as taught to {school_class.name}: "
                "say whether to mark it as taught with this rating."
            )
        super().__init__(text, code="untaught")
        self.rule = rule
        self.objective_id = objective.pk


def _check_taught(
    user: User,
    school_class: SchoolClass,
    framework: Framework,
    objective: Objective,
    rule: str | None,
    mark_taught: bool | None,
) -> None:
    """Apply the school's rule for ratings of objectives not yet taught (inside the write).

    `rule` is None for callers that do not apply it (imports, demo data);
    `mark_taught` is True to mark it taught, False to rate it without marking
    (only where the school asks rather than refuses), None when not yet asked.
    """
    if rule is None:
        return
    taught = getattr(objective, "is_taught", None)
    if taught is None:
        taught = TaughtObjective.objects.filter(
            school_class=school_class, objective=objective
        ).exists()
    if taught:
        return
    if rule == "ask" and mark_taught is not None:
        if mark_taught:
            set_taught(
                user=user,
                school_class=school_class,
                framework=framework,
                objective_id=objective.pk,
                taught=True,
            )
        return
    raise NotTaught(objective, school_class, rule)


def _check_framework(school_class: SchoolClass, framework: Framework) -> None:
    if framework.school_id != school_class.school_id:
        raise ValidationError(
            "That framework belongs to another school.", code="framework_outside_school"
        )


@dataclass(frozen=True)
class CellTarget:
    """Everything a single-cell save checks, read in one query (see `resolve_cell`)."""

    objective: Objective
    framework: Framework
    is_taught: bool
    enrolled: bool
    pupil_left: bool
    level_id: int | None
    level_code: str | None


def resolve_cell(
    school_class: SchoolClass,
    *,
    objective_id: int,
    pupil_id: int,
    code: str | None,
    framework_id: int,
    subject_slug: str | None = None,
) -> CellTarget | None:
    """The objective, its framework, the taught flag, the enrolment and the level: one query.

    None when the objective is not a current objective of that framework of the
    class's school (or, with `subject_slug`, of that subject): the caller then
    runs the separate checks, which say exactly what is wrong.
    """
    from trackwell.pupils.models import Enrolment

    enrolments = Enrolment.objects.filter(school_class=school_class, pupil_id=pupil_id)
    wanted = (code or "").strip()
    levels = RatingLevel.objects.filter(
        scale_id=OuterRef("framework__scale_id"), code__iexact=wanted
    ).order_by("pk")
    qs = Objective.objects.filter(
        pk=objective_id,
        framework_id=framework_id,
        framework__school_id=school_class.school_id,
        archived_at__isnull=True,
    ).annotate(
        is_taught=Exists(
            TaughtObjective.objects.filter(school_class=school_class, objective=OuterRef("pk"))
        ),
        enrolled=Exists(enrolments),
        pupil_left=Exists(enrolments.filter(pupil__left_on__isnull=False)),
        level_pk=Subquery(levels.values("pk")[:1]),
        level_code=Subquery(levels.values("code")[:1]),
    )
    if subject_slug is not None:
        qs = qs.filter(framework__subject__slug=subject_slug).select_related(
            "framework__scale", "framework__subject"
        )
    else:
        qs = qs.select_related("framework__scale")
    objective = qs.first()
    if objective is None:
        return None
    found: Any = objective
    return CellTarget(
        objective=objective,
        framework=objective.framework,
        is_taught=bool(found.is_taught),
        enrolled=bool(found.enrolled),
        pupil_left=bool(found.pupil_left),
        level_id=found.level_pk if wanted else None,
        level_code=found.level_code if wanted else None,
    )
