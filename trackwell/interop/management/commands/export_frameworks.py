"""Export frameworks as CSV (one file) or CASE JSON (one package per framework)."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify
from tqdm import tqdm

from trackwell.curriculum.models import Framework
from trackwell.interop.case import export_case
from trackwell.interop.csv_frameworks import export_csv
from trackwell.interop.management.commands._common import find_school


class Command(BaseCommand):
    help = "Export a school's frameworks as CSV or as CASE 1.0 JSON packages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="School id or exact name.")
        parser.add_argument("--format", choices=["csv", "case"], default="csv")
        parser.add_argument("--subject", help="Only this subject (slug).")
        parser.add_argument("--framework", type=int, action="append", help="Framework id(s).")
        parser.add_argument(
            "--output",
            type=Path,
            required=True,
            help="CSV: the file to write. CASE: a folder for one JSON file per framework.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = find_school(options["school"])
        frameworks = Framework.objects.filter(school=school).select_related("subject", "school")
        if options["subject"]:
            frameworks = frameworks.filter(subject__slug=options["subject"])
        if options["framework"]:
            frameworks = frameworks.filter(pk__in=options["framework"])
        chosen = list(frameworks.order_by("subject__order", "subject__name", "nc_year", "phase"))
        if not chosen:
            raise CommandError("No frameworks match.")
        out: Path = options["output"]
        quiet = options["verbosity"] < 1
        bar = tqdm(chosen, desc="Exporting", unit="framework", disable=quiet, file=sys.stderr)
        if options["format"] == "csv":
            out.write_text(export_csv(bar), encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(f"Wrote {len(chosen)} framework(s) to {out}."))
            return
        out.mkdir(parents=True, exist_ok=True)
        for framework in bar:
            name = f"{slugify(framework.subject.name)}-{slugify(framework.year_label)}.json"
            (out / name).write_text(
                json.dumps(export_case(framework), indent=2, ensure_ascii=False), encoding="utf-8"
            )
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(chosen)} CASE package(s) to {out}/."))
