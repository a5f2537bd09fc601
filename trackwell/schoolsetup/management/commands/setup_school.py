"""Start a school: `manage.py setup_school` with flags, or answering questions."""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from trackwell.schoolsetup.services import PointSpec
from trackwell.schoolsetup.start import (
    PHASES,
    NewSchool,
    default_points,
    school_year_around,
    start_school,
)


def _date(raw: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise CommandError(f"{what}: '{raw}' is not a date (write it as 2026-09-01).") from exc


def parse_points(raw: str) -> list[PointSpec]:
    """'Baseline*:2026-09-25,Autumn:2026-12-11' -> points; a trailing * marks the baseline."""
    points = []
    for item in [p for p in raw.split(",") if p.strip()]:
        name, sep, day = item.rpartition(":")
        if not sep or not name.strip():
            raise CommandError(f"--points: '{item}' should be NAME:YYYY-MM-DD.")
        baseline = name.strip().endswith("*")
        points.append(
            PointSpec(name.strip().rstrip("*").strip(), _date(day, f"--points {name}"), baseline)
        )
    return points


class Command(BaseCommand):
    help = (
        "Start a school: an optional trust, the school, its first academic year with "
        "assessment points and its first admin account. Asks for anything not given."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--school", help="The school's name.")
        parser.add_argument("--trust", default=None, help="The trust's name (optional).")
        parser.add_argument("--urn", default=None, help="Unique reference number, six digits.")
        parser.add_argument("--la", default=None, help="LA number, three digits.")
        parser.add_argument(
            "--establishment", default=None, help="Establishment number (DfE), four digits."
        )
        parser.add_argument("--phase", default=None, choices=PHASES)
        parser.add_argument("--year", default=None, help="First year's name, e.g. 2026/27.")
        parser.add_argument("--year-start", default=None, help="First day, YYYY-MM-DD.")
        parser.add_argument("--year-end", default=None, help="Last day, YYYY-MM-DD.")
        parser.add_argument(
            "--points",
            default=None,
            help="NAME:YYYY-MM-DD,... (2 to 6; end a name with * for a baseline). "
            "Default: Autumn, Spring and Summer at the end of each term.",
        )
        parser.add_argument("--admin-email", default=None)
        parser.add_argument("--admin-first-name", default=None)
        parser.add_argument("--admin-last-name", default=None)
        parser.add_argument(
            "--admin-password",
            default=None,
            help="Omit to be asked (or, with --noinput, to set it from a reset link).",
        )
        parser.add_argument(
            "--no-library",
            action="store_true",
            help="Do not start with the library's frameworks (maths, reading, writing, ...).",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_true",
            help="Never ask; fail on what is missing.",
        )

    def _ask(self, label: str, default: str = "", *, required: bool = True) -> str:
        while True:
            shown = f" [{default}]" if default else ""
            answer = input(f"{label}{shown}: ").strip() or default
            if answer or not required:
                return answer
            self.stderr.write(f"{label} is needed.")

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = not options["noinput"] and sys.stdin.isatty()
        name_default, start_default, end_default = school_year_around(timezone.localdate())

        def value(key: str, label: str, default: str = "", required: bool = True) -> str:
            given = options.get(key)
            if given is not None:
                return str(given)
            if interactive:
                return self._ask(label, default, required=required)
            if required and not default:
                raise CommandError(
                    f"--{key.replace('_', '-')} is needed (or run without --noinput)."
                )
            return default

        school = value("school", "School name")
        trust = value("trust", "Trust (leave empty for none)", required=False)
        urn = value("urn", "URN (six digits, optional)", required=False)
        la = value("la", "LA number (three digits, optional)", required=False)
        establishment = value(
            "establishment", "Establishment number (four digits, optional)", required=False
        )
        phase = value("phase", f"Phase ({', '.join(PHASES)})", "primary")
        year = value("year", "First academic year", name_default)
        start = _date(value("year_start", "First day", start_default.isoformat()), "--year-start")
        end = _date(value("year_end", "Last day", end_default.isoformat()), "--year-end")
        raw_points = value(
            "points",
            "Assessment points",
            ",".join(f"{p.name}:{p.date}" for p in default_points(start)),
        )
        points = parse_points(raw_points)
        email = value("admin_email", "Admin's email (signs in with it)")
        first = value("admin_first_name", "Admin's first name")
        last = value("admin_last_name", "Admin's last name")
        password = options.get("admin_password")
        if password is None and interactive:
            while True:
                password = getpass.getpass("Admin's password: ")
                if password == getpass.getpass("The same again: "):
                    break
                self.stderr.write("The two passwords differ; try again.")
        new = NewSchool(
            school_name=school,
            trust_name=trust,
            urn=urn,
            la_code=la,
            establishment_number=establishment,
            phase=phase,
            year_name=year,
            year_start=start,
            year_end=end,
            points=points,
            admin_email=email,
            admin_first_name=first,
            admin_last_name=last,
            admin_password=password,
            library=not options["no_library"],
        )
        try:
            made, admin = start_school(new)
        except ValidationError as exc:
            lines = [f"  {field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()]
            raise CommandError("The school was not created:\n" + "\n".join(lines)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Started {made.name} with {year} and {len(points)} assessment points."
            )
        )
        self.stdout.write("")
        self.stdout.write(
            "To sign in: start Trackwell (make run, or make serve in production), open"
        )
        self.stdout.write("  http://127.0.0.1:8000/accounts/login/")
        self.stdout.write(f"and sign in as {admin.username}.")
        if not admin.has_usable_password():
            self.stdout.write(
                "No password was set: use 'Forgotten your password?' on the sign-in page to get a "
                "link by email."
            )
        self.stdout.write("")
        self.stdout.write(
            "Then, under Manage the school: import or add pupils, add classes and staff"
        )
        self.stdout.write(
            "(each gets an email to set their password), and check the year's points."
        )
