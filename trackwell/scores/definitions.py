"""Tests, their conversion tables and threshold sets: what results are read against.

Each write runs in a transaction with an audit entry, version-checked where people
share the state (`core.versioning`). Results are written by `scores.services`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from trackwell.accounts.models import User, log_action
from trackwell.core.limits import too_long
from trackwell.core.models import AssessmentPoint, School
from trackwell.core.versioning import EditConflict, FieldDifference, locked_for_edit, save_versioned
from trackwell.curriculum.models import Subject

from . import conversion
from .conversion import Row
from .models import (
    ConversionRow,
    ConversionTable,
    ScoreBand,
    ScoreKind,
    Test,
    ThresholdSet,
)

# --- Conversion tables ---------------------------------------------------------------------


def table_rows(table: ConversionTable) -> list[Row]:
    """The table's rows as plain values (one query)."""
    return [
        Row(r.raw_from, r.raw_to, r.score, r.age_from, r.age_to)
        for r in ConversionRow.objects.filter(table=table).order_by("age_from", "raw_from")
    ]


def _write_rows(table: ConversionTable, rows: Iterable[Row]) -> None:
    ConversionRow.objects.bulk_create(
        ConversionRow(
            school_id=table.school_id,
            table=table,
            raw_from=r.raw_from,
            raw_to=r.raw_to,
            score=r.score,
            age_from=r.age_from,
            age_to=r.age_to,
        )
        for r in rows
    )


@transaction.atomic
def install_builtin_table(user: User | None, school: School, key: str) -> ConversionTable:
    """The school's copy of a built-in table, read into its tables the first time it is used."""
    builtin = conversion.BUILTINS.get(key)
    if builtin is None:
        raise ValidationError(f"There is no built-in table called {key!r}.")
    existing = ConversionTable.objects.filter(school=school, builtin_key=key).first()
    if existing is not None:
        return existing
    name = builtin.name
    if ConversionTable.objects.filter(school=school, name=name).exists():
        name = f"{builtin.name} (built in)"  # the school has its own table of that name
    table = ConversionTable.objects.create(
        school=school,
        name=name,
        kind=ScoreKind.SCALED,
        source=builtin.source + (f". {builtin.note}" if builtin.note else ""),
        builtin_key=key,
        max_raw_mark=builtin.max_raw_mark,
        complete=builtin.complete,
        created_by=user,
    )
    _write_rows(table, conversion.builtin_rows(key))
    log_action(school=school, user=user, action="scores.table.builtin", obj=table, new=key)
    return table


def upload_table(
    user: User, school: School, *, name: str, kind: str, max_raw_mark: int, text: str, source: str
) -> ConversionTable:
    """A table the school uploads as CSV, refused whole with every problem named."""
    name = name.strip()
    if not name:
        raise ValidationError("Give the table a name.")
    if kind not in ScoreKind.values or kind == ScoreKind.RAW:
        raise ValidationError("Choose the kind of score the table gives.")
    if not 1 <= max_raw_mark <= 999:
        raise ValidationError("The maximum raw mark must be between 1 and 999.")
    try:
        rows = conversion.parse_table(text, max_raw_mark=max_raw_mark)
    except conversion.TableFileError as exc:
        raise ValidationError(exc.errors) from exc
    aged = any(r.age_from is not None for r in rows)
    if kind == ScoreKind.AGE_STANDARDISED and not aged:
        raise ValidationError("An age-standardised table needs age_from and age_to columns.")
    with transaction.atomic():
        if ConversionTable.objects.filter(school=school, name=name).exists():
            raise ValidationError(f"The school already has a table called {name!r}.")
        table = ConversionTable.objects.create(
            school=school,
            name=name,
            kind=kind,
            source=source.strip()[:300],
            max_raw_mark=max_raw_mark,
            complete=not aged and not conversion.missing_marks(rows, max_raw_mark),
            created_by=user,
        )
        _write_rows(table, rows)
        log_action(school=school, user=user, action="scores.table.upload", obj=table, new=len(rows))
    return table


# --- Thresholds ----------------------------------------------------------------------------


@transaction.atomic
def create_threshold_set(user: User, school: School, preset: str) -> ThresholdSet:
    """A threshold set from a publisher's preset, which the school may then change."""
    if preset not in conversion.PRESETS:
        raise ValidationError("Choose one of the presets.")
    name, bands = conversion.PRESETS[preset]
    base, n = name, 1
    while ThresholdSet.objects.filter(school=school, name=name).exists():
        n += 1
        name = f"{base} ({n})"
    thresholds = ThresholdSet.objects.create(school=school, name=name, preset=preset)
    ScoreBand.objects.bulk_create(
        ScoreBand(
            school=school,
            threshold_set=thresholds,
            label=b.label,
            min_score=b.min_score,
            meets_expectation=b.meets_expectation,
            colour=b.colour,
        )
        for b in bands
    )
    log_action(
        school=school, user=user, action="scores.thresholds.create", obj=thresholds, new=preset
    )
    return thresholds


def _bands_text(bands: Iterable[ScoreBand]) -> str:
    return "; ".join(
        f"{b.label} from {b.min_score}" for b in sorted(bands, key=lambda b: b.min_score)
    )


