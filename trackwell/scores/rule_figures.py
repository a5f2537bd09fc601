"""Figures band rules may test from this app: the latest test score, whether the target at
the point is met, the teacher's judgement of progress at the point, and the prior
attainment group. Registered with analysis.figures, and
asked only when an active rule uses one of them."""

from __future__ import annotations

from typing import Any

from trackwell.analysis.figures import Key, Metrics
from trackwell.curriculum.models import Subject

from .models import PriorAttainmentGroup, ProgressJudgement, Target, TestResult
from .prior import prior_groups

NAMES = ("test_score", "target_met", "teacher_progress", "prior_attainment")


def figures_for_rules(
    points: list[Any], metrics: dict[Key, Metrics], wanted: set[str]
) -> dict[int, dict[Key, dict[str, float | None]]]:
    """The figures per point (one per school) and pupil and subject."""
    by_school = {p.school_id: p for p in points}
    keys_of: dict[int, list[Key]] = {p.pk: [] for p in points}
    for key, m in metrics.items():
        if m.school_id in by_school:
            keys_of[by_school[m.school_id].pk].append(key)
    found: dict[int, dict[Key, dict[str, float | None]]] = {
        p.pk: {k: dict.fromkeys(NAMES) for k in keys_of[p.pk]} for p in points
    }
    if not metrics:
        return found
    pupil_ids = sorted({k[0] for k in metrics})
    subject_ids = sorted({k[1] for k in metrics})
    point_of_pupil = {
        k[0]: by_school[m.school_id] for k, m in metrics.items() if m.school_id in by_school
    }
    if wanted & {"test_score", "target_met"}:
        latest: dict[Key, int] = {}
        at_point: dict[Key, int] = {}
        for pid, sid, score, taken, test_point in (
            TestResult.objects.filter(
                pupil_id__in=pupil_ids,
                test__subject_id__in=subject_ids,
                score__isnull=False,
                test__taken_on__lte=max(p.date for p in points),
            )
            .order_by("test__taken_on", "pk")
            .values_list(
                "pupil_id", "test__subject_id", "score", "test__taken_on", "test__point_id"
            )
        ):
            point = point_of_pupil.get(pid)
            if score is None or point is None or taken > point.date:
                continue
            latest[(pid, sid)] = score
            if test_point == point.pk:
                at_point[(pid, sid)] = score
        for key, score in latest.items():
            point = point_of_pupil[key[0]]
            if key in found[point.pk]:
                found[point.pk][key]["test_score"] = float(score)
        for pid, sid, point_id, kind, value in Target.objects.filter(
            point__in=points,
            pupil_id__in=pupil_ids,
            subject_id__in=subject_ids,
            kind__in=[Target.Kind.SCORE, Target.Kind.PCT_SECURE],
        ).values_list("pupil_id", "subject_id", "point_id", "kind", "value"):
            key = (pid, sid)
            if key not in found.get(point_id, {}) or value is None:
                continue
            if kind == Target.Kind.SCORE:
                reached: float | None = at_point.get(key)
            else:
                reached = metrics[key].figures().get("pct_secure_of_year")
            if reached is not None:
                found[point_id][key]["target_met"] = 1.0 if reached >= value else 0.0
    if "teacher_progress" in wanted:
        # The teacher's word at the point itself, one query; no judgement is no figure.
        for pid, sid, point_id, good in ProgressJudgement.objects.filter(
            point__in=points, pupil_id__in=pupil_ids, subject_id__in=subject_ids
        ).values_list("pupil_id", "subject_id", "point_id", "good_progress"):
            if (pid, sid) in found.get(point_id, {}):
                found[point_id][(pid, sid)]["teacher_progress"] = 1.0 if good else 0.0
    if "prior_attainment" in wanted:
        # Prior attainment is read per school and subject: a fixed number of queries for a
        # school, growing with the schools of a trust only when a rule uses it.
        subjects = list(Subject.objects.filter(pk__in=subject_ids))
        orders: dict[int, dict[str, int]] = {}
        for school_id, group_key, order in PriorAttainmentGroup.objects.filter(
            school_id__in=list(by_school)
        ).values_list("school_id", "key", "order"):
            orders.setdefault(school_id, {})[group_key] = order
        for point in points:
            own = orders.get(point.school_id, {})
            ranked = {k: n for n, k in enumerate(sorted(own, key=lambda k: own[k]))}
            for subject in subjects:
                if subject.school_id != point.school_id:
                    continue
                ids = [k[0] for k in keys_of[point.pk] if k[1] == subject.pk]
                for pid, prior in prior_groups(point.school_id, subject, ids).items():
                    if prior.key in ranked:
                        found[point.pk][(pid, subject.pk)]["prior_attainment"] = float(
                            ranked[prior.key] + 1
                        )
    return found
