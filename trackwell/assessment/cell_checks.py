"""What every judgement write checks, and what it answers: cell states and refusals.

Shared by the single-cell save (`cell_save`), the bulk writes (`bulk_writes`)
and anything else that writes judgements through `assessment.services`.
"""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, Field, Model, OuterRef

from trackwell.accounts.models import User
from trackwell.assessment.models import Judgement
from trackwell.core.dates import english_datetime
from trackwell.curriculum.models import (
    Framework,
    Objective,
    RatingLevel,
    RatingScale,
    Subject,
    TaughtObjective,
)
from trackwell.curriculum.services import set_taught
from trackwell.pupils.models import SchoolClass

NOTE_MAX_LENGTH = 2000
M = TypeVar("M", bound=Model)


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


def _columns(model: type[Model], alias: str) -> tuple[list[Field[Any, Any]], str]:
    q = connection.ops.quote_name
    fields = list(model._meta.concrete_fields)
    return fields, ", ".join(f"{alias}.{q(f.column)}" for f in fields)


@functools.cache
def _resolve_sql(vendor: str, with_subject: bool) -> tuple[str, list[list[Field[Any, Any]]]]:
    """The one query of `resolve_cell`, written once per database and kept.

    The ORM built this query afresh on every save, and building it cost more than
    running it (issue 15: about 5 ms of a 14 ms save); the SQL is the same each time,
    only the parameters change.
    """
    from trackwell.pupils.models import Enrolment, Pupil

    q = connection.ops.quote_name
    table = {
        m: q(m._meta.db_table)
        for m in (Objective, Framework, RatingScale, Subject, TaughtObjective, Enrolment, Pupil)
    }
    level = q(RatingLevel._meta.db_table)
    parts: list[tuple[type[Model], str]] = [(Objective, "o"), (Framework, "f"), (RatingScale, "sc")]
    if with_subject:
        parts.append((Subject, "su"))
    fields: list[list[Field[Any, Any]]] = []
    selects: list[str] = []
    for model, alias in parts:
        model_fields, text = _columns(model, alias)
        fields.append(model_fields)
        selects.append(text)
    enrolled = (
        f"FROM {table[Enrolment]} e WHERE e.{q('school_class_id')} = %s AND e.{q('pupil_id')} = %s"
    )
    level_of = (
        f"FROM {level} l WHERE l.{q('scale_id')} = f.{q('scale_id')} "
        f"AND UPPER(l.{q('code')}) = UPPER(%s) ORDER BY l.{q('id')}"
    )
    sql = (
        f"SELECT {', '.join(selects)}, "
        f"EXISTS (SELECT 1 FROM {table[TaughtObjective]} t "
        f"WHERE t.{q('school_class_id')} = %s AND t.{q('objective_id')} = o.{q('id')}), "
        f"EXISTS (SELECT 1 {enrolled}), "
        f"EXISTS (SELECT 1 {enrolled} AND EXISTS (SELECT 1 FROM {table[Pupil]} p "
        f"WHERE p.{q('id')} = e.{q('pupil_id')} AND p.{q('left_on')} IS NOT NULL)), "
        f"(SELECT l.{q('id')} {level_of} LIMIT 1), "
        f"(SELECT l.{q('code')} {level_of} LIMIT 1) "
        f"FROM {table[Objective]} o "
        f"JOIN {table[Framework]} f ON f.{q('id')} = o.{q('framework_id')} "
        f"JOIN {table[RatingScale]} sc ON sc.{q('id')} = f.{q('scale_id')} "
        + (
            f"JOIN {table[Subject]} su ON su.{q('id')} = f.{q('subject_id')} "
            if with_subject
            else ""
        )
        + f"WHERE o.{q('id')} = %s AND o.{q('framework_id')} = %s AND f.{q('school_id')} = %s "
        f"AND o.{q('archived_at')} IS NULL" + (f" AND su.{q('slug')} = %s" if with_subject else "")
    )
    return sql, fields


@functools.cache
def _converters(vendor: str, model: type[Model]) -> tuple[list[str], list[tuple[Any, list[Any]]]]:
    """A model's attribute names, and each column's converters as the ORM applies them."""
    names, converters = [], []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col)
        found += field.get_db_converters(connection)  # type: ignore[attr-defined]
        names.append(field.attname)
        converters.append((col, found))
    return names, converters


def _from_row(model: type[M], values: Sequence[Any]) -> M:
    """A model instance from raw column values, converted as the ORM converts them."""
    names, converters = _converters(connection.vendor, model)
    converted = []
    for (col, found), value in zip(converters, values, strict=True):
        for converter in found:
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


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
    runs the separate checks, which say exactly what is wrong. Level codes are
    matched without regard to case, as the grid's keys are.
    """
    wanted = (code or "").strip()
    sql, fields = _resolve_sql(connection.vendor, subject_slug is not None)
    params: list[Any] = [
        school_class.pk,
        school_class.pk,
        pupil_id,
        school_class.pk,
        pupil_id,
        wanted,
        wanted,
        objective_id,
        framework_id,
        school_class.school_id,
    ]
    if subject_slug is not None:
        params.append(subject_slug)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    instances: list[Any] = []
    models = (Objective, Framework, RatingScale, Subject)[: len(fields)]
    for model, model_fields in zip(models, fields, strict=True):
        instances.append(_from_row(model, values[: len(model_fields)]))
        values = values[len(model_fields) :]
    is_taught, enrolled, pupil_left, level_pk, level_code = values
    objective, framework = instances[0], instances[1]
    framework.scale = instances[2]
    if subject_slug is not None:
        framework.subject = instances[3]
    objective.framework = framework
    objective.is_taught = bool(is_taught)  # read by `_check_taught`, as an annotation would be
    return CellTarget(
        objective=objective,
        framework=framework,
        is_taught=bool(is_taught),
        enrolled=bool(enrolled),
        pupil_left=bool(pupil_left),
        level_id=level_pk if wanted else None,
        level_code=level_code if wanted else None,
    )
