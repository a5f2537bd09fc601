"""The bundle's users: pupils (students) and staff (teachers and aides), matched and planned."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from trackwell.accounts.models import Role, User
from trackwell.interop.pipeline import Change, FieldChange, Plan, Problem
from trackwell.interop.values import clean_text, parse_date, parse_sex, parse_year
from trackwell.pupils import services as pupil_services
from trackwell.pupils.models import Pupil
from trackwell.pupils.upn import is_valid_upn

from .bundle import ids
from .roster import Roster

STAFF_ROLES = {"teacher": Role.TEACHER, "aide": Role.TA}


def plan_pupil(
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

    upn = upn_of(row)
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
    grade = grade_of(row)
    if grade:
        try:
            values["nc_year"] = nc_year_of(grade)
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
                fields=[FieldChange(k, k.replace("_", " "), None, v) for k, v in values.items()],
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
            fields.append(FieldChange(name, pupil_services.LABELS.get(name, name), old_json, value))
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


def plan_staff(
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
                "the name is missing." if not name else "the name is longer than 150 characters.",
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


def pupil_year(who: Pupil | str | None, plan: Plan) -> int | None:
    if isinstance(who, Pupil):
        return who.nc_year
    if isinstance(who, str):
        for change in plan.changes:
            if change.kind == "pupil" and change.action == "create" and change.key == who:
                year = change.data["values"].get("nc_year")
                return int(year) if year is not None else None
    return None


def upn_of(row: dict[str, Any]) -> str:
    candidates = [row.get("identifier", "")] + [
        v for k, v in row.items() if k.startswith("ext") and "upn" in k
    ]
    for value in candidates:
        upn = "".join(str(value).split()).upper()
        if is_valid_upn(upn):
            return upn
    return ""


def grade_of(row: dict[str, Any]) -> str:
    if row.get("grades"):
        return ids(row["grades"])[0] if ids(row["grades"]) else ""
    for key, value in row.items():
        if key.startswith("ext") and key.endswith("grade") and value:
            return str(value)
    return ""


def nc_year_of(text: str) -> int:
    """A OneRoster grade as an NC year: KG or R is Reception; a number is the year group."""
    key = text.strip().upper()
    if key in {"KG", "K", "R", "RE", "REC"}:
        return 0
    return parse_year(key.lstrip("0") or "0")


def plan_leavers(
    r: Roster,
    pupils: dict[str, Pupil],
    removed: list[dict[str, Any]],
    *,
    full: bool,
    left_on: str,
) -> set[int]:
    """Pupils the bundle removes (`tobedeleted`) or, in a bulk users file, no longer lists.

    They are offered as leavers (marked as left on commit, never deleted). A delta
    users file, or none, offers only the ones it removes. Returns their pks.
    """
    leaving: dict[int, tuple[Pupil, int | None, str]] = {}
    for row in removed:
        if row.get("role", "").lower() != "student":
            if row.get("role", "").lower() in STAFF_ROLES:
                r.plan.warnings.append(
                    f"users.csv, row {row['_row']}: {row.get('givenname', '')} "
                    f"{row.get('familyname', '')} is removed in the bundle; staff accounts are "
                    "not changed by an import (deactivate them on the Staff page)."
                )
            continue
        orgs = ids(row.get("orgsourcedids", ""))
        if orgs and r.org_id not in orgs:
            continue
        linked = r.links.get(("pupil", row["sourcedid"]))
        pupil = r.pupils_by_pk.get(linked) if linked else None
        upn = upn_of(row)
        pupil = pupil or (pupils.get(upn) if upn else None)
        if pupil is not None:
            when = row.get("datelastmodified", "")
            note = "Removed in the bundle" + (f" (changed {when})" if when else "")
            leaving[pupil.pk] = (pupil, row["_row"], note)
    if full and r.modes.get("users") == "bulk":
        listed = {p.pk for p in r.pupil_for.values() if isinstance(p, Pupil)}
        on_roll = [p for p in r.pupils_by_pk.values() if p.left_on is None]
        if on_roll and not r.pupil_for:
            # A users file with no pupil of this school (staff only, or another school's)
            # would mark the whole school as left: refused, never guessed.
            r.plan.errors.append(
                Problem(
                    f"users.csv lists no pupil of this school, so all {len(on_roll)} pupils on "
                    "roll would be marked as left. Check that the bundle is this school's and "
                    "complete, or untick 'Offer pupils missing … as leavers'.",
                    None,
                    "role",
                    "users.csv",
                )
            )
            return set()
        for pupil in r.pupils_by_pk.values():
            if pupil.pk not in listed and pupil.pk not in leaving:
                leaving[pupil.pk] = (pupil, None, "Not in the bundle's users")
        missing = sum(1 for p in on_roll if p.pk in leaving)
        if on_roll and missing * 5 > len(on_roll):
            r.plan.warnings.append(
                f"{missing} of the {len(on_roll)} pupils on roll would be marked as left "
                "because the bundle does not list them. Check that it is the whole school's "
                "roll before you confirm."
            )
    shown = f"{dt.date.fromisoformat(left_on):%d/%m/%Y}"
    for pupil, at, note in sorted(
        leaving.values(), key=lambda t: (t[0].last_name, t[0].first_name, t[0].pk)
    ):
        if pupil.left_on is not None:
            continue
        r.plan.changes.append(
            Change(
                "leave",
                "pupil",
                pupil.upn,
                pupil.full_name,
                fields=[FieldChange("left_on", "Left on", None, shown)],
                row=at,
                data={"pupil": pupil.pk, "left_on": left_on},
                notes=[note + "; their record and judgements are kept, read-only."],
            )
        )
    return {pk for pk, (pupil, _, _) in leaving.items() if pupil.left_on is None}


PARENT_ROLES = {"parent": "Parent", "guardian": "Guardian", "relative": "Relative"}


def plan_agents(r: Roster, users: list[dict[str, Any]]) -> None:
    """Parents and guardians linked to this school's students through `agents` as contacts.

    Either side may name the other (a student's agents, or a parent's). They
    become the parents app's contacts (never accounts: the school invites).
    """
    from trackwell.interop.contacts import WHERE, plan_contacts

    by_id = {u["sourcedid"]: u for u in users}
    agents_of: dict[str, list[str]] = {}
    for u in users:
        if u.get("role", "").lower() in PARENT_ROLES:
            for child in ids(u.get("agents", "")):
                agents_of.setdefault(child, []).append(u["sourcedid"])
    entries: list[tuple[Pupil | str, str, list[dict[str, Any]], int | None]] = []
    bad_rows: set[str] = set()
    for u in users:
        who = r.pupil_for.get(u["sourcedid"])
        if u.get("role", "").lower() != "student" or who is None:
            continue
        if isinstance(who, Pupil) and who.left_on is not None:
            continue
        agent_ids = ids(u.get("agents", "")) + agents_of.get(u["sourcedid"], [])
        contacts: list[dict[str, Any]] = []
        for agent_id in dict.fromkeys(agent_ids):
            agent = by_id.get(agent_id)
            if agent is None or agent.get("role", "").lower() not in PARENT_ROLES:
                continue
            contact = _agent_contact(r, agent, bad_rows)
            if contact is None:
                continue
            # The same parent given twice (once from each side, or as two records) once.
            values = {k: v for k, v in contact.items() if k != WHERE}
            if all({k: v for k, v in c.items() if k != WHERE} != values for c in contacts):
                contacts.append(contact)
        if contacts:
            name = (
                who.full_name
                if isinstance(who, Pupil)
                else (f"{clean_text(u.get('givenname', ''))} {clean_text(u.get('familyname', ''))}")
            )
            entries.append((who, name, contacts, u["_row"]))
    plan_contacts(r.school, r.plan, entries)


def _agent_contact(r: Roster, agent: dict[str, Any], bad_rows: set[str]) -> dict[str, Any] | None:
    first, last = clean_text(agent.get("givenname", "")), clean_text(agent.get("familyname", ""))
    problems = []
    if not first or not last or len(first) > 100 or len(last) > 100:
        column = "givenName" if not first or len(first) > 100 else "familyName"
        problems.append(
            Problem(
                "a parent or guardian needs a name (at most 100 characters).",
                agent["_row"],
                column,
                "users.csv",
            )
        )
    email = agent.get("email", "").strip().lower()
    if email:
        try:
            validate_email(email)
            if len(email) > 254:
                raise ValidationError("too long")
        except ValidationError:
            problems.append(
                Problem(
                    f"{agent['email']!r} is not an email address.",
                    agent["_row"],
                    "email",
                    "users.csv",
                )
            )
    if problems:
        if agent["sourcedid"] not in bad_rows:  # named once, however many children
            bad_rows.add(agent["sourcedid"])
            r.plan.errors.extend(problems)
        return None
    from trackwell.interop.contacts import WHERE

    # A blank email or phone says nothing: what Trackwell holds is kept.
    contact: dict[str, Any] = {"first_name": first, "last_name": last}
    if email:
        contact["email"] = email
    phone = clean_text(agent.get("phone", "") or agent.get("sms", ""))[:40]
    if phone:
        contact["phone"] = phone
    contact["relationship"] = PARENT_ROLES[agent["role"].lower()]
    contact[WHERE] = {"row": agent["_row"], "file": "users.csv", "email": "email"}
    return contact
