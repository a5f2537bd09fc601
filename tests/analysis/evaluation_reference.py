"""The analysis code as it was before the session-5 speed-ups, kept to compare with.

`tests/analysis/test_live_bands.py` runs these beside the code now in use on the
same inputs and checks the answers are the same: the per-pupil loop of a live
evaluation (was `evaluation.evaluate_one` and `_decide`), the figures built from
the GROUP BY's rows (was `figures._metrics` and `_beyond`), and the rule engine's
choice of band (was `BandSetSpec.decide`). Copied as they were, with only the
imports and names changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trackwell.analysis.figures import _ASSESSED, _BEYOND, _DEPTH, _GREATER, _SECURE, Key, Metrics
from trackwell.analysis.history import Earlier
from trackwell.analysis.live_bands import PointBanding, _SetAtPoint
from trackwell.analysis.loading import BandSets
from trackwell.analysis.models import BandConfirmation
from trackwell.analysis.results import PupilBand, PupilResult
from trackwell.analysis.rules import BandSetSpec, Figures, RuleSpec

_NO_JUDGEMENTS: tuple[Any, ...] = (0, 0, 0, 0, 0)


def old_decide(
    spec: BandSetSpec,
    figures: Figures,
    point_name: str,
    starting_point: str = "",
    year: int | None = None,
) -> tuple[int, RuleSpec | None]:
    ordered = spec.ordered
    for index in range(len(ordered) - 1, 0, -1):
        rules = spec._applicable(ordered[index], point_name, starting_point, year)
        match = next((r for r in rules if all(c.holds(figures) for c in r.conditions)), None)
        if match is not None:
            return index, match
    return 0, None


def old_point_rows(
    sets: BandSets,
    banding: PointBanding,
    metrics: dict[Key, Metrics],
    starts: dict[Key, str],
    earlier: dict[Key, Earlier],
    confirmations: dict[tuple[int, int, int], BandConfirmation],
    extras: dict[Key, dict[str, float | None]],
) -> dict[Key, PupilResult]:
    """What `evaluate_live_many` built from these inputs, one `evaluate_one` a pupil."""
    return {
        key: old_evaluate_one(
            sets, m, starts.get(key, ""), earlier.get(key), confirmations, extras.get(key), banding
        )
        for key, m in metrics.items()
    }


def old_evaluate_one(
    sets: BandSets,
    metrics: Metrics,
    start: str,
    earlier: Earlier | None,
    confirmations: dict[tuple[int, int, int], BandConfirmation],
    extra: dict[str, float | None] | None,
    banding: PointBanding,
) -> PupilResult:
    pupil_id, subject_id = metrics.pupil_id, metrics.subject_id
    figures = metrics.figures()
    if extra:
        figures.update(extra)
    year = metrics.class_year
    result = PupilResult(
        pupil_id,
        subject_id,
        metrics.class_id,
        year,
        metrics.framework_id,
        metrics.framework_year,
        start,
        sets.start_labels.get(start, ""),
        figures,
        {},
        metrics,
    )
    attainment_order: int | None = None
    main = banding.main
    bands = result.bands
    for at_point in banding.attainment:
        band = _old_decide_band(at_point, figures, start, pupil_id, subject_id, confirmations, year)
        if band is None:
            continue
        bands[at_point.pk] = band
        if at_point.loaded is main:
            attainment_order = (band.confirmed or band.suggested).order
    if earlier is not None and attainment_order is not None:
        progress_figures: dict[str, float | None] = dict(figures)
        progress_figures["band_change"] = attainment_order - earlier.order
        now_secure = figures.get("pct_secure_of_year")
        progress_figures["secure_gain"] = (
            round(now_secure - earlier.pct_secure_of_year, 1)
            if earlier.framework_id == metrics.framework_id
            and now_secure is not None
            and earlier.pct_secure_of_year is not None
            else None
        )
        result.figures = progress_figures
        for at_point in banding.progress:
            progress = _old_decide_band(
                at_point, progress_figures, start, pupil_id, subject_id, confirmations, year
            )
            if progress is not None:
                bands[at_point.pk] = progress
    return result


def _old_decide_band(
    at_point: _SetAtPoint,
    figures: dict[str, float | None],
    start: str,
    pupil_id: int,
    subject_id: int,
    confirmations: dict[tuple[int, int, int], BandConfirmation],
    year: int | None = None,
) -> PupilBand | None:
    decision = at_point.banding.decide(figures, start, year)
    confirmation = confirmations.get((pupil_id, subject_id, at_point.pk)) if confirmations else None
    if confirmation is None:
        if decision.rule is None and at_point.not_banded:
            return None
        return PupilBand(
            at_point.pk,
            at_point.name,
            at_point.kind,
            decision.suggested,
            None,
            "",
            "",
            "",
            decision,
            figures,
        )
    return PupilBand(
        at_point.pk,
        at_point.name,
        at_point.kind,
        decision.suggested,
        at_point.bands.get(confirmation.band_id),
        confirmation.reason,
        "",
        "",
        decision,
        figures,
    )


def old_metrics(
    placement: dict[int, tuple[int, int, int]],
    enrolments: list[tuple[int, int, int, int]],
    frameworks: tuple[dict[tuple[int, int], int], dict[int, int], dict[int, set[int]]],
    overrides: dict[tuple[int, int], int],
    objective_counts: dict[int, int],
    taught: Iterable[tuple[int, int, int, int]],
    rows: dict[tuple[int, int], list[Any]],
    live: bool = True,
) -> dict[Key, Metrics]:
    by_subject_year, fw_year, subjects_by_school = frameworks
    class_taught: dict[tuple[int, int], int] = {}
    marked: dict[int, set[str]] = {}
    for marked_in, objective_id, marked_fw, _ in taught:
        class_taught[(marked_in, marked_fw)] = class_taught.get((marked_in, marked_fw), 0) + 1
        marked.setdefault(marked_in, set()).add(str(objective_id))
    classes_of: dict[int, list[int]] = {}
    if live:
        for enrolled, enrolled_in, _, _ in enrolments:
            classes_of.setdefault(enrolled, []).append(enrolled_in)

    result: dict[Key, Metrics] = {}
    for pupil_id, (class_id, nc_year, school_id) in placement.items():
        for subject_id in subjects_by_school.get(school_id, ()):
            framework_id = overrides.get((pupil_id, subject_id)) or by_subject_year.get(
                (subject_id, nc_year)
            )
            if framework_id is None or framework_id not in fw_year:
                continue
            prev_id = by_subject_year.get((subject_id, fw_year[framework_id] - 1))
            row = rows.get((pupil_id, framework_id), _NO_JUDGEMENTS)
            prev = rows.get((pupil_id, prev_id), _NO_JUDGEMENTS) if prev_id else _NO_JUDGEMENTS
            if live and row[_ASSESSED]:
                beyond = _old_beyond(row, classes_of[pupil_id], marked)
            else:
                beyond = row[_BEYOND] or 0
            result[(pupil_id, subject_id)] = Metrics(
                pupil_id=pupil_id,
                subject_id=subject_id,
                school_id=school_id,
                class_id=class_id,
                class_year=nc_year,
                framework_id=framework_id,
                framework_year=fw_year[framework_id],
                objectives=objective_counts.get(framework_id, 0),
                taught=class_taught.get((class_id, framework_id), 0) + beyond,
                assessed=row[_ASSESSED],
                secure=row[_SECURE],
                greater_depth=row[_GREATER],
                depth_total=row[_DEPTH] or 0,
                prev_framework_id=prev_id,
                prev_objectives=objective_counts.get(prev_id, 0) if prev_id else 0,
                prev_secure=prev[_SECURE],
                prev_greater_depth=prev[_GREATER],
            )
    return result


def _old_beyond(
    row: list[Any] | tuple[Any, ...], classes: list[int], marked: dict[int, set[str]]
) -> int:
    rated = set(row[_BEYOND].split(","))
    on_marked: set[str] = set()
    for c in classes:
        on_marked |= marked.get(c, set()) & rated
    return int(row[_ASSESSED] - len(on_marked))


def old_figures(m: Metrics) -> dict[str, float | None]:
    """`Metrics.figures` as it was, every percentage rounded afresh."""
    objectives, taught, secure, greater = m.objectives, m.taught, m.secure, m.greater_depth
    assessed, prev_objectives = m.assessed, m.prev_objectives
    has_prev = bool(m.prev_framework_id)
    return {
        "objectives": objectives,
        "taught": taught,
        "assessed": assessed,
        "secure": secure,
        "greater_depth": greater,
        "pct_taught": round(100 * taught / objectives, 1) if objectives else None,
        "pct_secure_of_taught": round(100 * secure / taught, 1) if taught else None,
        "pct_secure_of_year": round(100 * secure / objectives, 1) if objectives else None,
        "pct_greater_depth": round(100 * greater / taught, 1) if taught else None,
        "average_depth": round(m.depth_total / assessed, 2) if assessed else None,
        "prev_objectives": prev_objectives if has_prev else None,
        "prev_secure": m.prev_secure if has_prev else None,
        "pct_prev_secure": round(100 * m.prev_secure / prev_objectives, 1)
        if prev_objectives
        else None,
        "pct_prev_greater_depth": round(100 * m.prev_greater_depth / prev_objectives, 1)
        if prev_objectives
        else None,
    }
