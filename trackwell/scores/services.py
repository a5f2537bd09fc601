"""Writes of the scores app: tests, tables, thresholds and results, each in a transaction
with an audit entry or a history row, version-checked where people share the state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.core.limits import too_long
from trackwell.core.models import AssessmentPoint, School
from trackwell.core.versioning import EditConflict, FieldDifference, locked_for_edit, save_versioned
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Pupil, SchoolClass

from . import conversion
from .conversion import ConversionError, Row
from .models import (
    ConversionRow,
    ConversionTable,
    ScoreBand,
    ScoreKind,
    Test,
    TestResult,
    TestResultHistory,
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


# --- Results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultState:
    """What a results cell holds now, as the grid needs to redraw it."""

    pupil_id: int
    raw_mark: int | None
    score: int | None
    version: int
    updated_by: str
    updated_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {
            "pupil": self.pupil_id,
            "raw": self.raw_mark,
            "score": self.score,
            "version": self.version,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


class StaleResult(Exception):
    """Someone changed the result after the user loaded it; nothing was saved."""

    def __init__(self, current: ResultState) -> None:
        super().__init__("This result was changed by someone else since you loaded the page.")
        self.current = current


def _state(result: TestResult | None, pupil_id: int) -> ResultState:
    if result is None:
        return ResultState(pupil_id, None, None, 0, "", None)
    return ResultState(
        pupil_id,
        result.raw_mark,
        result.score,
        result.version,
        result.updated_by.display_name if result.updated_by else "",
        result.updated_at,
    )


def age_in_months(born: date, on: date) -> int:
    """Whole months of age on a day, as standardised tests count them."""
    months = (on.year - born.year) * 12 + on.month - born.month
    return months - 1 if on.day < born.day else months


def score_for(
    test: Test, rows: list[Row] | None, raw: int | None, born: date | None = None
) -> tuple[int | None, int | None]:
    """The score and age in months for a raw mark (ConversionError when it cannot be)."""
    if raw is None:
        return None, None
    if raw < 0 or raw > test.max_raw_mark:
        raise ConversionError(
            f"A raw mark of {raw} is outside 0-{test.max_raw_mark} for this test."
        )
    age = age_in_months(born, test.taken_on) if born else None
    if test.score_kind == ScoreKind.RAW or rows is None:
        return None, age
    return conversion.convert(rows, raw, max_raw_mark=test.max_raw_mark, age_months=age), age


def parse_raw(value: str | None) -> int | None:
    """A typed raw mark: blank clears; anything else must be a whole number."""
    text = (value or "").strip()
    if text == "":
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 18:  # int() refuses 4,300+
        raise ConversionError(
            f"{text[:20]!r} is not a raw mark: type a whole number or leave it blank."
        )
    return int(text)


def save_result(
    *,
    user: User,
    school_class: SchoolClass,
    test: Test,
    pupil_id: int,
    raw: int | None,
    expected_version: int,
    rows: list[Row] | None = None,
) -> ResultState:
    """Set (or clear) one pupil's raw mark, version-checked, with a history row."""
    if test.school_id != school_class.school_id:
        raise ValidationError("That test belongs to another school.")
    pupil = (
        Pupil.objects.filter(pk=pupil_id, enrolments__school_class=school_class)
        .only("pk", "date_of_birth")
        .first()
    )
    if pupil is None:
        raise ValidationError(f"Pupil {pupil_id} is not in {school_class.name}.")
    if rows is None and test.table_id is not None:
        rows = table_rows(test.table)  # type: ignore[arg-type]
    score, age = score_for(test, rows, raw, pupil.date_of_birth)
    now = timezone.now()
    try:
        with transaction.atomic():
            result = (
                TestResult.objects.select_for_update(of=("self",))
                .select_related("updated_by")
                .filter(test=test, pupil_id=pupil_id)
                .first()
            )
            current = result.version if result else 0
            if current != expected_version:
                raise StaleResult(_state(result, pupil_id))
            if result is None:
                if raw is None:
                    return _state(None, pupil_id)
                result = TestResult.objects.create(
                    school_id=test.school_id,
                    test=test,
                    pupil_id=pupil_id,
                    raw_mark=raw,
                    score=score,
                    age_months=age,
                    version=1,
                    updated_by=user,
                    updated_at=now,
                )
                old_raw, old_score = None, None
            else:
                if result.raw_mark == raw:
                    return _state(result, pupil_id)
                old_raw, old_score = result.raw_mark, result.score
                result.raw_mark, result.score, result.age_months = raw, score, age
                result.version += 1
                result.updated_by, result.updated_at = user, now
                result.save(
                    update_fields=[
                        "raw_mark",
                        "score",
                        "age_months",
                        "version",
                        "updated_by",
                        "updated_at",
                    ]
                )
            TestResultHistory.objects.create(
                school_id=test.school_id,
                result=result,
                old_raw=old_raw,
                new_raw=raw,
                old_score=old_score,
                new_score=score,
                version=result.version,
                changed_by=user,
                changed_at=now,
            )
    except IntegrityError:
        latest = (
            TestResult.objects.select_related("updated_by")
            .filter(test=test, pupil_id=pupil_id)
            .first()
        )
        raise StaleResult(_state(latest, pupil_id)) from None
    return _state(result, pupil_id)


