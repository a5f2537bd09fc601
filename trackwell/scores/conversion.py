"""Raw marks to scores: conversion tables (the school's and the built-in KS2 2024 tables),
score bands from thresholds, and percentiles from the normal distribution.

Everything here is plain Python over plain values, so it is easy to test.
A raw mark outside a table is an error, never a guess.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from statistics import NormalDist

BUILTIN_DIR = Path(__file__).parent / "builtin"

KS2_SOURCE = (
    "Standards and Testing Agency, 2024 key stage 2 scaled score conversion tables "
    "(as reproduced by Schools Week, 9 July 2024)"
)


@dataclass(frozen=True)
class Builtin:
    """A conversion table shipped with Trackwell."""

    key: str
    name: str
    file: str
    test: str
    max_raw_mark: int
    complete: bool
    source: str
    note: str = ""


BUILTINS: dict[str, Builtin] = {
    b.key: b
    for b in [
        Builtin(
            "ks2-2024-reading", "KS2 reading 2024", "ks2_2024.csv", "reading", 50, True, KS2_SOURCE
        ),
        Builtin(
            "ks2-2024-gps",
            "KS2 grammar, punctuation and spelling 2024",
            "ks2_2024.csv",
            "gps",
            70,
            True,
            KS2_SOURCE,
        ),
        Builtin(
            "ks2-2024-maths",
            "KS2 maths 2024 (partial)",
            "ks2_2024.csv",
            "maths",
            110,
            False,
            KS2_SOURCE,
            "Only raw marks 0-32 and the expected standard (54 gives 100) are held; other "
            "marks cannot be converted until the school uploads the full table.",
        ),
    ]
}


@dataclass(frozen=True)
class Row:
    """Raw marks `raw_from` to `raw_to` give `score` (None: no score is awarded)."""

    raw_from: int
    raw_to: int
    score: int | None
    age_from: int | None = None
    age_to: int | None = None

    def covers(self, raw: int, age_months: int | None) -> bool:
        if not self.raw_from <= raw <= self.raw_to:
            return False
        if self.age_from is None:
            return True
        return age_months is not None and self.age_from <= age_months <= (self.age_to or 0)


class ConversionError(ValueError):
    """A raw mark the table cannot convert (outside it, or beyond the test's maximum)."""


class TableFileError(ValueError):
    """A conversion table file with problems; `errors` name the row and column of each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@cache
def builtin_rows(key: str) -> tuple[Row, ...]:
    """The rows of a built-in table, read from the data file shipped in the package."""
    builtin = BUILTINS[key]
    with (BUILTIN_DIR / builtin.file).open(newline="", encoding="utf-8") as f:
        return tuple(
            Row(
                int(r["raw_from"]),
                int(r["raw_to"]),
                int(r["scaled_score"]) if r["scaled_score"] else None,
            )
            for r in csv.DictReader(f)
            if r["test"] == builtin.test
        )


def convert(
    rows: Sequence[Row], raw: int, *, max_raw_mark: int, age_months: int | None = None
) -> int | None:
    """The score for `raw` (None when the table awards none), or ConversionError."""
    if raw < 0 or raw > max_raw_mark:
        raise ConversionError(f"A raw mark of {raw} is outside 0-{max_raw_mark} for this test.")
    found = [r for r in rows if r.covers(raw, age_months)]
    if not found:
        if any(r.age_from is not None for r in rows):
            if age_months is None:
                raise ConversionError("This table needs the pupil's age in months on the day.")
            raise ConversionError(
                f"The conversion table has no score for a raw mark of {raw} at {age_months} months."
            )
        raise ConversionError(f"The conversion table has no score for a raw mark of {raw}.")
    return found[0].score


def _int(
    value: str, row: int, column: str, errors: list[str], *, blank: bool = False
) -> int | None:
    value = value.strip()
    if value == "" and blank:
        return None
    try:
        number = int(value)
    except ValueError:
        errors.append(f"Row {row}, column {column}: {value!r} is not a whole number.")
        return None
    if number < 0 or number > 999:
        errors.append(f"Row {row}, column {column}: {number} is outside 0-999.")
        return None
    return number


def parse_table(text: str, *, max_raw_mark: int) -> list[Row]:
    """Read an uploaded table: columns raw_mark (3 or 0-2) or raw_from and raw_to, score,
    and for age-standardised tables age_from and age_to (months). All errors at once."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {c.strip().lower(): c for c in (reader.fieldnames or [])}
    errors: list[str] = []
    if "score" not in columns or not (
        {"raw_mark"} <= set(columns) or {"raw_from", "raw_to"} <= set(columns)
    ):
        raise TableFileError(
            [
                "The first row must name the columns: raw_mark (or raw_from and raw_to) and score,"
                " with age_from and age_to for age-standardised tables."
            ]
        )
    aged = "age_from" in columns
    rows: list[Row] = []
    for n, record in enumerate(reader, start=2):
        get = {k: (record.get(v) or "") for k, v in columns.items()}
        if not any(x.strip() for x in get.values()):
            continue
        if "raw_mark" in columns:
            first, sep, last = get["raw_mark"].partition("-")
            lo = _int(first, n, "raw_mark", errors)
            hi = _int(last, n, "raw_mark", errors) if sep else lo
        else:
            lo = _int(get["raw_from"], n, "raw_from", errors)
            hi = _int(get["raw_to"], n, "raw_to", errors)
        score = _int(get["score"], n, "score", errors, blank=True)
        age_from = _int(get["age_from"], n, "age_from", errors) if aged else None
        age_to = _int(get.get("age_to", ""), n, "age_to", errors) if aged else None
        if lo is None or hi is None:
            continue
        if hi < lo:
            errors.append(f"Row {n}: the raw marks run backwards ({lo} to {hi}).")
            continue
        if hi > max_raw_mark:
            errors.append(f"Row {n}: raw mark {hi} is above the test's maximum of {max_raw_mark}.")
            continue
        if aged and (age_from is None or age_to is None or age_to < age_from):
            if age_from is not None and age_to is not None:
                errors.append(f"Row {n}: the ages run backwards ({age_from} to {age_to}).")
            continue
        rows.append(Row(lo, hi, score, age_from, age_to))
    if not rows and not errors:
        errors.append("The file holds no rows of marks and scores.")
    errors += overlaps(rows)
    if errors:
        raise TableFileError(errors)
    return rows


def overlaps(rows: Iterable[Row]) -> list[str]:
    """Raw marks (at one age) given by two rows: each would be a guess, so they are refused."""
    problems = []
    by_age: dict[tuple[int | None, int | None], list[Row]] = {}
    for r in rows:
        by_age.setdefault((r.age_from, r.age_to), []).append(r)
    for (age_from, _), group in by_age.items():
        group.sort(key=lambda r: r.raw_from)
        for a, b in itertools.pairwise(group):
            if b.raw_from <= a.raw_to:
                at = f" at {age_from} months" if age_from is not None else ""
                problems.append(
                    f"Raw marks {b.raw_from}-{min(a.raw_to, b.raw_to)}{at} are in two rows."
                )
    return problems


def missing_marks(rows: Iterable[Row], max_raw_mark: int) -> list[int]:
    """Raw marks 0 to the maximum that no row covers (ignoring ages)."""
    covered: set[int] = set()
    for r in rows:
        covered.update(range(r.raw_from, r.raw_to + 1))
    return [m for m in range(max_raw_mark + 1) if m not in covered]


STANDARD = NormalDist(100, 15)


def percentile(score: float) -> int:
    """The share of pupils nationally scoring below `score` (mean 100, SD 15), 1 to 99."""
    return max(1, min(99, round(100 * STANDARD.cdf(score))))


@dataclass(frozen=True)
class BandSpec:
    label: str
    min_score: int
    meets_expectation: bool
    colour: str


# Calm, colour-blind-safe blues and greens; no red for "below".
PRESETS: dict[str, tuple[str, list[BandSpec]]] = {
    "standardised": (
        "Standardised scores (publishers' bands)",
        [
            BandSpec("Well below average", 0, False, "#848fa3"),
            BandSpec("Below average", 85, False, "#5a8fc4"),
            BandSpec("Average", 95, True, "#3b78b5"),
            BandSpec("Above average", 105, True, "#2a5f96"),
            BandSpec("Well above average", 115, True, "#173f73"),
        ],
    ),
    "ks2-scaled": (
        "KS2 scaled scores",
        [
            BandSpec("Not yet at the expected standard", 0, False, "#848fa3"),
            BandSpec("Expected standard", 100, True, "#3b78b5"),
            BandSpec("High score", 110, True, "#173f73"),
        ],
    ),
}


def band_for(score: int | None, bands: Sequence[tuple[int, str]]) -> str:
    """The label of the band holding `score`: the last band whose minimum it reaches."""
    if score is None:
        return ""
    found = ""
    for min_score, label in sorted(bands):
        if score >= min_score:
            found = label
    return found
