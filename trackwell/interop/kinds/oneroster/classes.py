"""The bundle's classes (each in its academic year) and enrolments (pupils and staff in them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from trackwell.accounts.models import Role, User
from trackwell.core.models import AcademicYear
from trackwell.interop.pipeline import Change, FieldChange, Problem
from trackwell.interop.values import clean_text
from trackwell.pupils import services as pupil_services
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass, StaffAssignment, nc_year_label

from .bundle import ids
from .people import STAFF_ROLES, nc_year_of, pupil_year
from .roster import Roster
from .sessions import year_for


def plan_classes(
    r: Roster,
    rows: list[dict[str, Any]],
    enrolments: list[dict[str, Any]],
    classes_by_pk: dict[int, SchoolClass],
) -> None:
    """Each of the org's classes matched (sourcedId, then title in its year) or created."""
    grades_of: dict[str, list[int]] = {}
    for e in enrolments:
        if e["role"].lower() == "student":
            grade = pupil_year(r.pupil_for.get(e["usersourcedid"]), r.plan)
            if grade is not None:
                grades_of.setdefault(e["classsourcedid"], []).append(grade)
    existing: dict[tuple[int | str, str], SchoolClass] = {
        (c.year_id, c.name.casefold()): c for c in classes_by_pk.values()
    }
    for row in rows:
        if row["schoolsourcedid"] != r.org_id:
            continue
        year = year_for(row, r)
        if year is None:
            continue
        year_key: int | str = year.pk if isinstance(year, AcademicYear) else year
        year_name = year.name if isinstance(year, AcademicYear) else _planned_year_name(r, year)
        nc_year = class_grade(row, r.courses, grades_of)
        name = clean_text(row["title"])[:60]
        if not name:
            r.plan.errors.append(
                Problem("the class has no title.", row["_row"], "title", "classes.csv")
            )
            continue
        linked = r.links.get(("class", row["sourcedid"]))
        school_class = classes_by_pk.get(linked) if linked else None
        school_class = school_class or existing.get((year_key, name.casefold()))
        if school_class is None:
            if nc_year is None:
                r.plan.errors.append(
                    Problem(
                        "the class has no grade, and none of its pupils has one: give the "
                        "class a grade (its year group).",
                        row["_row"],
                        "grades",
                        "classes.csv",
                    )
                )
                continue
            r.plan.changes.append(
                Change(
                    "create",
                    "class",
                    row["sourcedid"],
                    f"{name} ({nc_year_label(nc_year)}, {year_name})",
                    fields=[FieldChange("name", "Name", None, name)],
                    row=row["_row"],
                    data={
                        "name": name,
                        "nc_year": nc_year,
                        "year": year_key if isinstance(year_key, int) else None,
                        "year_ref": year_key if isinstance(year_key, str) else None,
                        "ref": row["sourcedid"],
                    },
                )
            )
            r.class_for[row["sourcedid"]] = (year_key, name)
            continue
        r.class_for[row["sourcedid"]] = school_class
        fields = []
        if school_class.name != name:
            fields.append(FieldChange("name", "Name", school_class.name, name))
        if nc_year is not None and school_class.nc_year != nc_year:
            fields.append(
                FieldChange(
                    "nc_year",
                    "Year group",
                    nc_year_label(school_class.nc_year),
                    nc_year_label(nc_year),
                )
            )
        data_change = {
            "class": school_class.pk,
            "name": name,
            "nc_year": nc_year if nc_year is not None else school_class.nc_year,
            "ref": row["sourcedid"],
        }
        if fields:
            r.plan.changes.append(
                Change(
                    "change",
                    "class",
                    row["sourcedid"],
                    school_class.name,
                    fields=fields,
                    row=row["_row"],
                    data=data_change,
                )
            )
        r.plan.context.setdefault("links", []).append(("class", row["sourcedid"], school_class.pk))


def _planned_year_name(r: Roster, ref: str) -> str:
    for change in r.plan.changes:
        if change.kind == "year" and change.key == ref:
            return str(change.data["name"])
    return ref


def _pupil(r: Roster, ref: str) -> Pupil | str | None:
    """A student's pupil: from the bundle's users, else remembered (a delta names only changes)."""
    found = r.pupil_for.get(ref)
    if found is None:
        linked = r.links.get(("pupil", ref))
        found = r.pupils_by_pk.get(linked) if linked else None
    return found


def _staff(r: Roster, ref: str) -> User | str | None:
    found = r.staff_for.get(ref)
    if found is None:
        linked = r.links.get(("user", ref))
        found = r.staff_by_pk.get(linked) if linked else None
    return found


def _class(r: Roster, ref: str) -> SchoolClass | tuple[int | str, str] | None:
    found = r.class_for.get(ref)
    if found is None:
        linked = r.links.get(("class", ref))
        found = r.classes_by_pk.get(linked) if linked else None
    return found


def _open(school_class: SchoolClass) -> bool:
    """A class whose year has not ended (an ended year's classes are kept as they were)."""
    year = school_class.year
    return year.is_current or year.end_date >= pupil_services.today()


