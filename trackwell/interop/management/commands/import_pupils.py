"""Import a school's pupil list from an MIS CSV export, all or nothing, with a preview."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trackwell.interop.management.commands._common import find_school, find_user
from trackwell.interop.management.commands._pipeline import read_file, run_import
from trackwell.interop.values import parse_date


class Command(BaseCommand):
    help = (
        "Import pupils from an MIS export (CSV) into a school: matched by UPN, classes "
        "created in the current year, every problem named by row and column, nothing "
        "written unless the whole file is good. Columns are matched by their usual MIS "
        "names and by the mapping the school last saved in the web app."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", required=True, help="School id or exact name.")
        parser.add_argument("--user", help="Username to name in the audit log.")
        parser.add_argument(
            "--full",
            action="store_true",
            help="The file lists every pupil on roll: pupils missing from it are marked as left.",
        )
        parser.add_argument(
            "--left-on", help="Leaving date for --full (dd/mm/yyyy; default today)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Preview only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        school = find_school(options["school"])
        user = find_user(school, options["user"])
        import_options: dict[str, Any] = {"full": bool(options["full"])}
        if options["left_on"]:
            try:
                import_options["left_on"] = parse_date(options["left_on"]).isoformat()
            except ValueError as exc:
                raise CommandError(f"--left-on: {exc}") from exc
        run_import(
            self,
            kind="pupils",
            school=school,
            user=user,
            data=read_file(path),
            name=path.name,
            options=import_options,
            dry_run=options["dry_run"],
        )
