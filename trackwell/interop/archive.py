"""The school's data archive: everything Trackwell holds for one school, to move elsewhere.

A ZIP of one CSV per table (written by `trackwell.core.exports`, so text that a
spreadsheet would run as a formula carries a leading apostrophe) and a
`manifest.json` naming each file's table, columns and row count. The format is
described in docs/archive.md. Secrets are left out: password hashes and
invitation codes are never exported.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

from trackwell.core.exports import Table, write_csv
from trackwell.core.models import School

FORMAT = "trackwell-school-archive"
FORMAT_VERSION = 1
# Fields never exported: secrets, and files held elsewhere.
LEFT_OUT = {
    "accounts.user": {"password"},
    "parents.invitation": {"secret_hash"},
}
# Tables not exported: uploads waiting for a leader to confirm them.
SKIPPED = {"interop.pendingimport"}
CHUNK = 2000


@dataclass(frozen=True)
class ArchiveTable:
    label: str
    file: str
    columns: list[str]
    rows: int


def _exported_models() -> list[type[models.Model]]:
    found: list[type[models.Model]] = []
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if not model.__module__.startswith("trackwell") and not (
            model._meta.auto_created and label.startswith("pupils.")
        ):
            continue
        if label in SKIPPED:
            continue
        found.append(model)
    return found


def _queryset(model: type[models.Model], school: School) -> models.QuerySet[Any] | None:
    names = {f.name for f in model._meta.get_fields() if getattr(f, "concrete", False)}
    if model is School:
        return School.objects.filter(pk=school.pk)
    if "school" in names:
        return model._default_manager.filter(school_id=school.pk)
    if model._meta.label_lower == "core.trust":
        return model._default_manager.filter(pk=school.trust_id or -1)
    if model._meta.auto_created and "pupil" in names:
        return model._default_manager.filter(pupil__school_id=school.pk)
    return None


def _columns(model: type[models.Model]) -> list[tuple[str, str]]:
    """(column heading, attribute) for each concrete field kept."""
    left_out = LEFT_OUT.get(model._meta.label_lower, set())
    return [
        (f.attname, f.attname)
        for f in model._meta.concrete_fields
        if f.name not in left_out and f.attname not in left_out
    ]


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()  # full precision and offset, unlike a spreadsheet date
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _rows(qs: models.QuerySet[Any], attnames: list[str]) -> Iterator[list[Any]]:
    for row in qs.order_by("pk").values_list(*attnames).iterator(chunk_size=CHUNK):
        yield [_value(v) for v in row]


class _Counted:
    """Rows passed through, counted on the way (for the manifest)."""

    def __init__(self, rows: Iterator[list[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def write_archive(school: School, stream: Any) -> list[ArchiveTable]:
    """Write the school's archive as a ZIP into `stream`; returns what it holds."""
    written: list[ArchiveTable] = []
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for model in _exported_models():
            qs = _queryset(model, school)
            if qs is None:
                continue
            columns = _columns(model)
            label = model._meta.label_lower
            name = f"{label.replace('.', '/')}.csv"
            counted = _Counted(_rows(qs, [a for _, a in columns]))
            # Streamed: rows go from the database cursor (in chunks) through the CSV writer
            # into the compressed entry, so memory stays bounded however big the table.
            # force_zip64: an entry of unknown size may pass 2 GB in a very large school.
            with (
                archive.open(name, "w", force_zip64=True) as entry,
                io.TextIOWrapper(entry, encoding="utf-8-sig", newline="") as text,
            ):
                write_csv(Table(label, [c for c, _ in columns], counted), text)
            written.append(ArchiveTable(label, name, [c for c, _ in columns], counted.count))
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "school": {"id": school.pk, "name": school.name, "urn": school.urn},
            "created_at": timezone.now().isoformat(),
            "encoding": "UTF-8 with a byte-order mark; booleans as Yes/No; empty means none",
            "formula_guard": "text starting with = + - @ tab or carriage return has a leading '",
            "tables": [
                {"table": t.label, "file": t.file, "columns": t.columns, "rows": t.rows}
                for t in written
            ],
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return written


def archive_bytes(school: School) -> bytes:
    """The archive in memory (tests); the download writes it to a temporary file instead."""
    buffer = io.BytesIO()
    write_archive(school, buffer)
    return buffer.getvalue()
