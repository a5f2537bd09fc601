"""Reads for the data-out exports: one query a table (plus one for its links)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count

from trackwell.accounts.models import Role, User
from trackwell.core.exports import Table
from trackwell.core.models import School
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass, StaffAssignment

PUPIL_COLUMNS = [
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Date of Birth",
    "Sex",
    "NC Year",
    "Class",
    "Pupil Premium",
    "FSM",
    "SEN Status",
    "EAL",
    "Looked After",
    "Groups",
    "Left On",
    "Leaving Reason",
]


def pupils_table(school: School, *, include_leavers: bool = False) -> Table:
    """The school's pupils (on roll, or all) with this year's class, in MIS-style headings."""
    pupils = Pupil.objects.filter(school=school).prefetch_related("groups")
    if not include_leavers:
        pupils = pupils.filter(left_on__isnull=True)
    classes: dict[int, list[str]] = defaultdict(list)
    for pupil_id, name in (
        Enrolment.objects.filter(school=school, school_class__year__is_current=True)
        .order_by("school_class__name")
        .values_list("pupil_id", "school_class__name")
    ):
        classes[pupil_id].append(name)
    rows = [
        [
            p.upn,
            p.last_name,
            p.first_name,
            p.date_of_birth,
            p.sex,
            p.get_nc_year_display(),
            ", ".join(classes.get(p.pk, [])),
            p.disadvantaged,
            p.fsm,
            p.sen_status,
            p.eal,
            p.looked_after,
            ", ".join(g.name for g in p.groups.all()),
            p.left_on,
            p.leaving_reason,
        ]
        for p in pupils.order_by("nc_year", "last_name", "first_name")
    ]
    return Table("Pupils", PUPIL_COLUMNS, rows)


def classes_table(school: School) -> Table:
    """Every class of every year with its NC year, pupil count, teachers and assistants."""
    staff: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"t": [], "a": []})
    for a in StaffAssignment.objects.filter(school=school).select_related("user"):
        kind = "a" if a.user.role in (Role.TA, Role.SENCO) else "t"
        staff[a.school_class_id][kind].append(a.user.display_name)
    rows = [
        [
            c.year.name,
            c.name,
            c.get_nc_year_display(),
            c.pupil_count,
            ", ".join(sorted(staff[c.pk]["t"])),
            ", ".join(sorted(staff[c.pk]["a"])),
        ]
        for c in SchoolClass.objects.filter(school=school)
        .select_related("year")
        .annotate(pupil_count=Count("enrolments"))
        .order_by("-year__start_date", "nc_year", "name")
    ]
    return Table(
        "Classes",
        ["Year", "Class", "NC Year", "Pupils", "Teachers", "Teaching assistants"],
        rows,
    )


def staff_table(school: School) -> Table:
    """The school's staff accounts: name, email, role, this year's classes, active or not."""
    classes: dict[int, list[str]] = defaultdict(list)
    for user_id, name in (
        StaffAssignment.objects.filter(school=school, school_class__year__is_current=True)
        .order_by("school_class__name")
        .values_list("user_id", "school_class__name")
    ):
        classes[user_id].append(name)
    rows = [
        [
            u.last_name,
            u.first_name,
            u.email,
            u.username,
            u.get_role_display(),
            ", ".join(classes.get(u.pk, [])),
            u.is_active,
            u.last_login.date() if u.last_login else None,
        ]
        for u in User.objects.filter(school=school).order_by("last_name", "first_name")
    ]
    return Table(
        "Staff",
        [
            "Surname",
            "Forename",
            "Email",
            "Username",
            "Role",
            "Classes this year",
            "Active",
            "Last signed in",
        ],
        rows,
    )
