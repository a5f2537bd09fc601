"""Parents' and carers' contact details imported with pupils (MIS CSV and OneRoster agents).

Both imports hand each pupil's contacts to `plan_contacts`, which matches them
to the pupil's live links (by email, then by name) and plans a change field by
field, or a new contact; `apply_contact` writes one through the parents app's
services. Accounts are never made: the school still invites each parent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from trackwell.accounts.models import User
from trackwell.core.models import School
from trackwell.interop.mapping import Field
from trackwell.interop.pipeline import Change, FieldChange, Plan
from trackwell.interop.values import clean_text, parse_bool
from trackwell.pupils.models import Pupil

CONTACTS_PER_PUPIL = 2
PARTS = ("name", "first_name", "last_name", "relationship", "email", "phone", "responsibility")
LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "relationship": "Relationship",
    "parental_responsibility": "Parental responsibility",
}


def _synonyms(n: int, part: str) -> tuple[str, ...]:
    """The header names SIMS, Arbor and Bromcom exports give contact `n`'s `part`."""
    who = [f"contact {n}", f"priority {n} contact", f"contact priority {n}", f"parent {n}"]
    words = {
        "name": ["name", "full name"],
        "first_name": ["forename", "first name", "given name", "legal forename"],
        "last_name": ["surname", "last name", "family name", "legal surname"],
        "relationship": ["relationship", "relation", "relationship to pupil"],
        "email": ["email", "email address", "e mail"],
        "phone": ["telephone", "phone", "mobile", "mobile phone", "telephone number"],
        "responsibility": ["parental responsibility", "has parental responsibility", "pr"],
    }[part]
    names = [f"{w} {word}" for w in who for word in words]
    if n == 1:  # the primary carer's columns, as Arbor and Bromcom name them
        names += [f"primary carer {word}" for word in words]
        names += [f"primary contact {word}" for word in words]
        if part == "responsibility":
            names.append("parental responsibility")
        if part == "email":
            names += ["parent email", "parent carer email"]
    return tuple(names)


def contact_fields() -> tuple[Field, ...]:
    """Mapping fields for the first two contacts of each pupil."""
    label = {
        "name": "name (full)",
        "first_name": "first name",
        "last_name": "surname",
        "relationship": "relationship",
        "email": "email",
        "phone": "phone",
        "responsibility": "parental responsibility",
    }
    return tuple(
        Field(
            f"contact{n}_{part}",
            f"Contact {n} {label[part]}",
            _synonyms(n, part),
            help="Creates or updates the pupil's parent or carer contact (no account).",
        )
        for n in range(1, CONTACTS_PER_PUPIL + 1)
        for part in PARTS
    )


def read_contacts(
    cell: Callable[[str], str], bad: Callable[[str, str], None], columns: Any
) -> list[dict[str, Any]]:
    """A row's contacts; `bad(field, message)` names each bad cell by row and column."""
    found = []
    emails: set[str] = set()
    for n in range(1, CONTACTS_PER_PUPIL + 1):

        def f(part: str, n: int = n) -> str:
            return f"contact{n}_{part}"

        given = {part: clean_text(cell(f(part))) for part in PARTS if f(part) in columns}
        if not any(given.values()):
            continue
        first, last = given.get("first_name", ""), given.get("last_name", "")
        if given.get("name") and not (first and last):
            words = given["name"].replace(",", " ").split()
            # "Surname, Forename" (SIMS) or "Forename Surname".
            if "," in given["name"]:
                last, first = given["name"].split(",", 1)[0].strip(), " ".join(words[1:])
            else:
                first, last = " ".join(words[:-1]), words[-1] if words else ""
        field_for_name = f("name") if f("name") in columns else f("last_name")
        if not first or not last:
            where = (
                field_for_name
                if field_for_name in columns
                else next(f(p) for p in PARTS if f(p) in columns)
            )
            bad(where, f"contact {n} needs a first name and a surname.")
            continue
        if len(first) > 100 or len(last) > 100:
            bad(field_for_name, f"contact {n}'s name is longer than 100 characters.")
            continue
        contact: dict[str, Any] = {"first_name": first, "last_name": last}
        if "email" in given:
            email = given["email"].strip().lower()
            if email:
                try:
                    validate_email(email)
                    if len(email) > 254:
                        raise ValidationError("too long")
                except ValidationError:
                    bad(f("email"), f"{given['email']!r} is not an email address.")
                    continue
                if email in emails:
                    bad(f("email"), f"{email} is given for two contacts of this pupil.")
                    continue
                emails.add(email)
            contact["email"] = email
        if "phone" in given:
            if len(given["phone"]) > 40:
                bad(f("phone"), "the phone number is longer than 40 characters.")
                continue
            contact["phone"] = given["phone"]
        if "relationship" in given:
            contact["relationship"] = given["relationship"][:60]
        if given.get("responsibility"):
            try:
                contact["parental_responsibility"] = parse_bool(given["responsibility"])
            except ValueError as exc:
                bad(f("responsibility"), str(exc))
                continue
        found.append(contact)
    return found


