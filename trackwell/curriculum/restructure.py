"""Changing a framework mid-year without losing a judgement: split, merge, change of scale.

Each operation is planned first (the preview the school sees) and then applied
in one transaction. Judgements are never overwritten silently: a new or changed
judgement gets a history row whose source says why (split, merge, rescale), and
the objectives that were split or merged are archived with their judgements
intact, linked to what replaced them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.curriculum.framework_spec import StalePlan
from trackwell.curriculum.models import (
    Framework,
    Objective,
    ObjectiveLink,
    RatingLevel,
    RatingScale,
    TaughtObjective,
)
from trackwell.curriculum.services import _check_code, clean_tags
from trackwell.pupils.models import Pupil

# Values for JudgementHistory.source (a short free-text field) written by these operations.
SOURCE_SPLIT = "split"
SOURCE_MERGE = "merge"
SOURCE_RESCALE = "rescale"
SOURCE_LABELS = {
    SOURCE_SPLIT: "Inherited when an objective was split",
    SOURCE_MERGE: "Kept when objectives were merged",
    SOURCE_RESCALE: "Mapped to a new rating scale",
}

MERGE_RULES = {
    "highest": "Highest rating wins",
    "lowest": "Lowest rating wins",
    "recent": "Most recent rating wins",
}


def _copy_taught(sources: list[Objective], targets: list[Objective]) -> None:
    """Classes taught any source objective have been taught its replacements too."""
    classes = set(
        TaughtObjective.objects.filter(objective__in=sources).values_list(
            "school_class_id", flat=True
        )
    )
    have = set(
        TaughtObjective.objects.filter(objective__in=targets).values_list(
            "school_class_id", "objective_id"
        )
    )
    TaughtObjective.objects.bulk_create(
        TaughtObjective(school_id=t.school_id, school_class_id=c, objective=t, marked_by=None)
        for t in targets
        for c in sorted(classes)
        if (c, t.pk) not in have
    )


def _make_room(objective: Objective, count: int) -> None:
    """Shift later objectives of the framework so `count` new ones fit right after this one."""
    Objective.objects.filter(framework_id=objective.framework_id, order__gt=objective.order).update(
        order=F("order") + count
    )


# ---------------------------------------------------------------------------
# Split


def split_objective(
    *, user: User, objective: Objective, parts: list[tuple[str, str]]
) -> list[Objective]:
    """Replace one objective by two or more; each inherits every pupil's judgement.

    The original is archived with its judgements untouched; each inherited
    judgement starts its own history with source 'split'.
    """
    if objective.archived_at is not None:
        raise ValidationError("That objective is archived already.")
    cleaned: list[tuple[str, str]] = []
    for n, (code, statement) in enumerate(parts, start=1):
        code, statement = code.strip(), statement.strip()
        if not code and not statement:
            continue  # a blank row of the form
        if not code:
            raise ValidationError(f"Give part {n} a code.", code="part_code_missing")
        cleaned.append((code, statement))
    if len(cleaned) < 2:
        raise ValidationError("Split an objective into at least two new objectives.")
    codes = [c for c, _ in cleaned]
    if len(set(codes)) != len(codes):
        raise ValidationError("Each new objective needs its own code.")
    for code, statement in cleaned:
        _check_code(objective.framework, code)
        if not statement:
            raise ValidationError(f"Write the statement for {code}.")
    now = timezone.now()
    with transaction.atomic():
        source = Objective.objects.select_for_update().get(pk=objective.pk)
        if source.archived_at is not None:
            raise ValidationError("That objective is archived already.")
        _make_room(source, len(cleaned))
        created = [
            Objective.objects.create(
                school_id=source.school_id,
                framework_id=source.framework_id,
                strand_id=source.strand_id,
                parent_id=source.parent_id,
                code=code,
                statement=statement,
                order=source.order + n,
                is_key=source.is_key,
                tags=list(source.tags or []),
            )
            for n, (code, statement) in enumerate(cleaned, start=1)
        ]
        judgements = list(Judgement.objects.filter(objective=source).order_by("pupil_id"))
        for target in created:
            copies = Judgement.objects.bulk_create(
                Judgement(
                    school_id=j.school_id,
                    pupil_id=j.pupil_id,
                    objective=target,
                    level_id=j.level_id,
                    note=j.note,
                    version=1,
                    updated_by=user,
                    updated_at=now,
                )
                for j in judgements
            )
            copies = _with_ids(copies, target)
            JudgementHistory.objects.bulk_create(
                JudgementHistory(
                    school_id=c.school_id,
                    judgement=c,
                    old_level=None,
                    new_level_id=c.level_id,
                    old_note="",
                    new_note=c.note,
                    version=1,
                    changed_by=user,
                    changed_at=now,
                    source=SOURCE_SPLIT,
                )
                for c in copies
            )
        _copy_taught([source], created)
        Objective.objects.filter(parent=source).update(parent=created[0])
        source.archived_at = now
        source.save(update_fields=["archived_at"])
        ObjectiveLink.objects.bulk_create(
            ObjectiveLink(
                school_id=source.school_id,
                kind=ObjectiveLink.Kind.SPLIT,
                source=source,
                target=t,
                made_by=user,
            )
            for t in created
        )
        log_action(
            school=source.framework.school,
            user=user,
            action="objective.split",
            obj=source,
            old={
                "framework": source.framework_id,
                "code": source.code,
                "statement": source.statement,
            },
            new={
                "framework": source.framework_id,
                "into": [{"id": t.pk, "code": t.code, "statement": t.statement} for t in created],
                "judgements_inherited": len(judgements),
            },
        )
    return created


def _with_ids(judgements: list[Judgement], objective: Objective) -> list[Judgement]:
    if all(j.pk is not None for j in judgements):
        return judgements
    # Backends that do not return ids from bulk inserts: read them back.
    ids = dict(Judgement.objects.filter(objective=objective).values_list("pupil_id", "id"))
    for j in judgements:
        j.pk = ids[j.pupil_id]
    return judgements


# ---------------------------------------------------------------------------
# Merge


@dataclass
class Candidate:
    objective: Objective
    judgement: Judgement


@dataclass
class MergeRow:
    """One pupil in a merge preview: every rating they have and the one that will be kept."""

    pupil: Pupil
    candidates: list[Candidate]
    winner: Candidate


@dataclass
class MergePlan:
    objectives: list[Objective]
    rule: str
    rows: list[MergeRow] = field(default_factory=list)

    @property
    def differing(self) -> list[MergeRow]:
        """Pupils whose ratings disagree, where the rule decides."""
        return [r for r in self.rows if len({c.judgement.level_id for c in r.candidates}) > 1]

    @property
    def digest(self) -> str:
        """A fingerprint of what the merge keeps: each pupil's winning rating and note.

        The preview carries it to the confirm step; if it differs there, ratings
        changed meanwhile and the school sees the new preview before anything is merged.
        """
        payload = json.dumps(
            {
                "objectives": sorted(o.pk for o in self.objectives),
                "rule": self.rule,
                "winners": sorted(
                    [
                        r.pupil.pk,
                        r.winner.objective.pk,
                        r.winner.judgement.level_id,
                        r.winner.judgement.note,
                    ]
                    for r in self.rows
                ),
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def _winner(candidates: list[Candidate], rule: str) -> Candidate:
    rated = [c for c in candidates if c.judgement.level is not None] or candidates

    def when(c: Candidate) -> datetime:
        return c.judgement.updated_at

    def value(c: Candidate) -> int:
        level = c.judgement.level
        return level.value if level is not None else -1

    if rule == "highest":
        return max(rated, key=lambda c: (value(c), when(c)))
    if rule == "lowest":
        return min(rated, key=lambda c: (value(c), -when(c).timestamp()))
    return max(rated, key=when)


def _check_merge(objectives: list[Objective], rule: str) -> None:
    if rule not in MERGE_RULES:
        raise ValidationError("Choose which rating wins: highest, lowest or most recent.")
    if len(objectives) < 2:
        raise ValidationError("Choose at least two objectives to merge.")
    if len({o.framework_id for o in objectives}) != 1:
        raise ValidationError("Objectives can only be merged within one framework.")
    if any(o.archived_at is not None for o in objectives):
        raise ValidationError("Archived objectives cannot be merged.")


def plan_merge(objectives: list[Objective], rule: str) -> MergePlan:
    """For every pupil with a judgement on any of the objectives: which rating is kept."""
    _check_merge(objectives, rule)
    plan = MergePlan(objectives, rule)
    by_pupil: dict[int, list[Candidate]] = defaultdict(list)
    order = {o.pk: i for i, o in enumerate(objectives)}
    judgements = Judgement.objects.filter(objective__in=objectives).select_related("level", "pupil")
    for j in judgements:
        by_pupil[j.pupil_id].append(
            Candidate(next(o for o in objectives if o.pk == j.objective_id), j)
        )
    for candidates in by_pupil.values():
        candidates.sort(key=lambda c: order[c.objective.pk])
        plan.rows.append(
            MergeRow(candidates[0].judgement.pupil, candidates, _winner(candidates, rule))
        )
    plan.rows.sort(key=lambda r: (r.pupil.last_name, r.pupil.first_name, r.pupil.pk))
    return plan


def merge_objectives(
    *,
    user: User,
    objectives: list[Objective],
    rule: str,
    code: str = "",
    statement: str = "",
    into: Objective | None = None,
    expected_digest: str | None = None,
) -> Objective:
    """Merge objectives into one (`into`, one of them, or a new objective).

    Each pupil keeps the rating the rule picks; the other objectives are archived
    with their judgements, linked to the merged one. `expected_digest` is the
    digest of the plan the school previewed: if the plan is different now (a
    rating changed meanwhile), StalePlan is raised and nothing is merged.
    """
    _check_merge(objectives, rule)
    framework = objectives[0].framework
    if into is not None and into.pk not in {o.pk for o in objectives}:
        raise ValidationError("Merge into one of the chosen objectives, or a new one.")
    if into is None:
        code = _check_code(framework, code)
        if not statement.strip():
            raise ValidationError("Write the merged objective's statement.")
    now = timezone.now()
    with transaction.atomic():
        locked = list(
            Objective.objects.select_for_update().filter(pk__in=[o.pk for o in objectives])
        )
        if any(o.archived_at is not None for o in locked):
            raise ValidationError("One of those objectives has been archived meanwhile.")
        # Hold the ratings still while they are compared with the preview and merged.
        list(Judgement.objects.select_for_update().filter(objective__in=objectives).only("pk"))
        plan = plan_merge(objectives, rule)
        if expected_digest is not None and plan.digest != expected_digest:
            raise StalePlan(
                "Ratings on these objectives have changed since the preview (or the choices "
                "did); nothing was merged. Check the new preview and confirm again."
            )
        first = min(objectives, key=lambda o: (o.strand.order, o.order, o.pk))
        if into is None:
            _make_room(first, 1)
            target = Objective.objects.create(
                school_id=framework.school_id,
                framework=framework,
                strand_id=first.strand_id,
                parent_id=first.parent_id,
                code=code,
                statement=statement.strip(),
                order=first.order + 1,
                is_key=any(o.is_key for o in objectives),
                tags=clean_tags(t for o in objectives for t in (o.tags or [])),
            )
        else:
            target = into
        existing = {
            j.pupil_id: j
            for j in Judgement.objects.select_for_update(of=("self",)).filter(objective=target)
        }
        history: list[JudgementHistory] = []
        to_update: list[Judgement] = []
        for row in plan.rows:
            win = row.winner.judgement
            current = existing.get(row.pupil.pk)
            if current is None:
                made = Judgement.objects.create(
                    school_id=win.school_id,
                    pupil_id=win.pupil_id,
                    objective=target,
                    level_id=win.level_id,
                    note=win.note,
                    version=1,
                    updated_by=user,
                    updated_at=now,
                )
                history.append(
                    JudgementHistory(
                        school_id=made.school_id,
                        judgement=made,
                        old_level=None,
                        new_level_id=made.level_id,
                        old_note="",
                        new_note=made.note,
                        version=1,
                        changed_by=user,
                        changed_at=now,
                        source=SOURCE_MERGE,
                    )
                )
            elif current.level_id != win.level_id or current.note != win.note:
                history.append(
                    JudgementHistory(
                        school_id=current.school_id,
                        judgement=current,
                        old_level_id=current.level_id,
                        new_level_id=win.level_id,
                        old_note=current.note,
                        new_note=win.note,
                        version=current.version + 1,
                        changed_by=user,
                        changed_at=now,
                        source=SOURCE_MERGE,
                    )
                )
                current.level_id = win.level_id
                current.note = win.note
                current.version += 1
                current.updated_by = user
                current.updated_at = now
                to_update.append(current)
        Judgement.objects.bulk_update(
            to_update, ["level", "note", "version", "updated_by", "updated_at"]
        )
        JudgementHistory.objects.bulk_create(history)
        sources = [o for o in objectives if o.pk != target.pk]
        _copy_taught(sources, [target])
        Objective.objects.filter(parent__in=sources).update(parent=target)
        Objective.objects.filter(pk__in=[o.pk for o in sources]).update(archived_at=now)
        ObjectiveLink.objects.bulk_create(
            ObjectiveLink(
                school_id=framework.school_id,
                kind=ObjectiveLink.Kind.MERGE,
                source=o,
                target=target,
                rule=rule,
                made_by=user,
            )
            for o in sources
        )
        log_action(
            school=framework.school,
            user=user,
            action="objective.merge",
            obj=target,
            old={
                "framework": framework.pk,
                "objectives": [{"id": o.pk, "code": o.code} for o in objectives],
            },
            new={
                "framework": framework.pk,
                "into": {"id": target.pk, "code": target.code, "statement": target.statement},
                "rule": rule,
                "pupils": len(plan.rows),
                "changed": len(history),
            },
        )
    return target


# ---------------------------------------------------------------------------
# Changing a framework's rating scale


@dataclass
class RescaleRow:
    old: RatingLevel
    new: RatingLevel | None
    judgements: int


@dataclass
class RescalePlan:
    framework: Framework
    new_scale: RatingScale
    rows: list[RescaleRow]
    errors: list[str]

    @property
    def judgements(self) -> int:
        return sum(r.judgements for r in self.rows)


def plan_rescale(
    framework: Framework, new_scale: RatingScale, mapping: dict[int, int]
) -> RescalePlan:
    """How many judgements move from each old level to which new level; what is missing."""
    errors: list[str] = []
    if new_scale.school_id != framework.school_id:
        errors.append("That scale belongs to another school.")
    if new_scale.pk == framework.scale_id:
        errors.append(f"{framework.name} already uses {new_scale.name}.")
    new_levels = {lv.pk: lv for lv in new_scale.levels.all()}
    if not new_levels:
        errors.append(f"{new_scale.name} has no levels yet.")
    counts: dict[int, int] = defaultdict(int)
    for level_id in Judgement.objects.filter(
        objective__framework=framework, level__isnull=False
    ).values_list("level_id", flat=True):
        counts[level_id] += 1
    rows = []
    for old in framework.scale.levels.all():
        new = new_levels.get(mapping.get(old.pk, -1))
        if new is None:
            errors.append(f"Choose the new level for {old.code} {old.label}.")
        rows.append(RescaleRow(old, new, counts.get(old.pk, 0)))
    stray = set(counts) - {r.old.pk for r in rows}
    if stray:
        errors.append("Some judgements use levels of another scale; ask for help before moving.")
    return RescalePlan(framework, new_scale, rows, errors)


def change_scale(
    *, user: User, framework: Framework, new_scale: RatingScale, mapping: dict[int, int]
) -> int:
    """Move a framework to another scale, mapping every judgement; returns how many moved.

    Every old level needs a new one. Judgements on archived objectives move too,
    so every rating of the framework is on its scale; the old ratings stay in
    each judgement's history.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = Framework.objects.select_for_update().get(pk=framework.pk)
        plan = plan_rescale(locked, new_scale, mapping)
        if plan.errors:
            raise ValidationError(plan.errors)
        new_for = {r.old.pk: r.new for r in plan.rows}
        judgements = list(
            Judgement.objects.select_for_update(of=("self",)).filter(
                objective__framework=locked, level__isnull=False
            )
        )
        history = []
        for j in judgements:
            new = new_for[j.level_id]  # type: ignore[index]
            assert new is not None
            history.append(
                JudgementHistory(
                    school_id=j.school_id,
                    judgement=j,
                    old_level_id=j.level_id,
                    new_level=new,
                    old_note=j.note,
                    new_note=j.note,
                    version=j.version + 1,
                    changed_by=user,
                    changed_at=now,
                    source=SOURCE_RESCALE,
                )
            )
            j.level = new
            j.version += 1
            j.updated_by = user
            j.updated_at = now
        Judgement.objects.bulk_update(
            judgements, ["level", "version", "updated_by", "updated_at"], batch_size=500
        )
        JudgementHistory.objects.bulk_create(history, batch_size=500)
        old_scale = locked.scale
        locked.scale = new_scale
        locked.save(update_fields=["scale"])
        framework.scale = new_scale
        log_action(
            school=locked.school,
            user=user,
            action="framework.scale",
            obj=locked,
            old={"scale": old_scale.name, "scale_id": old_scale.pk},
            new={
                "scale": new_scale.name,
                "scale_id": new_scale.pk,
                "mapping": {r.old.code: r.new.code for r in plan.rows if r.new is not None},
                "judgements": len(judgements),
            },
        )
    return len(judgements)
