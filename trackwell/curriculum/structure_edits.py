"""Writes to a framework's structure: strands and objectives, added, changed, moved,
removed and restored, each change logged with who, when, the old and the new values."""

from collections.abc import Iterable
from types import EllipsisType
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.core.versioning import locked_for_edit
from trackwell.curriculum.lineage import replacements
from trackwell.curriculum.models import (
    Framework,
    Objective,
    ObjectiveLink,
    Strand,
    TaughtObjective,
)
from trackwell.curriculum.services import _bump, _check_code, _objective_state, clean_tags


def create_strand(
    *, user: User, framework: Framework, name: str, code: str = "", statement: str = ""
) -> Strand:
    """Add a strand at the end of the framework."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the strand a name.")
    with transaction.atomic():
        last = Strand.objects.filter(framework=framework).aggregate(m=Max("order"))["m"]
        strand = Strand.objects.create(
            school_id=framework.school_id,
            framework=framework,
            name=name[:150],
            code=code.strip()[:60],
            statement=statement.strip(),
            order=0 if last is None else last + 1,
        )
        log_action(
            school=framework.school,
            user=user,
            action="strand.create",
            obj=strand,
            new={"framework": framework.pk, "name": strand.name},
        )
    return strand


def update_strand(
    *, user: User, strand: Strand, name: str, code: str = "", statement: str = ""
) -> Strand:
    """Rename a strand or change its code or full wording."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the strand a name.")
    old = {"name": strand.name, "code": strand.code, "statement": strand.statement}
    new = {"name": name[:150], "code": code.strip()[:60], "statement": statement.strip()}
    if old == new:
        return strand
    with transaction.atomic():
        strand.name, strand.code, strand.statement = new["name"], new["code"], new["statement"]
        strand.save(update_fields=["name", "code", "statement"])
        log_action(
            school=strand.framework.school,
            user=user,
            action="strand.update",
            obj=strand,
            old=old,
            new=new,
        )
    return strand


def _renumber(items: list[Any]) -> list[Any]:
    changed = []
    for index, item in enumerate(items):
        if item.order != index:
            item.order = index
            changed.append(item)
    return changed


def move_strand(*, user: User, strand: Strand, step: int) -> None:
    """Move a strand one place up (step -1) or down (+1)."""
    with transaction.atomic():
        strands = list(Strand.objects.select_for_update().filter(framework_id=strand.framework_id))
        strands.sort(key=lambda s: (s.order, s.pk))
        index = next(i for i, s in enumerate(strands) if s.pk == strand.pk)
        target = index + (1 if step > 0 else -1)
        if not 0 <= target < len(strands):
            return
        strands[index], strands[target] = strands[target], strands[index]
        Strand.objects.bulk_update(_renumber(strands), ["order"])
        log_action(
            school=strand.framework.school,
            user=user,
            action="strand.move",
            obj=strand,
            old={"position": index + 1},
            new={"position": target + 1},
        )


def delete_strand(*, user: User, strand: Strand) -> None:
    """Remove an empty strand; one holding objectives (even archived ones) is kept."""
    if strand.objectives.exists():
        raise ValidationError(
            f"{strand.name} still holds objectives (current or archived): move them first.",
            code="strand_not_empty",
        )
    with transaction.atomic():
        log_action(
            school=strand.framework.school,
            user=user,
            action="strand.delete",
            obj=strand,
            old={"name": strand.name, "framework": strand.framework_id},
        )
        strand.delete()


