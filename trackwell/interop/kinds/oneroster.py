"""OneRoster 1.1 CSV bundles (a zip, or a folder for the command) into one school.

The bundle's org for the school (chosen, or the only school in the bundle, or
the one whose identifier is the school's URN) gives its classes, pupils
(students), staff (teachers and aides) and enrolments. Records are matched
by the bundle's sourcedIds remembered from earlier imports (`ExternalId`),
then pupils by UPN, staff by email and classes by name within their year.
Academic years are matched by their dates; a school year the school has not
set up yet is an error (a year needs its assessment points, set up on the
Years page). Columns are read by their OneRoster names in any letter case.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from trackwell.accounts import services as staff_services
from trackwell.accounts.models import Role, User, log_action
from trackwell.core.models import AcademicYear, School
from trackwell.interop.models import ExternalId
from trackwell.interop.pipeline import (
    Change,
    FieldChange,
    ImportKind,
    Limits,
    Parsed,
    Plan,
    Problem,
    read_table,
    register,
)
from trackwell.interop.values import clean_text, parse_date, parse_sex, parse_year
from trackwell.pupils import services as pupil_services
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass, StaffAssignment, nc_year_label
from trackwell.pupils.upn import is_valid_upn

SYSTEM = "oneroster"
FILES = (
    "manifest",
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "enrollments",
    "demographics",
)
REQUIRED_COLUMNS = {
    "manifest": ("propertyname", "value"),
    "orgs": ("sourcedid", "name", "type"),
    "academicSessions": ("sourcedid", "title", "type", "startdate", "enddate"),
    "courses": ("sourcedid", "title"),
    "classes": ("sourcedid", "title", "schoolsourcedid"),
    "users": ("sourcedid", "role", "givenname", "familyname"),
    "enrollments": ("sourcedid", "classsourcedid", "usersourcedid", "role"),
    "demographics": ("usersourcedid",),
}
BUNDLE_LIMITS = Limits(max_bytes=20_000_000, max_rows=20_000, max_cell=1_000)
FILE_LIMITS = Limits(max_bytes=5_000_000, max_rows=20_000, max_cell=1_000)
STAFF_ROLES = {"teacher": Role.TEACHER, "aide": Role.TA}


def bundle_from_folder(path: Path) -> bytes:
    """A folder of OneRoster CSV files as a zip in memory, so both arrive the same way."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bundle:
        for name in FILES:
            file = path / f"{name}.csv"
            if file.is_file():
                bundle.writestr(f"{name}.csv", file.read_bytes())
    return out.getvalue()


def _read_zip(data: bytes) -> tuple[dict[str, bytes], list[Problem]]:
    try:
        bundle = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in bundle.infolist() if not i.is_dir() and "__MACOSX" not in i.filename]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        return {}, [Problem(f"The file is not a zip of OneRoster CSV files ({exc}).")]
    wanted = {f"{name.lower()}.csv": name for name in FILES}
    found: dict[str, bytes] = {}
    total = 0
    for info in infos:
        base = info.filename.rsplit("/", 1)[-1].lower()
        if base not in wanted:
            continue
        # Sizes are checked from the zip's directory before anything is unpacked.
        total += info.file_size
        if info.file_size > FILE_LIMITS.max_bytes or total > BUNDLE_LIMITS.max_bytes:
            return {}, [
                Problem(
                    f"{base} unpacks to more than the limit (a bundle may hold at most "
                    f"{BUNDLE_LIMITS.max_bytes // 1_000_000} MB of CSV, "
                    f"{FILE_LIMITS.max_bytes // 1_000_000} MB a file)."
                )
            ]
        try:
            with bundle.open(info) as handle:
                content = handle.read(FILE_LIMITS.max_bytes + 1)
        except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, NotImplementedError) as exc:
            return {}, [Problem(f"{base} could not be unpacked ({exc}).")]
        if len(content) > FILE_LIMITS.max_bytes:
            return {}, [Problem(f"{base} is larger than its zip entry says; it was not read.")]
        found[wanted[base]] = content
    return found, []


