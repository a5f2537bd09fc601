"""Pupils from an MIS export (SIMS, Arbor, Bromcom, ScholarPack, Pupil Asset) as CSV.

Matching is by UPN: a re-import updates pupils in place and changes nothing
when nothing changed. Columns the file does not have (or that the admin leaves
out) are never changed. A pupil missing from a file that lists the whole roll
is offered as a leaver, never deleted. Classes named in the file are matched
in the current academic year, or created in it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Max

from trackwell.accounts.models import User
from trackwell.core.models import AcademicYear, School
from trackwell.interop.contacts import apply_contact, contact_fields, plan_contacts, read_contacts
from trackwell.interop.mapping import Field, MappingSpec, column_keys
from trackwell.interop.pipeline import (
    Change,
    FieldChange,
    ImportKind,
    Parsed,
    Plan,
    Problem,
    Table,
    register,
)
from trackwell.interop.values import (
    clean_text,
    eal_from_language,
    parse_bool,
    parse_date,
    parse_sen,
    parse_sex,
    parse_year,
)
from trackwell.pupils import class_services
from trackwell.pupils import services as pupil_services
from trackwell.pupils.models import (
    Enrolment,
    Pupil,
    PupilAttributeChange,
    SchoolClass,
    SenStatus,
    nc_year_label,
)
from trackwell.pupils.upn import check_letter, is_valid_upn

PUPIL_FIELDS = MappingSpec(
    (
        Field("upn", "UPN", ("unique pupil number", "upn number", "pupil upn"), required=True),
        Field(
            "last_name",
            "Surname",
            ("legal surname", "last name", "family name", "legal last name", "lastname"),
            required=True,
        ),
        Field(
            "first_name",
            "First name",
            ("legal forename", "forename", "forenames", "given name", "legal first name"),
            required=True,
        ),
        Field(
            "date_of_birth",
            "Date of birth",
            ("dob", "d o b", "birth date", "birthdate", "date of birth dd mm yyyy"),
            required=True,
        ),
        Field("sex", "Sex", ("gender", "legal sex"), required=True),
        Field(
            "nc_year",
            "Year group",
            ("year", "nc year", "national curriculum year", "curriculum year", "year taught in"),
            required=True,
        ),
        Field(
            "class_name",
            "Class",
            ("reg", "reg group", "registration group", "form", "tutor group", "class name"),
        ),
        Field("fsm", "Free school meals", ("fsm eligible", "fsm", "fsm eligibility", "fsm status")),
        Field(
            "disadvantaged",
            "Pupil premium",
            ("pupil premium indicator", "pp", "pupil premium eligible", "disadvantaged", "pp flag"),
        ),
        Field(
            "sen_status",
            "SEN status",
            ("sen", "sen provision", "send", "send status", "sen stage"),
        ),
        Field("eal", "EAL", ("english as an additional language", "eal status", "eal flag")),
        Field(
            "first_language",
            "First language",
            ("home language", "language", "main language"),
            help="EAL is worked out from it when there is no EAL column.",
        ),
        Field(
            "looked_after",
            "Looked after",
            ("in care", "cla", "lac", "child looked after", "looked after child", "in lea care"),
        ),
        *contact_fields(),
    )
)
BOOLEANS = ("fsm", "disadvantaged", "eal", "looked_after")
# Contextual columns a file may leave blank: a blank cell means "not given", so an existing
# pupil keeps what Trackwell holds and a new pupil starts with the default (no, or no SEN).
OPTIONAL = ("fsm", "disadvantaged", "sen_status", "eal", "looked_after")
# The pupil fields an import writes, in the order the preview lists them.
WRITTEN = (
    "upn",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "nc_year",
    "fsm",
    "disadvantaged",
    "sen_status",
    "eal",
    "looked_after",
)
LABELS = {**pupil_services.LABELS, "class_name": "Class", "left_on": "Left on"}
CLASS_MAX = SchoolClass._meta.get_field("name").max_length or 60


def _shown(name: str, value: Any) -> Any:
    """A field's value as the preview shows it."""
    if name == "nc_year" and value is not None:
        return nc_year_label(int(value))
    if name == "sen_status" and value:
        return SenStatus(value).label
    if name == "sex" and value:
        return {"F": "Female", "M": "Male"}.get(value, value)
    if name in ("date_of_birth", "left_on") and value:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return f"{day.day} {day:%B %Y}"
    return value