def create_objective(
    *,
    user: User,
    strand: Strand,
    code: str,
    statement: str,
    is_key: bool = False,
    tags: Iterable[str] = (),
) -> Objective:
    """Add an objective at the end of a strand."""
    framework = strand.framework
    code = _check_code(framework, code)
    statement = statement.strip()
    if not statement:
        raise ValidationError("Write the objective's statement.", code="statement_missing")
    with transaction.atomic():
        in_strand = Objective.objects.filter(strand=strand).aggregate(m=Max("order"))["m"]
        position = (
            in_strand + 1
            if in_strand is not None
            else (Objective.objects.filter(framework=framework).aggregate(m=Max("order"))["m"] or 0)
            + 1
        )
        # Make room so the new objective sits at the end of its own strand.
        Objective.objects.filter(framework=framework, order__gte=position).update(
            order=F("order") + 1
        )
        objective = Objective.objects.create(
            school_id=framework.school_id,
            framework=framework,
            strand=strand,
            code=code,
            statement=statement,
            is_key=is_key,
            tags=clean_tags(tags),
            order=position,
        )
        log_action(
            school=framework.school,
            user=user,
            action="objective.create",
            obj=objective,
            new=_objective_state(objective),
        )
    return objective


def update_objective(
    *,
    user: User,
    objective: Objective,
    code: str,
    statement: str,
    is_key: bool,
    tags: Iterable[str],
    strand: Strand | None = None,
    expected_version: int | EllipsisType | None = ...,
) -> Objective:
    """Change an objective's code, statement, key flag, tags or strand.

    With `expected_version` (the edit form's), an objective changed since is an EditConflict.
    """
    framework = objective.framework
    code = _check_code(framework, code, exclude=objective.pk)
    statement = statement.strip()
    if not statement:
        raise ValidationError("Write the objective's statement.", code="statement_missing")
    if strand is not None and strand.framework_id != framework.pk:
        raise ValidationError("That strand belongs to another framework.")
    with transaction.atomic():
        locked = locked_for_edit(
            Objective.objects.filter(school_id=objective.school_id),
            objective.pk,
            objective.version if expected_version is ... else expected_version,
            yours={"code": code, "statement": statement, "is_key": is_key},
            labels={"code": "Code", "statement": "Statement", "is_key": "Key objective"},
            what=f"The objective {objective.code}",
        )
        old = _objective_state(locked)
        objective.version = locked.version
        objective.code = code
        objective.statement = statement
        objective.is_key = is_key
        objective.tags = clean_tags(tags)
        if strand is not None:
            objective.strand = strand
        new = _objective_state(objective)
        if new == old:
            return objective
        objective.save(update_fields=["code", "statement", "is_key", "tags", "strand"])
        _bump(objective)
        log_action(
            school=framework.school,
            user=user,
            action="objective.update",
            obj=objective,
            old=old,
            new=new,
        )
    return objective


def _current_layout(framework: Framework) -> list[Objective]:
    return list(
        Objective.objects.select_for_update()
        .filter(framework=framework, archived_at__isnull=True)
        .order_by("strand__order", "strand_id", "order", "id")
    )


def move_objective(*, user: User, objective: Objective, step: int) -> None:
    """Move an objective one place up or down within its strand (keyboard and no-JS reordering)."""
    with transaction.atomic():
        layout = [
            o for o in _current_layout(objective.framework) if o.strand_id == objective.strand_id
        ]
        index = next((i for i, o in enumerate(layout) if o.pk == objective.pk), None)
        if index is None:
            raise ValidationError("Archived objectives are not reordered.")
        target = index + (1 if step > 0 else -1)
        if not 0 <= target < len(layout):
            return
        a, b = layout[index], layout[target]
        a.order, b.order = b.order, a.order
        if a.order == b.order:
            b.order += -1 if step > 0 else 1
        Objective.objects.bulk_update([a, b], ["order"])
        log_action(
            school=objective.framework.school,
            user=user,
            action="objective.move",
            obj=objective,
            old={"framework": objective.framework_id, "position": index + 1},
            new={"framework": objective.framework_id, "position": target + 1},
        )


