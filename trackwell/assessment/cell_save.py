"""A single grid cell: set, change or clear one pupil's rating on one objective.

The lean path of issue 15: everything the save checks (objective, framework,
taught flag, enrolment, level) is read in one annotated query
(`cell_checks.resolve_cell`), and the write is two statements, with no locked
read first:

- a new cell (the user saw version 0): INSERT the judgement, INSERT its history
  row; a cell someone else created meanwhile fails the unique constraint;
- a changed cell: INSERT the history row from the judgement as it stands, only
  where its version is the one the user saw and something changes, then UPDATE
  the judgement where the version is still that one. Two writers of the same
  version collide on the history's unique (judgement, version), so the second
  one is refused as stale and nothing of it is kept.

Anything out of the ordinary (an error, a stale or unchanged cell) reads what it
needs afterwards, so only the common path is counted.
"""

import dataclasses
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from trackwell.accounts.models import User
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.curriculum.models import Framework
from trackwell.pupils.models import SchoolClass

from .cell_checks import (
    NOTE_MAX_LENGTH,
    CellState,
    CellTarget,
    StaleEdit,
    _check_framework,
    _check_objective,
    _check_pupils,
    _check_taught,
    _resolve_level,
    _state,
    resolve_cell,
)


class _MovedOn(Exception):
    """Inside the write: the cell is not at the version the user saw (rolled back)."""


def _history_sql() -> str:
    """INSERT the history row from the judgement as it stands (see the module's docstring)."""
    q = connection.ops.quote_name
    history = q(JudgementHistory._meta.db_table)
    judgement = q(Judgement._meta.db_table)
    columns = ", ".join(
        q(c)
        for c in (
            "school_id",
            "judgement_id",
            "old_level_id",
            "new_level_id",
            "old_note",
            "new_note",
            "version",
            "changed_by_id",
            "changed_at",
            "source",
        )
    )
    return (
        f"INSERT INTO {history} ({columns}) "
        f"SELECT j.{q('school_id')}, j.{q('id')}, j.{q('level_id')}, CAST(%s AS INTEGER), "
        f"j.{q('note')}, COALESCE(CAST(%s AS TEXT), j.{q('note')}), j.{q('version')} + 1, "
        f"%s, %s, %s "
        f"FROM {judgement} j "
        f"WHERE j.{q('pupil_id')} = %s AND j.{q('objective_id')} = %s "
        f"AND j.{q('version')} = %s "
        f"AND NOT (COALESCE(j.{q('level_id')}, 0) = COALESCE(CAST(%s AS INTEGER), 0) "
        f"AND j.{q('note')} = COALESCE(CAST(%s AS TEXT), j.{q('note')})) "
        f"RETURNING {q('judgement_id')}, {q('old_level_id')}, {q('new_note')}"
    )


def set_judgement(
    *,
    user: User,
    school_class: SchoolClass,
    framework: Framework,
    pupil_id: int,
    objective_id: int,
    code: str | None,
    expected_version: int,
    note: str | None = None,
    source: str = JudgementHistory.Source.GRID,
    taught_rule: str | None = None,
    mark_taught: bool | None = None,
) -> CellState:
    """Set (or clear, with an empty code) one pupil's rating on one objective.

    `expected_version` is the version the user saw (0 for an empty cell). If the
    cell has moved on, StaleEdit carries what it holds now and nothing is saved.
    `note=None` keeps the existing note. `taught_rule` and `mark_taught` apply
    the school's rule for objectives not yet taught (see `_check_taught`).
    """
    _check_framework(school_class, framework)
    target = resolve_cell(
        school_class,
        objective_id=objective_id,
        pupil_id=pupil_id,
        code=code,
        framework_id=framework.pk,
    )
    return _save(
        user=user,
        school_class=school_class,
        framework=framework,
        target=target,
        pupil_id=pupil_id,
        objective_id=objective_id,
        code=code,
        expected_version=expected_version,
        note=note,
        source=source,
        taught_rule=taught_rule,
        mark_taught=mark_taught,
    )


def save_cell(
    *,
    user: User,
    school_class: SchoolClass,
    subject_slug: str,
    framework_id: int,
    pupil_id: int,
    objective_id: int,
    code: str | None,
    expected_version: int,
    note: str | None = None,
    taught_rule: str | None = None,
    mark_taught: bool | None = None,
) -> tuple[CellState, CellTarget] | None:
    """The grid's save: the subject and framework resolved with everything else in one query.

    None when they do not resolve (another school's framework, another
    subject's, an archived or unknown objective): the view then looks them up
    one by one, to answer 404 or say what is wrong.
    """
    target = resolve_cell(
        school_class,
        objective_id=objective_id,
        pupil_id=pupil_id,
        code=code,
        framework_id=framework_id,
        subject_slug=subject_slug,
    )
    if target is None:
        return None
    state = _save(
        user=user,
        school_class=school_class,
        framework=target.framework,
        target=target,
        pupil_id=pupil_id,
        objective_id=objective_id,
        code=code,
        expected_version=expected_version,
        note=note,
        source=JudgementHistory.Source.GRID,
        taught_rule=taught_rule,
        mark_taught=mark_taught,
    )
    return state, target