def apply_results(
    *,
    user: User | None,
    test: Test,
    marks: Mapping[int, int | None],
    source: str = TestResultHistory.Source.IMPORT,
) -> int:
    """Write many pupils' raw marks at once, all or nothing; returns how many changed.

    Every mark is converted before anything is written, so one bad mark stops the lot.
    """
    rows = table_rows(test.table) if test.table_id is not None else None  # type: ignore[arg-type]
    born = dict(
        Pupil.objects.filter(pk__in=list(marks), school_id=test.school_id).values_list(
            "pk", "date_of_birth"
        )
    )
    missing = sorted(set(marks) - set(born))
    if missing:
        raise ValidationError(f"Pupils {missing} are not in this school.")
    scores = {pid: score_for(test, rows, raw, born[pid]) for pid, raw in marks.items()}
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        existing = {
            r.pupil_id: r
            for r in TestResult.objects.select_for_update().filter(
                test=test, pupil_id__in=list(marks)
            )
        }
        history = []
        to_update = []
        to_create = []
        for pid, raw in marks.items():
            score, age = scores[pid]
            result = existing.get(pid)
            if result is None:
                if raw is None:
                    continue
                result = TestResult(
                    school_id=test.school_id,
                    test=test,
                    pupil_id=pid,
                    raw_mark=raw,
                    score=score,
                    age_months=age,
                    version=1,
                    updated_by=user,
                    updated_at=now,
                )
                to_create.append(result)
                old_raw, old_score = None, None
            elif result.raw_mark == raw:
                continue
            else:
                old_raw, old_score = result.raw_mark, result.score
                result.raw_mark, result.score, result.age_months = raw, score, age
                result.version += 1
                result.updated_by, result.updated_at = user, now
                to_update.append(result)
            changed += 1
            history.append(
                TestResultHistory(
                    school_id=test.school_id,
                    result=result,
                    old_raw=old_raw,
                    new_raw=raw,
                    old_score=old_score,
                    new_score=score,
                    version=result.version,
                    changed_by=user,
                    changed_at=now,
                    source=source,
                )
            )
        # New results in one INSERT (their ids come back for the history rows).
        TestResult.objects.bulk_create(to_create)
        TestResult.objects.bulk_update(
            to_update, ["raw_mark", "score", "age_months", "version", "updated_by", "updated_at"]
        )
        TestResultHistory.objects.bulk_create(history)
        if changed:
            log_action(
                school=test.school, user=user, action="scores.results.import", obj=test, new=changed
            )
    return changed


class StaleResults(Exception):
    """Some results moved on since the versions sent; nothing was saved."""

    def __init__(self, current: list[ResultState]) -> None:
        super().__init__(f"{len(current)} result(s) changed since the versions sent.")
        self.current = current


def save_results(
    *,
    user: User | None,
    test: Test,
    marks: Mapping[int, tuple[int | None, int]],
    source: str = TestResultHistory.Source.IMPORT,
) -> list[ResultState]:
    """Many pupils' raw marks, each with the version it expects, all or nothing.

    `marks` maps a pupil id to (raw mark or None to clear, expected version; 0 for
    none yet). Raises StaleResults naming every result that moved on, or
    ValidationError for a mark the test cannot take; returns every result as it is now.
    """
    with transaction.atomic():
        existing = {
            r.pupil_id: r
            for r in TestResult.objects.select_for_update(of=("self",))
            .select_related("updated_by")
            .filter(test=test, pupil_id__in=list(marks))
        }
        stale = [
            _state(existing.get(pid), pid)
            for pid, (_, version) in marks.items()
            if (existing[pid].version if pid in existing else 0) != version
        ]
        if stale:
            raise StaleResults(stale)
        try:
            apply_results(
                user=user, test=test, marks={p: raw for p, (raw, _) in marks.items()}, source=source
            )
        except ConversionError as exc:
            raise ValidationError(str(exc)) from exc
    after = {
        r.pupil_id: r
        for r in TestResult.objects.select_related("updated_by").filter(
            test=test, pupil_id__in=list(marks)
        )
    }
    return [_state(after.get(pid), pid) for pid in marks]
