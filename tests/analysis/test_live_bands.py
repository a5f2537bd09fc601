"""The session-5 speed-ups give the same answers as the code they replaced.

The old code is kept in `tests/analysis/evaluation_reference.py`. Each test runs
it beside the code now in use on the same inputs:

- the live evaluation's loop over the pupils (`live_bands.point_rows`, once
  `evaluate_one` a pupil): every result, figure, band, confirmation and wording;
- the figures built from the GROUP BY's rows (`figures._metrics`): every count,
  for today's figures and as they stood at a moment;
- the rule engine's choice of band (`BandSetSpec.decide`, now from a memoised plan
  of the bands and rules to try) on generated band sets and figures.
"""

import random
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analysis.evaluation_reference import (
    old_decide,
    old_figures,
    old_metrics,
    old_point_rows,
)
from tests.analysis.helpers import point
from tests.analysis.test_banding import POINT_NAMES, PUPIL, band_sets
from tests.analysis.test_fast_analysis import _vary
from tests.factories import World
from trackwell.analysis import evaluation, figures, judgement_counts
from trackwell.analysis.figures import Metrics
from trackwell.analysis.judgement_counts import live_rows
from trackwell.analysis.live_bands import PointBanding
from trackwell.analysis.models import BandSet
from trackwell.analysis.rules import BandSetSpec
from trackwell.assessment.models import Judgement
from trackwell.curriculum.models import Objective, RatingLevel


@settings(max_examples=300, deadline=None)
@given(
    spec=band_sets(),
    asked=st.lists(st.tuples(st.sampled_from(POINT_NAMES), PUPIL), min_size=1, max_size=12),
)
def test_the_engine_decides_as_the_old_code(
    spec: BandSetSpec, asked: list[tuple[str, tuple[dict[str, float | None], str, int | None]]]
) -> None:
    # One spec asked many times at several points: the plans it keeps must not mix them up.
    for point_name, (figs, start, year) in asked:
        assert spec.decide(figs, point_name, start, year) == old_decide(
            spec, figs, point_name, start, year
        )


COUNT = st.integers(0, 70)
# Counts as the database gives them (ints), and as a caller might pass them (floats,
# -0.0 among them, which equals 0 but is written differently).
ANY_COUNT = st.one_of(COUNT, COUNT.map(float), st.just(-0.0))


