"""`GroupRow.of` reads a result's shown attainment and progress bands as `PupilResult` does.

It reads the bands in one pass and hands out one `Shown` per band; this checks, on
generated results (several sets of each kind, confirmed or not, in any order), that
every row equals the one built from `r.attainment` and `r.progress`.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from trackwell.analysis.evaluation import PupilBand, PupilResult
from trackwell.analysis.models import Band
from trackwell.reports.trust import GroupRow, Shown

BANDS = [
    Band(pk=n, key=f"b{n}", label=f"Band {n}", order=n, meets_expectation=n % 2 == 0)
    for n in range(1, 5)
]
ONE_BAND = st.tuples(
    st.sampled_from(["attainment", "progress"]),
    st.sampled_from(BANDS),
    st.one_of(st.none(), st.sampled_from(BANDS)),
)


def _expected(r: PupilResult, school_id: int) -> GroupRow:
    """The row as it was built before: from the result's own properties."""
    attainment, progress = r.attainment, r.progress
    return GroupRow(
        r.pupil_id,
        r.subject_id,
        r.nc_year,
        school_id,
        {"pct_secure_of_year": r.figures.get("pct_secure_of_year")},
        Shown(attainment.shown) if attainment else None,
        Shown(progress.shown) if progress else None,
    )


@settings(max_examples=200, deadline=None)
@given(results=st.lists(st.lists(ONE_BAND, max_size=4), min_size=1, max_size=6))
def test_each_row_is_the_results_shown_bands(results: list[list[tuple]]) -> None:
    shown: dict[int, Shown] = {}
    for pupil_id, bands in enumerate(results, 1):
        r = PupilResult(
            pupil_id,
            3,
            None,
            4,
            None,
            4,
            figures={"pct_secure_of_year": 50.0 if pupil_id % 2 else None},
            bands={
                set_id: PupilBand(set_id, f"Set {set_id}", kind, suggested, confirmed)
                for set_id, (kind, suggested, confirmed) in enumerate(bands, 10)
            },
        )
        row = GroupRow.of(r, 7, shown)
        assert row == _expected(r, 7) == GroupRow.of(r, 7)
        for kept in (row.attainment, row.progress):
            if kept is not None:
                assert kept.shown is (shown[id(kept.shown)].shown)
