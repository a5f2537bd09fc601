"""Write a consistent, checksummed backup of the whole database."""

import datetime as dt
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trackwell.core.backup import BackupError, backup, manifest_path


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup or pg_dump) with a manifest of "
        "checksums and row counts beside it."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="File to write (default: var/backups/trackwell-<UTC time>.<sqlite3|pgdump>).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        if output is None:
            from django.db import connection

            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            ext = "sqlite3" if connection.vendor == "sqlite" else "pgdump"
            output = Path(settings.VAR_DIR) / "backups" / f"trackwell-{stamp}.{ext}"
        try:
            manifest = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest.row_counts.values())
        if options["verbosity"] > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Backed up {rows:,} rows in {len(manifest.row_counts)} tables to {output} "
                    f"({manifest.size:,} bytes, sha256 {manifest.sha256[:16]}...); "
                    f"manifest {manifest_path(output).name}."
                )
            )
