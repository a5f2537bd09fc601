"""The OneRoster import kind: its options, and the plan put together from the other modules."""

from __future__ import annotations

from typing import Any

from django import forms

from trackwell.accounts.models import User
from trackwell.core.models import AcademicYear, School
from trackwell.interop.models import ExternalId
from trackwell.interop.pipeline import ImportKind, Parsed, Plan, register
from trackwell.pupils.models import Pupil, SchoolClass

from .bundle import BUNDLE_LIMITS, FILES, SYSTEM, ids, parse_bundle
from .classes import plan_classes, plan_enrolments
from .commit import apply_plan, describe
from .people import STAFF_ROLES, plan_pupil, plan_staff
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
        active = {
            name: [r for r in data[name] if r.get("status", "").lower() != "tobedeleted"]
            for name in FILES
        }
        org = find_org(school, active["orgs"], options, plan)
        if org is None:
            return plan
        org_id = org["sourcedid"]
        years = list(AcademicYear.objects.filter(school=school))
        r = Roster(
            school=school,
            plan=plan,
            org_id=org_id,
            links={
                (record, ext): obj
                for record, ext, obj in ExternalId.objects.filter(
                    school=school, system=SYSTEM
                ).values_list("record", "external_id", "object_id")
            },
            sessions={row["sourcedid"]: row for row in active["academicSessions"]},
            courses={row["sourcedid"]: row for row in active["courses"]},
            years=years,
            current=next((y for y in years if y.is_current), None),
        )
        demographics = {row["usersourcedid"]: row for row in active["demographics"]}

        # Users of this school: pupils and staff.
        users = [u for u in active["users"] if org_id in ids(u.get("orgsourcedids", ""))]
        for u in users:
            if u["role"].lower() not in STAFF_ROLES and u["role"].lower() != "student":
                plan.warnings.append(
                    f"users.csv, row {u['_row']}: "
                    f"{u.get('givenname', '')} {u.get('familyname', '')} "
                    f"has the role {u['role']!r}; only students, teachers and aides are imported "
                    "(give other roles on the Staff page)."
                )
        pupils = {p.upn: p for p in Pupil.objects.filter(school=school)}
        pupils_by_pk = {p.pk: p for p in pupils.values()}
        staff = {u.email.lower(): u for u in User.objects.filter(school=school) if u.email}
        staff_by_pk = {u.pk: u for u in User.objects.filter(school=school)}
        for row in users:
            if row["role"].lower() == "student":
                found = plan_pupil(row, demographics, pupils, pupils_by_pk, r.links, plan)
                if found is not None:
                    r.pupil_for[row["sourcedid"]] = found
        for row in users:
            if row["role"].lower() in STAFF_ROLES:
                found_staff = plan_staff(row, staff, staff_by_pk, r.links, plan)
                if found_staff is not None:
                    r.staff_for[row["sourcedid"]] = found_staff

        # Classes of this school, each in its academic year; then who is in them.
        enrolments = [
            e for e in active["enrollments"] if e.get("schoolsourcedid", org_id) in ("", org_id)
        ]
        classes_by_pk = {
            c.pk: c for c in SchoolClass.objects.filter(school=school).select_related("year")
        }
        plan_classes(
            r,
            [row for row in active["classes"] if row["schoolsourcedid"] == org_id],
            enrolments,
            classes_by_pk,
        )
        plan_enrolments(r, enrolments)
        return plan

    def apply(
        self, *, user: User | None, school: School, plan: Plan, options: dict[str, Any]
    ) -> dict[str, int]:
        return apply_plan(user=user, school=school, plan=plan)

    def describe_result(self, plan: Plan, result: Any) -> str:
        return describe(plan, result)


register(OneRosterImport())
