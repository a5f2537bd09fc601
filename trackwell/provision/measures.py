"""Writes for measures: the built-in Leuven scales and grid measure, and a school's own."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.provision import builtin
from trackwell.provision.models import (
    Measure,
    MeasureKind,
    MeasureStep,
)

# ---------------------------------------------------------------------------
# Measures


def ensure_builtin_measures(school: School) -> dict[str, Measure]:
    """The Leuven scales and the grid measure for the school, created on first use."""
    found = {m.builtin: m for m in Measure.objects.filter(school=school).exclude(builtin="")}
    for scale in builtin.LEUVEN_SCALES:
        if scale.key in found:
            continue
        measure = Measure.objects.create(
            school=school,
            name=scale.name,
            kind=MeasureKind.ORDINAL,
            description=scale.description,
            builtin=scale.key,
            source=scale.source,
        )
        MeasureStep.objects.bulk_create(
            MeasureStep(school=school, measure=measure, position=i, label=label, descriptor=text)
            for i, (label, text) in enumerate(scale.steps, start=1)
        )
        found[scale.key] = measure
    if builtin.GRID not in found:
        found[builtin.GRID] = Measure.objects.create(
            school=school,
            name=builtin.GRID_MEASURE_NAME,
            kind=MeasureKind.OBJECTIVES,
            description=builtin.GRID_MEASURE_DESCRIPTION,
            builtin=builtin.GRID,
        )
    return found


def grid_measure(school: School) -> Measure:
    """The school's 'objectives from the grid' measure."""
    return ensure_builtin_measures(school)[builtin.GRID]


def create_measure(
    *,
    user: User | None,
    school: School,
    name: str,
    kind: str,
    steps: Sequence[str | tuple[str, str]] = (),
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    unit: str = "",
    description: str = "",
) -> Measure:
    """A school's own measure: an ordinal list of steps (lowest first) or a numeric range."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the measure a name.")
    if kind not in {MeasureKind.ORDINAL, MeasureKind.NUMERIC}:
        raise ValidationError("A school's own measure is an ordered list of steps or a number.")
    if Measure.objects.filter(school=school, name__iexact=name).exists():
        raise ValidationError(f"There is already a measure called '{name}'.")
    pairs = [(s, "") if isinstance(s, str) else s for s in steps]
    pairs = [(label.strip(), text.strip()) for label, text in pairs if label.strip()]
    if kind == MeasureKind.ORDINAL:
        if len(pairs) < 2:
            raise ValidationError("An ordered list needs at least two steps, lowest first.")
        labels = [label.lower() for label, _ in pairs]
        if len(set(labels)) != len(labels):
            raise ValidationError("Each step needs its own label.")
        if any(len(label) > 40 for label, _ in pairs):
            raise ValidationError("Step labels are at most 40 characters.")
    elif min_value is not None and max_value is not None and max_value <= min_value:
        raise ValidationError("The highest value must be above the lowest.")
    with transaction.atomic():
        measure = Measure.objects.create(
            school=school,
            name=name,
            kind=kind,
            description=description,
            min_value=min_value if kind == MeasureKind.NUMERIC else None,
            max_value=max_value if kind == MeasureKind.NUMERIC else None,
            unit=unit.strip()[:30] if kind == MeasureKind.NUMERIC else "",
        )
        if kind == MeasureKind.ORDINAL:
            MeasureStep.objects.bulk_create(
                MeasureStep(school=school, measure=measure, position=i, label=label, descriptor=t)
                for i, (label, t) in enumerate(pairs, start=1)
            )
        log_action(
            school=school,
            user=user,
            action="provision.measure.create",
            obj=measure,
            new={"name": name, "kind": kind, "steps": [label for label, _ in pairs]},
        )
    return measure


def create_sub_levels(*, user: User | None, school: School) -> Measure:
    """The old National Curriculum sub-levels (1c to 5a) as an ordered list."""
    existing = Measure.objects.filter(school=school, name="NC sub-levels").first()
    if existing is not None:
        return existing
    return create_measure(
        user=user,
        school=school,
        name="NC sub-levels",
        kind=MeasureKind.ORDINAL,
        steps=list(builtin.SUB_LEVELS),
        description="The old National Curriculum sub-levels, 1c (lowest) to 5a.",
    )
