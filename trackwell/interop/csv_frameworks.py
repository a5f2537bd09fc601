"""Frameworks as CSV: one row per objective (columns in docs/curriculum.md).

Reading never raises on a bad file: every problem comes back as a message
naming its row and column, and nothing is written until the whole file is good.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from trackwell.core.exports import Table, restore_text, write_csv
from trackwell.curriculum.framework_spec import FrameworkSpec, ObjectiveSpec, StrandSpec, check_spec
from trackwell.curriculum.models import Framework, Objective
from trackwell.curriculum.phases import YearPhase, parse_year_phase

COLUMNS = [
    "subject",
    "year",
    "strand",
    "code",
    "statement",
    "key",
    "tags",
    "order",
    "identifier",
    "parent",
]
REQUIRED = ["subject", "year", "strand", "code", "statement"]
ALIASES = {
    "year/phase": "year",
    "year or phase": "year",
    "phase": "year",
    "key objective": "key",
    "id": "identifier",
    "objective": "statement",
}
MAX_ROWS = 20_000
MAX_BYTES = 5_000_000
YES = {"yes", "y", "true", "1", "key", "x", "✓"}
NO = {"no", "n", "false", "0", ""}


@dataclass
class ParseResult:
    """Frameworks a file describes, or every reason it cannot be imported."""

    specs: list[FrameworkSpec] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str | None, str | None]:
    """Text of an uploaded file (UTF-8, or Windows-1252 as Excel saves it), or an error."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), None
        except UnicodeDecodeError:
            continue
    return None, "The file is not text: save it as 'CSV UTF-8' and try again."


