"""Uploads: kept for their mapping step (spreadsheets) or parsed at once, then ready to preview.

Part of the import pipeline (`trackwell.interop.pipeline` re-exports every public name).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from trackwell.core.models import School
from trackwell.interop.models import PendingImport
from trackwell.interop.pipeline.plans import Parsed
from trackwell.interop.pipeline.reading import Problem, Table, check_size, read_table
from trackwell.interop.pipeline.registry import get_kind

if TYPE_CHECKING:
    from trackwell.accounts.models import User


@dataclass
class Staged:
    """The result of an upload: a pending import to map or preview, or the file's problems."""

    pending: PendingImport | None
    errors: list[Problem]
    warnings: list[str]
    needs_mapping: bool = False


def _digest(kind: str, options: dict[str, Any], data: bytes) -> str:
    return hashlib.sha256(
        kind.encode() + json.dumps(options, sort_keys=True, default=str).encode() + b"\0" + data
    ).hexdigest()


def _keep(
    *,
    school: School,
    user: User | None,
    kind: str,
    filename: str,
    sha256: str,
    fields: dict[str, Any],
) -> PendingImport | None:
    # Uploads hold pupils' details: ones never confirmed are not kept for long.
    PendingImport.objects.filter(
        school=school, created_at__lt=timezone.now() - KEEP_UPLOADS_FOR
    ).delete()
    try:
        with transaction.atomic():
            pending, _ = PendingImport.objects.update_or_create(
                school=school,
                sha256=sha256,
                defaults={"user": user, "kind": kind, "filename": filename[:255], **fields},
            )
    except IntegrityError:
        return None
    return pending


KEEP_UPLOADS_FOR = dt.timedelta(days=7)
KEEP_FAILED = Problem(
    "The upload could not be kept for its preview (the same file was probably being "
    "uploaded at the same moment); nothing was imported. Upload it again."
)


def stage(
    *,
    user: User | None,
    school: School,
    kind: str,
    filename: str,
    data: bytes,
    options: dict[str, Any],
) -> Staged:
    """Parse a file of a kind without a mapping step and keep it for its preview."""
    import_kind = get_kind(kind)
    problem = check_size(data, import_kind.limits)
    if problem:
        return Staged(None, [problem], [])
    parsed = import_kind.parse(data, options)
    if parsed.errors:
        return Staged(None, parsed.errors, parsed.warnings)
    pending = _keep(
        school=school,
        user=user,
        kind=kind,
        filename=filename,
        sha256=_digest(kind, options, data),
        fields={
            "options": options,
            "specs": parsed.data,
            "warnings": parsed.warnings,
            "source": None,
            "state": PendingImport.State.READY,
        },
    )
    if pending is None:
        return Staged(None, [KEEP_FAILED], parsed.warnings)
    return Staged(pending, [], parsed.warnings)


def receive(
    *,
    user: User | None,
    school: School,
    kind: str,
    filename: str,
    data: bytes,
    options: dict[str, Any],
) -> Staged:
    """Take an upload of any kind: spreadsheets wait for their mapping step, others are staged."""
    import_kind = get_kind(kind)
    if import_kind.mapping is None:
        return stage(
            user=user, school=school, kind=kind, filename=filename, data=data, options=options
        )
    table, problems = read_table(data, import_kind.limits)
    if table is None:
        return Staged(None, problems, [])
    if not table.rows:
        return Staged(None, [Problem("The file has a header but no rows under it.")], [])
    pending = _keep(
        school=school,
        user=user,
        kind=kind,
        filename=filename,
        sha256=_digest(kind, options, data),
        fields={
            "options": options,
            "specs": None,
            "warnings": [],
            "source": table.as_json(),
            "state": PendingImport.State.MAPPING,
        },
    )
    if pending is None:
        return Staged(None, [KEEP_FAILED], [])
    return Staged(pending, [], [], needs_mapping=True)


def map_columns(
    pending: PendingImport,
    mapping: dict[str, str],
    *,
    user: User | None = None,
    remember: bool = True,
) -> Parsed:
    """Apply the mapping step (column header → field) to a kept spreadsheet and parse its rows.

    A complete mapping is remembered for the school and kind when `remember`, even
    if some rows then have problems. On success the pending import is ready for its preview.
    """
    from trackwell.interop.mapping import remember_mapping, resolve

    import_kind = get_kind(pending.kind)
    if import_kind.mapping is None or pending.source is None:
        return Parsed(errors=[Problem("This upload has no columns to map.")])
    table = Table.from_json(pending.source)
    columns, problems = resolve(import_kind.mapping, table.headers, mapping)
    if problems:
        return Parsed(errors=problems)
    if remember:
        # The choices are right even when some rows are not: keep them for the next file.
        remember_mapping(pending.school, pending.kind, mapping, user=user)
    options = {**pending.options, "columns": columns}
    parsed = import_kind.parse(table, options)
    if parsed.errors:
        return parsed
    with transaction.atomic():
        pending.options = options
        pending.specs = parsed.data
        pending.warnings = parsed.warnings
        pending.state = PendingImport.State.READY
        pending.save(update_fields=["options", "specs", "warnings", "state"])
    return parsed