@dataclass(frozen=True)
class _Side:
    """Pupils enrolled in classes, or staff assigned to them: what differs between the two."""

    kind: str  # the plan's kind of record
    add: str  # the action that puts one in a class
    end: str  # the action that takes one out
    joins: str  # "Ada into 3 Robins", "Grace to 3 Robins"
    person: str  # the key of the person's pk in a change's data
    ref: str  # the key of a new person's UPN or email


PUPILS = _Side("pupil", "enrol", "leave class", "into", "pupil", "upn")
STAFF = _Side("staff", "assign", "end", "to", "user", "email")


def _side(role: str) -> _Side | None:
    role = role.lower()
    return PUPILS if role == "student" else STAFF if role in STAFF_ROLES else None


def _person(r: Roster, side: _Side, ref: str) -> Pupil | User | str | None:
    return _pupil(r, ref) if side is PUPILS else _staff(r, ref)


def _name(who: Pupil | User | str) -> str:
    if isinstance(who, Pupil):
        return who.full_name
    return who.display_name if isinstance(who, User) else who


def plan_enrolments(
    r: Roster,
    enrolments: list[dict[str, Any]],
    removed: list[dict[str, Any]],
    leaving: set[int],
) -> None:
    """Pupils enrolled and staff assigned to their classes, where they are not already.

    An enrolment the bundle removes (`tobedeleted`), or, in a bulk enrollments
    file, one it no longer lists for a class it knows, ends: the pupil leaves the
    class (kept as a past enrolment), the member of staff's assignment ends (on
    the import's day, in the audit log). Pupils marked as left (`leaving`) leave
    their classes that way already.
    """
    have: dict[_Side, set[tuple[int, int]]] = {
        PUPILS: set(
            Enrolment.objects.filter(school=r.school).values_list("pupil_id", "school_class_id")
        ),
        STAFF: set(
            StaffAssignment.objects.filter(school=r.school).values_list(
                "user_id", "school_class_id"
            )
        ),
    }
    listed: dict[_Side, set[tuple[int, int]]] = {PUPILS: set(), STAFF: set()}
    rows_of: Counter[str] = Counter()  # enrolment rows of each role (student, teacher, aide)
    for e in enrolments:
        side = _side(e["role"])
        if side is None:
            continue
        rows_of[e["role"].lower()] += 1
        target = _class(r, e["classsourcedid"])
        if target is None:
            continue
        class_label = target.name if isinstance(target, SchoolClass) else target[1]
        class_ref = target.pk if isinstance(target, SchoolClass) else None
        if isinstance(target, SchoolClass):
            year_of: AcademicYear | None = target.year
        else:
            year_of = next((y for y in r.years if y.pk == target[0]), None)
        ended = year_of is not None and not (
            year_of.is_current or year_of.end_date >= pupil_services.today()
        )
        if side is PUPILS and year_of is not None and ended:
            # A year that has ended keeps its classes as they were (refused at commit).
            r.plan.errors.append(
                Problem(
                    f"{class_label} is a class of {year_of.name}, which has ended: its "
                    "pupils are kept as they were. Export this year's enrolments.",
                    e["_row"],
                    "classSourcedId",
                    "enrollments.csv",
                )
            )
            continue
        who = _person(r, side, e["usersourcedid"])
        if who is None:
            continue
        pk = None if isinstance(who, str) else who.pk
        if pk is not None and class_ref is not None:
            listed[side].add((pk, class_ref))
        if isinstance(who, Pupil) and (who.left_on is not None or who.pk in leaving):
            continue
        if pk is not None and class_ref is not None and (pk, class_ref) in have[side]:
            continue
        r.plan.changes.append(
            Change(
                side.add,
                side.kind,
                e["sourcedid"],
                f"{_name(who)} {side.joins} {class_label}",
                row=e["_row"],
                data={
                    side.person: pk,
                    side.ref: who if isinstance(who, str) else getattr(who, side.ref),
                    "class": class_ref,
                    "class_ref": e["classsourcedid"],
                },
            )
        )
    ending: dict[_Side, dict[tuple[int, int], tuple[str, int | None, str]]] = {
        PUPILS: {},
        STAFF: {},
    }
    for e in removed:
        side = _side(e.get("role", ""))
        if side is None:
            continue
        target = _class(r, e.get("classsourcedid", ""))
        who = _person(r, side, e.get("usersourcedid", ""))
        if isinstance(target, SchoolClass) and isinstance(who, (Pupil, User)):
            note = "Removed in the bundle" + _modified(e)
            ending[side][(who.pk, target.pk)] = (e["sourcedid"], e["_row"], note)
    if r.modes.get("enrollments") == "bulk" and not _bulk_ends(r, have, listed, rows_of, ending):
        return
    for side, ends in ending.items():
        for (person_id, class_id), (key, row, note) in ends.items():
            _plan_end(r, side, person_id, class_id, key, row, note, have[side], leaving)


