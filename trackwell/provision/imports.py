"""Importing an existing provision map from CSV or XLSX, on the one import pipeline.

The columns are those of the provision-map export (`layout.COLUMNS`), matched
by their names (in any letter case, with the synonyms below), so a map
exported from Trackwell imports back unchanged. One row per pupil per measure;
the intervention's own columns repeat on each of its rows. Pupils are matched
by UPN, or by name and class. Outcomes are worked out from entry, target and
exit; where the file's outcome differs, the preview says so.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from trackwell.accounts import access
from trackwell.accounts.models import Role, User
from trackwell.core.models import School
from trackwell.interop.mapping import guess_mapping, resolve
from trackwell.interop.pipeline import (
    Change,
    FieldChange,
    ImportKind,
    Parsed,
    Plan,
    Problem,
    Table,
    read_table,
    register,
)
from trackwell.interop.values import clean_text, parse_date
from trackwell.provision import services
from trackwell.provision.import_rows import (
    AREA_WORDS,
    FIELDS,
    INTERVENTION_FIELDS,
    LIMITS,
    STATUS_WORDS,
    _dec,
    _find_measure,
    _key,
    _match_pupil,
    _parse_funding,
    _sub_level_measure,
    _values,
    _weeks_between,
    read_xlsx,
    unguarded,
)
from trackwell.provision.layout import parse_frequency, parse_ratio, parse_staff
from trackwell.provision.models import (
    AreaOfNeed,
    Intervention,
    Measure,
    Status,
)
from trackwell.provision.values import (
    parse_outcome,
)
from trackwell.pupils.models import Enrolment, Pupil


class ProvisionMapImport(ImportKind):
    """An existing provision map from a spreadsheet: interventions, pupils, entry, target, exit."""

    slug = "provision_map"
    label = "Provision map (CSV or XLSX)"
    help = (
        "One row per pupil per measure, with the columns Intervention, Area of need, Ratio, "
        "Frequency and duration, Staff, Start, End, Pupil (or UPN), Class, Measure, Entry, "
        "Target, Exit and Outcome; the provision map's own download has exactly these. "
        "Pupils are matched by UPN, or by name and class."
    )
    manage = staticmethod(access.manages_provision)

    def parse(self, data: Any, options: dict[str, Any]) -> Parsed:
        """Read the file (XLSX or CSV) and its rows; a bad cell is a problem by row and column."""
        raw = bytes(data)
        table, problems = read_xlsx(raw) if raw[:2] == b"PK" else read_table(raw, LIMITS)
        if table is None:
            return Parsed(errors=problems)
        mapping = guess_mapping(FIELDS, table.headers, {})
        columns, problems = resolve(FIELDS, table.headers, mapping)
        if not problems and "pupil" not in columns and "upn" not in columns:
            problems.append(Problem("The file needs a Pupil column or a UPN column."))
        if problems:
            return Parsed(errors=problems)
        return self._rows(table, columns)

    def _rows(self, table: Table, columns: dict[str, int]) -> Parsed:
        headers = table.headers
        problems: list[Problem] = []
        rows: list[dict[str, Any]] = []
        first: dict[str, dict[str, Any]] = {}
        for number, cells in table.rows:

            def cell(name: str, cells: list[str] = cells) -> str:
                index = columns.get(name)
                if index is None or index >= len(cells):
                    return ""
                return unguarded(clean_text(cells[index]))

            def bad(name: str, message: str, number: int = number) -> None:
                problems.append(Problem(message, number, headers[columns[name]]))

            row: dict[str, Any] = {"row": number, **{f: cell(f) for f in columns}}
            if not row.get("intervention"):
                bad("intervention", "the intervention's name is missing.")
                continue
            if not row.get("pupil") and not row.get("upn"):
                bad("pupil" if "pupil" in columns else "upn", "the pupil is missing.")
            if not row.get("measure") and (row.get("entry") or row.get("exit")):
                bad("measure", "entry or exit values need the measure they are on.")
            if row.get("area"):
                area = AREA_WORDS.get(_key(row["area"]))
                if area is None:
                    bad(
                        "area",
                        f"'{row['area']}' is not an area of need (use one of: "
                        + ", ".join(a.label for a in AreaOfNeed)
                        + ").",
                    )
                row["area"] = area
            if row.get("ratio"):
                ratio = parse_ratio(row["ratio"])
                if ratio is None or not (1 <= ratio[0] <= 20 and 1 <= ratio[1] <= 60):
                    bad("ratio", f"'{row['ratio']}' is not a ratio such as 1:4.")
                row["ratio"] = list(ratio) if ratio else None
            if row.get("frequency"):
                frequency = parse_frequency(row["frequency"])
                if frequency is None:
                    bad(
                        "frequency",
                        f"'{row['frequency']}' is not a frequency such as '3 x 20 min, 10 weeks'.",
                    )
                row["frequency"] = (
                    [str(frequency[0]), frequency[1], frequency[2]] if frequency else None
                )
            for name in ("start", "end"):
                if row.get(name):
                    try:
                        row[name] = parse_date(row[name]).isoformat()
                    except ValueError as exc:
                        bad(name, str(exc))
                        row[name] = None
            if row.get("status"):
                status = STATUS_WORDS.get(_key(row["status"]))
                if status is None:
                    bad(
                        "status",
                        f"'{row['status']}' is not a status (planned, running, ended, evaluated).",
                    )
                row["status"] = status
            if row.get("funding"):
                funding = _parse_funding(row["funding"])
                if funding is None or (funding and sum(funding.values()) != 100):
                    bad(
                        "funding",
                        f"'{row['funding']}' is not a funding source such as 'Pupil premium' "
                        "or 'Pupil premium 60%; SEN notional budget 40%'.",
                    )
                row["funding"] = funding
            if row.get("resources"):
                try:
                    row["resources"] = str(
                        Decimal(row["resources"].replace("£", "").replace(",", ""))
                    )
                except InvalidOperation:
                    bad("resources", f"'{row['resources']}' is not an amount of money.")
            if row.get("outcome"):
                outcome = parse_outcome(row["outcome"])
                if outcome is None:
                    bad(
                        "outcome",
                        f"'{row['outcome']}' is not an outcome (Met, Partly met, Not met).",
                    )
                row["outcome_given"] = outcome or ""
            # The intervention's columns must agree on all its rows.
            name_key = row["intervention"].casefold()
            seen = first.setdefault(name_key, {})
            for name in INTERVENTION_FIELDS:
                value = row.get(name)
                if value in (None, "", {}):
                    continue
                if name in seen and seen[name] != value:
                    bad(name, f"this differs from an earlier row of '{row['intervention']}'.")
                seen.setdefault(name, value)
            rows.append(row)
        if not rows and not problems:
            problems.append(Problem("The file has a header but no rows."))
        for row in rows:
            row.update({k: v for k, v in first[row["intervention"].casefold()].items()})
        return Parsed(data=rows, errors=problems)

    def plan(self, school: School, data: Any, options: dict[str, Any]) -> Plan:
        """Match pupils, staff and measures; one change per intervention and per pupil in it."""
        rows: list[dict[str, Any]] = data or []
        plan = Plan()
        measures = {
            _key(m.name): m for m in Measure.objects.filter(school=school).prefetch_related("steps")
        }
        builtins = {m.builtin: m for m in measures.values() if m.builtin}
        pupils = list(Pupil.objects.filter(school=school))
        by_upn = {p.upn: p for p in pupils}
        by_name: dict[str, list[Pupil]] = {}
        for p in pupils:
            by_name.setdefault(_key(p.full_name), []).append(p)
        classes: dict[int, set[str]] = {}
        for pupil_id, name in Enrolment.objects.filter(
            school=school, school_class__year__is_current=True
        ).values_list("pupil_id", "school_class__name"):
            classes.setdefault(pupil_id, set()).add(_key(name))
        staff = {
            _key(u.display_name): u
            for u in User.objects.filter(school=school).exclude(
                role__in=[Role.GOVERNOR, Role.TRUST_LEADER]
            )
        }
        staff.update({_key(u.username): u for u in staff.values()})
        existing = {
            (i.name.casefold(), i.start_date.isoformat())
            for i in Intervention.objects.filter(school=school)
        }
        sub_levels = _sub_level_measure(school)
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(row["intervention"].casefold(), []).append(row)
        for rows_of in groups.values():
            head = rows_of[0]
            start = head.get("start") or dt.date.today().isoformat()
            if (head["intervention"].casefold(), start) in existing:
                plan.warnings.append(
                    f"'{head['intervention']}' starting {start} is already in Trackwell; "
                    "its rows are not imported again."
                )
                continue
            staff_specs, external = [], []
            for text in [
                n.strip() for n in re.split(r"[;,]| and ", head.get("staff") or "") if n.strip()
            ]:
                name, rate = parse_staff(text)
                user = staff.get(_key(name))
                if user is not None:
                    staff_specs.append({"user": user.pk, "external": "", "rate": str(rate)})
                else:
                    staff_specs.append({"user": None, "external": name, "rate": str(rate)})
                    external.append(name)
            if external:
                plan.warnings.append(
                    f"'{head['intervention']}': {', '.join(external)} "
                    f"{'is' if len(external) == 1 else 'are'} not a Trackwell user of the school, "
                    "so recorded as someone external."
                )
            intervention_measures: dict[str, Measure | None] = {}
            pupils_in: dict[int, dict[str, Any]] = {}
            for row in rows_of:
                pupil = _match_pupil(row, by_upn, by_name, classes, plan)
                if pupil is None:
                    continue
                entry = pupils_in.setdefault(
                    pupil.pk,
                    {
                        "pupil": pupil.pk,
                        "name": pupil.full_name,
                        "row": row["row"],
                        "values": [],
                        "comment": row.get("comment") or "",
                        "outcome_given": "",
                    },
                )
                if row.get("comment") and not entry["comment"]:
                    entry["comment"] = row["comment"]
                if not row.get("measure"):
                    entry["outcome_given"] = row.get("outcome_given") or entry["outcome_given"]
                    continue
                measure = _find_measure(row["measure"], measures, builtins, sub_levels)
                if measure is None:
                    plan.errors.append(
                        Problem(
                            f"'{row['measure']}' is not one of the school's measures ("
                            + ", ".join(sorted(m.name for m in measures.values()))
                            + "); add it under Measures first.",
                            row["row"],
                            "Measure",
                        )
                    )
                    continue
                intervention_measures[measure.name] = measure
                value = _values(row, measure, plan)
                if value is not None:
                    entry["values"].append(value)
            if not pupils_in:
                continue
            frequency = head.get("frequency") or ["1", 30, None]
            ratio = head.get("ratio") or [1, max(1, len(pupils_in))]
            weeks = frequency[2] or _weeks_between(head.get("start"), head.get("end")) or 6
            plan_data = {
                "name": head["intervention"],
                "area": head.get("area") or AreaOfNeed.ACADEMIC,
                "adults": ratio[0],
                "group_size": ratio[1],
                "sessions_per_week": frequency[0],
                "minutes_per_session": frequency[1],
                "weeks": weeks,
                "start_date": start,
                "end_date": head.get("end"),
                "status": head.get("status")
                or (
                    Status.ENDED
                    if head.get("end") and head["end"] < dt.date.today().isoformat()
                    else Status.RUNNING
                ),
                "resources_cost": head.get("resources") or "0",
                "funding": head.get("funding") or {},
                "staff": staff_specs,
                "measures": sorted(intervention_measures),
            }
            plan.changes.append(
                Change(
                    "create",
                    "intervention",
                    f"{head['intervention']}|{start}",
                    head["intervention"],
                    fields=[
                        FieldChange(
                            "area", "Area of need", None, AreaOfNeed(plan_data["area"]).label
                        ),
                        FieldChange("ratio", "Ratio", None, f"{ratio[0]}:{ratio[1]}"),
                        FieldChange(
                            "frequency",
                            "Frequency",
                            None,
                            f"{frequency[0]} x {frequency[1]} min, {weeks} weeks",
                        ),
                        FieldChange(
                            "dates", "Dates", None, f"{start} to {head.get('end') or 'not set'}"
                        ),
                        FieldChange("staff", "Staff", None, head.get("staff") or None),
                        FieldChange(
                            "measures", "Measures", None, "; ".join(plan_data["measures"]) or None
                        ),
                    ],
                    row=head["row"],
                    data=plan_data,
                )
            )
            for item in pupils_in.values():
                fields = [
                    FieldChange(
                        v["measure"],
                        v["measure"],
                        None,
                        f"entry {v['entry_text'] or '—'}, target {v['target_text'] or '—'}, "
                        f"exit {v['exit_text'] or '—'}: {v['outcome_text'] or 'no outcome yet'}",
                    )
                    for v in item["values"]
                ]
                if item["outcome_given"] and not item["values"]:
                    fields.append(FieldChange("outcome", "Outcome", None, item["outcome_given"]))
                plan.changes.append(
                    Change(
                        "create",
                        "participant",
                        f"{head['intervention']}|{item['pupil']}",
                        f"{item['name']} in {head['intervention']}",
                        fields=fields,
                        row=item["row"],
                        data={**item, "intervention": f"{head['intervention']}|{start}"},
                    )
                )
        return plan

    def apply(
        self, *, user: User | None, school: School, plan: Plan, options: dict[str, Any]
    ) -> dict[str, int]:
        """Create the interventions and their pupils through the provision services."""
        made: dict[str, Intervention] = {}
        done = {"interventions": 0, "pupils": 0}
        services.ensure_builtin_measures(school)
        measures = {m.name: m for m in Measure.objects.filter(school=school)}
        change: Change | None = None
        try:
            for change in plan.changes:
                data = change.data
                if change.kind == "intervention":
                    wanted = []
                    for name in data["measures"]:
                        if name not in measures and name == "NC sub-levels":
                            measures[name] = services.create_sub_levels(user=user, school=school)
                        wanted.append(measures.get(name))
                    intervention = services.create_intervention(
                        user=user,
                        school=school,
                        name=data["name"],
                        area=data["area"],
                        start_date=dt.date.fromisoformat(data["start_date"]),
                        end_date=dt.date.fromisoformat(data["end_date"])
                        if data["end_date"]
                        else None,
                        adults=data["adults"],
                        group_size=data["group_size"],
                        sessions_per_week=Decimal(data["sessions_per_week"]),
                        minutes_per_session=data["minutes_per_session"],
                        weeks=data["weeks"],
                        status=data["status"],
                        resources_cost=Decimal(data["resources_cost"]),
                        funding=data["funding"],
                        staff=[
                            services.StaffSpec(
                                user_id=s["user"],
                                external_name=s["external"],
                                hourly_rate=Decimal(s["rate"]),
                            )
                            for s in data["staff"]
                        ],
                        measure_ids=[m.pk for m in wanted if m is not None],
                    )
                    made[change.key] = intervention
                    done["interventions"] += 1
                    continue
                intervention = made[data["intervention"]]
                pupil = Pupil.objects.get(pk=data["pupil"], school=school)
                by_name = {m.name: m for m in intervention.measures.all()}
                participant = services.add_participant(
                    user=user,
                    intervention=intervention,
                    pupil=pupil,
                    joined_on=intervention.start_date,
                    targets={by_name[v["measure"]].pk: v["target_text"] for v in data["values"]},
                    entry={
                        by_name[v["measure"]].pk: _dec(v["entry"])
                        for v in data["values"]
                        if v["entry"] is not None
                    },
                )
                for v in data["values"]:
                    if v["exit"] is not None:
                        participant.refresh_from_db()
                        services.record_exit(
                            user=user,
                            participant=participant,
                            measure=by_name[v["measure"]],
                            expected_version=participant.version,
                            value=_dec(v["exit"]),
                            on=intervention.end_date,
                        )
                participant.refresh_from_db()
                if data["comment"]:
                    participant = services.update_participant(
                        user=user,
                        participant_id=participant.pk,
                        school=school,
                        expected_version=participant.version,
                        comment=data["comment"],
                    )
                if data["outcome_given"] and not data["values"]:
                    # No values to work it out from: the file's own outcome is all there is.
                    participant.outcome = data["outcome_given"]
                    participant.save(update_fields=["outcome"])
                done["pupils"] += 1
        except ValidationError as exc:
            where = f"Row {change.row}: " if change is not None and change.row else ""
            raise ValidationError(
                [where + m + " Nothing was saved." for m in exc.messages]
            ) from exc
        return done

    def describe_result(self, plan: Plan, result: Any) -> str:
        if not plan.changes:
            return "Nothing to import: these interventions are already in Trackwell."
        return (
            f"Imported {result['interventions']} intervention"
            f"{'s' if result['interventions'] != 1 else ''} "
            f"with {result['pupils']} pupil place{'s' if result['pupils'] != 1 else ''}; "
            "outcomes were worked out from entry, target and exit."
        )

    def result_url(self, result: Any) -> str | None:
        from django.urls import reverse

        return reverse("provision:map")


register(ProvisionMapImport())
