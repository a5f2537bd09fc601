"""Starting a school from nothing: trust, school, first year and points, first admin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from trackwell.accounts.models import Role, User, log_action
from trackwell.analysis.defaults import create_default_bands
from trackwell.core.models import School, Trust
from trackwell.curriculum.defaults import (
    LIBRARY_SUBJECTS,
    adopt_library_subject,
    create_depth_scale,
)
from trackwell.schoolsetup import services
from trackwell.schoolsetup.services import PointSpec

PHASES = ("nursery", "primary", "middle", "secondary", "all_through", "special")


@dataclass(frozen=True)
class NewSchool:
    """Everything `start_school` needs."""

    school_name: str
    admin_email: str
    admin_first_name: str
    admin_last_name: str
    admin_password: str | None
    year_name: str
    year_start: dt.date
    year_end: dt.date
    points: Sequence[PointSpec]
    trust_name: str = ""
    urn: str = ""
    la_code: str = ""
    establishment_number: str = ""
    phase: str = "primary"
    library: bool = True


def school_year_around(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """The English school year containing `today`: 1 September to 31 August."""
    first = today.year if today.month >= 9 else today.year - 1
    return f"{first}/{(first + 1) % 100:02d}", dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


def default_points(start: dt.date) -> list[PointSpec]:
    """Three points, one at the end of each term (the common pattern; editable later)."""
    return [
        PointSpec("Autumn", dt.date(start.year, 12, 12)),
        PointSpec("Spring", dt.date(start.year + 1, 3, 27)),
        PointSpec("Summer", dt.date(start.year + 1, 7, 10)),
    ]


def check(new: NewSchool) -> None:
    """Every problem with the values at once, by field."""
    errors: dict[str, str] = {}
    if not new.school_name.strip():
        errors["school"] = "Give the school's name."
    if new.urn and not (new.urn.isdigit() and len(new.urn) == 6):
        errors["urn"] = f"'{new.urn}' is not a URN: six digits."
    if new.la_code and not (new.la_code.isdigit() and len(new.la_code) == 3):
        errors["la"] = f"'{new.la_code}' is not an LA number: three digits."
    if new.establishment_number and not (
        new.establishment_number.isdigit() and len(new.establishment_number) == 4
    ):
        errors["establishment"] = (
            f"'{new.establishment_number}' is not an establishment number: four digits."
        )
    if new.phase not in PHASES:
        errors["phase"] = f"The phase is one of {', '.join(PHASES)}."
    try:
        validate_email(new.admin_email)
    except ValidationError:
        errors["admin_email"] = f"'{new.admin_email}' is not an email address."
    else:
        if User.objects.filter(username__iexact=new.admin_email).exists():
            errors["admin_email"] = f"There is already an account for {new.admin_email}."
    if not new.admin_first_name.strip() or not new.admin_last_name.strip():
        errors["admin_name"] = "Give the admin's first and last name."
    if new.admin_password is not None:
        try:
            validate_password(
                new.admin_password,
                User(
                    username=new.admin_email, email=new.admin_email, first_name=new.admin_first_name
                ),
            )
        except ValidationError as exc:
            errors["admin_password"] = " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def start_school(new: NewSchool) -> tuple[School, User]:
    """Create the school (in its trust, if any) with its first year, points and admin."""
    check(new)
    trust = None
    if new.trust_name.strip():
        trust, _ = Trust.objects.get_or_create(name=new.trust_name.strip())
    school = School.objects.create(
        trust=trust,
        name=new.school_name.strip(),
        urn=new.urn,
        la_code=new.la_code,
        establishment_number=new.establishment_number,
        phase=new.phase,
    )
    admin = User(
        username=new.admin_email.lower(),
        email=new.admin_email.lower(),
        first_name=new.admin_first_name.strip(),
        last_name=new.admin_last_name.strip(),
        role=Role.ADMIN,
        school=school,
    )
    if new.admin_password is None:
        admin.set_unusable_password()
    else:
        admin.set_password(new.admin_password)
    admin.save()
    services.create_year(
        admin,
        school,
        name=new.year_name,
        start_date=new.year_start,
        end_date=new.year_end,
        points=new.points,
        make_current=True,
    )
    scale = create_depth_scale(school)
    create_default_bands(school, admin)
    if new.library:
        for order, (slug, title) in enumerate(LIBRARY_SUBJECTS):
            adopt_library_subject(school, slug, title, scale, order)
    log_action(
        school=school,
        user=admin,
        action="school.start",
        obj=school,
        new={
            "name": school.name,
            "trust": trust.name if trust else None,
            "urn": new.urn,
            "la": new.la_code,
            "establishment": new.establishment_number,
            "phase": new.phase,
            "admin": admin.username,
            "library": new.library,
        },
    )
    return school, admin
