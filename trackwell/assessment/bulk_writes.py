"""Writes of many judgements at once: a whole column from the grid, many cells from the API.

All or nothing, in a fixed number of queries whatever the number of cells, with
every version checked and a history row for each change.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from trackwell.accounts.models import User
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.curriculum.models import Framework, Objective, RatingLevel
from trackwell.pupils.models import SchoolClass

from .cell_checks import (
    NOTE_MAX_LENGTH,
    CellState,
    StaleEdit,
    _check_framework,
    _check_objective,
    _check_pupils,
    _check_taught,
    _resolve_level,
    _state,
)


def set_column(
    *,
    user: User,
    school_class: SchoolClass,
    framework: Framework,
    objective_id: int,
    code: str,
    pupil_ids: Iterable[int],
    expected_versions: dict[int, int] | None = None,
    taught_rule: str | None = None,
    mark_taught: bool | None = None,
) -> list[CellState]:
    """Give the selected pupils one rating on one objective, all or nothing.

    When `expected_versions` is given (pupil id to the version the user saw),
    any cell that has moved on stops the whole change with StaleEdit.
    """
    _check_framework(school_class, framework)
    objective = _check_objective(framework, objective_id, school_class)
    wanted = _check_pupils(school_class, pupil_ids)
    if not wanted:
        raise ValidationError("Choose at least one pupil.", code="no_pupils")
    level = _resolve_level(framework, code)
    if level is None:
        raise ValidationError("Choose a rating to give the selected pupils.", code="no_rating")
    now = timezone.now()
    with transaction.atomic():
        existing = {
            j.pupil_id: j
            for j in Judgement.objects.select_for_update(of=("self",))
            .select_related("level", "updated_by")
            .filter(objective=objective, pupil_id__in=wanted)
        }
        if expected_versions is not None:
            stale = [
                _state(existing.get(pid), pid, objective.pk)
                for pid in sorted(wanted)
                if (existing[pid].version if pid in existing else 0)
                != expected_versions.get(pid, 0)
            ]
            if stale:
                raise StaleEdit(stale)
        _check_taught(user, school_class, framework, objective, taught_rule, mark_taught)
        to_create: list[Judgement] = []
        to_update: list[Judgement] = []
        history: list[JudgementHistory] = []
        olds: dict[int, RatingLevel | None] = {}
        for pid in sorted(wanted):
            judgement = existing.get(pid)
            if judgement is None:
                judgement = Judgement(
                    school_id=school_class.school_id,
                    pupil_id=pid,
                    objective=objective,
                    level=level,
                    version=1,
                    updated_by=user,
                    updated_at=now,
                )
                to_create.append(judgement)
                olds[pid] = None
            elif judgement.level_id != level.pk:
                olds[pid] = judgement.level
                judgement.level = level
                judgement.version += 1
                judgement.updated_by = user
                judgement.updated_at = now
                to_update.append(judgement)
        Judgement.objects.bulk_create(to_create)
        Judgement.objects.bulk_update(to_update, ["level", "version", "updated_by", "updated_at"])
        if to_create and to_create[0].pk is None:
            # Backends that do not return ids from bulk inserts: read them back.
            ids = dict(
                Judgement.objects.filter(
                    objective=objective, pupil_id__in=[j.pupil_id for j in to_create]
                ).values_list("pupil_id", "id")
            )
            for j in to_create:
                j.pk = ids[j.pupil_id]
        for judgement in [*to_create, *to_update]:
            history.append(
                JudgementHistory(
                    school_id=school_class.school_id,
                    judgement=judgement,
                    old_level=olds[judgement.pupil_id],
                    new_level=level,
                    old_note=judgement.note,
                    new_note=judgement.note,
                    version=judgement.version,
                    changed_by=user,
                    changed_at=now,
                    source=JudgementHistory.Source.BULK,
                )
            )
        JudgementHistory.objects.bulk_create(history)
        existing.update({j.pupil_id: j for j in to_create})
    return [_state(existing[pid], pid, objective.pk) for pid in sorted(wanted)]


@dataclass(frozen=True)
class CellWrite:
    """One cell of a many-cell write: the rating to set and the version the writer saw."""

    pupil_id: int
    objective_id: int
    code: str | None
    expected_version: int
    note: str | None = None


class OutOfScope(Exception):
    """Cells naming pupils or objectives the writer may not change (answered as not found)."""

    def __init__(self, indexes: list[int]) -> None:
        super().__init__("Some cells name pupils or objectives you cannot change.")
        self.indexes = indexes


def set_cells(
    *,
    user: User,
    editable_pupil_ids: Iterable[int],
    cells: list[CellWrite],
    source: str = JudgementHistory.Source.IMPORT,
) -> list[CellState]:
    """Set many cells across pupils and objectives, all or nothing, in a fixed number of queries.

    `editable_pupil_ids` is what the access layer lets the writer change. Every
    cell is validated (objective current and of the school, code on its
    framework's scale, note length) and every version checked before anything is
    written; any cell that moved on stops the whole write with StaleEdit naming
    those cells, and nothing is saved.
    """
    allowed = set(editable_pupil_ids)
    school_id = user.school_id
    if school_id is None:
        raise OutOfScope(list(range(len(cells))))
    objectives = {
        o.pk: o
        for o in Objective.objects.filter(
            pk__in={c.objective_id for c in cells},
            archived_at__isnull=True,
            school_id=school_id,
        ).select_related("framework__scale")
    }
    outside = [
        i
        for i, c in enumerate(cells)
        if c.pupil_id not in allowed or c.objective_id not in objectives
    ]
    if outside:
        raise OutOfScope(outside)
    seen: set[tuple[int, int]] = set()
    scales = {o.framework.scale_id for o in objectives.values()}
    levels_by_scale: dict[int, dict[str, RatingLevel]] = {sid: {} for sid in scales}
    for lv in RatingLevel.objects.filter(scale_id__in=scales):
        levels_by_scale[lv.scale_id][lv.code.upper()] = lv
    errors: dict[str, str] = {}
    wanted: list[tuple[CellWrite, RatingLevel | None]] = []
    for i, cell in enumerate(cells):
        pair = (cell.pupil_id, cell.objective_id)
        if pair in seen:
            errors[f"cells[{i}]"] = "The same pupil and objective appear twice."
            continue
        seen.add(pair)
        framework = objectives[cell.objective_id].framework
        level: RatingLevel | None = None
        if cell.code not in (None, ""):
            level = levels_by_scale[framework.scale_id].get(str(cell.code).strip().upper())
            if level is None:
                allowed_codes = ", ".join(
                    lv.code for lv in levels_by_scale[framework.scale_id].values()
                )
                errors[f"cells[{i}].code"] = (
                    f"Unknown rating code {cell.code!r}: the {framework.scale.name} scale "
                    f"uses {allowed_codes}."
                )
                continue
        if cell.note is not None and len(cell.note) > NOTE_MAX_LENGTH:
            errors[f"cells[{i}].note"] = f"Notes are limited to {NOTE_MAX_LENGTH} characters."
            continue
        wanted.append((cell, level))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    try:
        return _write_cells(user, school_id, wanted, seen, now, source)
    except IntegrityError:
        # Another request created one of these cells between our read and our insert:
        # nothing of ours was saved; answer with the cells as they are now.
        latest = {
            (j.pupil_id, j.objective_id): j
            for j in Judgement.objects.select_related("level", "updated_by").filter(
                pupil_id__in={c.pupil_id for c, _ in wanted},
                objective_id__in={c.objective_id for c, _ in wanted},
            )
        }
        raise StaleEdit(
            [
                _state(latest.get((c.pupil_id, c.objective_id)), c.pupil_id, c.objective_id)
                for c, _ in wanted
                if latest.get((c.pupil_id, c.objective_id)) is not None
            ]
        ) from None


def _write_cells(
    user: User,
    school_id: int,
    wanted: list[tuple[CellWrite, RatingLevel | None]],
    seen: set[tuple[int, int]],
    now: datetime,
    source: str,
) -> list[CellState]:
    """The writing half of `set_cells`: lock, check versions, write, keep history."""
    with transaction.atomic():
        existing = {
            (j.pupil_id, j.objective_id): j
            for j in Judgement.objects.select_for_update(of=("self",))
            .select_related("level", "updated_by")
            .filter(
                pupil_id__in={c.pupil_id for c, _ in wanted},
                objective_id__in={c.objective_id for c, _ in wanted},
            )
            if (j.pupil_id, j.objective_id) in seen
        }
        stale = [
            _state(existing.get((c.pupil_id, c.objective_id)), c.pupil_id, c.objective_id)
            for c, _ in wanted
            if (
                existing[(c.pupil_id, c.objective_id)].version
                if (c.pupil_id, c.objective_id) in existing
                else 0
            )
            != c.expected_version
        ]
        if stale:
            raise StaleEdit(stale)
        to_create: list[Judgement] = []
        to_update: list[Judgement] = []
        olds: dict[tuple[int, int], tuple[RatingLevel | None, str]] = {}
        for cell, level in wanted:
            pair = (cell.pupil_id, cell.objective_id)
            judgement = existing.get(pair)
            new_note = (
                (judgement.note if judgement else "") if cell.note is None else (cell.note.strip())
            )
            if judgement is None:
                if level is None and not new_note:
                    continue
                judgement = Judgement(
                    school_id=school_id,
                    pupil_id=cell.pupil_id,
                    objective_id=cell.objective_id,
                    level=level,
                    note=new_note,
                    version=1,
                    updated_by=user,
                    updated_at=now,
                )
                olds[pair] = (None, "")
                to_create.append(judgement)
                existing[pair] = judgement
            elif judgement.level_id != (level.pk if level else None) or judgement.note != new_note:
                olds[pair] = (judgement.level, judgement.note)
                judgement.level = level
                judgement.note = new_note
                judgement.version += 1
                judgement.updated_by = user
                judgement.updated_at = now
                to_update.append(judgement)
        Judgement.objects.bulk_create(to_create, batch_size=1000)
        # One UPDATE per distinct new state (usually a handful of ratings), not Django's
        # bulk_update, whose CASE per row grows with the square of the batch on SQLite.
        groups: dict[tuple[int | None, str], list[int]] = {}
        for j in to_update:
            groups.setdefault((j.level_id, j.note), []).append(j.pk)
        for (level_id, note), pks in groups.items():
            Judgement.objects.filter(pk__in=pks).update(
                level_id=level_id,
                note=note,
                version=F("version") + 1,
                updated_by=user,
                updated_at=now,
            )
        if to_create and to_create[0].pk is None:
            ids = {
                (p, o): pk
                for p, o, pk in Judgement.objects.filter(
                    pupil_id__in={j.pupil_id for j in to_create},
                    objective_id__in={j.objective_id for j in to_create},
                ).values_list("pupil_id", "objective_id", "id")
            }
            for j in to_create:
                j.pk = ids[(j.pupil_id, j.objective_id)]
        JudgementHistory.objects.bulk_create(
            [
                JudgementHistory(
                    school_id=school_id,
                    judgement=j,
                    old_level=olds[(j.pupil_id, j.objective_id)][0],
                    new_level=j.level,
                    old_note=olds[(j.pupil_id, j.objective_id)][1],
                    new_note=j.note,
                    version=j.version,
                    changed_by=user,
                    changed_at=now,
                    source=source,
                )
                for j in [*to_create, *to_update]
            ],
            batch_size=1000,
        )
    return [
        _state(existing.get((c.pupil_id, c.objective_id)), c.pupil_id, c.objective_id)
        for c, _ in wanted
    ]
