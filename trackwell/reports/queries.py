"""Read-side helpers the report pages share: distributions, trends, scopes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import Coalesce

from trackwell.analysis.evaluation import BandSets, LoadedSet, PupilResult, latest_closures
from trackwell.analysis.models import Band, SnapshotBand
from trackwell.core.models import AssessmentPoint


@dataclass
class Distribution:
    """How many pupils are in each band of one set."""

    loaded: LoadedSet
    counts: dict[int, int] = field(default_factory=dict)  # band id -> pupils
    suppressed: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cells(self) -> list[tuple[Band, int, int]]:
        """(band, count, percent) from the highest band down."""
        total = self.total
        return [
            (
                b,
                self.counts.get(b.pk, 0),
                round(100 * self.counts.get(b.pk, 0) / total) if total else 0,
            )
            for b in sorted(self.loaded.bands, key=lambda b: -b.order)
        ]

    def percent(self, band: Band) -> float:
        return round(100 * self.counts.get(band.pk, 0) / self.total, 1) if self.total else 0.0


def live_distributions(
    rows: Iterable[PupilResult], loaded: LoadedSet, key: str = "nc_year"
) -> dict[tuple[int, int], Distribution]:
    """(nc year or class, subject) -> distribution of shown bands, from evaluated rows."""
    result: dict[tuple[int, int], Distribution] = {}
    for row in rows:
        band = row.bands.get(loaded.pk)
        if band is None:
            continue
        group = row.nc_year if key == "nc_year" else (row.class_id or 0)
        dist = result.setdefault((group, row.subject_id), Distribution(loaded))
        dist.counts[band.shown.pk] = dist.counts.get(band.shown.pk, 0) + 1
    return result


def snapshot_distributions(
    point_ids: Collection[int], sets: BandSets | None = None
) -> dict[tuple[int, int, int, int], int]:
    """(point, nc year, subject, band) -> pupils, over the newest closures, in one GROUP BY."""
    closures = latest_closures(point_ids)
    if not closures:
        return {}
    # COUNT(*), not of the id: every band column read is then in the covering index
    # `snapshot_band_shown`, which PostgreSQL reads alone rather than every wide row (each
    # carries its explanation). Three closed points of the bench's two-form school on
    # PostgreSQL: 21 ms to 9 ms in EXPLAIN ANALYZE, 24-28 ms to 15-16 ms as called.
    rows = (
        SnapshotBand.objects.filter(snapshot__closure_id__in=list(closures.values()))
        .annotate(shown=Coalesce("confirmed_id", "suggested_id"))
        .values("snapshot__point_id", "snapshot__nc_year", "snapshot__subject_id", "shown")
        .annotate(n=Count("*"))
    )
    return {
        (r["snapshot__point_id"], r["snapshot__nc_year"], r["snapshot__subject_id"], r["shown"]): r[
            "n"
        ]
        for r in rows
    }


@dataclass(frozen=True)
class TrendPoint:
    point: AssessmentPoint
    order: int | None
    label: str


def pupil_trend(
    pupil_id: int, points: list[AssessmentPoint], attainment: LoadedSet | None
) -> dict[int, dict[int, tuple[int, str]]]:
    """subject -> point -> (band order, label) from the newest closure of each closed point."""
    if attainment is None:
        return {}
    closures = latest_closures([p.pk for p in points])
    result: dict[int, dict[int, tuple[int, str]]] = {}
    for point_id, subject_id, c_order, c_label, s_order, s_label in SnapshotBand.objects.filter(
        snapshot__closure_id__in=list(closures.values()),
        snapshot__pupil_id=pupil_id,
        band_set_id=attainment.pk,
    ).values_list(
        "snapshot__point_id",
        "snapshot__subject_id",
        "confirmed_order",
        "confirmed_label",
        "suggested_order",
        "suggested_label",
    ):
        order = s_order if c_order is None else c_order
        result.setdefault(subject_id, {})[point_id] = (order, c_label or s_label)
    return result


def trend_word(before: int | None, now: int | None) -> str:
    """Movement between two band orders, in words."""
    if before is None or now is None:
        return ""
    change = now - before
    if change == 0:
        return "same band"
    steps = abs(change)
    return f"{'up' if change > 0 else 'down'} {steps} band{'s' if steps > 1 else ''}"


def band_counts(rows: Iterable[PupilResult], loaded: LoadedSet) -> Counter[int]:
    return Counter(r.bands[loaded.pk].shown.pk for r in rows if loaded.pk in r.bands)


@dataclass(frozen=True)
class TeacherWord:
    """The teacher's judgement of a pupil's progress in a subject at a point."""

    good: bool
    reason: str


def teacher_progress(
    point: AssessmentPoint, pupil_ids: Collection[int] | None = None
) -> dict[tuple[int, int], TeacherWord]:
    """(pupil, subject) -> the teacher's word at this point, in one query."""
    from trackwell.scores.models import ProgressJudgement  # the scores app records them

    found = ProgressJudgement.objects.filter(point=point)
    if pupil_ids is not None:
        found = found.filter(pupil_id__in=list(pupil_ids))
    return {
        (pid, sid): TeacherWord(good, reason)
        for pid, sid, good, reason in found.values_list(
            "pupil_id", "subject_id", "good_progress", "reason"
        )
    }


def teacher_counts(
    rows: Iterable[PupilResult], words: dict[tuple[int, int], TeacherWord]
) -> dict[tuple[int, int], tuple[int, int]]:
    """(NC year, subject) -> (judged making good progress, judged) among these pupils."""
    counts: dict[tuple[int, int], list[int]] = {}
    for r in rows:
        word = words.get((r.pupil_id, r.subject_id))
        if word is None:
            continue
        c = counts.setdefault((r.nc_year, r.subject_id), [0, 0])
        c[0] += word.good
        c[1] += 1
    return {k: (g, n) for k, (g, n) in counts.items()}
