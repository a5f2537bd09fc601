"""Conversion of raw marks: the built-in KS2 2024 tables against the published figures,
uploaded tables, thresholds and percentiles."""

import csv
import itertools
import os
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from trackwell.scores import conversion
from trackwell.scores.conversion import ConversionError, Row, TableFileError

ROOT = Path(settings.BASE_DIR)


def _refdata() -> Path:
    named = os.environ.get("TRACKWELL_REFDATA")
    if named:
        return Path(named)
    found = (up / "shared" / "refdata" for up in ROOT.resolve().parents)
    return next((p for p in found if p.is_dir()), ROOT.parent / "shared" / "refdata")


KS2_FILE = _refdata() / "national" / "ks2_2024_scaled_score_conversion.csv"
needs_refdata = pytest.mark.skipif(
    not KS2_FILE.is_file(),
    reason=f"KS2 reference table not found at {KS2_FILE} (it lives outside the repository).",
)
KEYS = {"reading": "ks2-2024-reading", "gps": "ks2-2024-gps", "maths": "ks2-2024-maths"}


def _published() -> dict[str, list[tuple[int, int, int | None]]]:
    """The published rows as runs (first mark, last mark, score) of equal scores."""
    runs: dict[str, list[tuple[int, int, int | None]]] = {}
    if not KS2_FILE.is_file():
        return runs
    with KS2_FILE.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            first, _, last = r["raw_score"].partition("-")
            lo, hi = int(first), int(last or first)
            score = int(r["scaled_score"]) if r["scaled_score"] else None
            subject = runs.setdefault(r["subject"], [])
            if subject and subject[-1][2] == score and subject[-1][1] + 1 == lo:
                subject[-1] = (subject[-1][0], hi, score)
            else:
                subject.append((lo, hi, score))
    return runs


PUBLISHED = _published()
EDGES = [
    (subject, mark, score)
    for subject, runs in PUBLISHED.items()
    for lo, hi, score in runs
    for mark in sorted({lo, hi})
]


def _convert(subject: str, raw: int) -> int | None:
    key = KEYS[subject]
    return conversion.convert(
        conversion.builtin_rows(key), raw, max_raw_mark=conversion.BUILTINS[key].max_raw_mark
    )


@needs_refdata
@pytest.mark.parametrize(("subject", "raw", "score"), EDGES)
def test_every_range_edge_converts_as_published(subject: str, raw: int, score: int | None) -> None:
    assert _convert(subject, raw) == score


@needs_refdata
@pytest.mark.parametrize("subject", ["reading", "gps", "maths"])
def test_just_outside_each_range_gives_the_neighbouring_score(subject: str) -> None:
    runs = PUBLISHED[subject]
    for (_, hi, score), (lo_next, _, next_score) in itertools.pairwise(runs):
        if lo_next == hi + 1:
            assert _convert(subject, hi + 1) == next_score != score


def test_published_thresholds_for_the_expected_standard() -> None:
    # Written out from the STA's 2024 announcement, independent of any file.
    assert _convert("reading", 27) == 100
    assert _convert("reading", 26) == 99
    assert _convert("gps", 35) == 100
    assert _convert("gps", 34) == 99
    assert _convert("maths", 54) == 100
    assert _convert("reading", 48) == _convert("reading", 50) == 120
    assert _convert("reading", 3) == 80
    assert _convert("gps", 70) == 120


@pytest.mark.parametrize("subject", ["reading", "gps", "maths"])
def test_too_few_marks_award_no_scaled_score(subject: str) -> None:
    assert [_convert(subject, raw) for raw in (0, 1, 2)] == [None, None, None]


def test_complete_tables_cover_every_mark_once() -> None:
    for key in ("ks2-2024-reading", "ks2-2024-gps"):
        rows = conversion.builtin_rows(key)
        assert conversion.missing_marks(rows, conversion.BUILTINS[key].max_raw_mark) == []
        assert conversion.overlaps(rows) == []


