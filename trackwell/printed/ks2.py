"""End of Key Stage 2 results beside the school's and national figures, as the law asks."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from trackwell.pupils.models import Pupil
from trackwell.scores.models import KeyStage, KeyStageResult

NATIONAL_FILE = Path(__file__).with_name("national_ks2.csv")
# Outcomes that reach the expected standard (tests: a scaled score of 100 or more).
MEETS = {"EXS", "GDS", "HS"}
SUBJECT_NAMES = {
    "reading": "Reading",
    "writing": "Writing",
    "maths": "Mathematics",
    "gps": "Grammar, punctuation and spelling",
    "science": "Science",
}


@cache
def national_figures() -> dict[str, tuple[int, int]]:
    """Measure -> (year, % of pupils nationally at the expected standard), latest year each."""
    found: dict[str, tuple[int, int]] = {}
    with NATIONAL_FILE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            year, measure = int(row["year"]), row["measure"].strip().lower()
            if measure not in found or year > found[measure][0]:
                found[measure] = (year, int(row["percent"]))
    return found


def meets_expected(result: KeyStageResult) -> bool:
    """Whether a result reaches the expected standard."""
    if result.scaled_score is not None:
        return result.scaled_score >= 100
    return result.outcome.strip().upper() in MEETS


@dataclass(frozen=True)
class Ks2Line:
    subject: str
    outcome: str
    scaled_score: int | None
    school_percent: int | None
    national_percent: int | None
    national_year: int | None


def ks2_lines(pupil: Pupil) -> list[Ks2Line]:
    """The pupil's KS2 results, each beside the school's cohort and the national figure."""
    # The subjects as a whole: a component (the multiplication tables check) is not a KS2 line.
    results = list(KeyStageResult.objects.filter(pupil=pupil, stage=KeyStage.KS2, component=""))
    if not results:
        return []
    national = national_figures()
    # The school's figure: pupils of the school with a result in the same subject, taken the
    # same year (or on the same date when there is no date).
    lines = []
    for result in sorted(results, key=lambda r: r.subject):
        cohort = KeyStageResult.objects.filter(
            school_id=pupil.school_id,
            stage=KeyStage.KS2,
            subject__iexact=result.subject,
            component="",
            method=result.method,
        )
        if result.taken_on:
            cohort = cohort.filter(taken_on__year=result.taken_on.year)
        rows = list(cohort)
        key = result.subject.strip().lower()
        year_percent = national.get(key)
        lines.append(
            Ks2Line(
                subject=SUBJECT_NAMES.get(key, result.subject),
                outcome=result.outcome,
                scaled_score=result.scaled_score,
                school_percent=round(100 * sum(meets_expected(r) for r in rows) / len(rows))
                if rows
                else None,
                national_percent=year_percent[1] if year_percent else None,
                national_year=year_percent[0] if year_percent else None,
            )
        )
    return lines
