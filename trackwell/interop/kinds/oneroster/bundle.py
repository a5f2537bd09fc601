"""Reading a OneRoster 1.1 bundle: the zip (or folder), its CSV files and their checks."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from trackwell.interop.pipeline import Limits, Parsed, Problem, read_table

SYSTEM = "oneroster"
FILES = (
    "manifest",
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "enrollments",
    "demographics",
)
REQUIRED_COLUMNS = {
    "manifest": ("propertyname", "value"),
    "orgs": ("sourcedid", "name", "type"),
    "academicSessions": ("sourcedid", "title", "type", "startdate", "enddate"),
    "courses": ("sourcedid", "title"),
    "classes": ("sourcedid", "title", "schoolsourcedid"),
    "users": ("sourcedid", "role", "givenname", "familyname"),
    "enrollments": ("sourcedid", "classsourcedid", "usersourcedid", "role"),
    "demographics": ("usersourcedid",),
}
BUNDLE_LIMITS = Limits(max_bytes=20_000_000, max_rows=20_000, max_cell=1_000)
FILE_LIMITS = Limits(max_bytes=5_000_000, max_rows=20_000, max_cell=1_000)


def ids(text: str) -> list[str]:
    """A OneRoster list of sourcedIds (comma-separated) as a list."""
    return [part.strip() for part in str(text).split(",") if part.strip()]


def bundle_from_folder(path: Path) -> bytes:
    """A folder of OneRoster CSV files as a zip in memory, so both arrive the same way."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bundle:
        for name in FILES:
            file = path / f"{name}.csv"
            if file.is_file():
                bundle.writestr(f"{name}.csv", file.read_bytes())
    return out.getvalue()


def read_zip(data: bytes) -> tuple[dict[str, bytes], list[Problem]]:
    try:
        bundle = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in bundle.infolist() if not i.is_dir() and "__MACOSX" not in i.filename]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        return {}, [Problem(f"The file is not a zip of OneRoster CSV files ({exc}).")]
    wanted = {f"{name.lower()}.csv": name for name in FILES}
    found: dict[str, bytes] = {}
    total = 0
    for info in infos:
        base = info.filename.rsplit("/", 1)[-1].lower()
        if base not in wanted:
            continue
        # Sizes are checked from the zip's directory before anything is unpacked.
        total += info.file_size
        if info.file_size > FILE_LIMITS.max_bytes or total > BUNDLE_LIMITS.max_bytes:
            return {}, [
                Problem(
                    f"{base} unpacks to more than the limit (a bundle may hold at most "
                    f"{BUNDLE_LIMITS.max_bytes // 1_000_000} MB of CSV, "
                    f"{FILE_LIMITS.max_bytes // 1_000_000} MB a file)."
                )
            ]
        try:
            with bundle.open(info) as handle:
                content = handle.read(FILE_LIMITS.max_bytes + 1)
        except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, NotImplementedError) as exc:
            return {}, [Problem(f"{base} could not be unpacked ({exc}).")]
        if len(content) > FILE_LIMITS.max_bytes:
            return {}, [Problem(f"{base} is larger than its zip entry says; it was not read.")]
        found[wanted[base]] = content
    return found, []


def rows_of(name: str, content: bytes) -> tuple[list[dict[str, Any]], list[Problem]]:
    if not content.strip():
        return [], []  # a header-less empty file: nothing of that kind
    table, problems = read_table(content, FILE_LIMITS)
    file = f"{name}.csv"
    if table is None:
        return [], [Problem(p.message, p.row, p.column, file) for p in problems]
    headers = [h.strip().lower() for h in table.headers]
    missing = [c for c in REQUIRED_COLUMNS[name] if c not in headers]
    if missing:
        return [], [Problem(f"the header needs the column(s) {', '.join(missing)}.", 1, file=file)]
    rows = []
    for number, cells in table.rows:
        row: dict[str, Any] = {"_row": number}
        for index, header in enumerate(headers):
            if header and header not in row:
                row[header] = cells[index].strip() if index < len(cells) else ""
        rows.append(row)
    return rows, []


def file_modes(manifest: dict[str, str], files: dict[str, bytes]) -> dict[str, str]:
    """How the manifest gives each file: `bulk` (every record), `delta` (changes) or `absent`.

    A file the zip does not hold is absent; one the manifest does not name is bulk.
    """
    given = {key.strip().lower(): value for key, value in manifest.items()}
    modes = {}
    for name in FILES[1:]:
        mode = given.get(f"file.{name.lower()}", "").strip().lower()
        if name not in files:
            mode = "absent"
        elif mode not in ("bulk", "delta", "absent"):
            mode = "bulk"
        modes[name] = mode
    return modes


def parse_bundle(data: bytes) -> Parsed:
    """Every file of the bundle as rows (dicts by lower-case column name), or its problems."""
    files, problems = read_zip(data)
    if problems:
        return Parsed(errors=problems)
    if "manifest" not in files:
        return Parsed(errors=[Problem("The bundle has no manifest.csv: it is not OneRoster.")])
    parsed: dict[str, list[dict[str, Any]]] = {}
    for name in FILES:
        rows, found = rows_of(name, files.get(name, b""))
        problems += found
        parsed[name] = rows
    if problems:
        return Parsed(errors=problems)
    manifest = {r["propertyname"]: r["value"] for r in parsed["manifest"]}
    warnings = []
    version = manifest.get("oneroster.version", "")
    if version != "1.1":
        warnings.append(
            f"The manifest says OneRoster version {version or '(none)'}; Trackwell reads 1.1."
        )
    modes = file_modes(manifest, files)
    for name in FILES[1:]:
        if modes[name] == "absent":
            parsed[name] = []  # an absent file changes nothing, whatever it holds
    for name in ("orgs", "users"):
        if modes[name] == "bulk" and not parsed[name]:
            problems.append(Problem(f"The bundle has no {name}.csv rows.", file=f"{name}.csv"))
    for name in ("orgs", "academicSessions", "courses", "classes", "users", "enrollments"):
        seen: dict[str, int] = {}
        for row in parsed[name]:
            ident = row.get("sourcedid", "")
            if not ident:
                problems.append(
                    Problem("the sourcedId is missing.", row["_row"], "sourcedId", f"{name}.csv")
                )
            elif ident in seen:
                problems.append(
                    Problem(
                        f"sourcedId {ident!r} is also on row {seen[ident]}.",
                        row["_row"],
                        "sourcedId",
                        f"{name}.csv",
                    )
                )
            else:
                seen[ident] = row["_row"]
    if problems:
        return Parsed(errors=problems, warnings=warnings)
    data_out = {name: parsed[name] for name in FILES}
    data_out["manifest_values"] = [manifest]
    data_out["modes"] = [modes]
    return Parsed(data=data_out, warnings=warnings)
