"""The whole-school fast path for bands gives, pupil by pupil, what the rule engine gives.

`banding.Banding` asks the engine once per distinct combination of the figures a
set's rules test and shares the answer; these tests generate band sets (points,
starting points, years, every operator) and pupils whose figures often repeat,
and compare each pupil's band, rule, wording and stored explanation with
`BandSetSpec.evaluate` called for that pupil alone.
"""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from trackwell.analysis.banding import Banding
from trackwell.analysis.figures import Metrics, pct
from trackwell.analysis.rules import BandSetSpec, BandSpec, Condition, RuleSpec

METRIC_NAMES = ["pct_secure_of_year", "pct_greater_depth", "secure", "band_change", "taught"]
STARTS = ["", "working", "secure"]
LABELS = {"working": "Working on last year's", "secure": "Secure in last year's"}
POINT_NAMES = ["Autumn", "Spring", "Summer"]


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    metric = draw(st.sampled_from(METRIC_NAMES))
    op = draw(st.sampled_from([">=", ">", "<=", "<", "=", "between"]))
    value = float(draw(st.integers(-2, 60)))
    if op == "between":
        return Condition(metric, op, value, value + draw(st.integers(0, 30)))
    return Condition(metric, op, value)


RULES = st.builds(
    RuleSpec,
    point=st.sampled_from(["", "Autumn", "spring"]),
    starting_point=st.sampled_from(STARTS),
    conditions=st.lists(conditions(), max_size=3).map(tuple),
    years=st.sampled_from([(), (1,), (2, 3), (0, 4)]),
)


@st.composite
def band_sets(draw: st.DrawFn) -> BandSetSpec:
    n = draw(st.integers(1, 5))
    bands = [BandSpec("b0", "Lowest", 0)] + [
        BandSpec(f"b{i}", f"Band {i}", i, rules=tuple(draw(st.lists(RULES, max_size=4))))
        for i in range(1, n)
    ]
    # Orders need not follow the list: the engine sorts by order.
    return BandSetSpec("Generated", "attainment", tuple(draw(st.permutations(bands))))


VALUE = st.one_of(
    st.none(),
    st.integers(-2, 60),
    st.integers(-2, 60).map(float),
    st.floats(-2, 90, allow_nan=False).map(lambda x: round(x, 1)),
)
PUPIL = st.tuples(
    st.fixed_dictionaries({m: VALUE for m in METRIC_NAMES}, optional={"test_score": VALUE}),
    st.sampled_from(STARTS),
    st.sampled_from([None, 0, 1, 2, 3, 4]),
)


@settings(max_examples=300, deadline=None)
@given(
    spec=band_sets(),
    point_name=st.sampled_from(POINT_NAMES),
    # Few distinct pupils, drawn many times: decisions are shared between repeats.
    distinct=st.lists(PUPIL, min_size=1, max_size=6),
    picks=st.lists(st.integers(0, 5), min_size=1, max_size=25),
)
def test_shared_decisions_equal_the_engine_pupil_by_pupil(
    spec: BandSetSpec,
    point_name: str,
    distinct: list[tuple[dict[str, float | None], str, int | None]],
    picks: list[int],
) -> None:
    banding = Banding(spec, point_name, LABELS)
    for pick in picks:
        given_figures, start, year = distinct[pick % len(distinct)]
        figures = dict(given_figures)  # each pupil's own dict, as evaluation makes them
        expected = spec.evaluate(figures, point_name, start, LABELS, year=year)
        decision = banding.decide(figures, start, year)
        assert decision.band == expected.band
        assert decision.rule == expected.rule
        got = decision.explain(figures)
        assert got.band == expected.band and got.rule == expected.rule
        assert got.text == expected.text
        assert got.next_band == expected.next_band and got.next_rule == expected.next_rule
        assert decision.wording(figures) == (expected.because, expected.next_text)
        # What a snapshot stores: the same keys in the same order, the same values.
        assert json.dumps(decision.as_json(figures)) == json.dumps(expected.as_json())
        assert decision.json_text(figures) == json.dumps(expected.as_json())