def test_partial_maths_table_refuses_marks_it_does_not_hold() -> None:
    assert not conversion.BUILTINS["ks2-2024-maths"].complete
    assert _convert("maths", 32) == 94
    for raw in (33, 53, 55, 110):
        with pytest.raises(ConversionError, match=f"no score for a raw mark of {raw}"):
            _convert("maths", raw)


@pytest.mark.parametrize("raw", [-1, 51, 200])
def test_marks_beyond_the_test_are_errors(raw: int) -> None:
    with pytest.raises(ConversionError, match="outside 0-50"):
        _convert("reading", raw)


@given(st.integers(min_value=0, max_value=50))
def test_every_mark_in_range_converts_to_exactly_one_score(raw: int) -> None:
    rows = conversion.builtin_rows("ks2-2024-reading")
    assert len([r for r in rows if r.covers(raw, None)]) == 1


@given(st.integers(min_value=0, max_value=69))
def test_more_marks_never_give_a_lower_score(raw: int) -> None:
    lower, higher = _convert("gps", raw), _convert("gps", raw + 1)
    assert lower is None or (higher is not None and higher >= lower)


@given(st.floats(min_value=40, max_value=160), st.floats(min_value=40, max_value=160))
def test_percentiles_are_monotonic(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert conversion.percentile(low) <= conversion.percentile(high)
    assert 1 <= conversion.percentile(low) <= 99


def test_percentile_figures() -> None:
    assert conversion.percentile(100) == 50
    assert conversion.percentile(115) == 84
    assert conversion.percentile(85) == 16
    assert conversion.percentile(70) == 2


def test_uploaded_table_with_ranges_and_ages() -> None:
    text = (
        "raw_mark,score,age_from,age_to\n"
        "0-5,70,96,101\n6-10,85,96,101\n0-5,69,102,107\n6-10,82,102,107\n"
    )
    rows = conversion.parse_table(text, max_raw_mark=10)
    assert conversion.convert(rows, 5, max_raw_mark=10, age_months=96) == 70
    assert conversion.convert(rows, 6, max_raw_mark=10, age_months=107) == 82
    with pytest.raises(ConversionError, match="at 120 months"):
        conversion.convert(rows, 6, max_raw_mark=10, age_months=120)
    with pytest.raises(ConversionError, match="age in months"):
        conversion.convert(rows, 6, max_raw_mark=10)


def test_uploaded_table_errors_name_row_and_column() -> None:
    text = "raw_from,raw_to,score\n0,4,70\n3,x,80\n9,7,90\n5,12,95\n4,6,99\n"
    with pytest.raises(TableFileError) as caught:
        conversion.parse_table(text, max_raw_mark=10)
    errors = caught.value.errors
    assert "Row 3, column raw_to: 'x' is not a whole number." in errors
    assert "Row 4: the raw marks run backwards (9 to 7)." in errors
    assert "Row 5: raw mark 12 is above the test's maximum of 10." in errors
    assert "Raw marks 4-4 are in two rows." in errors


def test_uploaded_table_needs_its_columns() -> None:
    with pytest.raises(TableFileError, match="must name the columns"):
        conversion.parse_table("mark,points\n1,2\n", max_raw_mark=10)


def test_band_for_uses_the_school_thresholds() -> None:
    bands = [(b.min_score, b.label) for b in conversion.PRESETS["standardised"][1]]
    assert conversion.band_for(84, bands) == "Well below average"
    assert conversion.band_for(85, bands) == "Below average"
    assert conversion.band_for(104, bands) == "Average"
    assert conversion.band_for(115, bands) == "Well above average"
    assert conversion.band_for(None, bands) == ""
    ks2 = [(b.min_score, b.label) for b in conversion.PRESETS["ks2-scaled"][1]]
    assert conversion.band_for(99, ks2) == "Not yet at the expected standard"
    assert conversion.band_for(110, ks2) == "High score"


def test_rows_cover_ages_only_within_their_range() -> None:
    row = Row(0, 5, 80, 96, 101)
    assert row.covers(3, 96) and row.covers(3, 101)
    assert not row.covers(3, 95) and not row.covers(3, None)
