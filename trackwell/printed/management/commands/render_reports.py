"""Render a class's (or the whole school's) reports as PDFs into a folder."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify
from tqdm import tqdm

from trackwell.interop.management.commands._common import find_school
from trackwell.printed.models import ReportRound
from trackwell.printed.render import render_many
from trackwell.printed.services import report_pupils
from trackwell.pupils.models import Pupil, SchoolClass


class Command(BaseCommand):
    help = (
        "Render pupil reports as PDF: one file per pupil and one combined file "
        "(the same as 'Make PDFs' on the report's page)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="School id or exact name.")
        parser.add_argument(
            "--class",
            dest="school_class",
            help="Class id or name in the report's year (default: every class).",
        )
        parser.add_argument(
            "--round", type=int, help="Report round id (default: the school's latest)."
        )
        parser.add_argument("--output", type=Path, required=True, help="Folder for the PDFs.")

    def handle(self, *args: Any, **options: Any) -> None:
        school = find_school(options["school"])
        rounds = ReportRound.objects.filter(school=school).select_related("point", "year")
        report_round = (
            rounds.filter(pk=options["round"]).first() if options["round"] else rounds.first()
        )
        if report_round is None:
            raise CommandError(
                f"No report round at {school.name}"
                + (f" with id {options['round']}." if options["round"] else ".")
            )
        school_class = None
        if options["school_class"]:
            value = options["school_class"]
            classes = SchoolClass.objects.filter(school=school, year_id=report_round.year_id)
            school_class = (
                classes.filter(pk=int(value)).first()
                if value.isdigit()
                else classes.filter(name=value).first()
            )
            if school_class is None:
                raise CommandError(f"No class {value!r} in {report_round.year} at {school.name}.")
        pupils = report_pupils(report_round, school_class)
        if not pupils:
            raise CommandError("There are no pupils to write reports for.")
        out: Path = options["output"]
        out.mkdir(parents=True, exist_ok=True)
        bar = tqdm(
            total=len(pupils),
            desc="Rendering",
            unit="report",
            disable=options["verbosity"] < 1,
            file=sys.stderr,
        )

        def saved(pupil: Pupil, pdf: bytes) -> None:
            (
                out / f"{slugify(pupil.last_name)}-{slugify(pupil.first_name)}-{pupil.pk}.pdf"
            ).write_bytes(pdf)
            bar.update(1)

        combined = render_many(report_round, pupils, saved)
        bar.close()
        what = slugify(school_class.name) if school_class else "whole-school"
        (out / f"{slugify(report_round.title)}-{what}-all.pdf").write_bytes(combined)
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {len(pupils)} report(s) and one combined file to {out}/.")
        )
