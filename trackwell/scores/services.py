"""Writes of test results, each in a transaction with an audit entry or a history row,
version-checked where people share the state. Tests, conversion tables and threshold
sets are written by `scores.definitions`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.pupils.models import Pupil, SchoolClass

from . import conversion
from .conversion import ConversionError, Row
from .definitions import table_rows
from .models import (
    ScoreKind,
    Test,
    TestResult,
    TestResultHistory,
)

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