def _bulk_ends(
    r: Roster,
    have: dict[_Side, set[tuple[int, int]]],
    listed: dict[_Side, set[tuple[int, int]]],
    rows_of: Counter[str],
    ending: dict[_Side, dict[tuple[int, int], tuple[str, int | None, str]]],
) -> bool:
    """Everything of the bundle's classes a bulk enrollments file does not list ends.

    False (and an error) when the file lists no pupil at all: that would empty
    every class, so it is refused, never guessed. Only the staff the bundle
    manages are ended: those in users.csv as a teacher or aide, or linked to a
    OneRoster user by an earlier import; anyone assigned by hand in Trackwell
    (a head, a SENCO, a TA the MIS does not know) keeps their classes. A file
    that lists no teacher (or no aide) at all leaves the assignments of that
    role as they are (some systems leave staff, or aides, out).
    """
    # Every enrolment of the classes this bundle knows is listed in a bulk file.
    known = {c.pk for c in r.class_for.values() if isinstance(c, SchoolClass)} | {
        pk for (record, _), pk in r.links.items() if record == "class"
    }

    def in_known(side: _Side) -> list[tuple[int, int]]:
        return sorted(
            (person_id, class_id)
            for person_id, class_id in have[side]
            if class_id in known
            and class_id in r.classes_by_pk
            and _open(r.classes_by_pk[class_id])
        )

    if not rows_of["student"] and in_known(PUPILS):
        r.plan.errors.append(
            Problem(
                f"enrollments.csv lists no pupil, so all {len(in_known(PUPILS))} pupils' "
                "places in the bundle's classes would end. Check that the bundle is complete.",
                None,
                "role",
                "enrollments.csv",
            )
        )
        return False
    linked_users = {pk for (record, _), pk in r.links.items() if record == "user"}
    unlisted_roles: set[str] = set()
    for side in (PUPILS, STAFF):
        for pair in in_known(side):
            if side is STAFF:
                role = _managed_role(r, pair[0], linked_users)
                if role is None:
                    continue  # assigned in Trackwell, not by the bundle
                if not rows_of[role]:
                    unlisted_roles.add(role)
                    continue
            if pair not in listed[side]:
                key = f"{pair[0]}:{pair[1]}"
                ending[side].setdefault(pair, (key, None, "Not in the bundle's enrollments"))
    for role in sorted(unlisted_roles, reverse=True):  # teacher, then aide
        r.plan.warnings.append(
            f"enrollments.csv lists no {role}, so {role}s keep the classes they have in Trackwell."
        )
    return True


def _managed_role(r: Roster, user_id: int, linked_users: set[int]) -> str | None:
    """The OneRoster role of a member of staff the bundle manages; None for anyone else.

    Managed: in users.csv as a teacher or aide, or linked to a OneRoster user id by
    an earlier import (a bulk users file that no longer lists them: they left).
    """
    role = r.staff_role.get(user_id)
    if role is not None:
        return role
    if user_id not in linked_users:
        return None
    member = r.staff_by_pk.get(user_id)
    if member is None:
        return None
    return "aide" if member.role == Role.TA else "teacher"


def _plan_end(
    r: Roster,
    side: _Side,
    person_id: int,
    class_id: int,
    key: str,
    row: int | None,
    note: str,
    have: set[tuple[int, int]],
    leaving: set[int],
) -> None:
    """A pupil leaves a class (kept as a past enrolment), or a staff assignment ends."""
    school_class = r.classes_by_pk.get(class_id)
    if school_class is None or (person_id, class_id) not in have or not _open(school_class):
        return
    if side is PUPILS:
        pupil = r.pupils_by_pk.get(person_id)
        if pupil is None or pupil.left_on is not None or pupil.pk in leaving:
            return
        label, kept = f"{pupil.full_name} leaves {school_class.name}", "kept as a past enrolment"
        field = FieldChange("class", "Class", school_class.name, None)
    else:
        member = r.staff_by_pk.get(person_id)
        if member is None:
            return
        label = f"{member.display_name} with {school_class.name} ends"
        kept = "the end is kept in the audit log"
        field = FieldChange("ended_on", "Ends on", None, f"{pupil_services.today():%d/%m/%Y}")
    r.plan.changes.append(
        Change(
            side.end,
            side.kind,
            key,
            label,
            fields=[field],
            row=row,
            data={side.person: person_id, "class": class_id},
            notes=[f"{note}; {kept}."],
        )
    )


def _modified(row: dict[str, Any]) -> str:
    when = row.get("datelastmodified", "")
    return f" (changed {when})" if when else ""


def class_grade(
    row: dict[str, Any],
    courses: dict[str, dict[str, Any]],
    grades_of: dict[str, list[int]],
) -> int | None:
    for text in (
        row.get("grades", ""),
        row.get("grade", ""),
        courses.get(row.get("coursesourcedid", ""), {}).get("grades", ""),
    ):
        first = next(iter(ids(text)), "")
        if first:
            try:
                return nc_year_of(first)
            except ValueError:
                continue
    counts = Counter(grades_of.get(row["sourcedid"], []))
    return counts.most_common(1)[0][0] if counts else None
