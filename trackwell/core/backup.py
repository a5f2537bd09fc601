"""Consistent backups and restores of the whole database, with checksums.

A backup is two files: the database copy (SQLite's online backup API, or
`pg_dump` in its custom format for PostgreSQL) and a manifest beside it
(`<file>.manifest.json`) holding the copy's SHA-256, the row count of every
table, and fingerprints of the judgements, their history and the audit log.
`restore` checks the SHA-256 before touching anything, refuses a database that
already holds a school or a user, brings the copy back, and checks the row
counts and fingerprints against the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

MANIFEST_SUFFIX = ".manifest.json"
FORMAT = "trackwell-backup/1"
# Tables whose every row is fingerprinted (the record a restore must bring back exactly).
FINGERPRINTED = ("assessment_judgement", "assessment_judgementhistory", "accounts_auditentry")


class BackupError(Exception):
    """A backup or restore that cannot go ahead, in words an operator can act on."""


@dataclass
class Manifest:
    format: str
    vendor: str
    created_at: str
    file: str
    sha256: str
    size: int
    row_counts: dict[str, int]
    fingerprints: dict[str, str]
    migrations: int

    def as_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _table_names(cursor: Any, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return sorted(r[0] for r in cursor.fetchall() if not r[0].startswith("sqlite_"))


def _stable(value: Any) -> Any:
    # The same value must print the same way before and after a restore.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, memoryview | bytes):
        return bytes(value).hex()
    return value


def stats(cursor: Any, vendor: str) -> tuple[dict[str, int], dict[str, str]]:
    """Row counts of every table and fingerprints of the record tables, from one cursor.

    A fingerprint is a SHA-256 over every row in id order, streamed, never all in
    memory. For SQLite the cursor is a plain sqlite3 one on the file itself, so the
    manifest describes exactly the file that was written.
    """
    tables = _table_names(cursor, vendor)
    counts: dict[str, int] = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = int(cursor.fetchone()[0])
    prints: dict[str, str] = {}
    for table in FINGERPRINTED:
        if table not in counts:
            continue
        digest = hashlib.sha256()
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY id')
        while rows := cursor.fetchmany(2000):
            for row in rows:
                digest.update(repr(tuple(_stable(v) for v in row)).encode())
        prints[table] = digest.hexdigest()
    return counts, prints


def _sqlite_stats(path: Path) -> tuple[dict[str, int], dict[str, str]]:
    plain = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return stats(plain.cursor(), "sqlite")
    finally:
        plain.close()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, the password in the environment."""
    params = connection.get_connection_params()
    env = dict(os.environ)
    args = []
    for flag, key in (("--host", "host"), ("--port", "port"), ("--username", "user")):
        if params.get(key):
            args += [flag, str(params[key])]
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    args += ["--dbname", str(params.get("dbname") or connection.settings_dict["NAME"])]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} was not found: install the PostgreSQL client tools "
            "(Debian: postgresql-client) of the same major version as the server."
        )
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def _pg_dump_in_one_snapshot(output: Path) -> tuple[dict[str, int], dict[str, str]]:
    """pg_dump and the manifest's counts read the same snapshot of the database.

    A repeatable-read transaction exports its snapshot; pg_dump runs with
    `--snapshot` while the transaction stays open, and the counts are read in it.
    """
    args, env = _pg_env()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(output),
                    *args,
                ],
                env,
            )
            return stats(cursor, "postgresql")
        finally:
            cursor.execute("COMMIT")


def backup(output: Path) -> Manifest:
    """Write a consistent copy of the database to `output` and its manifest beside it."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.exists():
        raise BackupError(f"{output} already exists; backups never overwrite one another.")
    if connection.in_atomic_block:
        raise BackupError("Run backups outside a transaction, so they see committed data.")
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = sqlite3.connect(output)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        counts, prints = _sqlite_stats(output)
    elif connection.vendor == "postgresql":
        counts, prints = _pg_dump_in_one_snapshot(output)
    else:
        raise BackupError(f"Backups of {connection.vendor} are not supported.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations")
        migrations = int(cursor.fetchone()[0])
    manifest = Manifest(
        format=FORMAT,
        vendor=connection.vendor,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        file=output.name,
        sha256=sha256_of(output),
        size=output.stat().st_size,
        row_counts=counts,
        fingerprints=prints,
        migrations=migrations,
    )
    manifest_path(output).write_text(manifest.as_json())
    return manifest


def manifest_path(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + MANIFEST_SUFFIX)


def read_manifest(backup_file: Path) -> Manifest:
    path = manifest_path(backup_file)
    if not backup_file.is_file():
        raise BackupError(f"No backup at {backup_file}.")
    if not path.is_file():
        raise BackupError(f"No manifest beside the backup (expected {path.name}).")
    try:
        data = json.loads(path.read_text())
        manifest = Manifest(**data)
    except (ValueError, TypeError) as exc:
        raise BackupError(f"The manifest {path.name} is not a Trackwell manifest: {exc}") from exc
    if manifest.format != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.format!r}.")
    return manifest


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        present = set(_table_names(cursor, connection.vendor))
        for table in ("core_school", "accounts_user"):
            if table in present:
                cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
                if cursor.fetchone():
                    return False
    return True


@dataclass
class RestoreCheck:
    manifest: Manifest
    row_counts: dict[str, int]
    fingerprints: dict[str, str]

    @property
    def differences(self) -> list[str]:
        found = []
        for table, count in self.manifest.row_counts.items():
            if self.row_counts.get(table) != count:
                found.append(f"{table}: {self.row_counts.get(table)} rows, expected {count}")
        for table, digest in self.manifest.fingerprints.items():
            if self.fingerprints.get(table) != digest:
                found.append(f"{table}: rows differ from the backup")
        return found


def restore(backup_file: Path) -> RestoreCheck:
    """Bring a backup back into an empty database and check it against its manifest."""
    backup_file = backup_file.resolve()
    manifest = read_manifest(backup_file)
    if sha256_of(backup_file) != manifest.sha256:
        raise BackupError(
            "The backup's checksum does not match its manifest: the file is damaged "
            "or was changed. Nothing was restored."
        )
    if manifest.vendor != connection.vendor:
        raise BackupError(
            f"This is a {manifest.vendor} backup; the database here is {connection.vendor}."
        )
    connection.ensure_connection()
    if not _database_is_empty():
        raise BackupError(
            "The database already holds schools or users. Restore into an empty database "
            "(a new one, or after `manage.py flush`); nothing was changed."
        )
    if connection.vendor == "sqlite":
        source = sqlite3.connect(backup_file)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()  # the next query sees the restored schema afresh
    else:
        args, env = _pg_env()
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(backup_file),
            ],
            env,
        )
    if connection.vendor == "sqlite":
        counts, prints = _sqlite_stats(Path(connection.settings_dict["NAME"]))
    else:
        with connection.cursor() as cursor:
            counts, prints = stats(cursor, "postgresql")
    return RestoreCheck(manifest=manifest, row_counts=counts, fingerprints=prints)
