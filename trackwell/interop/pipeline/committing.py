"""Planning against the records as they are now, and committing all of it or none of it.

Part of the import pipeline (`trackwell.interop.pipeline` re-exports every public name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from trackwell.core.models import School
from trackwell.curriculum.framework_spec import StalePlan as _StalePlan
from trackwell.interop.models import PendingImport
from trackwell.interop.pipeline.plans import Parsed, Plan
from trackwell.interop.pipeline.reading import Problem, check_size, read_table
from trackwell.interop.pipeline.registry import get_kind

if TYPE_CHECKING:
    from trackwell.accounts.models import User

# One exception for "the data moved on since the preview": the framework import raised it first.
StalePlan = _StalePlan

# Defence in depth: kinds check lengths and values first, the database has the last word.
DATA_REFUSED = (
    "The database refused a value in this file (one too long or of the wrong kind), so "
    "nothing was saved. Check the longest names and codes in the file."
)


def plan_for(pending: PendingImport) -> Plan:
    """What committing the pending import would do, planned against the records as they are now."""
    import_kind = get_kind(pending.kind)
    if pending.state != PendingImport.State.READY:
        return Plan(errors=[Problem("Match the file's columns first.")])
    return import_kind.plan(pending.school, pending.specs, pending.options)


def commit(*, user: User | None, pending: PendingImport, digest: str | None) -> tuple[Plan, Any]:
    """Write everything the preview showed in one transaction, or nothing.

    `digest` is the preview's fingerprint: when the records moved on since, StalePlan
    is raised and nothing is written. A plan with errors raises ValidationError. The
    pending import is removed once written.
    """
    import_kind = get_kind(pending.kind)
    try:
        with transaction.atomic():
            # One import at a time per school: a second commit waits here, then plans afresh.
            School.objects.select_for_update().filter(pk=pending.school_id).first()
            plan = plan_for(pending)
            if plan.errors:
                raise ValidationError([str(e) for e in plan.errors])
            if digest is not None and plan.digest != digest:
                raise StalePlan(import_kind.stale_message)
            result = import_kind.apply(
                user=user, school=pending.school, plan=plan, options=pending.options
            )
            pending.delete()
    except IntegrityError as exc:
        raise ValidationError(import_kind.integrity_message(exc), code="integrity") from exc
    except DataError as exc:
        raise ValidationError(DATA_REFUSED, code="data") from exc
    return plan, result


@dataclass
class Prepared:
    """A file read and planned without being kept (commands, benchmarks, tests)."""

    parsed: Parsed
    plan: Plan | None
    options: dict[str, Any]

    @property
    def problems(self) -> list[str]:
        """Every problem as text, the file's first."""
        found = [str(p) for p in self.parsed.errors]
        if self.plan is not None:
            found += [str(p) for p in self.plan.errors]
        return found


def prepare(
    *,
    school: School,
    kind: str,
    data: bytes,
    options: dict[str, Any],
    mapping: dict[str, str] | None = None,
) -> Prepared:
    """Parse and plan a file without keeping it; spreadsheet columns matched by `mapping`.

    Without a mapping, the school's remembered mapping and the known header
    names are used, exactly as the mapping step would suggest them.
    """
    import_kind = get_kind(kind)
    if import_kind.mapping is not None:
        from trackwell.interop.mapping import guess_mapping, resolve, saved_mapping

        table, problems = read_table(data, import_kind.limits)
        if table is None:
            return Prepared(Parsed(errors=problems), None, options)
        chosen = mapping or guess_mapping(
            import_kind.mapping, table.headers, saved_mapping(school, kind)
        )
        columns, problems = resolve(import_kind.mapping, table.headers, chosen)
        if problems:
            return Prepared(Parsed(errors=problems), None, options)
        options = {**options, "columns": columns}
        parsed = import_kind.parse(table, options)
    else:
        problem = check_size(data, import_kind.limits)
        if problem:
            return Prepared(Parsed(errors=[problem]), None, options)
        parsed = import_kind.parse(data, options)
    if parsed.errors:
        return Prepared(parsed, None, options)
    return Prepared(parsed, import_kind.plan(school, parsed.data, options), options)


def apply_now(
    *,
    user: User | None,
    school: School,
    kind: str,
    data: bytes,
    options: dict[str, Any],
    mapping: dict[str, str] | None = None,
) -> tuple[Prepared, Any]:
    """Parse, plan and commit a file in one go (commands): all or nothing, like the web app.

    Returns what was prepared and the kind's result (None when nothing was
    written because of problems).
    """
    import_kind = get_kind(kind)
    try:
        with transaction.atomic():
            School.objects.select_for_update().filter(pk=school.pk).first()
            prepared = prepare(
                school=school, kind=kind, data=data, options=options, mapping=mapping
            )
            if prepared.plan is None or prepared.problems:
                return prepared, None
            result = import_kind.apply(
                user=user, school=school, plan=prepared.plan, options=prepared.options
            )
    except IntegrityError as exc:
        raise ValidationError(import_kind.integrity_message(exc), code="integrity") from exc
    except DataError as exc:
        raise ValidationError(DATA_REFUSED, code="data") from exc
    return prepared, result
