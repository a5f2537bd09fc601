"""Heavy reads of the scores app: the results grid, a test's figures and band moves,
each in a fixed number of queries whatever the number of pupils."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from trackwell.pupils.models import Pupil, SchoolClass

from . import conversion
from .conversion import Row
from .models import NORMAL_KINDS, ConversionRow, ScoreBand, Test, TestResult


@dataclass(frozen=True)
class BandInfo:
    label: str
    min_score: int
    meets_expectation: bool
    colour: str


def bands_of(test: Test) -> list[BandInfo]:
    """The test's score bands, lowest first (one query, none without thresholds)."""
    if test.thresholds_id is None:
        return []
    return [
        BandInfo(b.label, b.min_score, b.meets_expectation, b.colour)
        for b in ScoreBand.objects.filter(threshold_set_id=test.thresholds_id).order_by("min_score")
    ]


def band_of(score: int | None, bands: list[BandInfo]) -> BandInfo | None:
    """The band holding the score: the last whose minimum it reaches."""
    if score is None:
        return None
    found = None
    for b in bands:
        if score >= b.min_score:
            found = b
    return found


def rows_of(test: Test) -> list[Row] | None:
    """The conversion rows of the test's table (one query), None for raw-mark tests."""
    if test.table_id is None:
        return None
    return [
        Row(r.raw_from, r.raw_to, r.score, r.age_from, r.age_to)
        for r in ConversionRow.objects.filter(table_id=test.table_id).order_by(
            "age_from", "raw_from"
        )
    ]


@dataclass
class ResultRow:
    pupil: Pupil
    raw_mark: int | None = None
    score: int | None = None
    version: int = 0
    band: BandInfo | None = None
    percentile: int | None = None


@dataclass
class ResultsGrid:
    test: Test
    school_class: SchoolClass
    rows: list[ResultRow]
    bands: list[BandInfo]
    normal: bool


def describe(test: Test, rows: list[ResultRow], bands: list[BandInfo]) -> None:
    """Fill each row's band and percentile from its score."""
    normal = test.score_kind in NORMAL_KINDS
    for row in rows:
        row.band = band_of(row.score, bands)
        row.percentile = conversion.percentile(row.score) if normal and row.score else None


def load_results(test: Test, school_class: SchoolClass) -> ResultsGrid:
    """The class's pupils with their marks, scores, bands and percentiles: three queries."""
    pupils = list(
        Pupil.objects.filter(enrolments__school_class=school_class).order_by(
            "last_name", "first_name", "pk"
        )
    )
    results = {
        r.pupil_id: r
        for r in TestResult.objects.filter(test=test, pupil_id__in=[p.pk for p in pupils])
    }
    rows = []
    for p in pupils:
        r = results.get(p.pk)
        rows.append(ResultRow(p, r.raw_mark, r.score, r.version) if r is not None else ResultRow(p))
    bands = bands_of(test)
    describe(test, rows, bands)
    return ResultsGrid(test, school_class, rows, bands, test.score_kind in NORMAL_KINDS)


@dataclass
class BandCount:
    band: BandInfo
    pupils: int
    percent: int


@dataclass
class TestSummary:
    pupils: int
    with_score: int
    mean_score: float | None
    mean_raw: float | None
    bands: list[BandCount]
    meeting: int | None  # % in a band that meets expectations
    shown: bool = True  # False when the group is below the school's minimum


def summarise(
    test: Test, pupil_ids: Collection[int] | None = None, *, min_size: int = 0
) -> TestSummary:
    """A test's figures for some pupils (all who sat it when None): two queries."""
    qs = TestResult.objects.filter(test=test, raw_mark__isnull=False)
    if pupil_ids is not None:
        qs = qs.filter(pupil_id__in=list(pupil_ids))
    marks = list(qs.values_list("raw_mark", "score"))
    bands = bands_of(test)
    scores = [s for _, s in marks if s is not None]
    counts = Counter(b.label for s in scores if (b := band_of(s, bands)) is not None)
    n = len(scores)
    in_band = sum(counts.values())
    meeting_count = sum(counts[b.label] for b in bands if b.meets_expectation)
    return TestSummary(
        pupils=len(marks),
        with_score=n,
        mean_score=round(sum(scores) / n, 1) if n else None,
        mean_raw=round(sum(m or 0 for m, _ in marks) / len(marks), 1) if marks else None,
        bands=[
            BandCount(b, counts[b.label], round(100 * counts[b.label] / in_band) if in_band else 0)
            for b in bands
        ],
        meeting=round(100 * meeting_count / in_band) if in_band and bands else None,
        shown=len(marks) >= min_size,
    )


@dataclass
class Moves:
    """How pupils' scores moved between two sittings, with the start-band by end-band table."""

    first: Test
    second: Test
    pupils: int
    improved: int
    maintained: int
    fell: int
    bands: list[BandInfo]
    table: list[tuple[BandInfo, list[int]]] = field(default_factory=list)
    maintained_band: int = 0
    shown: bool = True


# A standardised score within this of the last one is "maintained": scores move a little
# from sitting to sitting without anything having changed.
MAINTAIN_MARGIN = 2


def band_moves(
    first: Test, second: Test, pupil_ids: Collection[int] | None = None, *, min_size: int = 0
) -> Moves:
    """Pupils who sat both tests: improved, maintained or fell, and their band moves."""
    qs = TestResult.objects.filter(test__in=[first, second], score__isnull=False)
    if pupil_ids is not None:
        qs = qs.filter(pupil_id__in=list(pupil_ids))
    by_pupil: dict[int, dict[int, int]] = {}
    for test_id, pupil_id, score in qs.values_list("test_id", "pupil_id", "score"):
        if score is not None:
            by_pupil.setdefault(pupil_id, {})[test_id] = score
    pairs = [(s[first.pk], s[second.pk]) for s in by_pupil.values() if len(s) == 2]
    bands = bands_of(second) if second.thresholds_id else bands_of(first)
    index = {b.label: i for i, b in enumerate(bands)}
    grid = [[0] * len(bands) for _ in bands]
    same_band = 0
    for a, b in pairs:
        ba, bb = band_of(a, bands), band_of(b, bands)
        if ba is not None and bb is not None:
            grid[index[ba.label]][index[bb.label]] += 1
            same_band += index[bb.label] >= index[ba.label]
    return Moves(
        first=first,
        second=second,
        pupils=len(pairs),
        improved=sum(1 for a, b in pairs if b - a > MAINTAIN_MARGIN),
        maintained=sum(1 for a, b in pairs if abs(b - a) <= MAINTAIN_MARGIN),
        fell=sum(1 for a, b in pairs if a - b > MAINTAIN_MARGIN),
        bands=bands,
        table=list(zip(bands, grid, strict=True)),
        maintained_band=same_band,
        shown=len(pairs) >= min_size,
    )