def _header(raw: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    errors: list[str] = []
    for index, name in enumerate(raw):
        key = " ".join(name.strip().lower().split())
        key = ALIASES.get(key, key)
        if not key:
            continue
        if key in columns:
            errors.append(f"Row 1: the column {key!r} appears twice.")
        columns.setdefault(key, index)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        errors.append(
            "Row 1: the header needs the columns "
            + ", ".join(missing)
            + f" (found: {', '.join(raw) or 'nothing'})."
        )
    return columns, errors


@dataclass
class _Row:
    number: int
    subject: str
    year: YearPhase
    strand: str
    code: str
    statement: str
    key: bool
    tags: list[str]
    order: int | None
    identifier: str
    parent: str | None


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _parse_row(
    number: int, cells: list[str], columns: dict[str, int], width: int, errors: list[str]
) -> _Row | None:
    def err(column: str, message: str) -> None:
        errors.append(f"Row {number}, column '{column}': {message}")

    before = len(errors)
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        errors.append(f"Row {number}: there are more cells than columns in the header.")
    subject = _cell(cells, columns, "subject")
    if not subject:
        err("subject", "the subject is missing.")
    year_text = _cell(cells, columns, "year")
    year = parse_year_phase(year_text)
    if year is None:
        err(
            "year",
            f"{year_text!r} is not a year or phase "
            "(use R or 1-13, a key stage such as KS2, or a range such as 'Years 3-4').",
        )
    strand = _cell(cells, columns, "strand")
    if not strand:
        err("strand", "the strand is missing.")
    code = _cell(cells, columns, "code")
    if not code:
        err("code", "the code is missing.")
    statement = _cell(cells, columns, "statement")
    if not statement:
        err("statement", "the statement is missing.")
    key_text = _cell(cells, columns, "key").lower()
    if key_text not in YES | NO:
        err("key", f"{key_text!r} should be yes or no.")
    order_text = _cell(cells, columns, "order")
    order: int | None = None
    if order_text:
        try:
            order = int(order_text)
            if order < 0:
                raise ValueError
        except ValueError:
            err("order", f"{order_text!r} should be a whole number, 0 or more.")
    tags: list[str] = []
    for tag in _cell(cells, columns, "tags").split(";"):
        tag = tag.strip()
        if tag and tag not in tags:
            tags.append(tag)
    parent = _cell(cells, columns, "parent") if "parent" in columns else None
    if len(errors) > before or year is None:
        return None
    return _Row(
        number=number,
        subject=subject,
        year=year,
        strand=strand,
        code=code,
        statement=statement,
        key=key_text in YES,
        tags=tags,
        order=order,
        identifier=_cell(cells, columns, "identifier"),
        parent=parent,
    )


def parse_csv(data: bytes | str) -> ParseResult:
    """Read a CSV file of objectives into one spec per subject and year or phase."""
    result = ParseResult()
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            result.errors.append(f"The file is larger than {MAX_BYTES // 1_000_000} MB.")
            return result
        text, problem = decode(data)
        if text is None:
            result.errors.append(problem or "The file could not be read.")
            return result
    else:
        text = data
    text = text.replace("\x00", "")
    rows: list[_Row] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        raw_header = next(reader, None)
        if raw_header is None or not any(c.strip() for c in raw_header):
            result.errors.append("The file is empty: it needs a header row and one row a line.")
            return result
        columns, header_errors = _header(raw_header)
        if header_errors:
            result.errors.extend(header_errors)
            return result
        for number, cells in enumerate(reader, start=2):
            if number > MAX_ROWS + 1:
                result.errors.append(f"The file has more than {MAX_ROWS} rows.")
                break
            if not any(c.strip() for c in cells):
                continue
            cells = [restore_text(c) for c in cells]
            row = _parse_row(number, cells, columns, len(raw_header), result.errors)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        result.errors.append(f"The file is not valid CSV: {exc}.")
        return result
    if not rows and not result.errors:
        result.errors.append("The file has a header but no objectives.")
    result.specs = _specs(rows)
    for spec in result.specs:
        result.errors.extend(check_spec(spec))
    return result


def _specs(rows: Iterable[_Row]) -> list[FrameworkSpec]:
    groups: dict[tuple[str, str], list[_Row]] = {}
    for row in rows:
        groups.setdefault((row.subject.casefold(), row.year.key), []).append(row)
    specs = []
    for group in groups.values():
        group.sort(key=lambda r: (r.order is None, r.order or 0, r.number))
        strand_names: list[str] = []
        for row in group:
            if row.strand.casefold() not in [s.casefold() for s in strand_names]:
                strand_names.append(row.strand)
        strands = [StrandSpec(name=name) for name in strand_names]
        keys = {s.name.casefold(): s.key for s in strands}
        # Objectives grouped by strand, so their order matches what the grid shows.
        ordered = sorted(
            group,
            key=lambda r: [s.casefold() for s in strand_names].index(r.strand.casefold()),
        )
        first = group[0]
        specs.append(
            FrameworkSpec(
                subject=first.subject,
                year=first.year,
                name=f"{first.subject} {first.year.label}",
                strands=strands,
                objectives=[
                    ObjectiveSpec(
                        code=r.code,
                        statement=r.statement,
                        strand=keys[r.strand.casefold()],
                        identifier=r.identifier,
                        is_key=r.key,
                        tags=r.tags,
                        parent=r.parent,
                        where=f"Row {r.number}",
                    )
                    for r in ordered
                ],
                where=f"{first.subject} {first.year.label}",
            )
        )
    return specs


def export_csv(frameworks: Iterable[Framework]) -> str:
    """Every current objective of the frameworks, one row each, in teaching order.

    Written by the one export writer, so a statement starting with "=" opens in a
    spreadsheet as text; `parse_csv` reads such a cell back as it was typed.
    """
    out = io.StringIO()
    write_csv(Table("Objectives", COLUMNS, _export_rows(frameworks)), out)
    return out.getvalue()


def _export_rows(frameworks: Iterable[Framework]) -> Iterator[list[Any]]:
    for framework in frameworks:
        year = YearPhase(framework.nc_year, framework.last_nc_year, framework.phase)
        objectives = (
            Objective.objects.filter(framework=framework, archived_at__isnull=True)
            .select_related("strand", "parent")
            .order_by("strand__order", "strand_id", "order", "id")
        )
        for position, obj in enumerate(objectives, start=1):
            parent = obj.parent if obj.parent and obj.parent.archived_at is None else None
            yield [
                framework.subject.name,
                year.key,
                obj.strand.name,
                obj.code,
                obj.statement,
                "yes" if obj.is_key else "no",
                "; ".join(obj.tags or []),
                position,
                obj.identifier,
                parent.code if parent else "",
            ]
