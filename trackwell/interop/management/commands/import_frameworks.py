"""Import frameworks from a CSV or CASE JSON file, all or nothing, with a summary."""

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction
from tqdm import tqdm

from trackwell.curriculum.models import RatingScale
from trackwell.curriculum.sync import apply_spec, plan_framework
from trackwell.interop.case import SUBJECT_MISSING
from trackwell.interop.management.commands._common import find_school, find_user
from trackwell.interop.services import integrity_message, parse_file


class Command(BaseCommand):
    help = (
        "Import frameworks from a CSV file (columns in docs/curriculum.md) or a CASE JSON "
        "package (docs/case.md). Nothing is written if any row or item is wrong; "
        "importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", required=True, help="School id or exact name.")
        parser.add_argument("--format", choices=["csv", "case"], help="Default: from the suffix.")
        parser.add_argument(
            "--subject",
            help="CASE: the subject the framework belongs to "
            "(default: the subject the file's CFDocument names).",
        )
        parser.add_argument("--year", help="CASE: year or phase, e.g. 3, R, KS2, 'Years 3-4'.")
        parser.add_argument("--scale", help="Rating scale name for new frameworks.")
        parser.add_argument("--user", help="Username to name in the audit log.")
        parser.add_argument("--dry-run", action="store_true", help="Preview only.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        school = find_school(options["school"])
        user = find_user(school, options["user"])
        kind = options["format"] or ("case" if path.suffix.lower() == ".json" else "csv")
        scale = None
        if options["scale"]:
            scale = RatingScale.objects.filter(school=school, name=options["scale"]).first()
            if scale is None:
                raise CommandError(f"No rating scale {options['scale']!r} at {school.name}.")
        scale = scale or RatingScale.objects.filter(school=school).order_by("pk").first()
        if kind == "case" and not options["year"]:
            raise CommandError("A CASE file needs --year (e.g. 3, R, KS2, 'Years 3-4').")
        result = parse_file(
            kind,
            path.read_bytes(),
            {"subject": options["subject"] or "", "year": options["year"] or ""},
        )
        for warning in result.warnings:
            self.stderr.write(f"note: {warning}")
        if result.errors == [SUBJECT_MISSING]:
            raise CommandError(f"{path.name} names no subject: pass --subject.")
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} problem(s) in {path.name}; nothing imported.")
        quiet = options["verbosity"] < 1
        plans = [
            plan_framework(school, spec)
            for spec in tqdm(
                result.specs, desc="Checking", unit="framework", disable=quiet, file=sys.stderr
            )
        ]
        errors = [e for p in plans for e in p.errors]
        if errors:
            for error in errors:
                self.stderr.write(error)
            raise CommandError(f"{len(errors)} conflict(s); nothing imported.")
        for plan in plans:
            s = plan.summary
            self.stdout.write(
                f"{plan.spec.name} ({plan.spec.year.label}): {s['create']} to create, "
                f"{s['change']} to change, {s['archive']} to archive, {s['restore']} to restore"
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing written.")
            return
        if scale is None and any(p.framework is None for p in plans):
            raise CommandError(f"{school.name} has no rating scale; add one or pass --scale.")
        try:
            with transaction.atomic():
                for plan in tqdm(
                    plans, desc="Importing", unit="framework", disable=quiet, file=sys.stderr
                ):
                    apply_spec(
                        user=user,
                        school=school,
                        spec=plan.spec,
                        scale=scale,
                        source=f"{kind}:{path.name}",
                    )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except IntegrityError as exc:
            raise CommandError(integrity_message(exc)) from exc
        total = sum(len(p.changes) for p in plans)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(plans)} framework(s) from {path.name}: {total} change(s)."
                if total
                else f"Nothing to change: {school.name} already matches {path.name}."
            )
        )