def later_changes(school: School) -> dict[tuple[int, str], dt.date]:
    """The latest dated change of each pupil's attribute recorded after today (one query).

    The import dates its changes today, and a pupil's attribute history cannot go back
    in time: such a change would be refused at commit, so the plan names it first.
    """
    rows = (
        PupilAttributeChange.objects.filter(
            school=school,
            field__in=pupil_services.DATED_FIELDS,
            effective_from__gt=pupil_services.today(),
        )
        .values("pupil_id", "field")
        .annotate(latest=Max("effective_from"))
    )
    return {(r["pupil_id"], r["field"]): r["latest"] for r in rows}


def later_change_problem(
    later: dict[tuple[int, str], dt.date], pupil: Pupil, changed: dict[str, Any], row: int | None
) -> Problem | None:
    """A problem if the import would change an attribute already changed from a later date."""
    for name in changed:
        when = later.get((pupil.pk, name))
        if when is not None:
            return Problem(
                f"{pupil.full_name}'s {LABELS[name]} already changes on "
                f"{when.day} {when:%B %Y} (recorded on their page); an import dated today "
                "cannot come before it. Change it on the pupil's page, or leave the cell as "
                "Trackwell has it.",
                row,
                LABELS[name],
            )
    return None


def _upn_problem(raw: str, upn: str) -> str | None:
    if is_valid_upn(upn):
        return None
    if not upn:
        return "the UPN is missing."
    if (
        len(upn) == 13
        and upn.isascii()
        and upn[1:12].isdigit()
        and (upn[12].isdigit() or upn[12].isalpha())
    ):
        try:
            expected = check_letter(upn[1:])
        except ValueError:
            expected = None
        if expected and expected != upn[0]:
            return (
                f"{raw!r} is not a valid UPN: its check letter should be {expected}, not {upn[0]}."
            )
    return (
        f"{raw!r} is not a UPN (13 characters: a check letter, then 11 digits and a digit "
        "or letter)."
    )


