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
from trackwell.analysis.groups import (
    CompareMemo,
    PupilFacts,
    Side,
    compare_groups,
    group_choices,
    group_test,
)
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


def _rows_and_facts(pupils: list[tuple]) -> tuple[list[PupilResult], dict[int, PupilFacts]]:
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
    return rows, facts


def _assert_counted(
    found: list, rows: list[PupilResult], facts: dict[int, PupilFacts], choices: list
) -> None:
    assert [c.key for c in found] == [key for key, _ in choices]
    for comparison in found:
        test = group_test(comparison.key)
        assert test is not None
        assert comparison.group == _counted([r for r in rows if test(facts[r.pupil_id])])
        assert comparison.others == _counted([r for r in rows if not test(facts[r.pupil_id])])


CHOICES = group_choices([PupilGroup(pk=7, name="Reading club")])


@settings(max_examples=150, deadline=None)
@given(pupils=st.lists(PUPIL, min_size=1, max_size=40))
def test_each_side_equals_a_direct_count_of_its_rows(pupils: list[tuple]) -> None:
    rows, facts = _rows_and_facts(pupils)
    found = compare_groups(rows, facts, CHOICES, min_size=3, suppress=False)
    _assert_counted(found, rows, facts, CHOICES)


@settings(max_examples=100, deadline=None)
@given(
    pupils=st.lists(PUPIL, min_size=1, max_size=40),
    dropped=st.sets(st.integers(1, 40)),
    repeated=st.integers(0, 5),
)
def test_a_memo_shared_by_a_pages_subjects_changes_no_answer(
    pupils: list[tuple], dropped: set[int], repeated: int
) -> None:
    """Subjects with the same pupils, with some pupils fewer, and with a pupil's rows twice."""
    rows, facts = _rows_and_facts(pupils)
    subjects = [rows, [r for r in rows if r.pupil_id not in dropped], rows, rows + rows[:repeated]]
    memo = CompareMemo()
    for subject_rows in subjects:
        for suppress in (True, False):
            shared = compare_groups(
                subject_rows, facts, CHOICES, min_size=3, suppress=suppress, memo=memo
            )
            alone = compare_groups(subject_rows, facts, CHOICES, min_size=3, suppress=suppress)
            assert shared == alone
        _assert_counted(
            compare_groups(subject_rows, facts, CHOICES, min_size=3, suppress=False, memo=memo),
            subject_rows,
            facts,
            CHOICES,
        )


def _school_part(row: PupilResult) -> tuple[int, int]:
    """A trust's parts: (school, year group); the school is read from the class id here."""
    assert row.class_id is not None
    return (row.class_id, row.nc_year)


def _outer(part: object) -> object:
    assert isinstance(part, tuple)
    return part[0]


@settings(max_examples=150, deadline=None)
@given(
    # Two schools of two year groups: parts big enough for their own pages to show groups.
    pupils=st.lists(
        st.tuples(PUPIL.map(lambda p: (*p[:-1], 1 + p[-1] % 2)), st.integers(1, 2)),
        min_size=1,
        max_size=80,
    ),
    left_out_year=st.integers(1, 2),
    dropped=st.sets(st.integers(1, 80)),
    minimums=st.tuples(st.integers(2, 3), st.integers(2, 3)),
)
def test_a_memo_shared_by_a_trusts_subjects_changes_no_answer(
    pupils: list[tuple], left_out_year: int, dropped: set[int], minimums: tuple[int, int]
) -> None:
    """Across a trust (parts are schools' year groups, schools the pages between): subjects
    with the same pupils, one without a year group, which shares the other year groups'
    pages and the pages of schools without that year group through `CompareMemo.pages`,
    and one with some pupils fewer, whose parts and schools share nothing but their sizes."""
    rows, facts = _rows_and_facts([p for p, _ in pupils])
    for row, (_, school) in zip(rows, pupils, strict=True):
        row.class_id = school
    subjects = [
        rows,
        [r for r in rows if r.nc_year != left_out_year],
        [r for r in rows if r.pupil_id not in dropped],
        rows,
    ]
    minimum = max(minimums)
    options = {
        "min_size": minimum,
        "suppress": True,
        "part_of": _school_part,
        "part_minimum": lambda part: minimums[part[0] - 1],
        "outer_of": _outer,
    }
    memo = CompareMemo()
    for subject_rows in subjects:
        shared = compare_groups(subject_rows, facts, CHOICES, memo=memo, **options)  # type: ignore[arg-type]
        alone = compare_groups(subject_rows, facts, CHOICES, **options)  # type: ignore[arg-type]
        assert shared == alone
