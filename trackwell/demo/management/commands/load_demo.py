"""Load the deterministic demo school (or trust) into the database."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from trackwell.core.db import refresh_statistics
from trackwell.core.models import School
from trackwell.demo.generator import DemoOptions, generate, progress_steps


class Command(BaseCommand):
    help = "Create the demo school with pupils, frameworks, judgements and users for every role."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any school exists."
        )
        parser.add_argument(
            "--schools", type=int, default=1, help="Number of schools in the demo trust."
        )
        parser.add_argument(
            "--forms", type=int, default=1, choices=[1, 2, 3], help="Forms of entry."
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if School.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data already loaded; leaving it as it is.")
                return
            raise CommandError(
                "The database already has schools; load the demo into an empty database."
            )
        if options["schools"] < 1:
            raise CommandError("--schools must be at least 1.")
        demo = DemoOptions(schools=options["schools"], forms=options["forms"], seed=options["seed"])
        bar = tqdm(
            desc="Loading demo",
            total=progress_steps(demo),
            unit="step",
            disable=options["verbosity"] == 0,
        )

        def progress(label: str, step: int) -> None:
            bar.set_description_str(label)
            bar.update(1)

        result = generate(demo, progress)
        refresh_statistics()  # the planner would otherwise plan the first pages blind
        bar.close()
        names = ", ".join(s.name for s in result.schools)
        self.stdout.write(self.style.SUCCESS(f"Loaded {names}."))
