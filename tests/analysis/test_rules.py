"""The band rule engine: order, specificity, fallback and explanations."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackwell.analysis.defaults import attainment_document, progress_document
from trackwell.analysis.documents import spec_from_document
from trackwell.analysis.figures import METRICS
from trackwell.analysis.rules import (
    BandSetSpec,
    BandSpec,
    Condition,
    RuleSpec,
    parse_conditions,
)

ATTAINMENT = spec_from_document(attainment_document())
PROGRESS = spec_from_document(progress_document())
STARTS = ["", "working-on-last-year", "secure-last-year", "greater-depth-last-year", "personalised"]
LABELS = {"secure-last-year": "Secure in last year's objectives"}


def figures(**values: float | None) -> dict[str, float | None]:
    base: dict[str, float | None] = dict.fromkeys(METRICS)
    base.update(values)
    return base


def test_bands_are_tried_from_the_top() -> None:
    result = ATTAINMENT.evaluate(
        figures(pct_secure_of_year=90, pct_greater_depth=60), "Summer", "secure-last-year"
    )
    assert result.band.key == "greater-depth"
    assert result.next_band is None


def test_rules_depend_on_the_point() -> None:
    f = figures(pct_secure_of_year=52, pct_greater_depth=0)
    assert ATTAINMENT.evaluate(f, "Spring").band.key == "on-track"
    assert ATTAINMENT.evaluate(f, "Summer").band.key == "below"
    assert ATTAINMENT.evaluate(f, "summer").band.key == "below"  # point names ignore case


def test_a_starting_point_rule_beats_the_general_one() -> None:
    f = figures(pct_secure_of_year=52, pct_greater_depth=0)
    explained = ATTAINMENT.evaluate(f, "Spring", "secure-last-year", LABELS)
    assert explained.band.key == "just-below"
    assert explained.next_band is not None and explained.next_band.key == "on-track"
    assert explained.next_text == (
        "On track needs % secure of the year at least 55 (now 52%) at the Spring point "
        "for pupils starting 'Secure in last year's objectives'."
    )
    assert "52% secure of the year" in explained.because
    assert "at the Spring point" in explained.because


def test_the_lowest_band_catches_everyone_else_even_without_figures() -> None:
    explained = ATTAINMENT.evaluate(figures(), "Autumn")
    assert explained.band.key == "well-below"
    assert explained.rule is None
    assert explained.because == "no higher band's rule matched"
    assert "Below needs % secure of the year at least 7 (now no figure yet)" in explained.text


def test_a_band_without_a_rule_for_this_point_is_skipped_and_said_so() -> None:
    spec = BandSetSpec(
        "Test",
        "attainment",
        (
            BandSpec("low", "Low", 0),
            BandSpec(
                "high",
                "High",
                1,
                rules=(RuleSpec("Summer", "", (Condition("secure", ">=", 1),)),),
            ),
        ),
    )
    explained = spec.evaluate(figures(secure=5), "Autumn")
    assert explained.band.key == "low"
    assert explained.next_text == "High has no rule for this point and starting point."


def test_progress_uses_band_movement_and_gains_for_catch_up_pupils() -> None:
    assert PROGRESS.evaluate(figures(band_change=1), "Spring").band.key == "rapid"
    assert PROGRESS.evaluate(figures(band_change=0), "Spring").band.key == "good"
    assert PROGRESS.evaluate(figures(band_change=-1), "Spring").band.key == "slow"
    assert PROGRESS.evaluate(figures(band_change=-2), "Spring").band.key == "small-steps"
    catching_up = figures(band_change=-1, secure_gain=25)
    assert PROGRESS.evaluate(catching_up, "Spring", "working-on-last-year").band.key == "good"
    assert PROGRESS.evaluate(catching_up, "Spring", "secure-last-year").band.key == "slow"


def test_between_is_inclusive() -> None:
    c = Condition("pct_greater_depth", "between", 0, 30)
    assert c.holds({"pct_greater_depth": 0}) and c.holds({"pct_greater_depth": 30})
    assert not c.holds({"pct_greater_depth": 30.1})
    assert not c.holds({"pct_greater_depth": None})
    assert c.text() == "% greater depth (of taught) between 0 and 30"


def test_parse_conditions() -> None:
    assert parse_conditions("pct_secure_of_year >= 80 and pct_greater_depth between 0 and 30") == [
        {"metric": "pct_secure_of_year", "op": ">=", "value": 80.0},
        {"metric": "pct_greater_depth", "op": "between", "value": [0.0, 30.0]},
    ]
    assert parse_conditions("secure > 3; band_change = -1") == [
        {"metric": "secure", "op": ">", "value": 3.0},
        {"metric": "band_change", "op": "=", "value": -1.0},
    ]
    with pytest.raises(ValueError, match="'pct_secure_of_year is high' is not a condition"):
        parse_conditions("pct_secure_of_year is high")


PCT = st.one_of(
    st.none(), st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda x: round(x, 1))
)
FIGURES = st.fixed_dictionaries(
    {
        "pct_secure_of_year": PCT,
        "pct_greater_depth": PCT,
        "pct_secure_of_taught": PCT,
        "band_change": st.one_of(st.none(), st.integers(-4, 4)),
        "secure_gain": st.one_of(st.none(), st.floats(-100, 100, allow_nan=False)),
    }
)
POINTS = st.sampled_from(["Autumn", "Spring", "Summer", "Baseline"])


@settings(max_examples=300, deadline=None)
@given(f=FIGURES, point=POINTS, start=st.sampled_from(STARTS))
def test_every_pupil_gets_exactly_one_band_of_each_set_and_a_true_reason(
    f: dict[str, float | None], point: str, start: str
) -> None:
    for spec in (ATTAINMENT, PROGRESS):
        explained = spec.evaluate(f, point, start)
        holders = [b for b in spec.bands if b.key == explained.band.key]
        assert len(holders) == 1
        if explained.rule is not None:
            # The named rule belongs to the band, applies here and holds for these figures.
            assert explained.rule in explained.band.rules
            assert explained.rule.applies(point, start)
            assert explained.rule.holds(f)
        else:
            assert explained.band.order == 0
        # No higher band had a matching rule among its most specific applicable ones.
        for band in spec.bands:
            if band.order > explained.band.order:
                assert not any(r.holds(f) for r in spec._applicable(band, point, start))
        assert explained.text.startswith(explained.band.label)


@settings(max_examples=100, deadline=None)
@given(
    thresholds=st.lists(st.integers(0, 100), min_size=1, max_size=6, unique=True),
    value=st.integers(0, 100),
)
def test_generated_band_sets_always_give_one_band(thresholds: list[int], value: int) -> None:
    ordered = sorted(thresholds)
    bands = [BandSpec("b0", "Band 0", 0)] + [
        BandSpec(
            f"b{i}",
            f"Band {i}",
            i,
            rules=(RuleSpec(conditions=(Condition("secure", ">=", t),)),),
        )
        for i, t in enumerate(ordered, start=1)
    ]
    spec = BandSetSpec("Generated", "attainment", tuple(bands))
    explained = spec.evaluate({"secure": value}, "Autumn")
    expected = sum(1 for t in ordered if value >= t)
    assert explained.band.order == expected