def reorder_framework(*, user: User, framework: Framework, layout: dict[int, list[int]]) -> None:
    """Put the current objectives in the given order, strand by strand (drag and drop).

    `layout` maps each strand id to its objective ids in order. Every current
    objective must appear exactly once; otherwise nothing changes.
    """
    with transaction.atomic():
        strands = {
            s.pk: s for s in Strand.objects.filter(framework=framework).order_by("order", "id")
        }
        current = {o.pk: o for o in _current_layout(framework)}
        listed = [pk for pks in layout.values() for pk in pks]
        if set(layout) - set(strands):
            raise ValidationError("Some of those strands are not in this framework.")
        if sorted(listed) != sorted(current):
            raise ValidationError(
                "The new order must list every current objective once; reload and try again."
            )
        old = [current[pk].code for pk in current]
        changed = []
        position = 0
        for strand_id in strands:
            for pk in layout.get(strand_id, []):
                obj = current[pk]
                if obj.order != position or obj.strand_id != strand_id:
                    obj.order = position
                    obj.strand_id = strand_id
                    changed.append(obj)
                position += 1
        if not changed:
            return
        # Archived objectives keep their place after the current ones.
        Objective.objects.filter(framework=framework, archived_at__isnull=False).update(
            order=F("order") + position
        )
        Objective.objects.bulk_update(changed, ["order", "strand"])
        log_action(
            school=framework.school,
            user=user,
            action="framework.reorder",
            obj=framework,
            old={"order": old},
            new={"order": [current[pk].code for pks in layout.values() for pk in pks]},
        )


def objective_in_use(objective: Objective) -> bool:
    """Whether anything refers to the objective: judgements, coverage or split/merge links."""
    from trackwell.assessment.models import Judgement

    return (
        Judgement.objects.filter(objective=objective).exists()
        or TaughtObjective.objects.filter(objective=objective).exists()
        or ObjectiveLink.objects.filter(Q(source=objective) | Q(target=objective)).exists()
    )


def remove_objective(*, user: User, objective: Objective) -> str:
    """Delete an unused objective; one with judgements is archived instead. Returns which."""
    with transaction.atomic():
        state = _objective_state(objective)
        if objective_in_use(objective):
            if objective.archived_at is None:
                objective.archived_at = timezone.now()
                objective.save(update_fields=["archived_at"])
                log_action(
                    school=objective.framework.school,
                    user=user,
                    action="objective.archive",
                    obj=objective,
                    old=state,
                    new={**state, "archived": True},
                )
            return "archived"
        log_action(
            school=objective.framework.school,
            user=user,
            action="objective.delete",
            obj=objective,
            old=state,
        )
        Objective.objects.filter(parent=objective).update(parent=objective.parent)
        objective.delete()
        return "deleted"


def restore_objective(*, user: User, objective: Objective) -> Objective:
    """Bring an archived objective back into the grid.

    An objective that was split or merged is refused while what replaced it is
    current: its pupils' ratings live on there and would count twice.
    """
    if objective.archived_at is None:
        return objective
    taken_over = replacements(objective)
    if taken_over:
        kinds = set(ObjectiveLink.objects.filter(source=objective).values_list("kind", flat=True))
        how = " and ".join(
            word
            for kind, word in (
                (ObjectiveLink.Kind.SPLIT, "split"),
                (ObjectiveLink.Kind.MERGE, "merged"),
            )
            if kind in kinds
        )
        names = ", ".join(o.code for o in taken_over)
        raise ValidationError(
            f"{objective.code} cannot be restored: it was {how or 'replaced'} into {names}, "
            f"which carr{'ies' if len(taken_over) == 1 else 'y'} its pupils' ratings, so "
            f"they would count twice. Archive {names} first if you want {objective.code} back.",
            code="replaced",
        )
    with transaction.atomic():
        objective.archived_at = None
        last = Objective.objects.filter(framework=objective.framework).aggregate(m=Max("order"))
        objective.order = (last["m"] or 0) + 1
        objective.save(update_fields=["archived_at", "order"])
        log_action(
            school=objective.framework.school,
            user=user,
            action="objective.restore",
            obj=objective,
            old={"framework": objective.framework_id, "archived": True},
            new={"framework": objective.framework_id, "archived": False},
        )
    return objective
