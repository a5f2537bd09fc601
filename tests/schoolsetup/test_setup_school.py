"""`manage.py setup_school`: flags, questions, and clear refusals."""

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from trackwell.accounts.models import AuditEntry, Role, User
from trackwell.analysis.models import BandSet
from trackwell.core.models import AcademicYear, AssessmentPoint, School
from trackwell.curriculum.models import Framework

pytestmark = pytest.mark.django_db

FLAGS = [
    "--school=Hollow Lane Primary",
    "--trust=Riverside Learning Trust",
    "--urn=123456",
    "--la=823",
    "--establishment=2001",
    "--phase=primary",
    "--year=2026/27",
    "--year-start=2026-09-01",
    "--year-end=2027-08-31",
    "--points=Baseline*:2026-09-25,Autumn:2026-12-11,Summer:2027-07-09",
    "--admin-email=Office@HollowLane.example",
    "--admin-first-name=Ada",
    "--admin-last-name=Brook",
    "--admin-password=a-long-office-secret-77",
    "--noinput",
]


def test_flags_make_a_school_an_admin_can_sign_in_to() -> None:
    out = StringIO()
    call_command("setup_school", *FLAGS, stdout=out)
    school = School.objects.get(name="Hollow Lane Primary")
    assert (school.urn, school.la_code, school.establishment_number, school.phase) == (
        "123456",
        "823",
        "2001",
        "primary",
    )
    assert school.trust is not None and school.trust.name == "Riverside Learning Trust"
    year = AcademicYear.objects.get(school=school)
    assert year.is_current and year.start_date == dt.date(2026, 9, 1)
    points = list(AssessmentPoint.objects.filter(year=year).order_by("date"))
    assert [(p.name, p.is_baseline) for p in points] == [
        ("Baseline", True),
        ("Autumn", False),
        ("Summer", False),
    ]
    admin = User.objects.get(school=school)
    assert admin.role == Role.ADMIN and admin.username == "office@hollowlane.example"
    assert Framework.objects.filter(school=school).exists()
    assert BandSet.objects.filter(school=school).exists()
    assert AuditEntry.objects.filter(action="school.start", school=school).exists()
    text = out.getvalue()
    assert "/accounts/login/" in text and "office@hollowlane.example" in text
    client = Client()
    assert client.login(username="office@hollowlane.example", password="a-long-office-secret-77")
    assert client.get("/people/staff/").status_code == 200


def test_every_problem_is_named_and_nothing_is_made() -> None:
    bad = [f for f in FLAGS if not f.startswith(("--urn", "--points", "--admin-email"))]
    bad += ["--urn=12", "--points=Autumn:2026-12-11", "--admin-email=not-an-email"]
    with pytest.raises(CommandError) as exc:
        call_command("setup_school", *bad)
    message = str(exc.value)
    assert "urn" in message and "admin_email" in message
    with pytest.raises(CommandError) as exc:
        call_command("setup_school", *[f for f in FLAGS if not f.startswith("--urn")], "--urn=12")
    assert "six digits" in str(exc.value)
    assert not School.objects.exists() and not User.objects.exists()


def test_missing_values_without_questions_are_refused() -> None:
    with pytest.raises(CommandError) as exc:
        call_command("setup_school", "--noinput", "--school=X")
    assert "--admin-email is needed" in str(exc.value)


def test_interactive_mode_asks_for_what_is_missing() -> None:
    answers = iter(
        [
            "Brook Infants",  # school
            "",  # trust
            "",  # urn
            "",  # la
            "",  # establishment
            "",  # phase (primary)
            "",  # year name (default)
            "",  # first day
            "",  # last day
            "",  # points
            "head@brook.example",
            "Sam",
            "Lee",
        ]
    )
    with (
        mock.patch("sys.stdin.isatty", return_value=True),
        mock.patch("builtins.input", lambda prompt: next(answers)),
        mock.patch("getpass.getpass", return_value="another-long-secret-31"),
    ):
        call_command("setup_school", "--no-library", stdout=StringIO())
    school = School.objects.get(name="Brook Infants")
    assert school.trust is None
    assert AssessmentPoint.objects.filter(school=school).count() == 3
    assert User.objects.get(username="head@brook.example").check_password("another-long-secret-31")
