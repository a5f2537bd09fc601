"""One pipeline for every kind of import: parse, plan, preview, commit all or nothing.

A kind of import (frameworks, MIS pupils, OneRoster, CTF, ...) is an `ImportKind`
registered under a slug. The pipeline does the rest the same way for all of them:

1. `receive` checks the documented limits, then either keeps the file for the
   mapping step (spreadsheets whose columns must be matched to fields) or
   parses it at once (`stage`). Parsing never raises: every problem comes back
   as a `Problem` with its row and column.
2. `plan_for` compares what the file says with the database as it is now and
   lists every change (created, changed field by field with old and new,
   archived or marked as left), without writing.
3. The preview page shows that plan and its `digest`.
4. `commit` plans again inside one transaction, refuses with `StalePlan` if the
   digest moved since the preview, and lets the kind write everything or
   nothing. The pending upload is removed once written.

See docs/imports.md for the API and the "how to add an import" checklist.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from trackwell.core.models import School
from trackwell.curriculum.sync import StalePlan as _StalePlan
from trackwell.interop.models import PendingImport

if TYPE_CHECKING:
    from trackwell.accounts.models import User
    from trackwell.interop.mapping import MappingSpec


# One exception for "the data moved on since the preview": the framework import raised it first.
StalePlan = _StalePlan


# ---------------------------------------------------------------------------
# Limits and problems


@dataclass(frozen=True)
class Limits:
    """What a file may hold, checked before it is parsed (documented in docs/imports.md)."""

    max_bytes: int = 5_000_000
    max_rows: int = 20_000
    max_cell: int = 1_000

    def describe(self) -> str:
        return (
            f"at most {self.max_bytes // 1_000_000} MB, {self.max_rows:,} rows "
            f"and {self.max_cell:,} characters a cell"
        )


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be imported as it is, by row and column where there are any."""

    message: str
    row: int | None = None
    column: str | None = None
    # For files of several parts (a OneRoster bundle): which part.
    file: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.row is not None and self.column:
            where = f"Row {self.row}, column '{self.column}'"
        elif self.row is not None:
            where = f"Row {self.row}"
        elif self.column:
            where = f"Column '{self.column}'"
        if self.file:
            where = f"{self.file}, {where[0].lower() + where[1:]}" if where else self.file
        return f"{where}: {self.message}" if where else self.message

    def as_json(self) -> dict[str, Any]:
        return {"message": self.message, "row": self.row, "column": self.column, "file": self.file}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Problem:
        return cls(
            str(data.get("message", "")), data.get("row"), data.get("column"), data.get("file")
        )


def as_problems(messages: Sequence[str | Problem]) -> list[Problem]:
    """Plain messages (already naming their row and column) as problems."""
    return [m if isinstance(m, Problem) else Problem(str(m)) for m in messages]


# ---------------------------------------------------------------------------
# Plans


@dataclass
class FieldChange:
    """One field of one record: what it is now and what the file would make it."""

    field: str
    label: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.label}: {show(self.old)} → {show(self.new)}"

    @property
    def old_shown(self) -> str:
        return show(self.old)

    @property
    def new_shown(self) -> str:
        return show(self.new)


def show(value: Any) -> str:
    """A value as the preview shows it."""
    if value is None or value == "":
        return "(blank)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


@dataclass
class Change:
    """One thing a commit would do: create, change, leave (mark as left), archive, ...

    `key` identifies the record within its kind (a UPN, a class name, an id);
    `data` carries what the commit step needs and must be JSON-serialisable.
    """

    action: str
    kind: str
    key: str
    label: str
    fields: list[FieldChange] = field(default_factory=list)
    row: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def details(self) -> list[str]:
        return [str(f) for f in self.fields] + self.notes


