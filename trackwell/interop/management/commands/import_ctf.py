"""Import arriving pupils from a Common Transfer File (CTF XML), all or nothing."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from trackwell.interop.management.commands._common import find_school, find_user
from trackwell.interop.management.commands._pipeline import read_file, run_import


class Command(BaseCommand):
    help = (
        "Import pupils arriving from another school from their CTF: identifiers, names, date "
        "of birth, sex, year, FSM and SEN history, looked after and key stage results. A "
        "Trackwell transition record (JSON) is imported with --transition."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", required=True, help="School id or exact name.")
        parser.add_argument("--user", help="Username to name in the audit log.")
        parser.add_argument(
            "--transition",
            action="store_true",
            help="The file is a Trackwell transition record (JSON), not a CTF.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Preview only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        school = find_school(options["school"])
        user = find_user(school, options["user"])
        run_import(
            self,
            kind="transition" if options["transition"] else "ctf",
            school=school,
            user=user,
            data=read_file(path),
            name=path.name,
            options={},
            dry_run=options["dry_run"],
        )
