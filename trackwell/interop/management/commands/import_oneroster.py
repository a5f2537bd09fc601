"""Import a OneRoster 1.1 CSV bundle (a folder or a zip) into a school, all or nothing."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trackwell.interop.kinds.oneroster import bundle_from_folder
from trackwell.interop.management.commands._common import find_school, find_user
from trackwell.interop.management.commands._pipeline import read_file, run_import
from trackwell.interop.values import parse_date


class Command(BaseCommand):
    help = (
        "Import a OneRoster 1.1 CSV bundle (a folder or a zip of manifest, orgs, "
        "academicSessions, courses, classes, users, enrollments, demographics) into a "
        "school's classes, pupils, staff and enrolments. Nothing is written unless the whole "
        "bundle is good; importing it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A folder of CSV files, or a zip.")
        parser.add_argument("--school", required=True, help="School id or exact name.")
        parser.add_argument("--org", help="The school's sourcedId in orgs.csv (if several).")
        parser.add_argument(
            "--keep-missing",
            action="store_true",
            help="Do not offer pupils missing from a bulk users file as leavers.",
        )
        parser.add_argument("--left-on", help="Leaving date for them (dd/mm/yyyy; default today).")
        parser.add_argument("--user", help="Username to name in the audit log.")
        parser.add_argument("--dry-run", action="store_true", help="Preview only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        school = find_school(options["school"])
        user = find_user(school, options["user"])
        if path.is_dir():
            data = bundle_from_folder(path)
        elif path.is_file():
            data = read_file(path)
        else:
            raise CommandError(f"No folder or zip {path}.")
        left_on = ""
        if options["left_on"]:
            try:
                left_on = parse_date(options["left_on"]).isoformat()
            except ValueError as exc:
                raise CommandError(f"--left-on: {exc}") from exc
        run_import(
            self,
            kind="oneroster",
            school=school,
            user=user,
            data=data,
            name=path.name,
            options={
                "org": options["org"] or "",
                "full": not options["keep_missing"],
                "left_on": left_on,
            },
            dry_run=options["dry_run"],
        )
