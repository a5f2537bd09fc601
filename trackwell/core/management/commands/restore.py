"""Restore a backup into an empty database, checking it against its manifest."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trackwell.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database; the checksum "
        "is verified first and row counts and fingerprints after."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("backup", type=Path, help="The backup file (its manifest beside it).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            check = restore(options["backup"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if check.differences:
            raise CommandError(
                "Restored, but the database does not match the backup's manifest:\n  "
                + "\n  ".join(check.differences)
            )
        rows = sum(check.row_counts.values())
        if options["verbosity"] > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored {rows:,} rows in {len(check.row_counts)} tables; row counts and "
                    f"fingerprints of {', '.join(sorted(check.fingerprints))} match the backup."
                )
            )
