"""Export a CTF (and transition records) for pupils who have left."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trackwell.accounts.models import log_action
from trackwell.interop.ctf import write_ctf
from trackwell.interop.management.commands._common import find_school, find_user
from trackwell.interop.transition import dumps, export_records
from trackwell.interop.values import parse_date
from trackwell.pupils.models import Pupil


class Command(BaseCommand):
    help = (
        "Write a Common Transfer File (XML) for leavers: the pupils with --upn, or everyone who "
        "left on or after --left-since. With --transition, also their objective-level "
        "transition records as one JSON file (docs/ctf.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="School id or exact name.")
        parser.add_argument("--upn", action="append", help="A leaver's UPN (repeat for more).")
        parser.add_argument("--left-since", help="Every pupil who left on or after this date.")
        parser.add_argument("--output", type=Path, required=True, help="The CTF file to write.")
        parser.add_argument("--transition", type=Path, help="Also write transition records here.")
        parser.add_argument(
            "--dest-la", default="MMM", help="Destination LA number (MMM: unknown)."
        )
        parser.add_argument("--dest-estab", default="MMMM", help="Destination establishment.")
        parser.add_argument("--user", help="Username to name in the audit log.")

    def handle(self, *args: Any, **options: Any) -> None:
        school = find_school(options["school"])
        user = find_user(school, options["user"])
        pupils = Pupil.objects.filter(school=school, left_on__isnull=False)
        if options["upn"]:
            wanted = {u.strip().upper() for u in options["upn"]}
            pupils = pupils.filter(upn__in=wanted)
            missing = wanted - set(pupils.values_list("upn", flat=True))
            if missing:
                raise CommandError(
                    "No leaver with UPN " + ", ".join(sorted(missing)) + f" at {school.name}."
                )
        elif options["left_since"]:
            try:
                pupils = pupils.filter(left_on__gte=parse_date(options["left_since"]))
            except ValueError as exc:
                raise CommandError(f"--left-since: {exc}") from exc
        else:
            raise CommandError("Say which leavers: --upn UPN (repeatable) or --left-since DATE.")
        chosen = list(pupils.order_by("last_name", "first_name"))
        if not chosen:
            raise CommandError("No leavers match.")
        options["output"].write_bytes(
            write_ctf(school, chosen, destination=(options["dest_la"], options["dest_estab"], ""))
        )
        for pupil in chosen:
            log_action(school=school, user=user, action="ctf.export", obj=pupil)
        self.stdout.write(f"Wrote a CTF of {len(chosen)} pupil(s) to {options['output']}.")
        if options["transition"]:
            options["transition"].write_bytes(dumps(export_records(user, school, chosen)))
            self.stdout.write(f"Wrote their transition records to {options['transition']}.")
