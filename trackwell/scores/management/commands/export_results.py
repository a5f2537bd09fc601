"""Export a test's results as CSV: UPN, name, raw mark, score, score band, percentile."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from trackwell.core.exports import csv_bytes
from trackwell.interop.management.commands._common import find_school
from trackwell.pupils.models import Pupil
from trackwell.scores import queries
from trackwell.scores.models import TestResult
from trackwell.scores.views.results import results_table

from ._tests import find_test


class Command(BaseCommand):
    help = "Export every result of a test as CSV (UPN, name, raw mark, score, band, percentile)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="School id or exact name.")
        parser.add_argument("--test", required=True, help="Test id or exact name.")
        parser.add_argument("--output", required=True, type=Path, help="The CSV file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        school = find_school(options["school"])
        test = find_test(school, options["test"])
        results = {r.pupil_id: r for r in TestResult.objects.filter(test=test)}
        pupils = Pupil.objects.filter(pk__in=list(results)).order_by("last_name", "first_name")
        rows = [
            queries.ResultRow(p, results[p.pk].raw_mark, results[p.pk].score, results[p.pk].version)
            for p in pupils
        ]
        queries.describe(test, rows, queries.bands_of(test))
        path: Path = options["output"]
        path.write_bytes(csv_bytes(results_table(test, rows)))
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {len(rows)} results of {test.name} to {path}.")
        )
