"""Parents' and carers' contact details imported with pupils (MIS CSV and OneRoster agents).

Both imports hand each pupil's contacts to `plan_contacts`, which matches them
to the pupil's live links (by email, then by name) and plans a change field by
field, or a new contact. An email another contact of the school already holds
is resolved in the plan: the same name links that contact to the child (shown
as "link" in the preview), another name is refused by row and column; nothing
is linked that the preview did not show. A blank cell changes nothing.
`apply_contact` writes one change through the parents app's services. Accounts
are never made: the school still invites each parent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from trackwell.accounts.models import User
from trackwell.core.models import School
from trackwell.interop.mapping import Field
from trackwell.interop.pipeline import Change, FieldChange, Plan, Problem
from trackwell.interop.values import clean_text, parse_bool
from trackwell.pupils.models import Pupil

CONTACTS_PER_PUPIL = 2
# Where a contact's email is in the file ({"email": column, "row": n, "file": name}; row and
# file where they are not the pupil's), kept beside its values for the plan's problems.
WHERE = "_where"
# What belongs to a contact's link to one child rather than to the contact.
LINK_PARTS = ("relationship", "parental_responsibility")
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
    cell: Callable[[str], str],
    bad: Callable[[str, str], None],
    columns: Any,
    column_of: Callable[[str], str] | None = None,
) -> list[dict[str, Any]]:
    """A row's contacts; `bad(field, message)` names each bad cell by row and column.

    A blank email, phone or relationship is left out of the contact (a blank cell
    says nothing, so a re-import keeps what is stored). `column_of(field)` gives a
    field's column as the file names it; a contact keeps its email column's name
    under `WHERE` for the problems the plan finds.
    """
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
        email = given.get("email", "").strip().lower()
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
        if given.get("phone"):
            if len(given["phone"]) > 40:
                bad(f("phone"), "the phone number is longer than 40 characters.")
                continue
            contact["phone"] = given["phone"]
        if given.get("relationship"):
            contact["relationship"] = given["relationship"][:60]
        if given.get("responsibility"):
            try:
                contact["parental_responsibility"] = parse_bool(given["responsibility"])
            except ValueError as exc:
                bad(f("responsibility"), str(exc))
                continue
        if column_of is not None and f("email") in columns:
            contact[WHERE] = {"email": column_of(f("email"))}
        found.append(contact)
    return found


@dataclass
class _Holder:
    """Who holds an email at the school: a stored contact, or one this file creates."""

    name: str
    key: tuple[str, str]
    contact: int | None = None  # None: created by this import, from `row`
    row: int | None = None
    has_account: bool = False


def _name_key(first: str, last: str) -> tuple[str, str]:
    return (" ".join(first.split()).casefold(), " ".join(last.split()).casefold())


def plan_contacts(
    school: School,
    plan: Plan,
    entries: list[tuple[Pupil | str, str, list[dict[str, Any]], int | None]],
) -> None:
    """Plan each pupil's contacts: (pupil or new pupil's UPN, their name, contacts, row).

    A contact is matched to the pupil's live links (by email, then by name). An
    email that another contact of the school holds is resolved here, never at
    commit: the same name links that contact to the pupil ("link", shown in the
    preview); another name is refused by row and column. A contact whose link to
    the pupil was revoked is not linked again (a warning says so).
    """
    from trackwell.parents.models import ChildLink, Contact

    live: dict[int, list[ChildLink]] = {}
    revoked: dict[int, list[ChildLink]] = {}
    for link in ChildLink.objects.filter(school=school).select_related("contact"):
        (live if link.revoked_at is None else revoked).setdefault(link.pupil_id, []).append(link)
    held: dict[str, _Holder] = {}
    for stored in Contact.objects.filter(school=school).exclude(email="").order_by("pk"):
        held.setdefault(
            stored.email.lower(),
            _Holder(
                stored.full_name,
                _name_key(stored.first_name, stored.last_name),
                contact=stored.pk,
                has_account=stored.user_id is not None,
            ),
        )
    for who, name, contacts, row in entries:
        links = live.get(who.pk, []) if isinstance(who, Pupil) else []
        seen: set[str] = set()
        # The contacts this pupil's row has matched or planned to link: each once.
        taken: set[int] = set()
        for given in contacts:
            # Blank parts say nothing (also in a file read before blanks were left out).
            contact = {k: v for k, v in given.items() if k != WHERE and v not in ("", None)}
            where = given.get(WHERE) or {}
            at = where.get("row", row)
            email = contact.get("email", "")
            key = _name_key(contact["first_name"], contact["last_name"])
            full = f"{contact['first_name']} {contact['last_name']}"

            def refuse(message: str, where: dict[str, Any] = where, at: int | None = at) -> None:
                problem = Problem(message, at, where.get("email"), where.get("file"))
                if problem not in plan.errors:  # a parent of two children: named once
                    plan.errors.append(problem)

            if email in seen:
                refuse(f"{email} is given for two contacts of {name}.")
                continue
            if email:
                seen.add(email)
            link = _match(links, contact)
            holder = held.get(email) if email else None
            ended = _match(revoked.get(who.pk, []), contact) if isinstance(who, Pupil) else None
            if link is None and ended is not None:
                # The school ended this parent's access: an import never gives it back.
                place = f"{where['file']}, row {at}" if where.get("file") else f"Row {at}"
                on = timezone.localtime(ended.revoked_at)
                plan.warnings.append(
                    f"{place}: {ended.contact.full_name}'s access to {name} was revoked on "
                    f"{on:%d/%m/%Y}, so the import does not link them again; add them on the "
                    "pupil's family page if that is wanted."
                )
                continue
            if link is not None:
                links = [other for other in links if other.pk != link.pk]
                taken.add(link.contact_id)
                moved = email and email != link.contact.email.lower()
                if moved and holder is not None and holder.contact != link.contact_id:
                    refuse(
                        f"{email} is the email of {_holder_words(holder)}, so it cannot "
                        f"become {link.contact.full_name}'s. Each contact has their own "
                        "email: correct it in the MIS, or leave the cell blank."
                    )
                    continue
                if email:
                    held[email] = _Holder(
                        link.contact.full_name,
                        key,
                        contact=link.contact_id,
                        has_account=link.contact.user_id is not None,
                    )
                _plan_change(plan, link, contact, name, row)
                continue
            label = f"{full} for {name}"
            if holder is not None and holder.key != key:
                refuse(
                    f"{email} is the email of {_holder_words(holder)}, but this row names "
                    f"{full}. A contact is linked to a child only when the email and the name "
                    "agree: correct the email or the name in the MIS, or leave the email blank."
                )
                continue
            if holder is not None and holder.contact in taken:
                refuse(
                    f"{email} is the email of {holder.name}, who is already {name}'s contact "
                    "in another column of this row (matched by name there). Each contact of "
                    "a child once: correct the email in the MIS, or leave the cell blank."
                )
                continue
            values = {
                "pupil": who.pk if isinstance(who, Pupil) else None,
                "upn": getattr(who, "upn", who),
                "values": contact,
            }
            if holder is not None:
                origin = (
                    f" (added from row {holder.row} of this file)" if holder.contact is None else ""
                )
                notes = [
                    f"Links the existing contact {holder.name}{origin} to {name}; "
                    "no new contact is made."
                ]
                if holder.has_account:
                    notes.append(
                        f"{holder.name} has a parent account: they will see {name} "
                        "once this is imported."
                    )
                plan.changes.append(
                    Change(
                        "link",
                        "contact",
                        f"{getattr(who, 'upn', who)}:{email}",
                        label,
                        fields=[
                            FieldChange(k, LABELS[k], None, _shown(contact[k]))
                            for k in LINK_PARTS
                            if k in contact
                        ],
                        row=row,
                        # Whether they can sign in is part of what the preview shows:
                        # an invitation accepted before the commit moves the digest.
                        data={
                            **values,
                            "contact": holder.contact,
                            "has_account": holder.has_account,
                        },
                        notes=notes,
                    )
                )
                continue
            if email:
                held[email] = _Holder(full, key, row=at)
            plan.changes.append(
                Change(
                    "create",
                    "contact",
                    f"{getattr(who, 'upn', who)}:{email or label}",
                    label,
                    fields=[
                        FieldChange(k, LABELS[k], None, _shown(v))
                        for k, v in contact.items()
                        if v not in ("", None)
                    ],
                    row=row,
                    data=values,
                    notes=["No account is made: invite them from the pupil's family page."],
                )
            )


def _holder_words(holder: _Holder) -> str:
    if holder.contact is None:
        return f"{holder.name}, a contact this file adds on row {holder.row}"
    return f"{holder.name}, another contact of the school"


def _plan_change(
    plan: Plan, link: Any, contact: dict[str, Any], name: str, row: int | None
) -> None:
    """The fields of a matched contact (and their link to the child) the file changes."""
    fields, changed = [], {}
    for key, value in contact.items():
        holder = link if key in LINK_PARTS else link.contact
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
    key = _name_key(contact["first_name"], contact["last_name"])
    for link in links:
        if _name_key(link.contact.first_name, link.contact.last_name) == key:
            return link
    return None


def apply_contact(
    user: User | None, school: School, change: Change, made: dict[str, Pupil]
) -> None:
    """Write one planned contact change through the parents app's services."""
    from trackwell.parents import services as parent_services
    from trackwell.parents.models import ChildLink, Contact

    d = change.data
    if change.action in ("create", "link"):
        pupil = Pupil.objects.get(pk=d["pupil"], school=school) if d["pupil"] else made[d["upn"]]
        values = dict(d["values"])
        if d.get("contact"):
            # The plan chose this contact (same email, same name): link it, nothing else.
            parent_services.link_contact(
                user=user,
                contact=Contact.objects.get(pk=d["contact"], school=school),
                pupil=pupil,
                relationship=values.get("relationship", ""),
                parental_responsibility=values.get("parental_responsibility"),
            )
            return
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