def test_pupils_with_the_same_tested_figures_share_one_decision() -> None:
    spec = BandSetSpec(
        "Secure",
        "attainment",
        (
            BandSpec("low", "Low", 0),
            BandSpec(
                "high", "High", 1, rules=(RuleSpec(conditions=(Condition("secure", ">=", 3),)),)
            ),
        ),
    )
    banding = Banding(spec, "Autumn", {})
    first = banding.decide({"secure": 4, "taught": 9}, "", 3)
    # Figures no rule tests do not matter; the tested one, the starting point and the year do.
    assert banding.decide({"secure": 4, "taught": 1}, "", 3) is first
    assert banding.decide({"secure": 2, "taught": 9}, "", 3) is not first
    assert banding.decide({"secure": 4, "taught": 9}, "", 4) is not first
    assert banding.decide({"secure": 4, "taught": 9}, "x", 3) is not first
    assert first.band.key == "high"
    # Each pupil's stored explanation lists their own figures.
    assert first.as_json({"secure": 4, "taught": 9})["figures"] == {"secure": 4, "taught": 9}
    assert first.as_json({"secure": 4, "taught": 1, "pct_taught": None})["figures"] == {
        "secure": 4,
        "taught": 1,
    }


def test_values_reaching_the_same_band_by_the_same_rule_share_a_decision_not_its_wording() -> None:
    spec = BandSetSpec(
        "Secure",
        "attainment",
        (
            BandSpec("low", "Low", 0),
            BandSpec(
                "high",
                "High",
                1,
                rules=(RuleSpec(conditions=(Condition("pct_secure_of_year", ">=", 50),)),),
            ),
        ),
    )
    banding = Banding(spec, "Autumn", {})
    at_60: dict[str, float | None] = {"pct_secure_of_year": 60.0}
    at_75: dict[str, float | None] = {"pct_secure_of_year": 75.0}
    first = banding.decide(at_60, "", 3)
    assert banding.decide(at_75, "", 3) is first
    assert banding.decide({"pct_secure_of_year": 10.0}, "", 3) is not first
    # Each value keeps its own wording, as the engine words it.
    for figures in (at_60, at_75, at_60):
        expected = spec.evaluate(figures, "Autumn", "", {}, 3)
        assert first.wording(figures) == (expected.because, expected.next_text)
        assert first.explain(figures).because == expected.because
    assert first.wording(at_60) != first.wording(at_75)


COUNT = st.integers(0, 80)


@settings(max_examples=300, deadline=None)
@given(
    counts=st.tuples(COUNT, COUNT, COUNT, COUNT, COUNT, COUNT, COUNT, COUNT, COUNT),
    prev=st.sampled_from([None, 0, 7]),
)
def test_each_pupils_figures_are_the_percentages_of_their_counts(
    counts: tuple[int, ...], prev: int | None
) -> None:
    objectives, taught, assessed, secure, greater, depth, p_obj, p_sec, p_gd = counts
    m = Metrics(
        *(1, 1, 1, 1, 3, 1, 3),
        *(objectives, taught, assessed, secure, greater, depth),
        *(prev, p_obj, p_sec, p_gd),
    )
    assert m.figures() == {
        "objectives": objectives,
        "taught": taught,
        "assessed": assessed,
        "secure": secure,
        "greater_depth": greater,
        "pct_taught": pct(taught, objectives),
        "pct_secure_of_taught": pct(secure, taught),
        "pct_secure_of_year": pct(secure, objectives),
        "pct_greater_depth": pct(greater, taught),
        "average_depth": round(depth / assessed, 2) if assessed else None,
        "prev_objectives": p_obj if prev else None,
        "prev_secure": p_sec if prev else None,
        "pct_prev_secure": pct(p_sec, p_obj),
        "pct_prev_greater_depth": pct(p_gd, p_obj),
    }
