"""The spellings MIS exports use for SEN status and year group (interop/values.py)."""

import pytest

from tests.interop.conftest import csv_bytes, sims_row
from trackwell.interop import pipeline
from trackwell.interop.kinds.pupils import PUPIL_FIELDS, PupilsImport
from trackwell.interop.mapping import guess_mapping, resolve
from trackwell.interop.values import parse_sen, parse_year


@pytest.mark.parametrize(
    ("spelling", "status"),
    [
        ("Education, Health and Care Plan", "E"),
        ("Education Health and Care Plan", "E"),
        ("EHC Plan", "E"),
        ("EHCP", "E"),
        ("E - Education, Health and Care Plan", "E"),
        ("E \u2013 Education, Health and Care Plan", "E"),
        ("K - SEN Support", "K"),
        ("SEN Support", "K"),
        ("K", "K"),
        ("N - No Special Educational Needs", "N"),
        ("No SEN", "N"),
        ("", "N"),
        ("Statement", "E"),
    ],
)
def test_sen_spellings_of_mis_exports(spelling: str, status: str) -> None:
    assert parse_sen(spelling) == status


@pytest.mark.parametrize(
    ("spelling", "message"),
    [
        ("K - Education, Health and Care Plan", "gives two SEN statuses"),
        ("Q - SEN Support", "is not an SEN status"),
        ("maybe", "is not an SEN status"),
    ],
)
def test_sen_spellings_that_contradict_or_mean_nothing_are_refused(
    spelling: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_sen(spelling)


@pytest.mark.parametrize(
    ("spelling", "year"),
    [
        ("YR", 0),
        ("Year R", 0),
        ("R", 0),
        ("Rec", 0),
        ("Rec.", 0),
        ("Reception", 0),
        ("yr", 0),
        ("Y3", 3),
        ("Yr 3", 3),
        ("Year 3", 3),
        ("3", 3),
        ("NC 6", 6),
        ("Year 13", 13),
    ],
)
def test_year_spellings_of_mis_exports(spelling: str, year: int) -> None:
    assert parse_year(spelling) == year


@pytest.mark.parametrize("spelling", ["N1", "N2", "Nursery", "FS1", "n1"])
def test_nursery_years_are_refused_with_a_message_saying_why(spelling: str) -> None:
    with pytest.raises(
        ValueError, match="is a nursery year; Trackwell keeps pupils from Reception"
    ):
        parse_year(spelling)


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ({"Year": "N1"}, "Row 2, column 'Year': 'N1' is a nursery year"),
        ({"SEN Status": "K - Education, Health and Care Plan"}, "gives two SEN statuses"),
    ],
)
def test_in_a_file_each_refusal_names_its_row_and_column(
    cells: dict[str, str], problem: str
) -> None:
    table, _ = pipeline.read_table(csv_bytes([sims_row(1, "Good", "Pupil", **cells)]))
    assert table is not None
    columns, _ = resolve(
        PUPIL_FIELDS, table.headers, guess_mapping(PUPIL_FIELDS, table.headers, {})
    )
    parsed = PupilsImport().parse(table, {"columns": columns})
    assert any(str(p).startswith(problem) or problem in str(p) for p in parsed.errors), (
        parsed.errors
    )


def test_a_file_with_mis_spellings_reads_every_row() -> None:
    rows = [
        sims_row(1, "A", "One", Year="YR", **{"SEN Status": "E - Education, Health and Care Plan"}),
        sims_row(2, "B", "Two", Year="Year R", **{"SEN Status": "K - SEN Support"}),
        sims_row(3, "C", "Three", Year="Rec", **{"SEN Status": "EHC Plan"}),
    ]
    table, _ = pipeline.read_table(csv_bytes(rows))
    assert table is not None
    columns, _ = resolve(
        PUPIL_FIELDS, table.headers, guess_mapping(PUPIL_FIELDS, table.headers, {})
    )
    parsed = PupilsImport().parse(table, {"columns": columns})
    assert parsed.errors == []
    assert [(r["nc_year"], r["sen_status"]) for r in parsed.data] == [(0, "E"), (0, "K"), (0, "E")]