@dataclass
class Plan:
    """Everything a commit would do, and every reason it cannot; computed without writing."""

    changes: list[Change] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Anything else the kind wants to show or use in its commit (not part of the digest).
    context: dict[str, Any] = field(default_factory=dict)
    # A kind with its own fingerprint of what it read sets it here (else: the changes').
    fingerprint: str | None = None

    @property
    def digest(self) -> str:
        """A fingerprint of the changes; it moves when the data the plan read moves."""
        if self.fingerprint is not None:
            return self.fingerprint
        payload = [
            [c.action, c.kind, c.key, [[f.field, f.old, f.new] for f in c.fields], c.data]
            for c in self.changes
        ]
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def count(self, action: str, kind: str | None = None) -> int:
        return sum(1 for c in self.changes if c.action == action and kind in (None, c.kind))

    @property
    def summary(self) -> dict[str, int]:
        """How many changes of each action, in the order they first appear."""
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.action] = counts.get(change.action, 0) + 1
        return counts

    def by_action_and_kind(self) -> list[tuple[str, str, list[Change]]]:
        """Changes grouped by action and kind of record ("create", "pupil"), in file order."""
        groups: dict[tuple[str, str], list[Change]] = {}
        for change in self.changes:
            groups.setdefault((change.action, change.kind), []).append(change)
        return [(action, kind, changes) for (action, kind), changes in groups.items()]

    def by_action(self) -> list[tuple[str, list[Change]]]:
        """Changes grouped by action, for the preview page."""
        groups: dict[str, list[Change]] = {}
        for change in self.changes:
            groups.setdefault(change.action, []).append(change)
        return list(groups.items())


# ---------------------------------------------------------------------------
# Kinds of import