def plan_contacts(
    school: School,
    plan: Plan,
    entries: list[tuple[Pupil | str, str, list[dict[str, Any]], int | None]],
) -> None:
    """Plan each pupil's contacts: (pupil or new pupil's UPN, their name, contacts, row)."""
    from trackwell.parents.models import ChildLink

    live: dict[int, list[ChildLink]] = {}
    for link in ChildLink.objects.filter(school=school, revoked_at__isnull=True).select_related(
        "contact"
    ):
        live.setdefault(link.pupil_id, []).append(link)
    for who, name, contacts, row in entries:
        links = live.get(who.pk, []) if isinstance(who, Pupil) else []
        for contact in contacts:
            link = _match(links, contact)
            label = f"{contact['first_name']} {contact['last_name']} for {name}"
            if link is None:
                plan.changes.append(
                    Change(
                        "create",
                        "contact",
                        f"{getattr(who, 'upn', who)}:{contact.get('email') or label}",
                        label,
                        fields=[
                            FieldChange(k, LABELS[k], None, _shown(v))
                            for k, v in contact.items()
                            if v not in ("", None)
                        ],
                        row=row,
                        data={
                            "pupil": who.pk if isinstance(who, Pupil) else None,
                            "upn": getattr(who, "upn", who),
                            "values": contact,
                        },
                        notes=["No account is made: invite them from the pupil's family page."],
                    )
                )
                continue
            links = [other for other in links if other.pk != link.pk]
            fields, changed = [], {}
            for key, value in contact.items():
                holder = (
                    link if key in ("relationship", "parental_responsibility") else link.contact
                )
                old = getattr(holder, key)
                if key == "email":
                    old = (old or "").lower()
                if old != value:
                    fields.append(FieldChange(key, LABELS[key], _shown(old), _shown(value)))
                    changed[key] = value
            if changed:
                plan.changes.append(
                    Change(
                        "change",
                        "contact",
                        f"{link.pk}",
                        f"{link.contact.full_name} for {name}",
                        fields=fields,
                        row=row,
                        data={"link": link.pk, "values": changed},
                    )
                )


def _shown(value: Any) -> Any:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return value


def _match(links: list[Any], contact: dict[str, Any]) -> Any:
    email = contact.get("email") or ""
    if email:
        for link in links:
            if link.contact.email.lower() == email:
                return link
    key = (contact["first_name"].casefold(), contact["last_name"].casefold())
    for link in links:
        if (link.contact.first_name.casefold(), link.contact.last_name.casefold()) == key:
            return link
    return None


def apply_contact(
    user: User | None, school: School, change: Change, made: dict[str, Pupil]
) -> None:
    """Write one planned contact change through the parents app's services."""
    from trackwell.parents import services as parent_services
    from trackwell.parents.models import ChildLink

    d = change.data
    if change.action == "create":
        pupil = Pupil.objects.get(pk=d["pupil"], school=school) if d["pupil"] else made[d["upn"]]
        values = dict(d["values"])
        parent_services.add_contact(
            user=user,
            pupil=pupil,
            first_name=values["first_name"],
            last_name=values["last_name"],
            email=values.get("email", ""),
            phone=values.get("phone", ""),
            relationship=values.get("relationship", ""),
            parental_responsibility=values.get("parental_responsibility"),
        )
    else:
        link = ChildLink.objects.get(pk=d["link"], school=school)
        parent_services.update_imported_contact(user=user, link=link, values=d["values"])
