"""Demo data for the people pages: staff emails and each pupil's dated attributes."""

from __future__ import annotations

from trackwell.accounts.models import User
from trackwell.core.models import AcademicYear, School
from trackwell.pupils.models import Pupil, PupilAttributeChange
from trackwell.pupils.services import DATED_FIELDS, as_text

DEMO_EMAIL_DOMAIN = "demo.trackwell.invalid"


def add_people(school: School) -> None:
    """Give the demo staff email addresses and record each pupil's attributes as dated."""
    users = list(User.objects.filter(school=school))
    for user in users:
        user.email = f"{user.username}@{DEMO_EMAIL_DOMAIN}"
    User.objects.bulk_update(users, ["email"])
    first_year = AcademicYear.objects.filter(school=school).order_by("start_date").first()
    if first_year is None:
        return
    PupilAttributeChange.objects.bulk_create(
        [
            PupilAttributeChange(
                school=school,
                pupil=pupil,
                field=field,
                old_value="",
                new_value=as_text(getattr(pupil, field)),
                effective_from=first_year.start_date,
            )
            for pupil in Pupil.objects.filter(school=school)
            for field in DATED_FIELDS
        ],
        batch_size=1000,
    )