def _save(
    *,
    user: User,
    school_class: SchoolClass,
    framework: Framework,
    target: CellTarget | None,
    pupil_id: int,
    objective_id: int,
    code: str | None,
    expected_version: int,
    note: str | None,
    source: str,
    taught_rule: str | None,
    mark_taught: bool | None,
) -> CellState:
    if target is None or not target.enrolled or target.pupil_left:
        # Not the common path: the separate checks raise with the exact reason.
        _check_objective(framework, objective_id, school_class)
        _check_pupils(school_class, [pupil_id])
        raise ValidationError("That cell cannot be changed here.", code="cell_outside_grid")
    if code not in (None, "") and target.level_id is None:
        # SQL folds the case of ASCII letters only (SQLite's UPPER): a code such as "é" for
        # "É" is found here, in Python; an unknown code raises, naming the scale's codes.
        level = _resolve_level(framework, code)
        if level is not None:
            target = dataclasses.replace(target, level_id=level.pk, level_code=level.code)
    if note is not None and len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            f"Notes are limited to {NOTE_MAX_LENGTH} characters.", code="note_too_long"
        )
    objective = target.objective
    new_note = None if note is None else note.strip()
    now = timezone.now()
    try:
        with transaction.atomic():
            if expected_version == 0:
                return _create(
                    user, school_class, framework, target, pupil_id, new_note, now, source,
                    taught_rule, mark_taught,
                )  # fmt: skip
            return _change(
                user, school_class, framework, target, pupil_id, expected_version, new_note,
                now, source, taught_rule, mark_taught,
            )  # fmt: skip
    except (IntegrityError, _MovedOn):
        # Someone else wrote this cell between the user's load and this write.
        latest = (
            Judgement.objects.select_related("level", "updated_by")
            .filter(pupil_id=pupil_id, objective=objective)
            .first()
        )
        raise StaleEdit([_state(latest, pupil_id, objective.pk)]) from None


def _create(
    user: User,
    school_class: SchoolClass,
    framework: Framework,
    target: CellTarget,
    pupil_id: int,
    new_note: str | None,
    now: datetime,
    source: str,
    taught_rule: str | None,
    mark_taught: bool | None,
) -> CellState:
    objective = target.objective
    note = new_note or ""
    if target.level_id is None and not note:
        # Nothing to keep; a cell that exists after all is a stale view.
        existing = (
            Judgement.objects.select_related("level", "updated_by")
            .filter(pupil_id=pupil_id, objective=objective)
            .first()
        )
        if existing is not None:
            raise StaleEdit([_state(existing, pupil_id, objective.pk)])
        return _state(None, pupil_id, objective.pk)
    if target.level_id is not None:
        _check_taught(user, school_class, framework, objective, taught_rule, mark_taught)
    judgement = Judgement.objects.create(
        school_id=school_class.school_id,
        pupil_id=pupil_id,
        objective=objective,
        level_id=target.level_id,
        note=note,
        version=1,
        updated_by=user,
        updated_at=now,
    )
    JudgementHistory.objects.create(
        school_id=school_class.school_id,
        judgement=judgement,
        old_level=None,
        new_level_id=target.level_id,
        old_note="",
        new_note=note,
        version=1,
        changed_by=user,
        changed_at=now,
        source=source,
    )
    return _written(target, user, pupil_id, note, 1, now)


def _change(
    user: User,
    school_class: SchoolClass,
    framework: Framework,
    target: CellTarget,
    pupil_id: int,
    expected_version: int,
    new_note: str | None,
    now: datetime,
    source: str,
    taught_rule: str | None,
    mark_taught: bool | None,
) -> CellState:
    objective = target.objective
    with connection.cursor() as cursor:
        cursor.execute(
            _history_sql(),
            [
                target.level_id,
                new_note,
                user.pk,
                connection.ops.adapt_datetimefield_value(now),
                source,
                pupil_id,
                objective.pk,
                expected_version,
                target.level_id,
                new_note,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        # Stale, or nothing changes: which one, from the cell as it is.
        current = (
            Judgement.objects.select_related("level", "updated_by")
            .filter(pupil_id=pupil_id, objective=objective)
            .first()
        )
        if current is None or current.version != expected_version:
            raise StaleEdit([_state(current, pupil_id, objective.pk)])
        return _state(current, pupil_id, objective.pk)
    judgement_id, old_level_id, note = row
    if target.level_id is not None and old_level_id != target.level_id:
        _check_taught(user, school_class, framework, objective, taught_rule, mark_taught)
    changed = Judgement.objects.filter(pk=judgement_id, version=expected_version).update(
        level_id=target.level_id,
        note=note,
        version=expected_version + 1,
        updated_by=user,
        updated_at=now,
    )
    if changed != 1:
        raise _MovedOn()
    return _written(target, user, pupil_id, note, expected_version + 1, now)


def _written(
    target: CellTarget, user: User, pupil_id: int, note: str, version: int, now: datetime
) -> CellState:
    return CellState(
        pupil_id=pupil_id,
        objective_id=target.objective.pk,
        code=target.level_code,
        note=note,
        version=version,
        updated_by=user.display_name,
        updated_at=now,
    )
