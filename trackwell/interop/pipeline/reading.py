"""Reading uploads safely: the documented limits, the one error format, spreadsheets (CSV).

Part of the import pipeline (`trackwell.interop.pipeline` re-exports every public name).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# ---------------------------------------------------------------------------
# Limits and problems


@dataclass(frozen=True)
class Limits:
    """What a file may hold, checked before it is parsed (documented in docs/imports.md)."""

    max_bytes: int = 5_000_000
    max_rows: int = 20_000
    max_cell: int = 1_000

    def describe(self) -> str:
        return (
            f"at most {self.max_bytes // 1_000_000} MB, {self.max_rows:,} rows "
            f"and {self.max_cell:,} characters a cell"
        )


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be imported as it is, by row and column where there are any."""

    message: str
    row: int | None = None
    column: str | None = None
    # For files of several parts (a OneRoster bundle): which part.
    file: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.row is not None and self.column:
            where = f"Row {self.row}, column '{self.column}'"
        elif self.row is not None:
            where = f"Row {self.row}"
        elif self.column:
            where = f"Column '{self.column}'"
        if self.file:
            where = f"{self.file}, {where[0].lower() + where[1:]}" if where else self.file
        return f"{where}: {self.message}" if where else self.message

    def as_json(self) -> dict[str, Any]:
        return {"message": self.message, "row": self.row, "column": self.column, "file": self.file}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Problem:
        return cls(
            str(data.get("message", "")), data.get("row"), data.get("column"), data.get("file")
        )


def as_problems(messages: Sequence[str | Problem]) -> list[Problem]:
    """Plain messages (already naming their row and column) as problems."""
    return [m if isinstance(m, Problem) else Problem(str(m)) for m in messages]


# ---------------------------------------------------------------------------
# Reading spreadsheets (CSV) safely


@dataclass
class Table:
    """A spreadsheet's header and rows; each row is paired with its line number in the file."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]

    def as_json(self) -> dict[str, Any]:
        return {"headers": self.headers, "rows": self.rows}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        return cls(list(data["headers"]), [(int(n), list(c)) for n, c in data["rows"]])


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """Text of an uploaded file: UTF-8 (with or without a byte-order mark), UTF-16, Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        return None, Problem("The file is not text: save it as 'CSV UTF-8' and upload it again.")
    try:
        # Excel's plain "CSV" on Windows; undefined bytes mean it is not text at all.
        return data.decode("cp1252"), None
    except UnicodeDecodeError:
        return None, Problem("The file is not text: save it as 'CSV UTF-8' and upload it again.")


def check_size(data: bytes, limits: Limits) -> Problem | None:
    """A problem if the file is empty or larger than the limit (checked before anything else)."""
    if len(data) > limits.max_bytes:
        return Problem(
            f"The file is {len(data) / 1_000_000:.1f} MB; imports take at most "
            f"{limits.max_bytes // 1_000_000} MB. Split it, or leave out columns you do not need."
        )
    if not data.strip():
        return Problem("The file is empty.")
    return None


def read_table(data: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[Table | None, list[Problem]]:
    """A CSV file's header and rows, or the problems that stop it being read. Never raises.

    Handles a byte-order mark, Windows line endings, Excel's quoting, semicolon
    or tab separators, and blank lines; rows and cells beyond the limits are refused.
    """
    problem = check_size(data, limits)
    if problem:
        return None, [problem]
    text, problem = decode(data)
    if text is None:
        return None, [problem or Problem("The file could not be read.")]
    text = text.replace("\x00", "")
    too_many = [
        Problem(f"The file has more than {limits.max_rows:,} rows; imports take at most that.")
    ]
    # Rows are counted while reading (below), whatever the line ending: Windows, Unix or
    # the old Mac's CR alone. Reading stops at the first row over the limit.
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count) if first_line else ","
    problems: list[Problem] = []
    rows: list[tuple[int, list[str]]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        headers = next(reader, None)
        while headers is not None and not any(h.strip() for h in headers):
            headers = next(reader, None)  # blank lines above the header
        if headers is None:
            return None, [
                Problem("The file is empty: it needs a header row, then one row a pupil.")
            ]
        header_row = reader.line_num
        for column, name in enumerate(headers):
            if len(name) > limits.max_cell:
                problems.append(
                    Problem(
                        f"a header longer than {limits.max_cell} characters.",
                        header_row,
                        f"#{column + 1}",
                    )
                )
        read = 0
        for cells in reader:
            read += 1  # blank lines count too: they cost as much to read
            if read > limits.max_rows:
                return None, too_many
            number = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            for column, cell in enumerate(cells):
                if len(cell) > limits.max_cell:
                    name = headers[column] if column < len(headers) else f"#{column + 1}"
                    problems.append(
                        Problem(
                            f"the cell is longer than {limits.max_cell:,} characters.", number, name
                        )
                    )
            rows.append((number, cells))
    except csv.Error as exc:
        return None, [
            Problem(f"The file is not valid CSV ({exc}); save it from the spreadsheet as CSV.")
        ]
    if problems:
        return None, problems[:200]
    return Table([h.strip() for h in headers], rows), []