@dataclass
class Parsed:
    """What a file says, in a JSON-serialisable form, or every reason it cannot be read."""

    data: Any = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class ImportKind:
    """A kind of import. Subclass it, set the attributes, implement parse, plan and apply.

    - `parse` reads the file (bytes, or a `Table` for kinds with a `mapping`)
      into JSON-serialisable data; it never raises.
    - `plan` compares that data with the school's records; it never writes.
    - `apply` writes exactly the plan's changes; it runs inside the commit's
      transaction and may raise ValidationError to roll everything back.
    """

    slug: str = ""
    label: str = ""
    help: str = ""
    # Where the kind is listed on the imports page (lower first).
    order: int = 100
    # Spreadsheet kinds name their fields here; the pipeline then asks for a mapping step.
    mapping: MappingSpec | None = None
    limits: Limits = DEFAULT_LIMITS
    # Who may upload, preview and commit this kind (the access layer asks).
    manage: Callable[[User], bool] | None = None
    # A form of choices asked beside the file on the upload page (called with
    # `data` and `school=`), and how its cleaned data becomes JSON options.
    options_form: Any = None

    def parse(self, data: Any, options: dict[str, Any]) -> Parsed:
        raise NotImplementedError

    def plan(self, school: School, data: Any, options: dict[str, Any]) -> Plan:
        raise NotImplementedError

    def apply(
        self, *, user: User | None, school: School, plan: Plan, options: dict[str, Any]
    ) -> Any:
        raise NotImplementedError

    def options_from(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        """The upload form's choices as JSON-serialisable options (dates as ISO text)."""
        return {
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in cleaned.items()
        }

    def result_url(self, result: Any) -> str | None:
        """Where the admin goes after a commit (None: the imports page)."""
        return None

    stale_message = "The records have changed since this preview; look at the new preview first."

    def integrity_message(self, exc: IntegrityError) -> str:
        """A database refusal (a clash the plan did not foresee) in words an admin can act on."""
        return (
            "The import would have clashed with records already saved (two pupils with one "
            "UPN, or two classes with one name), so nothing was saved. Look at the preview again."
        )

    def describe_result(self, plan: Plan, result: Any) -> str:
        """The message shown after a commit."""
        if not plan.changes:
            return "Nothing to change: the records already match this file."
        parts = [f"{n} {DONE_WORDS.get(action, action)}" for action, n in plan.summary.items()]
        return "Imported: " + ", ".join(parts) + "."


# How the preview and the result message name each action.
ACTION_WORDS = {
    "create": "to create",
    "change": "to change",
    "leave": "to mark as left",
    "return": "to bring back on roll",
    "archive": "to archive",
    "restore": "to restore",
}
DONE_WORDS = {
    "create": "created",
    "change": "changed",
    "leave": "marked as left",
    "return": "back on roll",
    "archive": "archived",
    "restore": "restored",
}

REGISTRY: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    """Make a kind of import known to the pipeline (its slug is PendingImport.kind)."""
    if not kind.slug or len(kind.slug) > 20:
        raise ValueError(f"An import kind needs a slug of 1-20 characters, not {kind.slug!r}.")
    if kind.slug in REGISTRY and type(REGISTRY[kind.slug]) is not type(kind):
        raise ValueError(f"Two import kinds share the slug {kind.slug!r}.")
    REGISTRY[kind.slug] = kind
    return kind


def get_kind(slug: str) -> ImportKind:
    """The registered kind for a slug (importing the modules that register the built-in ones)."""
    load_kinds()
    try:
        return REGISTRY[slug]
    except KeyError as exc:
        raise ValidationError(f"Unknown kind of import {slug!r}.") from exc


_loaded = False


def load_kinds() -> None:
    """Import the modules whose import registers a kind (once)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from django.conf import settings
    from django.utils.module_loading import import_string

    for path in getattr(settings, "TRACKWELL_IMPORT_KINDS", ()):
        import_string(path)
    from trackwell.interop import kinds  # noqa: F401  (registers the built-in kinds)


# ---------------------------------------------------------------------------
# Reading spreadsheets (CSV) safely


@dataclass
class Table:
    """A spreadsheet's header and rows; each row is paired with its line number in the file."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]

    def as_json(self) -> dict[str, Any]:
        return {"headers": self.headers, "rows": self.rows}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        return cls(list(data["headers"]), [(int(n), list(c)) for n, c in data["rows"]])


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """Text of an uploaded file: UTF-8 (with or without a byte-order mark), UTF-16, Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        return None, Problem("The file is not text: save it as 'CSV UTF-8' and upload it again.")
    try:
        # Excel's plain "CSV" on Windows; undefined bytes mean it is not text at all.
        return data.decode("cp1252"), None
    except UnicodeDecodeError:
        return None, Problem("The file is not text: save it as 'CSV UTF-8' and upload it again.")


def check_size(data: bytes, limits: Limits) -> Problem | None:
    """A problem if the file is empty or larger than the limit (checked before anything else)."""
    if len(data) > limits.max_bytes:
        return Problem(
            f"The file is {len(data) / 1_000_000:.1f} MB; imports take at most "
            f"{limits.max_bytes // 1_000_000} MB. Split it, or leave out columns you do not need."
        )
    if not data.strip():
        return Problem("The file is empty.")
    return None


def read_table(data: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[Table | None, list[Problem]]:
    """A CSV file's header and rows, or the problems that stop it being read. Never raises.

    Handles a byte-order mark, Windows line endings, Excel's quoting, semicolon
    or tab separators, and blank lines; rows and cells beyond the limits are refused.
    """
    problem = check_size(data, limits)
    if problem:
        return None, [problem]
    text, problem = decode(data)
    if text is None:
        return None, [problem or Problem("The file could not be read.")]
    text = text.replace("\x00", "")
    # Rows are counted before parsing, so a huge file costs nothing more to refuse.
    if text.count("\n") > limits.max_rows + 1:
        return None, [
            Problem(f"The file has more than {limits.max_rows:,} rows; imports take at most that.")
        ]
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count) if first_line else ","
    problems: list[Problem] = []
    rows: list[tuple[int, list[str]]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        headers = next(reader, None)
        while headers is not None and not any(h.strip() for h in headers):
            headers = next(reader, None)  # blank lines above the header
        if headers is None:
            return None, [
                Problem("The file is empty: it needs a header row, then one row a pupil.")
            ]
        header_row = reader.line_num
        for column, name in enumerate(headers):
            if len(name) > limits.max_cell:
                problems.append(
                    Problem(
                        f"a header longer than {limits.max_cell} characters.",
                        header_row,
                        f"#{column + 1}",
                    )
                )
        for cells in reader:
            number = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            for column, cell in enumerate(cells):
                if len(cell) > limits.max_cell:
                    name = headers[column] if column < len(headers) else f"#{column + 1}"
                    problems.append(
                        Problem(
                            f"the cell is longer than {limits.max_cell:,} characters.", number, name
                        )
                    )
            rows.append((number, cells))
    except csv.Error as exc:
        return None, [
            Problem(f"The file is not valid CSV ({exc}); save it from the spreadsheet as CSV.")
        ]
    if problems:
        return None, problems[:200]
    return Table([h.strip() for h in headers], rows), []


# ---------------------------------------------------------------------------
# Staging, planning and committing


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
# Defence in depth: kinds check lengths and values first, the database has the last word.
DATA_REFUSED = (
    "The database refused a value in this file (one too long or of the wrong kind), so "
    "nothing was saved. Check the longest names and codes in the file."
)
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


__all__ = [
    "DEFAULT_LIMITS",
    "REGISTRY",
    "Change",
    "FieldChange",
    "ImportKind",
    "Limits",
    "Parsed",
    "Plan",
    "Prepared",
    "Problem",
    "Staged",
    "StalePlan",
    "Table",
    "apply_now",
    "as_problems",
    "commit",
    "decode",
    "get_kind",
    "map_columns",
    "plan_for",
    "prepare",
    "read_table",
    "receive",
    "register",
    "stage",
]