@settings(max_examples=400, deadline=None)
@given(
    counts=st.lists(
        st.tuples(*[COUNT] * 8, st.booleans()) | st.tuples(*[ANY_COUNT] * 8, st.booleans()),
        min_size=1,
        max_size=30,
    )
)
def test_figures_are_the_old_figures(counts: list[tuple[Any, ...]]) -> None:
    # Many pupils in a row, repeating counts: the remembered percentages are the same floats.
    for *n, has_prev in counts:
        objectives, taught, assessed, secure, greater, depth, prev_objectives, prev_secure = n
        m = Metrics(
            pupil_id=1,
            subject_id=1,
            school_id=1,
            class_id=1,
            class_year=3,
            framework_id=1,
            framework_year=3,
            objectives=objectives,
            taught=taught,
            assessed=assessed,
            secure=secure,
            greater_depth=greater,
            depth_total=depth,
            prev_framework_id=2 if has_prev else None,
            prev_objectives=prev_objectives,
            prev_secure=prev_secure,
            prev_greater_depth=secure,
        )
        got, expected = m.figures(), old_figures(m)
        assert got == expected
        assert [repr(v) for v in got.values()] == [repr(v) for v in expected.values()]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_live_results_equal_the_pupil_by_pupil_code(
    world: World, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _vary(world, random.Random(seed))
    if seed % 2:
        # A set that leaves unmatched pupils without a band (a confirmed band still stands).
        BandSet.objects.filter(school=world.school, kind="attainment").update(not_banded=True)
    spring = point(world, "Spring")
    calls: list[tuple[Any, ...]] = []
    real = evaluation.point_rows

    def spy(*args: Any) -> Any:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(evaluation, "point_rows", spy)
    results = evaluation.evaluate_live(spring)
    ((sets, _, metrics, starts, earlier, confirmations, extras),) = calls
    assert earlier and confirmations  # progress bands and a confirmed band are compared too
    expected = old_point_rows(
        sets, PointBanding(spring, sets), metrics, starts, earlier, confirmations, extras
    )
    # Dataclass equality: ids, figures, starting point, metrics, and each band's set,
    # suggestion, confirmation and reason.
    assert results.rows == expected
    for key, row in expected.items():
        got = results.rows[key]
        assert list(got.figures) == list(row.figures)
        assert list(got.bands) == list(row.bands)
        for set_id, band in row.bands.items():
            new = got.bands[set_id]
            assert new.decided_on == band.decided_on
            assert new.explanation == band.explanation
            assert new.explanation_text() == band.explanation_text()


def _old_inputs(args: list[Any], pupil_ids: list[int] | None) -> list[Any]:
    """The old `_metrics`'s arguments from the new one's: where the rows carry the
    objectives rated as bit masks (PostgreSQL), the old GROUP BY's rows, ids as text."""
    if len(args) < 9 or args[8] is None:
        return args[:8]
    placement = args[0]
    school_ids = {school for _, _, school in placement.values()}
    levels = list(RatingLevel.objects.filter(school_id__in=school_ids).values_list(*figures._LEVEL))
    return [*args[:6], live_rows(school_ids, levels, pupil_ids, set(placement)), args[7]]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_figures_equal_the_old_code(
    world: World, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    pupils = _vary(world, rng)
    if seed % 2:
        # Masks of three bits: a framework's objectives in several chunks (PostgreSQL).
        monkeypatch.setattr(judgement_counts, "_BITS", 3)
    calls: list[list[Any]] = []
    real = figures._metrics

    def spy(*args: Any) -> Any:
        given = list(args)
        given[5] = list(given[5])  # the marks, read once for both
        calls.append(given)
        return real(*given)

    monkeypatch.setattr(figures, "_metrics", spy)
    some = [p.pk for p in rng.sample(pupils, 4)]
    for kwargs in (
        {},
        {"pupil_ids": some},
        {"as_of": timezone.now() + timedelta(days=1)},
    ):
        calls.clear()
        found = figures.compute_metrics([world.year.pk], **kwargs)
        assert found
        masks = len(calls[0]) > 8 and calls[0][8] is not None
        assert masks == (connection.vendor == "postgresql" and "as_of" not in kwargs)
        old = old_metrics(*_old_inputs(calls[0], kwargs.get("pupil_ids")))  # type: ignore[arg-type]
        assert found == old
        assert list(found) == list(old)


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the masks are PostgreSQL's; SQLite reads ids"
)
def test_an_objective_without_a_bit_falls_back_to_the_ids(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An objective added (or taken out of the archive) between reading the positions and
    the GROUP BY: the masks would miss its ratings, so the ids are read instead."""
    _vary(world, random.Random(1))
    expected = figures.compute_metrics([world.year.pk])
    real = figures._objective_positions

    def one_missing(objectives: Any) -> tuple[dict[int, int], dict[int, int]]:
        counts, positions = real(objectives)
        rated = set(Judgement.objects.filter(level__isnull=False).values_list("objective_id"))
        missing = next(pk for pk in positions if (pk,) in rated)
        return counts, {pk: bit for pk, bit in positions.items() if pk != missing}

    monkeypatch.setattr(figures, "_objective_positions", one_missing)
    if connection.vendor == "postgresql":
        _, positions = one_missing(Objective.objects.filter(school=world.school))
        frameworks = set(
            Objective.objects.filter(school=world.school).values_list("framework_id", flat=True)
        )
        levels = list(RatingLevel.objects.values_list(*figures._LEVEL))
        assert positions and (
            judgement_counts.live_mask_rows(
                [world.school.pk], levels, None, {1}, positions, frameworks
            )
            is None
        )
    assert figures.compute_metrics([world.year.pk]) == expected
