"""Figures band rules may test from this app: the latest test score, whether the target at
the point is met, and the prior attainment group. Registered with analysis.figures."""

from __future__ import annotations

from typing import Any

from trackwell.analysis.figures import Key, Metrics
from trackwell.curriculum.models import Subject

from .models import Target, TestResult
from .prior import prior_groups


def figures_for_rules(
    point: Any, metrics: dict[Key, Metrics]
) -> dict[Key, dict[str, float | None]]:
    """test_score, target_met and prior_attainment for each pupil and subject at the point."""
    if not metrics:
        return {}
    pupil_ids = sorted({p for p, _ in metrics})
    subject_ids = sorted({s for _, s in metrics})
    found: dict[Key, dict[str, float | None]] = {
        key: {"test_score": None, "target_met": None, "prior_attainment": None} for key in metrics
    }
    latest: dict[Key, int] = {}
    at_point: dict[Key, int] = {}
    for pid, sid, score, test_point in (
        TestResult.objects.filter(
            pupil_id__in=pupil_ids,
            test__subject_id__in=subject_ids,
            score__isnull=False,
            test__taken_on__lte=point.date,
        )
        .order_by("test__taken_on", "pk")
        .values_list("pupil_id", "test__subject_id", "score", "test__point_id")
    ):
        if score is None:
            continue
        latest[(pid, sid)] = score
        if test_point == point.pk:
            at_point[(pid, sid)] = score
    for key, score in latest.items():
        if key in found:
            found[key]["test_score"] = float(score)
    for pid, sid, kind, value in Target.objects.filter(
        point=point,
        pupil_id__in=pupil_ids,
        subject_id__in=subject_ids,
        kind__in=[Target.Kind.SCORE, Target.Kind.PCT_SECURE],
    ).values_list("pupil_id", "subject_id", "kind", "value"):
        key = (pid, sid)
        if key not in found or value is None:
            continue
        if kind == Target.Kind.SCORE:
            reached: float | None = at_point.get(key)
        else:
            reached = metrics[key].figures().get("pct_secure_of_year")
        if reached is not None:
            found[key]["target_met"] = 1.0 if reached >= value else 0.0
    for subject in Subject.objects.filter(pk__in=subject_ids):
        ids = [p for p, s in metrics if s == subject.pk]
        groups = prior_groups(point.school_id, subject, ids)
        orders = _orders(point.school_id)
        for pid, prior in groups.items():
            if prior.key in orders:
                found[(pid, subject.pk)]["prior_attainment"] = float(orders[prior.key] + 1)
    return found


def _orders(school_id: int) -> dict[str, int]:
    from .models import PriorAttainmentGroup

    return {
        key: n
        for n, key in enumerate(
            PriorAttainmentGroup.objects.filter(school_id=school_id)
            .order_by("order")
            .values_list("key", flat=True)
        )
    }