@dataclass(frozen=True)
class BandInput:
    label: str
    min_score: int
    meets_expectation: bool


def update_thresholds(
    user: User,
    thresholds: ThresholdSet,
    *,
    name: str,
    bands: list[BandInput],
    expected_version: int | None,
) -> ThresholdSet:
    """Replace a set's bands (all or nothing), checking the version the leader saw."""
    name = name.strip()
    errors = []
    if not name:
        errors.append("Give the thresholds a name.")
    elif long_name := too_long(ThresholdSet, "name", name, "The name"):
        errors.append(long_name)
    if not bands:
        errors.append("A threshold set needs at least one band.")
    mins = [b.min_score for b in bands]
    if len(set(mins)) != len(mins):
        errors.append("Two bands start at the same score.")
    for n, b in enumerate(bands, start=1):
        if not b.label.strip():
            errors.append(f"Band {n} needs a label.")
        elif long_label := too_long(ScoreBand, "label", b.label.strip(), f"Band {n}'s label"):
            errors.append(long_label)
    if errors:
        raise ValidationError(errors)
    old = list(thresholds.bands.values_list("label", "min_score"))
    with transaction.atomic():
        try:
            current = locked_for_edit(
                ThresholdSet.objects.filter(school_id=thresholds.school_id),
                thresholds.pk,
                expected_version,
                yours={"name": name},
                what="These thresholds",
            )
        except EditConflict as exc:
            saved = _bands_text(ScoreBand.objects.filter(threshold_set_id=thresholds.pk))
            typed = "; ".join(
                f"{b.label} from {b.min_score}" for b in sorted(bands, key=lambda b: b.min_score)
            )
            if saved != typed:
                exc.differences.append(FieldDifference("bands", "Bands", typed, saved))
            raise
        if (
            ThresholdSet.objects.filter(school_id=current.school_id, name=name)
            .exclude(pk=current.pk)
            .exists()
        ):
            raise ValidationError(f"Another threshold set is called {name!r}.")
        current.name = name
        save_versioned(current, ["name"])
        ScoreBand.objects.filter(threshold_set=current).delete()
        ScoreBand.objects.bulk_create(
            ScoreBand(
                school_id=current.school_id,
                threshold_set=current,
                label=b.label.strip()[:80],
                min_score=b.min_score,
                meets_expectation=b.meets_expectation,
            )
            for b in bands
        )
        log_action(
            school=current.school,
            user=user,
            action="scores.thresholds.update",
            obj=current,
            old=old,
            new=[(b.label, b.min_score) for b in bands],
        )
    return current


# --- Tests ---------------------------------------------------------------------------------


@dataclass
class TestInput:
    __test__ = False  # not a pytest test class

    name: str
    publisher: str
    subject: Subject
    nc_year: int
    taken_on: date
    max_raw_mark: int
    score_kind: str
    table: ConversionTable | None
    thresholds: ThresholdSet | None
    point: AssessmentPoint | None = None


def _check_test(school: School, data: TestInput) -> None:
    errors = []
    if not data.name.strip():
        errors.append("Give the test a name.")
    if data.subject.school_id != school.pk:
        errors.append("Choose one of the school's subjects.")
    if not 1 <= data.max_raw_mark <= 999:
        errors.append("The maximum raw mark must be between 1 and 999.")
    if data.score_kind not in ScoreKind.values:
        errors.append("Choose the kind of score.")
    if data.score_kind != ScoreKind.RAW:
        if data.table is None:
            errors.append("Choose the conversion table that turns raw marks into scores.")
        elif data.table.school_id != school.pk:
            errors.append("Choose one of the school's conversion tables.")
        elif data.table.max_raw_mark != data.max_raw_mark:
            errors.append(
                f"The table {data.table.name} is for tests out of {data.table.max_raw_mark}, "
                f"not {data.max_raw_mark}."
            )
        elif data.table.kind != data.score_kind:
            errors.append(f"The table {data.table.name} gives {data.table.get_kind_display()}.")
    if data.thresholds is not None and data.thresholds.school_id != school.pk:
        errors.append("Choose one of the school's threshold sets.")
    if data.point is not None and data.point.school_id != school.pk:
        errors.append("Choose one of the school's assessment points.")
    if errors:
        raise ValidationError(errors)


def create_test(user: User, school: School, data: TestInput) -> Test:
    """A new test of the school."""
    _check_test(school, data)
    try:
        with transaction.atomic():
            test = Test.objects.create(
                school=school,
                name=data.name.strip()[:120],
                publisher=data.publisher.strip()[:120],
                subject=data.subject,
                nc_year=data.nc_year,
                point=data.point,
                taken_on=data.taken_on,
                max_raw_mark=data.max_raw_mark,
                score_kind=data.score_kind,
                table=data.table if data.score_kind != ScoreKind.RAW else None,
                thresholds=data.thresholds,
            )
            log_action(
                school=school, user=user, action="scores.test.create", obj=test, new=test.name
            )
    except IntegrityError as exc:
        raise ValidationError(
            f"The school already has a test called {data.name!r} on that date."
        ) from exc
    return test
