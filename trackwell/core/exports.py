"""One writer for every table Trackwell exports: CSV and XLSX, safe to open in a spreadsheet.

A cell whose text starts with a character a spreadsheet reads as the start of a
formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) is written with a
leading apostrophe, so the text shows as typed and never runs. Numbers, dates
and booleans keep their types (a negative number is a number, not a formula).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    """One table of an export: a title (the sheet's name), column headings and rows."""

    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]] = field(default_factory=list)


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as typed: formula starters get a leading apostrophe."""
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_cell(value: Any) -> Any:
    """A cell value for export: text made safe, numbers and dates kept, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal | dt.date | dt.datetime):
        return value
    return safe_text(str(value))


def _as_tables(tables: Table | Sequence[Table]) -> list[Table]:
    return [tables] if isinstance(tables, Table) else list(tables)


def _csv_value(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(tables: Table | Sequence[Table], stream: io.TextIOBase | Any) -> None:
    """Write tables as CSV; several tables follow one another, each under its title."""
    writer = csv.writer(stream)
    items = _as_tables(tables)
    for index, table in enumerate(items):
        if len(items) > 1:
            if index:
                writer.writerow([])
            writer.writerow([safe_text(table.title)])
        writer.writerow([safe_text(str(c)) for c in table.columns])
        for row in table.rows:
            writer.writerow([_csv_value(safe_cell(v)) for v in row])


def csv_bytes(tables: Table | Sequence[Table]) -> bytes:
    """CSV as UTF-8 with a byte-order mark, so Excel reads accents correctly."""
    buffer = io.StringIO()
    write_csv(tables, buffer)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"\s+", " ", _SHEET_BAD.sub(" ", title)).strip().strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def xlsx_bytes(tables: Table | Sequence[Table]) -> bytes:
    """An XLSX workbook with one sheet a table; text is never read as a formula."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True})
    date_format = book.add_format({"num_format": "d mmmm yyyy"})
    datetime_format = book.add_format({"num_format": "d mmmm yyyy hh:mm"})
    used: set[str] = set()
    for table in _as_tables(tables):
        sheet = book.add_worksheet(_sheet_name(table.title, used))
        widths = [len(str(c)) for c in table.columns]
        for col, heading in enumerate(table.columns):
            sheet.write_string(0, col, safe_text(str(heading)), bold)
        for r, row in enumerate(table.rows, start=1):
            for col, raw in enumerate(row):
                value = safe_cell(raw)
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, col, value.replace(tzinfo=None), datetime_format)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date_format)
                elif isinstance(value, int | float | Decimal):
                    sheet.write_number(r, col, float(value))
                else:
                    sheet.write_string(r, col, value)
                if col < len(widths):
                    widths[col] = max(widths[col], min(len(str(value)), 60))
        sheet.freeze_panes(1, 0)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width + 2)
    book.close()
    return buffer.getvalue()


def export_response(tables: Table | Sequence[Table], fmt: str, filename: str) -> HttpResponse:
    """A download of the tables as CSV or XLSX; `filename` is given without extension."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; expected one of {FORMATS}.")
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "export"
    if fmt == "csv":
        response = HttpResponse(csv_bytes(tables), content_type=CSV_CONTENT_TYPE)
    else:
        response = HttpResponse(xlsx_bytes(tables), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{safe_name}.{fmt}"'
    return response


def restore_text(value: str) -> str:
    """Undo `safe_text` when reading back a file we wrote (an apostrophe before a formula)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value
