"""Each side of a group comparison equals the figures counted over its rows one by one.

`compare_groups` reads what each row adds to a side once and sorts the rows into
the two sides; this checks, on generated pupils, bands and facts, that every
side's pupils, shares meeting expectations and mean % secure are what counting
the side's own rows directly gives.
"""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from trackwell.analysis.evaluation import PupilBand, PupilResult
from trackwell.analysis.groups import PupilFacts, Side, compare_groups, group_choices, group_test
from trackwell.analysis.models import Band
from trackwell.pupils.models import PupilGroup

MEETS = Band(pk=1, key="on-track", label="On track", order=2, meets_expectation=True)
MISSES = Band(pk=2, key="below", label="Below", order=1, meets_expectation=False)


def _band(kind: str, band: Band | None) -> dict[int, PupilBand]:
    if band is None:
        return {}
    set_id = 10 if kind == "attainment" else 20
    return {set_id: PupilBand(set_id, kind.title(), kind, suggested=band)}


def _counted(rows: list[PupilResult]) -> Side:
    """A side counted directly over its rows (how the page counted before it was made faster)."""
    attainment = [r.attainment for r in rows if r.attainment is not None]
    progress = [r.progress for r in rows if r.progress is not None]
    secure = [
        r.figures["pct_secure_of_year"]
        for r in rows
        if r.figures.get("pct_secure_of_year") is not None
    ]
    return Side(
        pupils=len({r.pupil_id for r in rows}),
        meets=round(100 * sum(b.shown.meets_expectation for b in attainment) / len(attainment))
        if attainment
        else None,
        progress_meets=round(100 * sum(b.shown.meets_expectation for b in progress) / len(progress))
        if progress
        else None,
        secure=round(sum(s for s in secure if s is not None) / len(secure), 1) if secure else None,
    )


BAND = st.sampled_from([None, MEETS, MISSES])
PUPIL = st.tuples(
    st.sampled_from(["F", "M"]),
    st.booleans(),  # disadvantaged
    st.booleans(),  # EAL
    st.sampled_from(["N", "K", "E"]),
    st.integers(1, 12),  # month of birth
    BAND,
    BAND,
    st.one_of(st.none(), st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 1))),
    st.integers(1, 6),  # NC year
)


@settings(max_examples=150, deadline=None)
@given(pupils=st.lists(PUPIL, min_size=1, max_size=40))
def test_each_side_equals_a_direct_count_of_its_rows(pupils: list[tuple]) -> None:
    rows, facts = [], {}
    for pupil_id, (sex, pp, eal, sen, month, att, prog, secure, year) in enumerate(pupils, 1):
        facts[pupil_id] = PupilFacts(
            pupil_id,
            sex,
            date(2018, month, 1),
            pp,
            pp,
            sen,
            eal,
            False,
            frozenset({7} if eal else ()),
        )
        rows.append(
            PupilResult(
                pupil_id,
                1,
                None,
                year,
                None,
                year,
                figures={"pct_secure_of_year": secure},
                bands={**_band("attainment", att), **_band("progress", prog)},
            )
        )
    choices = group_choices([PupilGroup(pk=7, name="Reading club")])
    found = compare_groups(rows, facts, choices, min_size=3, suppress=False)
    assert [c.key for c in found] == [key for key, _ in choices]
    for comparison in found:
        test = group_test(comparison.key)
        assert test is not None
        assert comparison.group == _counted([r for r in rows if test(facts[r.pupil_id])])
        assert comparison.others == _counted([r for r in rows if not test(facts[r.pupil_id])])
