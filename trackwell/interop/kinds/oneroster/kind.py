"""The OneRoster import kind: its options, and the plan put together from the other modules."""

from __future__ import annotations

from typing import Any

from django import forms

from trackwell.accounts.models import User
from trackwell.core.models import AcademicYear, School
from trackwell.interop.models import ExternalId
from trackwell.interop.pipeline import ImportKind, Parsed, Plan, Problem, register
from trackwell.pupils import services as pupil_services
from trackwell.pupils.models import Pupil, SchoolClass

from .bundle import BUNDLE_LIMITS, FILES, SYSTEM, ids, parse_bundle
from .classes import plan_classes, plan_enrolments
from .commit import apply_plan, describe
from .people import (
    PARENT_ROLES,
    STAFF_ROLES,
    plan_agents,
    plan_leavers,
    plan_pupil,
    plan_staff,
    upn_of,
)
from .roster import Roster
from .sessions import find_org


class OneRosterOptions(forms.Form):
    """Which school of the bundle to import, when it holds several."""

    org = forms.CharField(
        required=False,
        max_length=255,
        label="School's sourcedId in the bundle",
        help_text="Only if the bundle holds several schools (orgs.csv).",
    )
    full = forms.BooleanField(
        required=False,
        initial=True,
        label="Offer pupils missing from a full (bulk) users file as leavers",
        help_text="Never deleted: marked as left, their record kept. A delta bundle only "
        "offers the pupils it removes.",
    )
    left_on = forms.DateField(
        required=False,
        label="Leaving date for them",
        help_text="dd/mm/yyyy; blank for today.",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school


class OneRosterImport(ImportKind):
    """A OneRoster 1.1 CSV bundle: classes, pupils, staff and enrolments of one school."""

    slug = "oneroster"
    order = 20
    label = "OneRoster 1.1 bundle (zip)"
    help = (
        "A zip of OneRoster 1.1 CSV files (manifest, orgs, academicSessions, courses, classes, "
        "users, enrollments, demographics) from your MIS or a data-sharing service. Pupils "
        "need a UPN (in identifier), a date of birth and sex (demographics) and a year group "
        "(grades)."
    )
    limits = BUNDLE_LIMITS
    options_form = OneRosterOptions

    def parse(self, data: Any, options: dict[str, Any]) -> Parsed:
        return parse_bundle(data)

    def plan(self, school: School, data: Any, options: dict[str, Any]) -> Plan:
        plan = Plan()
        modes = (data.get("modes") or [{}])[0]
        active = {
            name: [r for r in data[name] if r.get("status", "").lower() != "tobedeleted"]
            for name in FILES
        }
        removed = {
            name: [r for r in data[name] if r.get("status", "").lower() == "tobedeleted"]
            for name in FILES
        }
        links = {
            (record, ext): obj
            for record, ext, obj in ExternalId.objects.filter(
                school=school, system=SYSTEM
            ).values_list("record", "external_id", "object_id")
        }
        remembered = next((ext for (record, ext) in links if record == "org"), None)
        org = find_org(school, active["orgs"], options, plan, remembered)
        if org is None:
            return plan
        org_id = org["sourcedid"]
        plan.context.setdefault("links", []).append(("org", org_id, school.pk))
        years = list(AcademicYear.objects.filter(school=school))
        pupils = {p.upn: p for p in Pupil.objects.filter(school=school)}
        staff_members = list(User.objects.filter(school=school))
        r = Roster(
            school=school,
            plan=plan,
            org_id=org_id,
            links=links,
            sessions={row["sourcedid"]: row for row in active["academicSessions"]},
            courses={row["sourcedid"]: row for row in active["courses"]},
            years=years,
            current=next((y for y in years if y.is_current), None),
            pupils_by_pk={p.pk: p for p in pupils.values()},
            staff_by_pk={u.pk: u for u in staff_members},
            classes_by_pk={
                c.pk: c for c in SchoolClass.objects.filter(school=school).select_related("year")
            },
            modes={name: modes.get(name, "bulk") for name in FILES[1:]},
        )
        demographics = {row["usersourcedid"]: row for row in active["demographics"]}

        # Users of this school: pupils and staff.
        users = [u for u in active["users"] if org_id in ids(u.get("orgsourcedids", ""))]
        for u in users:
            role = u["role"].lower()
            if role not in STAFF_ROLES and role != "student" and role not in PARENT_ROLES:
                plan.warnings.append(
                    f"users.csv, row {u['_row']}: "
                    f"{u.get('givenname', '')} {u.get('familyname', '')} "
                    f"has the role {u['role']!r}; only students, teachers and aides are imported "
                    "(give other roles on the Staff page)."
                )
        staff = {u.email.lower(): u for u in staff_members if u.email}
        upn_rows: dict[str, int] = {}
        for row in users:
            if row["role"].lower() == "student":
                # Two users with one UPN would be two pupils with one UPN: refused at commit.
                upn = upn_of(row)
                if upn and upn_rows.setdefault(upn, row["_row"]) != row["_row"]:
                    plan.errors.append(
                        Problem(
                            f"UPN {upn} is also on row {upn_rows[upn]}; each pupil once.",
                            row["_row"],
                            "identifier",
                            "users.csv",
                        )
                    )
                    continue
                found = plan_pupil(row, demographics, pupils, r.pupils_by_pk, r.links, plan)
                if found is not None:
                    r.pupil_for[row["sourcedid"]] = found
        for row in users:
            if row["role"].lower() in STAFF_ROLES:
                found_staff = plan_staff(row, staff, r.staff_by_pk, r.links, plan)
                if found_staff is not None:
                    r.staff_for[row["sourcedid"]] = found_staff
                if isinstance(found_staff, User):
                    r.staff_role[found_staff.pk] = row["role"].lower()
        # Parents and guardians may carry any org (or none): all the bundle's users are read.
        plan_agents(r, active["users"])
        leaving = plan_leavers(
            r,
            pupils,
            removed["users"],
            full=bool(options.get("full", True)),
            left_on=str(options.get("left_on") or pupil_services.today().isoformat()),
        )

        # Classes of this school, each in its academic year; then who is in them.
        def ours(e: dict[str, Any]) -> bool:
            return e.get("schoolsourcedid", org_id) in ("", org_id)

        enrolments = [e for e in active["enrollments"] if ours(e)]
        plan_classes(
            r,
            [row for row in active["classes"] if row["schoolsourcedid"] == org_id],
            enrolments,
            r.classes_by_pk,
        )
        plan_enrolments(r, enrolments, [e for e in removed["enrollments"] if ours(e)], leaving)
        for row in removed["classes"]:
            if row["schoolsourcedid"] == org_id and ("class", row["sourcedid"]) in links:
                plan.warnings.append(
                    f"classes.csv, row {row['_row']}: the class {row.get('title', '')!r} is "
                    "removed in the bundle; Trackwell keeps its classes (with their history), "
                    "and its pupils leave it only through the enrolments."
                )
        return plan

    def apply(
        self, *, user: User | None, school: School, plan: Plan, options: dict[str, Any]
    ) -> dict[str, int]:
        return apply_plan(user=user, school=school, plan=plan)

    def describe_result(self, plan: Plan, result: Any) -> str:
        return describe(plan, result)


register(OneRosterImport())
