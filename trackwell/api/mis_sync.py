"""An MIS sync through the API: JSON records run through the import pipeline's `pupils` kind.

The records become the same table a CSV upload becomes once its columns are
matched (one column a field, one row a record), so reading, validation, UPN
matching, the plan and the writes are exactly the CSV import's. A record's
index is its row number, so every problem names `pupils[INDEX].FIELD`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from trackwell.accounts.models import User, log_action
from trackwell.api.models import ApiKey
from trackwell.core.models import School
from trackwell.interop.pipeline import Plan, Problem, Table, get_kind

KIND = "pupils"
# The fields of the pupils import, in the order its mapping step lists them.
FIELDS = (
    "upn",
    "last_name",
    "first_name",
    "date_of_birth",
    "sex",
    "nc_year",
    "class_name",
    "fsm",
    "disadvantaged",
    "sen_status",
    "eal",
    "first_language",
    "looked_after",
)
MAX_RECORDS = 20_000


@dataclass
class SyncResult:
    """What a sync would do (dry run) or did, or every reason it cannot."""

    plan: Plan | None
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    done: dict[str, int] | None = None


class StaleSync(Exception):
    """The records moved on since the dry run whose digest was sent; nothing was written."""


def as_cell(value: Any) -> str:
    """A JSON value as a spreadsheet cell: true/false as Yes/No, null as blank."""
    if value is None:
        return ""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return str(value)


def table_of(records: Sequence[Mapping[str, Any]]) -> tuple[Table, dict[str, int]]:
    """The records as the mapped table of a CSV upload (row number = record index)."""
    present = [name for name in FIELDS if any(name in r for r in records)]
    columns = {name: index for index, name in enumerate(present)}
    rows = [(index, [as_cell(r.get(name)) for name in present]) for index, r in enumerate(records)]
    return Table(present, rows), columns


def where(problem: Problem) -> str:
    """A problem's place as an API field: `pupils[3].upn`, `pupils[3]` or `pupils`."""
    if problem.row is None:
        return "pupils"
    if problem.column and problem.column in FIELDS:
        return f"pupils[{problem.row}].{problem.column}"
    return f"pupils[{problem.row}]"


def _errors(problems: Sequence[Problem]) -> list[dict[str, str]]:
    return [{"field": where(p), "reason": p.message} for p in problems[:200]]


def _check_shape(records: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Every record sends the same fields (as every row of a file has the same columns)."""
    if not records:
        return []
    fields = set(records[0])
    errors = []
    for index, record in enumerate(records):
        if set(record) != fields:
            missing = sorted(fields - set(record))
            extra = sorted(set(record) - fields)
            parts = []
            if missing:
                parts.append("has no " + ", ".join(missing))
            if extra:
                parts.append("has " + ", ".join(extra) + " the first record does not")
            errors.append(
                {
                    "field": f"pupils[{index}]",
                    "reason": "Send the same fields for every record (a field for nobody "
                    "is never changed; null is blank): this one " + " and ".join(parts) + ".",
                }
            )
    return errors[:200]


def sync_pupils(
    *,
    user: User,
    school: School,
    records: Sequence[Mapping[str, Any]],
    full_roll: bool,
    left_on: str | None,
    dry_run: bool,
    expected_digest: str | None = None,
    key: ApiKey | None = None,
) -> SyncResult:
    """Plan (dry run) or write the records, all or nothing, exactly as the CSV import would.

    StaleSync when `expected_digest` (a dry run's) no longer matches the plan.
    """
    shape = _check_shape(records)
    if shape:
        return SyncResult(None, shape)
    kind = get_kind(KIND)
    table, columns = table_of(records)
    # As the mapping step insists on a column for every required field.
    required = [f for f in (kind.mapping.fields if kind.mapping else ()) if f.required]
    missing = [
        {"field": f"pupils[0].{f.name}", "reason": f"Every record needs {f.name} ({f.label})."}
        for f in required
        if f.name not in columns
    ]
    if missing:
        return SyncResult(None, missing)
    options: dict[str, Any] = {"full": full_roll, "left_on": left_on, "columns": columns}
    parsed = kind.parse(table, options)
    if parsed.errors:
        return SyncResult(None, _errors(parsed.errors), parsed.warnings)
    if dry_run:
        plan = kind.plan(school, parsed.data, options)
        return SyncResult(plan, _errors(plan.errors), parsed.warnings + plan.warnings)
    try:
        with transaction.atomic():
            # One import at a time per school, as the pipeline's commit does.
            School.objects.select_for_update().filter(pk=school.pk).first()
            plan = kind.plan(school, parsed.data, options)
            if plan.errors:
                return SyncResult(plan, _errors(plan.errors), parsed.warnings + plan.warnings)
            if expected_digest is not None and plan.digest != expected_digest:
                raise StaleSync(kind.stale_message)
            done = kind.apply(user=user, school=school, plan=plan, options=options)
            log_action(
                school=school,
                user=user,
                action="api_pupils_sync",
                obj=key if key is not None else user,
                new={
                    "source": "api",
                    "key": key.name if key is not None else None,
                    "records": len(records),
                    "full_roll": full_roll,
                    "summary": plan.summary,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(kind.integrity_message(exc)) from exc
    except DataError as exc:
        raise ValidationError(
            "The database refused a value (one too long or of the wrong kind); nothing was saved."
        ) from exc
    return SyncResult(plan, [], parsed.warnings + plan.warnings, dict(done or {}))


def plan_json(plan: Plan) -> dict[str, Any]:
    """A plan as the API shows it: its digest, a count per action and every change."""
    return {
        "digest": plan.digest,
        "summary": plan.summary,
        "changes": [
            {
                "action": c.action,
                "kind": c.kind,
                "key": c.key,
                "label": c.label,
                "record": c.row,
                "fields": [
                    {"field": f.field, "label": f.label, "old": f.old, "new": f.new}
                    for f in c.fields
                ],
            }
            for c in plan.changes
        ],
    }


__all__ = ["FIELDS", "MAX_RECORDS", "StaleSync", "SyncResult", "plan_json", "sync_pupils"]
