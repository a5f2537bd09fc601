"""Anonymise or erase pupil records past each school's retention period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trackwell.core.models import School
from trackwell.security.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Anonymise or erase pupil records past the school's retention period (its security "
        "and privacy settings); every record is logged. --dry-run lists them and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List only; change nothing.")
        parser.add_argument("--school", type=int, help="Only this school (its id).")
        parser.add_argument("--today", help="Count from this date (YYYY-MM-DD) instead of today.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = (
                dt.date.fromisoformat(options["today"])
                if options["today"]
                else timezone.localdate()
            )
        except ValueError as exc:
            raise CommandError(f"--today: {options['today']!r} is not a date (YYYY-MM-DD)") from exc
        schools = School.objects.order_by("pk")
        if options["school"] is not None:
            schools = schools.filter(pk=options["school"])
            if not schools.exists():
                raise CommandError(f"--school: there is no school {options['school']}")
        dry = options["dry_run"]
        total = 0
        for school in schools:
            run = apply_retention(school, today=today, dry_run=dry)
            verb = {"anonymise": "anonymise", "erase": "erase"}[run.action]
            for item in run.due:
                done = "anonymised" if run.action == "anonymise" else "erased"
                state = f"would {verb}" if dry else run.refused.get(item.pupil_id, done)
                self.stdout.write(
                    f"{school.name}: pupil {item.pupil_id}, left {item.left_on:%-d %B %Y}, "
                    f"kept until {item.keep_until:%-d %B %Y}: {state}"
                )
            total += len(run.due) if dry else len(run.done)
        summary = "would be changed" if dry else "changed"
        self.stdout.write(self.style.SUCCESS(f"{total} pupil record(s) {summary}."))