def _rows(name: str, content: bytes) -> tuple[list[dict[str, Any]], list[Problem]]:
    if not content.strip():
        return [], []  # a header-less empty file: nothing of that kind
    table, problems = read_table(content, FILE_LIMITS)
    file = f"{name}.csv"
    if table is None:
        return [], [Problem(p.message, p.row, p.column, file) for p in problems]
    headers = [h.strip().lower() for h in table.headers]
    missing = [c for c in REQUIRED_COLUMNS[name] if c not in headers]
    if missing:
        return [], [Problem(f"the header needs the column(s) {', '.join(missing)}.", 1, file=file)]
    rows = []
    for number, cells in table.rows:
        row: dict[str, Any] = {"_row": number}
        for index, header in enumerate(headers):
            if header and header not in row:
                row[header] = cells[index].strip() if index < len(cells) else ""
        rows.append(row)
    return rows, []


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
        files, problems = _read_zip(data)
        if problems:
            return Parsed(errors=problems)
        if "manifest" not in files:
            return Parsed(errors=[Problem("The bundle has no manifest.csv: it is not OneRoster.")])
        parsed: dict[str, list[dict[str, Any]]] = {}
        for name in FILES:
            rows, found = _rows(name, files.get(name, b""))
            problems += found
            parsed[name] = rows
        if problems:
            return Parsed(errors=problems)
        manifest = {r["propertyname"]: r["value"] for r in parsed["manifest"]}
        warnings = []
        version = manifest.get("oneroster.version", "")
        if version != "1.1":
            warnings.append(
                f"The manifest says OneRoster version {version or '(none)'}; Trackwell reads 1.1."
            )
        for name in ("orgs", "classes", "users", "enrollments"):
            empty = manifest.get(f"file.{name}", "bulk") == "absent" or not parsed[name]
            if empty and name in ("orgs", "users"):
                problems.append(Problem(f"The bundle has no {name}.csv rows.", file=f"{name}.csv"))
        for name in FILES[1:]:
            if manifest.get(f"file.{name}") == "delta":
                problems.append(
                    Problem(
                        "this is a delta file; Trackwell imports bulk bundles (every record).",
                        file=f"{name}.csv",
                    )
                )
        for name in ("orgs", "academicSessions", "courses", "classes", "users", "enrollments"):
            seen: dict[str, int] = {}
            for row in parsed[name]:
                ident = row.get("sourcedid", "")
                if not ident:
                    problems.append(
                        Problem(
                            "the sourcedId is missing.", row["_row"], "sourcedId", f"{name}.csv"
                        )
                    )
                elif ident in seen:
                    problems.append(
                        Problem(
                            f"sourcedId {ident!r} is also on row {seen[ident]}.",
                            row["_row"],
                            "sourcedId",
                            f"{name}.csv",
                        )
                    )
                else:
                    seen[ident] = row["_row"]
        if problems:
            return Parsed(errors=problems, warnings=warnings)
        data_out = {name: parsed[name] for name in FILES}
        data_out["manifest_values"] = [manifest]
        return Parsed(data=data_out, warnings=warnings)

    # -- planning -----------------------------------------------------------------------------

    def plan(self, school: School, data: Any, options: dict[str, Any]) -> Plan:
        plan = Plan()
        active = {
            name: [r for r in data[name] if r.get("status", "").lower() != "tobedeleted"]
            for name in FILES
        }
        org = self._org(school, active["orgs"], options, plan)
        if org is None:
            return plan
        org_id = org["sourcedid"]
        links = {
            (record, ext): obj
            for record, ext, obj in ExternalId.objects.filter(
                school=school, system=SYSTEM
            ).values_list("record", "external_id", "object_id")
        }
        sessions = {r["sourcedid"]: r for r in active["academicSessions"]}
        courses = {r["sourcedid"]: r for r in active["courses"]}
        years = list(AcademicYear.objects.filter(school=school))
        current = next((y for y in years if y.is_current), None)
        by_pk_year = {y.pk: y for y in years}
        ended = {y.pk for y in years if not y.is_current and y.end_date < pupil_services.today()}
        demographics = {r["usersourcedid"]: r for r in active["demographics"]}

        # Users of this school: pupils and staff.
        users = [u for u in active["users"] if org_id in _ids(u.get("orgsourcedids", ""))]
        pupil_rows = [u for u in users if u["role"].lower() == "student"]
        staff_rows = [u for u in users if u["role"].lower() in STAFF_ROLES]
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
        classes_by_pk = {
            c.pk: c for c in SchoolClass.objects.filter(school=school).select_related("year")
        }

        pupil_for: dict[str, Pupil | str] = {}  # sourcedId → pupil, or the UPN of a new one
        upn_rows: dict[str, int] = {}
        for row in pupil_rows:
            # Two users with one UPN would be two pupils with one UPN: refused at commit.
            if (upn := _upn_of(row)) and upn_rows.setdefault(upn, row["_row"]) != row["_row"]:
                plan.errors.append(
                    Problem(
                        f"UPN {upn} is also on row {upn_rows[upn]}; each pupil once.",
                        row["_row"],
                        "identifier",
                        "users.csv",
                    )
                )
                continue
            found = self._plan_pupil(row, demographics, pupils, pupils_by_pk, links, plan)
            if found is not None:
                pupil_for[row["sourcedid"]] = found
        staff_for: dict[str, User | str] = {}
        for row in staff_rows:
            found_staff = self._plan_staff(row, staff, staff_by_pk, links, plan)
            if found_staff is not None:
                staff_for[row["sourcedid"]] = found_staff

        # Classes of this school, each in its academic year.
        enrolments = [
            e for e in active["enrollments"] if e.get("schoolsourcedid", org_id) in ("", org_id)
        ]
        grades_of: dict[str, list[int]] = {}
        for e in enrolments:
            if e["role"].lower() == "student":
                grade = self._pupil_year(pupil_for.get(e["usersourcedid"]), plan)
                if grade is not None:
                    grades_of.setdefault(e["classsourcedid"], []).append(grade)
        class_for: dict[str, SchoolClass | tuple[int, str]] = {}
        existing = {(c.year_id, c.name.casefold()): c for c in classes_by_pk.values()}
        for row in active["classes"]:
            if row["schoolsourcedid"] != org_id:
                continue
            year = self._year_for(row, sessions, years, current, plan)
            if year is None:
                continue
            nc_year = self._class_grade(row, courses, grades_of)
            name = clean_text(row["title"])[:60]
            if not name:
                plan.errors.append(
                    Problem("the class has no title.", row["_row"], "title", "classes.csv")
                )
                continue
            linked = links.get(("class", row["sourcedid"]))
            school_class = classes_by_pk.get(linked) if linked else None
            school_class = school_class or existing.get((year.pk, name.casefold()))
            if school_class is None:
                if nc_year is None:
                    plan.errors.append(
                        Problem(
                            "the class has no grade, and none of its pupils has one: give the "
                            "class a grade (its year group).",
                            row["_row"],
                            "grades",
                            "classes.csv",
                        )
                    )
                    continue
                plan.changes.append(
                    Change(
                        "create",
                        "class",
                        row["sourcedid"],
                        f"{name} ({nc_year_label(nc_year)}, {year.name})",
                        fields=[FieldChange("name", "Name", None, name)],
                        row=row["_row"],
                        data={
                            "name": name,
                            "nc_year": nc_year,
                            "year": year.pk,
                            "ref": row["sourcedid"],
                        },
                    )
                )
                class_for[row["sourcedid"]] = (year.pk, name)
                continue
            class_for[row["sourcedid"]] = school_class
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
                plan.changes.append(
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
            plan.context.setdefault("links", []).append(
                ("class", row["sourcedid"], school_class.pk)
            )

        # Enrolments and staff assignments.
        have_pupils = set(
            Enrolment.objects.filter(school=school).values_list("pupil_id", "school_class_id")
        )
        have_staff = set(
            StaffAssignment.objects.filter(school=school).values_list("user_id", "school_class_id")
        )
        for e in enrolments:
            target = class_for.get(e["classsourcedid"])
            role = e["role"].lower()
            if target is None:
                continue
            class_label = target.name if isinstance(target, SchoolClass) else target[1]
            class_ref = target.pk if isinstance(target, SchoolClass) else None
            year_of = target.year if isinstance(target, SchoolClass) else by_pk_year[target[0]]
            if year_of.pk in ended and role == "student":
                # A year that has ended keeps its classes as they were (refused at commit).
                plan.errors.append(
                    Problem(
                        f"{class_label} is a class of {year_of.name}, which has ended: its "
                        "pupils are kept as they were. Export this year's enrolments.",
                        e["_row"],
                        "classSourcedId",
                        "enrollments.csv",
                    )
                )
                continue
            if role == "student":
                who = pupil_for.get(e["usersourcedid"])
                if who is None:
                    continue
                if isinstance(who, Pupil) and who.left_on is not None:
                    continue
                if (
                    isinstance(who, Pupil)
                    and class_ref is not None
                    and (who.pk, class_ref) in have_pupils
                ):
                    continue
                label = who.full_name if isinstance(who, Pupil) else who
                plan.changes.append(
                    Change(
                        "enrol",
                        "pupil",
                        e["sourcedid"],
                        f"{label} into {class_label}",
                        row=e["_row"],
                        data={
                            "pupil": who.pk if isinstance(who, Pupil) else None,
                            "upn": who.upn if isinstance(who, Pupil) else who,
                            "class": class_ref,
                            "class_ref": e["classsourcedid"],
                        },
                    )
                )
            elif role in STAFF_ROLES:
                member = staff_for.get(e["usersourcedid"])
                if member is None:
                    continue
                if (
                    isinstance(member, User)
                    and class_ref is not None
                    and (member.pk, class_ref) in have_staff
                ):
                    continue
                label = member.display_name if isinstance(member, User) else member
                plan.changes.append(
                    Change(
                        "assign",
                        "staff",
                        e["sourcedid"],
                        f"{label} to {class_label}",
                        row=e["_row"],
                        data={
                            "user": member.pk if isinstance(member, User) else None,
                            "email": member.email if isinstance(member, User) else member,
                            "class": class_ref,
                            "class_ref": e["classsourcedid"],
                        },
                    )
                )
        return plan

    def _org(
        self, school: School, orgs: list[dict[str, Any]], options: dict[str, Any], plan: Plan
    ) -> dict[str, Any] | None:
        schools = [o for o in orgs if o.get("type", "").lower() == "school"]
        chosen = str(options.get("org") or "").strip()
        if chosen:
            match = [o for o in orgs if o["sourcedid"] == chosen]
        elif len(schools) == 1:
            match = schools
        else:
            match = [
                o
                for o in schools
                if school.urn and school.urn in (o.get("identifier", ""), o["sourcedid"])
            ]
        if len(match) == 1:
            return match[0]
        listed = "; ".join(f"{o['sourcedid']} ({o.get('name', '')})" for o in schools) or "none"
        plan.errors.append(
            Problem(
                (f"The bundle has no org {chosen!r}. " if chosen else "")
                + f"Choose which of the bundle's schools is {school.name}: {listed}.",
                file="orgs.csv",
            )
        )
        return None

    def _plan_pupil(
        self,
        row: dict[str, Any],
        demographics: dict[str, dict[str, Any]],
        pupils: dict[str, Pupil],
        pupils_by_pk: dict[int, Pupil],
        links: dict[tuple[str, str], int],
        plan: Plan,
    ) -> Pupil | str | None:
        number, before = row["_row"], len(plan.errors)

        def bad(column: str, message: str, file: str = "users.csv", at: int = number) -> None:
            plan.errors.append(Problem(message, at, column, file))

        upn = _upn_of(row)
        linked = links.get(("pupil", row["sourcedid"]))
        pupil = pupils_by_pk.get(linked) if linked else None
        if pupil is None and upn:
            pupil = pupils.get(upn)
        if pupil is None and not upn:
            bad(
                "identifier",
                f"{row.get('identifier', '')!r} is not a UPN. Trackwell matches pupils by UPN: "
                "put each pupil's UPN in identifier (or an ext_upn column).",
            )
        values: dict[str, Any] = {}
        for name, column in (("first_name", "givenname"), ("last_name", "familyname")):
            text = clean_text(row.get(column, ""))
            if not text or len(text) > 100:
                bad(column, "the name is missing." if not text else "the name is too long.")
            values[name] = text
        if upn:
            values["upn"] = upn
        demo = demographics.get(row["sourcedid"])
        if demo is None:
            if pupil is None:
                bad(
                    "sourcedId",
                    f"demographics.csv has no row for {row['sourcedid']!r}: a new pupil needs "
                    "a date of birth and sex.",
                )
        else:
            try:
                born = parse_date(demo.get("birthdate", ""))
                if born > pupil_services.today() or born.year < 1990:
                    raise ValueError(f"{demo.get('birthdate')!r} is not a pupil's date of birth.")
                values["date_of_birth"] = born.isoformat()
            except ValueError as exc:
                bad("birthDate", str(exc), "demographics.csv", demo["_row"])
            try:
                values["sex"] = parse_sex(demo.get("sex", ""))
            except ValueError as exc:
                bad("sex", str(exc), "demographics.csv", demo["_row"])
        grade = _grade_of(row)
        if grade:
            try:
                values["nc_year"] = _grade(grade)
            except ValueError as exc:
                bad("grades", str(exc))
        elif pupil is None:
            bad("grades", "a new pupil needs a year group: give their grade.")
        if len(plan.errors) > before:
            return None
        if pupil is None:
            plan.changes.append(
                Change(
                    "create",
                    "pupil",
                    upn,
                    f"{values['first_name']} {values['last_name']}",
                    fields=[
                        FieldChange(k, k.replace("_", " "), None, v) for k, v in values.items()
                    ],
                    row=number,
                    data={"values": values, "ref": row["sourcedid"]},
                )
            )
            return upn
        plan.context.setdefault("links", []).append(("pupil", row["sourcedid"], pupil.pk))
        if pupil.left_on is not None:
            plan.warnings.append(
                f"users.csv, row {number}: {pupil.full_name} has left; their record is read-only "
                "and is not changed."
            )
            return pupil
        changed = {}
        fields = []
        for name, value in values.items():
            old = getattr(pupil, name)
            old_json = old.isoformat() if isinstance(old, dt.date) else old
            if old_json != value:
                changed[name] = value
                fields.append(
                    FieldChange(name, pupil_services.LABELS.get(name, name), old_json, value)
                )
        if changed:
            plan.changes.append(
                Change(
                    "change",
                    "pupil",
                    pupil.upn,
                    pupil.full_name,
                    fields=fields,
                    row=number,
                    data={"pupil": pupil.pk, "values": changed},
                )
            )
        return pupil

    def _plan_staff(
        self,
        row: dict[str, Any],
        staff: dict[str, User],
        staff_by_pk: dict[int, User],
        links: dict[tuple[str, str], int],
        plan: Plan,
    ) -> User | str | None:
        email = row.get("email", "").strip().lower()
        linked = links.get(("user", row["sourcedid"]))
        member = staff_by_pk.get(linked) if linked else None
        member = member or (staff.get(email) if email else None)
        first, last = clean_text(row.get("givenname", "")), clean_text(row.get("familyname", ""))
        if member is not None:
            plan.context.setdefault("links", []).append(("user", row["sourcedid"], member.pk))
            return member
        if not email:
            plan.errors.append(
                Problem(
                    "a new member of staff needs an email address (their sign-in).",
                    row["_row"],
                    "email",
                    "users.csv",
                )
            )
            return None
        try:
            validate_email(email)
            if len(email) > 150:  # the email is their username
                raise ValidationError("too long")
        except ValidationError:
            plan.errors.append(
                Problem(f"{email!r} is not an email address.", row["_row"], "email", "users.csv")
            )
            return None
        if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
            plan.errors.append(
                Problem(
                    f"{email} already signs in to Trackwell (another school's account, or an "
                    "account without this email); each member of staff needs their own address.",
                    row["_row"],
                    "email",
                    "users.csv",
                )
            )
            return None
        # What creating the account would refuse at commit, named here by row and column.
        names: list[tuple[str, str]] = [("givenName", first), ("familyName", last)]
        named = [(c, n) for c, n in names if not n or len(n) > 150]
        for column, name in named:
            plan.errors.append(
                Problem(
                    "the name is missing."
                    if not name
                    else "the name is longer than 150 characters.",
                    row["_row"],
                    column,
                    "users.csv",
                )
            )
        twice = next(
            (
                c.row
                for c in plan.changes
                if c.kind == "staff" and c.action == "create" and c.key == email
            ),
            None,
        )
        if twice is not None:
            plan.errors.append(
                Problem(
                    f"{email} is also on row {twice}; each member of staff once.",
                    row["_row"],
                    "email",
                    "users.csv",
                )
            )
        if named or twice is not None:
            return None
        role = STAFF_ROLES[row["role"].lower()]
        plan.changes.append(
            Change(
                "create",
                "staff",
                email,
                f"{first} {last}",
                fields=[
                    FieldChange("email", "Email", None, email),
                    FieldChange("role", "Role", None, Role(role).label),
                ],
                row=row["_row"],
                data={
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "role": role,
                    "ref": row["sourcedid"],
                },
            )
        )
        return email

    def _pupil_year(self, who: Pupil | str | None, plan: Plan) -> int | None:
        if isinstance(who, Pupil):
            return who.nc_year
        if isinstance(who, str):
            for change in plan.changes:
                if change.kind == "pupil" and change.action == "create" and change.key == who:
                    year = change.data["values"].get("nc_year")
                    return int(year) if year is not None else None
        return None

    def _year_for(
        self,
        row: dict[str, Any],
        sessions: dict[str, dict[str, Any]],
        years: list[AcademicYear],
        current: AcademicYear | None,
        plan: Plan,
    ) -> AcademicYear | None:
        refs = _ids(row.get("termsourcedids", ""))
        session = next((sessions[r] for r in refs if r in sessions), None)
        # A term's school year is its parent; a school year is its own. A bundle whose
        # parents go round in a circle reaches no school year (and does not loop).
        seen: set[str] = set()
        while session is not None and session.get("type", "").lower() != "schoolyear":
            seen.add(session["sourcedid"])
            parent = session.get("parentsourcedid", "")
            session = sessions.get(parent) if parent and parent not in seen else None
        if session is None:
            if current is None:
                plan.errors.append(
                    Problem(
                        "the class names no school year in academicSessions.csv, and the school "
                        "has no current academic year to put it in: set the year up first.",
                        row["_row"],
                        "termSourcedIds",
                        "classes.csv",
                    )
                )
            return current
        try:
            start = parse_date(session.get("startdate", ""))
            end = parse_date(session.get("enddate", ""))
        except ValueError as exc:
            plan.errors.append(
                Problem(str(exc), session["_row"], "startDate", "academicSessions.csv")
            )
            return None
        middle = start + (end - start) / 2
        match = next((y for y in years if y.start_date <= middle <= y.end_date), None)
        if match is None:
            plan.errors.append(
                Problem(
                    f"the school year {session.get('title', '')!r} ({start:%d/%m/%Y} to "
                    f"{end:%d/%m/%Y}) is not set up in Trackwell: add it, with its assessment "
                    "points, on the Years page first.",
                    session["_row"],
                    "title",
                    "academicSessions.csv",
                )
            )
        return match

    def _class_grade(
        self,
        row: dict[str, Any],
        courses: dict[str, dict[str, Any]],
        grades_of: dict[str, list[int]],
    ) -> int | None:
        for text in (
            row.get("grades", ""),
            row.get("grade", ""),
            courses.get(row.get("coursesourcedid", ""), {}).get("grades", ""),
        ):
            first = next(iter(_ids(text)), "")
            if first:
                try:
                    return _grade(first)
                except ValueError:
                    continue
        counts = Counter(grades_of.get(row["sourcedid"], []))
        return counts.most_common(1)[0][0] if counts else None

    # -- writing ------------------------------------------------------------------------------

    def apply(
        self, *, user: User | None, school: School, plan: Plan, options: dict[str, Any]
    ) -> dict[str, int]:
        made_classes: dict[str, SchoolClass] = {}
        made_pupils: dict[str, Pupil] = {}
        made_staff: dict[str, User] = {}
        links: list[tuple[str, str, int]] = list(plan.context.get("links", []))
        done: Counter[str] = Counter()
        effective = pupil_services.today()
        change: Change | None = None
        try:
            for change in plan.changes:
                d = change.data
                if change.kind == "pupil" and change.action == "create":
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
                    pupil_services.update_pupil(
                        user, school, pupil, values, effective_from=effective
                    )
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
                    year = AcademicYear.objects.get(pk=d["year"], school=school)
                    school_class = pupil_services.create_class(
                        user, school, year=year, name=d["name"], nc_year=d["nc_year"]
                    )
                    made_classes[d["ref"]] = school_class
                    links.append(("class", d["ref"], school_class.pk))
                elif change.kind == "class" and change.action == "change":
                    school_class = SchoolClass.objects.get(pk=d["class"], school=school)
                    pupil_services.update_class(
                        user,
                        school,
                        school_class,
                        name=d["name"],
                        nc_year=d["nc_year"],
                        staff_ids=list(school_class.assignments.values_list("user_id", flat=True)),
                        expected_version=None,
                    )
                elif change.action == "enrol":
                    school_class = self._class(d, made_classes, school)
                    pupil = (
                        Pupil.objects.get(pk=d["pupil"], school=school)
                        if d["pupil"]
                        else made_pupils[d["upn"]]
                    )
                    pupil_services.enrol_pupil(user, school, pupil, school_class)
                elif change.action == "assign":
                    school_class = self._class(d, made_classes, school)
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
            raise ValidationError(
                [where + m + " Nothing was saved." for m in exc.messages]
            ) from exc
        known = set(
            ExternalId.objects.filter(school=school, system=SYSTEM).values_list(
                "record", "external_id"
            )
        )
        ExternalId.objects.bulk_create(
            ExternalId(school=school, system=SYSTEM, record=r, external_id=e, object_id=o)
            for r, e, o in links
            if (r, e) not in known
        )
        return dict(done)

    def _class(
        self, data: dict[str, Any], made: dict[str, SchoolClass], school: School
    ) -> SchoolClass:
        if data["class"]:
            return SchoolClass.objects.get(pk=data["class"], school=school)
        return made[data["class_ref"]]

    def describe_result(self, plan: Plan, result: Any) -> str:
        if not plan.changes:
            return "Nothing to change: Trackwell already matches this bundle."
        words = {
            "create pupil": "pupils added",
            "change pupil": "pupils updated",
            "create staff": "staff added (invite them from the Staff page)",
            "create class": "classes added",
            "change class": "classes updated",
            "enrol pupil": "enrolments",
            "assign staff": "staff given classes",
        }
        return "Imported: " + ", ".join(f"{n} {words.get(k, k)}" for k, n in result.items()) + "."


def _ids(text: str) -> list[str]:
    return [part.strip() for part in str(text).split(",") if part.strip()]


def _upn_of(row: dict[str, Any]) -> str:
    candidates = [row.get("identifier", "")] + [
        v for k, v in row.items() if k.startswith("ext") and "upn" in k
    ]
    for value in candidates:
        upn = "".join(str(value).split()).upper()
        if is_valid_upn(upn):
            return upn
    return ""


def _grade_of(row: dict[str, Any]) -> str:
    if row.get("grades"):
        return _ids(row["grades"])[0] if _ids(row["grades"]) else ""
    for key, value in row.items():
        if key.startswith("ext") and key.endswith("grade") and value:
            return str(value)
    return ""


def _grade(text: str) -> int:
    """A OneRoster grade as an NC year: KG or R is Reception; a number is the year group."""
    key = text.strip().upper()
    if key in {"KG", "K", "R", "RE", "REC"}:
        return 0
    return parse_year(key.lstrip("0") or "0")


register(OneRosterImport())
