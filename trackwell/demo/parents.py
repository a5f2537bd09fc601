"""Demo families and reports: a parent of two children in different classes, last year's
reports written for every pupil, and points shared with parents. Deterministic."""

from __future__ import annotations

import random
from collections import defaultdict

from django.contrib.auth.hashers import make_password

from trackwell.accounts.models import Role, User
from trackwell.assessment.models import Judgement
from trackwell.core.models import AssessmentPoint, School
from trackwell.curriculum.models import Subject
from trackwell.parents.models import ChildLink, Contact, ParentRelease
from trackwell.printed.models import ReportComment, ReportEntry, ReportRound
from trackwell.pupils.models import Pupil, SchoolClass

PARENT_USERNAME = "parent"

OPENINGS = [
    "{name} has had a good year in {subject}.",
    "{name} has worked steadily in {subject} this year.",
    "{name} brings real curiosity to {subject}.",
    "{name} has grown in confidence in {subject}.",
]
GENERALS = [
    "{name} is a kind member of the class who helps others without being asked. "
    "They have settled well into every routine and we have enjoyed teaching them.",
    "{name} has worked hard all year and is proud of what they have learnt. "
    "Their questions often start the best discussions in class.",
    "{name} has made good friendships this year and is growing in independence. "
    "We look forward to seeing them thrive next year.",
]


def add_demo_families(
    school: School,
    index: int,
    classes_this: list[tuple[SchoolClass, list[Pupil]]],
    password: str,
    seed: int,
) -> list[tuple[str, str, str]]:
    """Last year's reports for the school; for the first school, the demo parent login."""
    rng = random.Random(seed + index)
    _last_years_reports(school, rng)
    points = AssessmentPoint.objects.filter(school=school).select_related("year")
    for point in points:
        # Last year's summer report and this year's first point are shared with parents.
        if (point.year.is_current and point.name == "Autumn") or (
            not point.year.is_current and point.name == "Summer"
        ):
            ParentRelease.objects.create(school=school, point=point)
    if index != 0 or len(classes_this) < 5:
        return []
    (_, younger), (_, older) = classes_this[2], classes_this[5]
    if not younger or not older:
        return []
    children = [younger[min(3, len(younger) - 1)], older[min(7, len(older) - 1)]]
    parent = User.objects.create(
        username=PARENT_USERNAME,
        first_name="Alex",
        last_name=children[0].last_name,
        role=Role.PARENT,
        school=school,
        password=make_password(password),
    )
    contact = Contact.objects.create(
        school=school,
        first_name="Alex",
        last_name=children[0].last_name,
        email="alex.parent@example.org",
        user=parent,
    )
    ChildLink.objects.bulk_create(
        ChildLink(school=school, contact=contact, pupil=child, relationship="Parent")
        for child in children
    )
    names = " and ".join(f"{c.first_name} ({c.get_nc_year_display()})" for c in children)
    return [(PARENT_USERNAME, Role.PARENT.label, f"their children {names} only")]


def _last_years_reports(school: School, rng: random.Random) -> None:
    summer = (
        AssessmentPoint.objects.filter(school=school, year__is_current=False, name="Summer")
        .select_related("year")
        .first()
    )
    if summer is None:
        return
    report_round = ReportRound.objects.create(
        school=school,
        year=summer.year,
        point=summer,
        kind=ReportRound.Kind.ANNUAL,
        title=f"End-of-year report {summer.year.name}",
    )
    pupils = list(
        Pupil.objects.filter(school=school, enrolments__school_class__year=summer.year).distinct()
    )
    subjects = list(Subject.objects.filter(school=school))
    # One secure and one not-yet-secure objective per pupil and subject, in one query.
    secure: dict[tuple[int, int], str] = {}
    working: dict[tuple[int, int], str] = {}
    seen: defaultdict[tuple[int, int], int] = defaultdict(int)
    for pupil_id, subject_id, statement, is_secure in (
        Judgement.objects.filter(
            pupil__in=pupils, objective__framework__nc_year__lt=7, level__isnull=False
        )
        .filter(objective__framework__subject__in=subjects)
        .order_by("pupil_id", "objective__framework__subject_id", "objective__order")
        .values_list(
            "pupil_id",
            "objective__framework__subject_id",
            "objective__statement",
            "level__counts_as_secure",
        )
    ):
        key = (pupil_id, subject_id)
        seen[key] += 1
        target = secure if is_secure else working
        target.setdefault(key, statement)
    comments = []
    entries = []
    for pupil in pupils:
        for subject in subjects:
            key = (pupil.pk, subject.pk)
            if not seen[key]:
                continue
            parts = [rng.choice(OPENINGS).format(name=pupil.first_name, subject=subject.name)]
            if key in secure:
                parts.append(f"They can now: {_lower(secure[key])}.")
            if key in working:
                parts.append(f"Next, they are working on: {_lower(working[key])}.")
            comments.append(
                ReportComment(
                    school=school,
                    round=report_round,
                    pupil=pupil,
                    subject=subject,
                    text=" ".join(parts),
                )
            )
        possible = 380
        attended = possible - rng.choice([0, 2, 4, 6, 8, 10, 14, 20])
        entries.append(
            ReportEntry(
                school=school,
                round=report_round,
                pupil=pupil,
                general=rng.choice(GENERALS).format(name=pupil.first_name),
                sessions_possible=possible,
                sessions_attended=attended,
                unauthorised_absences=rng.choice([0, 0, 0, 1, 2]),
            )
        )
    ReportComment.objects.bulk_create(comments, batch_size=2000)
    ReportEntry.objects.bulk_create(entries, batch_size=2000)


def _lower(statement: str) -> str:
    text = statement.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text else text
