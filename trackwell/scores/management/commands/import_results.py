"""Import raw marks for one test from a CSV: matched by UPN or by name and date of birth."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from trackwell.interop.management.commands._common import find_school, find_user
from trackwell.interop.management.commands._pipeline import read_file, run_import

from ._tests import find_test


class Command(BaseCommand):
    help = (
        "Import raw marks for a test from a CSV (UPN, or first name, surname and date of "
        "birth, and raw mark): every mark converted to its score, every problem named by row "
        "and column, nothing written unless the whole file is good."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", required=True, help="School id or exact name.")
        parser.add_argument("--test", required=True, help="Test id or exact name.")
        parser.add_argument("--user", help="Username to name in the audit log and history.")
        parser.add_argument("--dry-run", action="store_true", help="Preview only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        school = find_school(options["school"])
        test = find_test(school, options["test"])
        run_import(
            self,
            kind="results",
            school=school,
            user=find_user(school, options["user"]),
            data=read_file(path),
            name=path.name,
            options={"test": test.pk},
            dry_run=options["dry_run"],
        )