class PupilOptions(forms.Form):
    """Choices asked beside an MIS file."""

    full = forms.BooleanField(
        required=False,
        initial=True,
        label="This file lists every pupil on roll",
        help_text="Pupils missing from it are offered as leavers (never deleted).",
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


class PupilsImport(ImportKind):
    """The pupil list of an MIS, with a mapping step for its columns."""

    slug = "pupils"
    order = 10
    label = "Pupils from your MIS (CSV)"
    help = (
        "Export the pupil list from SIMS, Arbor, Bromcom, ScholarPack or Pupil Asset as CSV, "
        "with UPN, names, date of birth, sex, year group and (if you like) registration "
        "group, FSM, pupil premium, SEN, EAL or first language, and looked after. Pupils are "
        "matched by UPN, so importing again updates them in place."
    )
    mapping = PUPIL_FIELDS
    options_form = PupilOptions

    def parse(self, data: Any, options: dict[str, Any]) -> Parsed:
        """Read every row of the mapped table; every bad cell is a problem by row and column."""
        assert isinstance(data, Table)
        columns: dict[str, int] = options["columns"]
        headers = column_keys(data.headers)  # "Surname (column 3)" when a name repeats
        problems: list[Problem] = []
        rows: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        today = pupil_services.today()
        for number, cells in data.rows:

            def cell(name: str, cells: list[str] = cells) -> str:
                index = columns.get(name)
                if index is None or index >= len(cells):
                    return ""
                return cells[index].strip()

            def bad(name: str, message: str, number: int = number) -> None:
                problems.append(Problem(message, number, headers[columns[name]]))

            row: dict[str, Any] = {"row": number}
            raw_upn = cell("upn")
            upn = "".join(raw_upn.split()).upper()
            problem = _upn_problem(raw_upn, upn)
            if problem:
                bad("upn", problem)
            elif upn in seen:
                bad("upn", f"UPN {upn} is also on row {seen[upn]}; each pupil once.")
            else:
                seen[upn] = number
            row["upn"] = upn
            for name in ("first_name", "last_name"):
                text = clean_text(cell(name))
                if not text:
                    bad(name, f"the {LABELS[name].lower()} is missing.")
                elif len(text) > 100:
                    bad(name, "the name is longer than 100 characters.")
                row[name] = text
            readers: dict[str, Any] = {
                "date_of_birth": parse_date,
                "sex": parse_sex,
                "nc_year": parse_year,
                "sen_status": parse_sen,
                **dict.fromkeys(BOOLEANS, parse_bool),
            }
            for name, reader in readers.items():
                if name not in columns:
                    continue
                text = cell(name)
                if not text and name in OPTIONAL:
                    row.setdefault("blank", []).append(name)
                    continue
                if not text and self.mapping and self.mapping.get(name).required:  # type: ignore[union-attr]
                    bad(name, f"the {LABELS[name].lower()} is missing.")
                    continue
                try:
                    value = reader(text)
                except ValueError as exc:
                    bad(name, str(exc))
                    continue
                if name == "date_of_birth":
                    if value > today:
                        bad(name, f"{text!r} is in the future.")
                        continue
                    if value.year < 1990:
                        bad(name, f"{text!r} is too long ago for a pupil's date of birth.")
                        continue
                    value = value.isoformat()
                row[name] = value
            if "eal" not in columns and "first_language" in columns:
                # A blank or "not known" language says nothing about EAL.
                eal = eal_from_language(cell("first_language"))
                if eal is None:
                    row.setdefault("blank", []).append("eal")
                else:
                    row["eal"] = eal
            if "class_name" in columns:
                name = clean_text(cell("class_name"))
                if len(name) > CLASS_MAX:
                    bad("class_name", f"the class name is longer than {CLASS_MAX} characters.")
                row["class_name"] = name
            if any(name.startswith("contact") for name in columns):
                row["contacts"] = read_contacts(
                    cell, bad, columns, lambda name: headers[columns[name]]
                )
            rows.append(row)
        if not rows and not problems:
            problems.append(Problem("The file has a header but no pupils."))
        return Parsed(data=rows, errors=problems)

    def plan(self, school: School, data: Any, options: dict[str, Any]) -> Plan:
        """Compare the file's pupils with the school's, by UPN (reads only)."""
        rows: list[dict[str, Any]] = data or []
        plan = Plan()
        year = AcademicYear.objects.filter(school=school, is_current=True).first()
        pupils = {p.upn: p for p in Pupil.objects.filter(school=school)}
        later = later_changes(school)
        classes: dict[str, SchoolClass] = {}
        enrolled: dict[int, list[str]] = {}
        if year is not None:
            classes = {c.name.casefold(): c for c in SchoolClass.objects.filter(year=year)}
            for pupil_id, name in Enrolment.objects.filter(school_class__year=year).values_list(
                "pupil_id", "school_class__name"
            ):
                enrolled.setdefault(pupil_id, []).append(name)
        wanted: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            if row.get("class_name"):
                wanted.setdefault(row["class_name"].casefold(), []).append(row)
        if wanted and year is None:
            plan.errors.append(
                Problem(
                    "The file names classes, but the school has no current academic year to "
                    "put them in: set up the year first, or leave out the class column."
                )
            )
        for key, members in wanted.items():
            if key in classes or year is None:
                continue
            counts = Counter(
                m.get("nc_year", getattr(pupils.get(m["upn"]), "nc_year", 0)) for m in members
            )
            nc_year = counts.most_common(1)[0][0] if counts else 0
            name = members[0]["class_name"]
            plan.changes.append(
                Change(
                    "create",
                    "class",
                    name,
                    f"{name} ({nc_year_label(nc_year)}, {year.name})",
                    data={"name": name, "nc_year": nc_year},
                )
            )
        for row in rows:
            pupil = pupils.get(row["upn"])
            values = {name: row[name] for name in WRITTEN if name in row}
            class_name = row.get("class_name") or ""
            target = classes.get(class_name.casefold())
            class_label = target.name if target else class_name
            if pupil is None:
                missing = [
                    LABELS[n] for n in ("date_of_birth", "sex", "nc_year") if n not in values
                ]
                if missing:
                    plan.errors.append(
                        Problem(f"a new pupil needs {', '.join(missing)}.", row["row"])
                    )
                    continue
                fields = [FieldChange(n, LABELS[n], None, _shown(n, v)) for n, v in values.items()]
                if class_label:
                    fields.append(FieldChange("class_name", "Class", None, class_label))
                plan.changes.append(
                    Change(
                        "create",
                        "pupil",
                        row["upn"],
                        f"{values['first_name']} {values['last_name']}",
                        fields=fields,
                        row=row["row"],
                        data={"values": values, "class_name": class_label},
                    )
                )
                continue
            if pupil.left_on is not None:
                plan.warnings.append(
                    f"Row {row['row']}: {pupil.full_name} ({pupil.upn}) left on "
                    f"{pupil.left_on.day} {pupil.left_on:%B %Y}; their record is kept read-only, "
                    "so this row is not imported. Bring them back on roll on their page first."
                )
                continue
            fields = []
            changed: dict[str, Any] = {}
            for name, value in values.items():
                old = getattr(pupil, name)
                old_json = old.isoformat() if isinstance(old, dt.date) else old
                if old_json != value:
                    fields.append(
                        FieldChange(name, LABELS[name], _shown(name, old), _shown(name, value))
                    )
                    changed[name] = value
            clash = later_change_problem(later, pupil, changed, row["row"])
            if clash is not None:
                plan.errors.append(clash)
                continue
            now_in = enrolled.get(pupil.pk, [])
            move = bool(class_label) and class_label.casefold() not in {
                n.casefold() for n in now_in
            }
            if move:
                fields.append(
                    FieldChange("class_name", "Class", ", ".join(now_in) or None, class_label)
                )
            if fields:
                plan.changes.append(
                    Change(
                        "change",
                        "pupil",
                        pupil.upn,
                        pupil.full_name,
                        fields=fields,
                        row=row["row"],
                        data={
                            "pupil": pupil.pk,
                            "values": changed,
                            "class_name": class_label if move else "",
                        },
                    )
                )
        entries: list[tuple[Pupil | str, str, list[dict[str, Any]], int | None]] = []
        for row in rows:
            pupil = pupils.get(row["upn"])
            if row.get("contacts") and (pupil is None or pupil.left_on is None):
                name = pupil.full_name if pupil else f"{row['first_name']} {row['last_name']}"
                entries.append((pupil or row["upn"], name, row["contacts"], row["row"]))
        plan_contacts(school, plan, entries)
        if options.get("full"):
            left_on = options.get("left_on") or pupil_services.today().isoformat()
            in_file = {row["upn"] for row in rows}
            for pupil in sorted(pupils.values(), key=lambda p: (p.last_name, p.first_name)):
                if pupil.upn in in_file or pupil.left_on is not None:
                    continue
                plan.changes.append(
                    Change(
                        "leave",
                        "pupil",
                        pupil.upn,
                        pupil.full_name,
                        fields=[
                            FieldChange("left_on", "Left on", None, _shown("left_on", left_on))
                        ],
                        data={"pupil": pupil.pk, "left_on": left_on},
                    )
                )
        kept = sum(
            1 for row in rows for _ in row.get("blank", ()) if pupils.get(row["upn"]) is not None
        )
        if kept:
            plan.warnings.append(
                f"{kept} blank cell{'s' if kept != 1 else ''} in the FSM, pupil premium, SEN, "
                "EAL, first language or looked-after columns: a blank cell means 'not given', "
                "so what Trackwell holds for those pupils is left as it is. Only a value "
                "(for example N or No) changes it."
            )
        plan.context["year"] = year
        return plan

    def apply(
        self, *, user: User | None, school: School, plan: Plan, options: dict[str, Any]
    ) -> dict[str, int]:
        """Write the plan through the pupil services (dated attribute changes, audit)."""
        year: AcademicYear | None = plan.context.get("year")
        classes: dict[str, SchoolClass] = {}
        if year is not None:
            classes = {c.name.casefold(): c for c in SchoolClass.objects.filter(year=year)}
        effective = pupil_services.today()
        done: Counter[str] = Counter()
        made: dict[str, Pupil] = {}
        try:
            for change in plan.changes:
                if change.kind == "contact":
                    apply_contact(user, school, change, made)
                elif change.kind == "class":
                    assert year is not None
                    school_class = class_services.create_class(
                        user,
                        school,
                        year=year,
                        name=change.data["name"],
                        nc_year=change.data["nc_year"],
                    )
                    classes[school_class.name.casefold()] = school_class
                elif change.action == "create":
                    values = dict(change.data["values"])
                    values["date_of_birth"] = dt.date.fromisoformat(values["date_of_birth"])
                    made[values["upn"]] = pupil_services.create_pupil(
                        user,
                        school,
                        **values,
                        school_class=classes.get(change.data["class_name"].casefold()),
                        effective_from=effective,
                    )
                elif change.action == "change":
                    pupil = Pupil.objects.get(pk=change.data["pupil"], school=school)
                    values = dict(change.data["values"])
                    if "date_of_birth" in values:
                        values["date_of_birth"] = dt.date.fromisoformat(values["date_of_birth"])
                    if values:
                        pupil_services.update_pupil(
                            user, school, pupil, values, effective_from=effective
                        )
                    if change.data["class_name"]:
                        pupil_services.move_pupil(
                            user,
                            school,
                            pupil,
                            classes[change.data["class_name"].casefold()],
                            moved_on=effective,
                        )
                elif change.action == "leave":
                    pupil = Pupil.objects.get(pk=change.data["pupil"], school=school)
                    pupil_services.mark_left(
                        user,
                        school,
                        pupil,
                        left_on=dt.date.fromisoformat(change.data["left_on"]),
                        reason="Not in the MIS import",
                    )
                done[f"{change.action} {change.kind}"] += 1
        except ValidationError as exc:
            where = f"Row {change.row}: " if change.row else f"{change.label}: "
            raise ValidationError(
                [where + m + " Nothing was saved." for m in exc.messages]
            ) from exc
        return dict(done)


register(PupilsImport())
