"""Gaps: objectives taught but not yet secure, for a pupil, a class or a year group."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from trackwell.assessment.models import Judgement
from trackwell.curriculum.models import Framework, Objective, RatingLevel, TaughtObjective
from trackwell.pupils.models import Pupil

NEXT_STEPS = 5


@dataclass
class Gap:
    objective: Objective
    level: RatingLevel | None  # None: not yet assessed

    @property
    def status(self) -> str:
        return self.level.label if self.level else "not yet assessed"


@dataclass
class PupilGaps:
    framework: Framework
    gaps: list[Gap]
    prev_framework: Framework | None = None
    carried: list[Gap] = field(default_factory=list)

    @property
    def next_steps(self) -> list[Objective]:
        """Key objectives first, then in the framework's order; last year's before this year's."""
        carried = sorted(self.carried, key=lambda g: (not g.objective.is_key, _order(g.objective)))
        current = sorted(self.gaps, key=lambda g: (not g.objective.is_key, _order(g.objective)))
        return [g.objective for g in carried + current][:NEXT_STEPS]


def _order(o: Objective) -> tuple[int, int, int]:
    return (o.strand.order, o.order, o.pk)


def pupil_gaps(
    pupil: Pupil, framework: Framework, prev_framework: Framework | None, class_ids: Collection[int]
) -> PupilGaps:
    """This year's taught objectives not yet secure, and last year's not yet secure (3 queries).

    Last year's framework counts as taught in full, so an objective with no
    rating is a carried-forward gap too.
    """
    frameworks = [framework.pk] + ([prev_framework.pk] if prev_framework else [])
    objectives = list(
        Objective.objects.filter(framework_id__in=frameworks, archived_at__isnull=True)
        .select_related("strand")
        .order_by("strand__order", "order", "pk")
    )
    levels = {
        j.objective_id: j.level
        for j in Judgement.objects.filter(
            pupil=pupil, objective_id__in=[o.pk for o in objectives], level__isnull=False
        ).select_related("level")
    }
    taught = set(
        TaughtObjective.objects.filter(
            school_class_id__in=list(class_ids), objective__framework=framework
        ).values_list("objective_id", flat=True)
    )
    result = PupilGaps(framework, [], prev_framework, [])
    for o in objectives:
        level = levels.get(o.pk)
        if level is not None and level.counts_as_secure:
            continue
        if o.framework_id == framework.pk:
            if o.pk in taught or level is not None:
                result.gaps.append(Gap(o, level))
        else:
            result.carried.append(Gap(o, level))
    return result


@dataclass
class SharedGap:
    objective: Objective
    not_secure: list[Pupil]
    pupils: int

    @property
    def count(self) -> int:
        return len(self.not_secure)

    @property
    def share(self) -> int:
        return round(100 * self.count / self.pupils) if self.pupils else 0


def shared_gaps(
    pupils: list[Pupil], framework: Framework, class_ids: Collection[int]
) -> list[SharedGap]:
    """Objectives taught to these classes (or rated for these pupils), by how many are not secure.

    Four queries whatever the number of pupils.
    """
    pupil_ids = [p.pk for p in pupils]
    objectives = list(
        Objective.objects.filter(framework=framework, archived_at__isnull=True)
        .select_related("strand")
        .order_by("strand__order", "order", "pk")
    )
    taught = set(
        TaughtObjective.objects.filter(
            school_class_id__in=list(class_ids), objective__framework=framework
        ).values_list("objective_id", flat=True)
    )
    rated: set[int] = set()
    secure: dict[int, set[int]] = {}
    for pupil_id, objective_id, is_secure in Judgement.objects.filter(
        pupil_id__in=pupil_ids,
        objective__framework=framework,
        objective__archived_at__isnull=True,
        level__isnull=False,
    ).values_list("pupil_id", "objective_id", "level__counts_as_secure"):
        rated.add(objective_id)
        if is_secure:
            secure.setdefault(objective_id, set()).add(pupil_id)
    gaps = []
    for o in objectives:
        if o.pk not in taught and o.pk not in rated:
            continue
        have = secure.get(o.pk, set())
        missing = [p for p in pupils if p.pk not in have]
        if missing:
            gaps.append(SharedGap(o, missing, len(pupils)))
    gaps.sort(key=lambda g: (-g.count, _order(g.objective)))
    return gaps


def ticked_gaps(gaps: list[SharedGap], objectives: set[int], pupils: set[int]) -> set[int]:
    """The gaps to draw open on a page sent back: each with a tick in it. A pupil's box is
    in every gap they share, so a box ticked in a closed gap would be sent unseen."""
    return {
        g.objective.pk
        for g in gaps
        if g.objective.pk in objectives or any(p.pk in pupils for p in g.not_secure)
    }
