"""Suppression on bit masks gives the answers it gave on frozensets (issue 15 part 5).

Random trusts of up to five schools, each with up to four year groups of up to
fifteen pupils, with and without the schools' pages between, with one minimum or
a minimum per school: `analysis.groups.suppression` and the frozenset version it
replaced (`tests/analysis/suppression_reference.py`) agree on every one.
"""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analysis import suppression_reference as reference
from trackwell.analysis.groups import BUILT_IN, PupilFacts, suppression

KNOWN = [(key, test) for key, _, test in BUILT_IN] + [("group-1", lambda f: 1 in f.groups)]

_facts = st.tuples(
    st.sampled_from("FM"),
    st.integers(1, 12),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["N", "N", "N", "K", "E"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    schools=st.lists(
        st.lists(st.lists(_facts, max_size=15), min_size=1, max_size=4), min_size=1, max_size=5
    ),
    minimum=st.integers(2, 7),
    own=st.lists(st.integers(0, 2), min_size=5, max_size=5),
    pages=st.sampled_from(["parts", "schools", "own minimums"]),
)
def test_masks_and_frozensets_agree(
    schools: list[list[list[tuple]]], minimum: int, own: list[int], pages: str
) -> None:
    facts: dict[int, PupilFacts] = {}
    placed: list[tuple[int, tuple[int, int]]] = []
    for s, years in enumerate(schools):
        for y, pupils in enumerate(years):
            for sex, month, dis, fsm, sen, eal, lac, club in pupils:
                pid = len(facts) + 1
                facts[pid] = PupilFacts(
                    pid,
                    sex,
                    date(2017, month, 1),
                    dis,
                    fsm,
                    sen,
                    eal,
                    lac,
                    frozenset({1} if club else ()),
                )
                placed.append((pid, (s, y)))
    minimums = {s: minimum + own[s] for s in range(len(schools))}
    kwargs: dict = {}
    if pages != "parts":
        kwargs["outer_of"] = lambda part: part[0]
    if pages == "own minimums":
        kwargs["part_minimum"] = lambda part: minimums[part[0]]
    expected = reference.suppression(placed, facts, KNOWN, min_size=minimum, **kwargs)
    assert suppression(placed, facts, KNOWN, min_size=minimum, **kwargs) == expected
