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
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analysis.evaluation_reference import old_decide, old_metrics, old_point_rows
from tests.analysis.helpers import point
from tests.analysis.test_banding import POINT_NAMES, PUPIL, band_sets
from tests.analysis.test_fast_analysis import _vary
from tests.factories import World
from trackwell.analysis import evaluation, figures
from trackwell.analysis.live_bands import PointBanding
from trackwell.analysis.models import BandSet
from trackwell.analysis.rules import BandSetSpec


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


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_figures_equal_the_old_code(
    world: World, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    pupils = _vary(world, rng)
    calls: list[list[Any]] = []
    real = figures._metrics

    def spy(*args: Any) -> Any:
        given = list(args)
        given[5] = list(given[5])  # the marks, read once for both
        calls.append(given)
        return real(*given)

    monkeypatch.setattr(figures, "_metrics", spy)
    for kwargs in (
        {},
        {"pupil_ids": [p.pk for p in rng.sample(pupils, 4)]},
        {"as_of": timezone.now() + timedelta(days=1)},
    ):
        calls.clear()
        found = figures.compute_metrics([world.year.pk], **kwargs)
        assert found
        assert found == old_metrics(*calls[0])
        assert list(found) == list(old_metrics(*calls[0]))
