"""The one export writer: formula-safe CSV and XLSX with the same figures."""

import datetime as dt
import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trackwell.core.exports import (
    FORMULA_PREFIXES,
    Table,
    csv_bytes,
    export_response,
    safe_cell,
    xlsx_bytes,
)

TABLE = Table(
    title="Year 3: maths",
    columns=["Pupil", "Secured", "Note"],
    rows=[
        ["Amy O'Neill", 12, '=HYPERLINK("http://x")'],
        ["Zoë Brown", -3, "+1 step"],
        ["@risk", 2.5, "\tindent"],
        ["Ben", None, dt.date(2026, 12, 1)],
    ],
)


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_formula_starters_are_neutralised(prefix: str) -> None:
    assert safe_cell(prefix + "SUM(A1)") == "'" + prefix + "SUM(A1)"


def test_numbers_and_dates_keep_their_types() -> None:
    assert safe_cell(-3) == -3
    assert safe_cell(2.5) == 2.5
    assert safe_cell(dt.date(2026, 1, 2)) == dt.date(2026, 1, 2)
    assert safe_cell(None) == ""
    assert safe_cell(True) == "Yes"


def test_csv_has_bom_and_safe_cells() -> None:
    text = csv_bytes(TABLE).decode("utf-8")
    assert text.startswith("\ufeffPupil,Secured,Note")
    assert "'=HYPERLINK" in text
    assert "'+1 step" in text
    assert "'@risk" in text
    assert "Zoë Brown,-3" in text
    assert "2026-12-01" in text


def test_xlsx_opens_with_the_same_figures() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(TABLE)))
    sheet = book.worksheets[0]
    assert sheet.title == "Year 3 maths"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Pupil", "Secured", "Note")
    assert rows[1] == ("Amy O'Neill", 12, '\'=HYPERLINK("http://x")')
    assert rows[2][1] == -3
    assert rows[3][0] == "'@risk"
    assert rows[4][2] == dt.datetime(2026, 12, 1)
    # No cell of the workbook is a formula.
    assert all(not (isinstance(v, str) and v.startswith("=")) for r in rows for v in r)


def test_several_tables_get_unique_sheet_names() -> None:
    tables = [Table("Same", ["a"], [[1]]), Table("Same", ["a"], [[2]])]
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(tables)))
    assert book.sheetnames == ["Same", "Same (2)"]
    text = csv_bytes(tables).decode("utf-8-sig")
    assert text.splitlines()[:3] == ["Same", "a", "1"]


def test_response_headers() -> None:
    response = export_response(TABLE, "xlsx", "year 3/maths")
    assert response["Content-Disposition"] == 'attachment; filename="year-3-maths.xlsx"'
    with pytest.raises(ValueError):
        export_response(TABLE, "pdf", "x")


@given(st.text())
def test_no_exported_text_starts_a_formula(text: str) -> None:
    value = safe_cell(text)
    assert not str(value).startswith(FORMULA_PREFIXES)
