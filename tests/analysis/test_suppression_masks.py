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


def _trust(
    schools: list[list[list[tuple]]],
) -> tuple[dict[int, PupilFacts], list[tuple[int, tuple[int, int]]]]:
    """Each generated pupil's facts, and its part: (school, year group)."""
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
    return facts, placed


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
    facts, placed = _trust(schools)
    minimums = {s: minimum + own[s] for s in range(len(schools))}
    kwargs: dict = {}
    if pages != "parts":
        kwargs["outer_of"] = lambda part: part[0]
    if pages == "own minimums":
        kwargs["part_minimum"] = lambda part: minimums[part[0]]
    expected = reference.suppression(placed, facts, KNOWN, min_size=minimum, **kwargs)
    assert suppression(placed, facts, KNOWN, min_size=minimum, **kwargs) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    schools=st.lists(
        st.lists(st.lists(_facts, min_size=2, max_size=12), min_size=1, max_size=3),
        min_size=1,
        max_size=3,
    ),
    minimum=st.integers(2, 5),
    dropped=st.sets(st.integers(1, 120)),
)
def test_pages_shared_between_subjects_give_each_subject_its_own_answer(
    schools: list[list[list[tuple]]], minimum: int, dropped: set[int]
) -> None:
    """`CompareMemo.pages` shared by a trust's subjects: each subject's answer is the
    reference's for that subject alone. Two of the subjects have every part the same
    size but one pupil different in each (one missed maths, another science), the
    case a key made of sizes alone would answer wrongly."""
    facts, placed = _trust(schools)
    parts: dict[tuple[int, int], list[int]] = {}
    for pid, part in placed:
        parts.setdefault(part, []).append(pid)
    everyone = [(p, part) for part, pids in parts.items() for p in pids]
    subjects = [
        everyone,
        [(p, part) for part, pids in parts.items() for p in pids[:-1]],  # the last one missing
        [(p, part) for part, pids in parts.items() for p in pids[1:]],  # the first one missing
        [(p, part) for p, part in everyone if p not in dropped],
        everyone,
    ]
    for kwargs in ({}, {"outer_of": lambda part: part[0]}):
        pages: dict = {}
        for placed in subjects:
            expected = reference.suppression(placed, facts, KNOWN, min_size=minimum, **kwargs)
            got = suppression(placed, facts, KNOWN, min_size=minimum, pages=pages, **kwargs)
            assert got == expected
