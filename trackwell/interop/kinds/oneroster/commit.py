"""Writing a planned OneRoster import: every change through the apps' services."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError

from trackwell.accounts import services as staff_services
from trackwell.accounts.models import User, log_action
from trackwell.core.models import AcademicYear, School
from trackwell.interop.contacts import apply_contact
from trackwell.interop.models import ExternalId
from trackwell.interop.pipeline import Change, Plan
from trackwell.pupils import class_services
from trackwell.pupils import services as pupil_services
from trackwell.pupils.models import Pupil, SchoolClass, StaffAssignment
from trackwell.schoolsetup import services as year_services

from .bundle import SYSTEM


def apply_plan(*, user: User | None, school: School, plan: Plan) -> dict[str, int]:
    """Write the plan through the services (audit, history); inside the pipeline's transaction."""
    made_classes: dict[str, SchoolClass] = {}
    made_pupils: dict[str, Pupil] = {}
    made_staff: dict[str, User] = {}
    made_years: dict[str, AcademicYear] = {}
    links: list[tuple[str, str, int]] = list(plan.context.get("links", []))
    done: Counter[str] = Counter()
    effective = pupil_services.today()
    change: Change | None = None
    try:
        for change in plan.changes:
            d = change.data
            if change.kind == "contact":
                apply_contact(user, school, change, made_pupils)
            elif change.kind == "year" and change.action == "create":
                new_year = year_services.create_year(
                    user,
                    school,
                    name=d["name"],
                    start_date=dt.date.fromisoformat(d["start"]),
                    end_date=dt.date.fromisoformat(d["end"]),
                    points=[
                        year_services.PointSpec(name, dt.date.fromisoformat(day), baseline)
                        for name, day, baseline in d["points"]
                    ],
                )
                made_years[d["ref"]] = new_year
                links.append(("year", d["ref"], new_year.pk))
            elif change.kind == "pupil" and change.action == "create":
                values = dict(d["values"])
                values["date_of_birth"] = dt.date.fromisoformat(values["date_of_birth"])
                pupil = pupil_services.create_pupil(
                    user, school, **values, effective_from=effective
                )
                made_pupils[pupil.upn] = pupil
                links.append(("pupil", d["ref"], pupil.pk))
            elif change.kind == "pupil" and change.action == "change":
                values = dict(d["values"])
                if "date_of_birth" in values:
                    values["date_of_birth"] = dt.date.fromisoformat(values["date_of_birth"])
                pupil = Pupil.objects.get(pk=d["pupil"], school=school)
                pupil_services.update_pupil(user, school, pupil, values, effective_from=effective)
            elif change.kind == "staff" and change.action == "create":
                member = staff_services.create_staff(
                    user,
                    school,
                    staff_services.StaffValues(
                        first_name=d["first_name"],
                        last_name=d["last_name"],
                        email=d["email"],
                        role=d["role"],
                    ),
                    base_url="",
                    invite=False,
                )
                made_staff[d["email"]] = member
                links.append(("user", d["ref"], member.pk))
            elif change.kind == "class" and change.action == "create":
                year = (
                    AcademicYear.objects.get(pk=d["year"], school=school)
                    if d.get("year")
                    else made_years[d["year_ref"]]
                )
                school_class = class_services.create_class(
                    user, school, year=year, name=d["name"], nc_year=d["nc_year"]
                )
                made_classes[d["ref"]] = school_class
                links.append(("class", d["ref"], school_class.pk))
            elif change.kind == "class" and change.action == "change":
                school_class = SchoolClass.objects.get(pk=d["class"], school=school)
                class_services.update_class(
                    user,
                    school,
                    school_class,
                    name=d["name"],
                    nc_year=d["nc_year"],
                    staff_ids=list(school_class.assignments.values_list("user_id", flat=True)),
                    expected_version=None,
                )
            elif change.kind == "pupil" and change.action == "leave":
                pupil_services.mark_left(
                    user,
                    school,
                    Pupil.objects.get(pk=d["pupil"], school=school),
                    left_on=dt.date.fromisoformat(d["left_on"]),
                    reason="Not on roll in the OneRoster bundle",
                )
            elif change.action == "leave class":
                pupil_services.remove_from_class(
                    user,
                    school,
                    Pupil.objects.get(pk=d["pupil"], school=school),
                    SchoolClass.objects.get(pk=d["class"], school=school),
                    on=effective,
                )
            elif change.kind == "staff" and change.action == "end":
                end_assignment(user, school, d["user"], d["class"], on=effective)
            elif change.action == "enrol":
                school_class = class_of(d, made_classes, school)
                pupil = (
                    Pupil.objects.get(pk=d["pupil"], school=school)
                    if d["pupil"]
                    else made_pupils[d["upn"]]
                )
                pupil_services.enrol_pupil(user, school, pupil, school_class)
            elif change.action == "assign":
                school_class = class_of(d, made_classes, school)
                member = (
                    User.objects.get(pk=d["user"], school=school)
                    if d["user"]
                    else made_staff[d["email"]]
                )
                assignment, created = StaffAssignment.objects.get_or_create(
                    school=school, user=member, school_class=school_class
                )
                if created:
                    log_action(
                        school=school,
                        user=user,
                        action="class.assign",
                        obj=assignment,
                        new={"user": member.pk, "class": school_class.name},
                    )
            done[f"{change.action} {change.kind}"] += 1
    except ValidationError as exc:
        where = f"{change.label}: " if change is not None else ""
        raise ValidationError([where + m + " Nothing was saved." for m in exc.messages]) from exc
    known = set(
        ExternalId.objects.filter(school=school, system=SYSTEM).values_list("record", "external_id")
    )
    ExternalId.objects.bulk_create(
        ExternalId(school=school, system=SYSTEM, record=r, external_id=e, object_id=o)
        for (r, e), o in {(r, e): o for r, e, o in links}.items()
        if (r, e) not in known
    )
    return dict(done)


