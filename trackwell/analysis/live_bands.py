"""A live evaluation's loop over the pupils: each pupil-subject's figures and bands.

Split out of evaluation.py, which reads what this needs (figures, starting points,
earlier positions, confirmations) in a fixed number of queries and then hands a
whole point's pupils to `point_rows`.

A two-form-entry school is some 1,600 pupil-subjects with two sets each, on every
page that evaluates it, so the loop is written for speed: each set's attributes
read once per point, and the band rule engine asked through each set's
remembered plan (`rules.py`). `tests/analysis/test_live_bands.py` compares every
result with the pupil-by-pupil code this replaced
(`tests/analysis/evaluation_reference.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from trackwell.core.models import AssessmentPoint

from .banding import Banding, Decision, Figures
from .figures import Key, Metrics
from .history import Earlier
from .loading import BandSets, LoadedSet
from .models import Band, BandConfirmation
from .results import PupilBand, PupilResult


class _SetAtPoint:
    """An active band set as the evaluation of one point reads it, pupil after pupil."""

    __slots__ = ("banding", "bands", "kind", "loaded", "name", "not_banded", "pk")

    def __init__(self, loaded: LoadedSet, point_name: str, labels: dict[str, str]) -> None:
        self.loaded = loaded
        self.pk = loaded.pk
        self.name = loaded.model.name
        self.kind = loaded.model.kind
        self.not_banded = loaded.spec.not_banded
        self.bands = {b.pk: b for b in loaded.bands}
        self.banding = Banding(loaded.spec, point_name, labels, loaded.by_key)


class PointBanding:
    """A school's active band sets at one point, each with its memo of decisions."""

    __slots__ = ("attainment", "main", "progress")

    def __init__(self, point: AssessmentPoint, sets: BandSets) -> None:
        name = point.name
        # A set limited to some assessment points gives no band at the others.
        self.attainment = [
            _SetAtPoint(loaded, name, sets.start_labels)
            for loaded in sets.attainment_sets
            if loaded.spec.applies_at(name)
        ]
        self.progress = [
            _SetAtPoint(loaded, name, sets.start_labels)
            for loaded in sets.progress_sets
            if loaded.spec.applies_at(name)
        ]
        self.main = sets.attainment


Confirmations = Mapping[tuple[int, int, int], BandConfirmation]


def point_rows(
    sets: BandSets,
    banding: PointBanding,
    metrics: Mapping[Key, Metrics],
    starts: Mapping[Key, str],
    earlier: Mapping[Key, Earlier],
    confirmations: Confirmations,
    extras: Mapping[Key, dict[str, float | None]],
) -> dict[Key, PupilResult]:
    """Every active set's band for each of these pupil-subjects of one point (no queries).

    Per pupil, as `evaluate_one`: the attainment sets decide on the figures; where the
    pupil has an earlier band and a band in the main attainment set, the progress sets
    decide on the figures with `band_change` and `secure_gain` added (a copy, which
    becomes the result's figures; the attainment bands keep the figures they were
    decided on).
    """
    labels = sets.start_labels
    main = banding.main
    attainment: list[_Set] = [
        (s.pk, s.name, s.kind, s.not_banded, s.bands, s.banding.decide, s.loaded is main)
        for s in banding.attainment
    ]
    progress: list[_Set] = [
        (s.pk, s.name, s.kind, s.not_banded, s.bands, s.banding.decide, False)
        for s in banding.progress
    ]
    rows: dict[Key, PupilResult] = {}
    for key, m in metrics.items():
        figures = m.figures()
        extra = extras.get(key)
        if extra:
            figures.update(extra)
        pupil_id, subject_id, year = m.pupil_id, m.subject_id, m.class_year
        start = starts.get(key, "")
        bands: dict[int, PupilBand] = {}
        result = PupilResult(
            pupil_id,
            subject_id,
            m.class_id,
            year,
            m.framework_id,
            m.framework_year,
            start,
            labels.get(start, ""),
            figures,
            bands,
            m,
        )
        rows[key] = result
        order = _decide_all(
            attainment, figures, start, year, pupil_id, subject_id, confirmations, bands
        )
        before = earlier.get(key)
        if before is not None and order is not None:
            progress_figures = _with_progress(figures, order, before, m)
            result.figures = progress_figures
            _decide_all(
                progress, progress_figures, start, year, pupil_id, subject_id, confirmations, bands
            )
    return rows


# A set as the loop reads it: id, name, kind, "not banded", bands by id, its banding's
# `decide`, and whether it is the main attainment set (progress compares places in it).
_Set = tuple[
    int, str, str, bool, dict[int, Band], Callable[[Figures, str, int | None], Decision], bool
]


def _with_progress(
    figures: dict[str, float | None], order: int, before: Earlier, m: Metrics
) -> dict[str, float | None]:
    """The figures with the progress figures added (a copy)."""
    progress_figures = dict(figures)
    progress_figures["band_change"] = order - before.order
    now_secure = figures.get("pct_secure_of_year")
    progress_figures["secure_gain"] = (
        round(now_secure - before.pct_secure_of_year, 1)
        if before.framework_id == m.framework_id
        and now_secure is not None
        and before.pct_secure_of_year is not None
        else None
    )
    return progress_figures


def _decide_all(
    sets: list[_Set],
    figures: dict[str, float | None],
    start: str,
    year: int,
    pupil_id: int,
    subject_id: int,
    confirmations: Confirmations,
    bands: dict[int, PupilBand],
) -> int | None:
    """Each set's band for the pupil into `bands` (none where a "not banded" set places
    no rule and no teacher confirmed one); the shown band's order in the main set."""
    order: int | None = None
    for pk, name, kind, not_banded, own_bands, decide, is_main in sets:
        decision = decide(figures, start, year)
        confirmation = confirmations.get((pupil_id, subject_id, pk)) if confirmations else None
        if confirmation is None:
            if decision.rule is None and not_banded:
                continue
            confirmed = None
            reason = ""
        else:
            confirmed = own_bands.get(confirmation.band_id)
            reason = confirmation.reason
        bands[pk] = PupilBand(
            pk, name, kind, decision.suggested, confirmed, reason, "", "", decision, figures
        )
        if is_main:
            order = (confirmed or decision.suggested).order
    return order


def evaluate_one(
    point: AssessmentPoint,
    sets: BandSets,
    metrics: Metrics,
    start: str,
    earlier: Earlier | None,
    confirmations: Confirmations,
    extra: dict[str, float | None] | None = None,
    banding: PointBanding | None = None,
) -> PupilResult:
    """Every active set's band for one pupil and subject (no queries): `point_rows` for one.

    `banding` carries decisions over from pupil to pupil of the same point; without
    it, a fresh one.
    """
    key = (metrics.pupil_id, metrics.subject_id)
    return point_rows(
        sets,
        banding or PointBanding(point, sets),
        {key: metrics},
        {key: start} if start else {},
        {key: earlier} if earlier is not None else {},
        confirmations,
        {key: extra} if extra else {},
    )[key]