def end_assignment(
    user: User | None, school: School, member_id: int, class_id: int, *, on: dt.date
) -> None:
    """A member of staff no longer works with a class: their access to it ends now.

    The assignment has no end date of its own, so the end is kept, dated, in the
    audit log (`class.unassign`), as the staff pages keep their changes.
    """
    assignment = (
        StaffAssignment.objects.select_for_update()
        .select_related("user", "school_class")
        .filter(school=school, user_id=member_id, school_class_id=class_id)
        .first()
    )
    if assignment is None:
        return
    log_action(
        school=school,
        user=user,
        action="class.unassign",
        obj=assignment.school_class,
        old={"user": member_id, "name": assignment.user.display_name},
        new={"ended_on": on.isoformat(), "reason": "Not in the OneRoster bundle"},
    )
    assignment.delete()


def class_of(data: dict[str, Any], made: dict[str, SchoolClass], school: School) -> SchoolClass:
    if data["class"]:
        return SchoolClass.objects.get(pk=data["class"], school=school)
    return made[data["class_ref"]]


def describe(plan: Plan, result: Any) -> str:
    if not plan.changes:
        return "Nothing to change: Trackwell already matches this bundle."
    words = {
        "create year": "academic years added",
        "create pupil": "pupils added",
        "create contact": "parents' contacts added (invite them from each pupil's family page)",
        "link contact": "parents' contacts the school already had linked to another child",
        "change contact": "parents' contacts updated",
        "leave pupil": "pupils marked as left",
        "leave class pupil": "pupils out of a class",
        "change pupil": "pupils updated",
        "create staff": "staff added (invite them from the Staff page)",
        "create class": "classes added",
        "change class": "classes updated",
        "enrol pupil": "enrolments",
        "assign staff": "staff given classes",
        "end staff": "staff assignments ended",
    }
    return "Imported: " + ", ".join(f"{n} {words.get(k, k)}" for k, n in result.items()) + "."
