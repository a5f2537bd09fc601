"""The objective-level transition record: what a leaver had secured, their gaps, their provision.

A documented JSON file (docs/ctf.md, "Transition record") that travels beside
the CTF. Another Trackwell imports it into the receiving school's record of the
same pupil (matched by UPN), where it is kept whole and read-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.apps import apps
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.assessment.models import Judgement
from trackwell.core.models import School
from trackwell.curriculum.models import Objective, TaughtObjective
from trackwell.interop.models import TransitionRecord
from trackwell.interop.pipeline import (
    Change,
    FieldChange,
    ImportKind,
    Limits,
    Parsed,
    Plan,
    Problem,
    register,
)
from trackwell.pupils.models import Enrolment, PastEnrolment, Pupil, nc_year_label
from trackwell.pupils.upn import is_valid_upn

FORMAT = "trackwell-transition-record"
VERSION = 1
MAX_OBJECTIVES = 20_000


def _provision(pupil: Pupil) -> tuple[list[dict[str, Any]], str]:
    """The pupil's interventions, when the provision app has its models (else a note why not).

    Written against the provision app's design (branch `provision`: `Participant`
    with its intervention, dates, SMART target and outcome, and `ParticipantMeasure`
    entry and exit values); until those models are installed the list is empty.
    """
    try:
        participant = apps.get_model("provision", "Participant")
    except LookupError:
        return [], "provision is not recorded in this version of Trackwell"
    items = []
    rows = participant.objects.filter(pupil=pupil).select_related("intervention")
    for row in rows.prefetch_related("values__measure"):
        intervention = row.intervention
        area = getattr(intervention, "get_area_display", None)
        outcome = getattr(row, "get_outcome_display", None)
        items.append(
            {
                "intervention": str(getattr(intervention, "name", "")),
                "area": str(area() if callable(area) else getattr(intervention, "area", "")),
                "started_on": _iso(getattr(row, "joined_on", None)),
                "ended_on": _iso(getattr(row, "left_on", None)),
                "target": str(getattr(row, "target", "") or ""),
                "outcome": str((outcome() if callable(outcome) else "") or ""),
                "measures": [
                    {
                        "measure": str(value.measure),
                        "entry": None if value.entry_value is None else str(value.entry_value),
                        "entry_date": _iso(value.entry_date),
                        "exit": None if value.exit_value is None else str(value.exit_value),
                        "exit_date": _iso(value.exit_date),
                    }
                    for value in row.values.all()
                ],
            }
        )
    return items, "recorded"


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def transition_record(pupil: Pupil, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The transition record of one pupil, in a fixed number of queries."""
    school = pupil.school
    judgements = list(
        Judgement.objects.filter(pupil=pupil, level__isnull=False).select_related(
            "level", "objective__framework__subject", "objective__strand"
        )
    )
    class_ids = set(Enrolment.objects.filter(pupil=pupil).values_list("school_class_id", flat=True))
    class_ids |= set(
        PastEnrolment.objects.filter(pupil=pupil).values_list("school_class_id", flat=True)
    )
    taught_ids = set(
        TaughtObjective.objects.filter(school_class_id__in=class_ids).values_list(
            "objective_id", flat=True
        )
    )
    judged = {j.objective_id: j for j in judgements}
    taught_unjudged = list(
        Objective.objects.filter(
            pk__in=taught_ids - set(judged), archived_at__isnull=True
        ).select_related("framework__subject", "strand")
    )
    frameworks: dict[int, dict[str, Any]] = {}

    def entry(obj: Objective) -> dict[str, Any]:
        framework = obj.framework
        return frameworks.setdefault(
            framework.pk,
            {
                "subject": framework.subject.name,
                "framework": framework.name,
                "year": framework.year_label,
                "secured": [],
                "gaps": [],
            },
        )

    for j in sorted(
        judgements,
        key=lambda j: (j.objective.framework_id, j.objective.strand.order, j.objective.order),
    ):
        obj, level = j.objective, j.level
        assert level is not None  # filtered above
        item = {
            "code": obj.code,
            "statement": obj.statement,
            "identifier": obj.identifier,
            "strand": obj.strand.name,
            "key": obj.is_key,
            "rating": level.label,
            "judged_on": timezone.localtime(j.updated_at).date().isoformat(),
        }
        if level.counts_as_secure:
            entry(obj)["secured"].append({**item, "greater_depth": level.is_greater_depth})
        else:
            entry(obj)["gaps"].append({**item, "taught": obj.pk in taught_ids})
    for obj in sorted(taught_unjudged, key=lambda o: (o.framework_id, o.strand.order, o.order)):
        entry(obj)["gaps"].append(
            {
                "code": obj.code,
                "statement": obj.statement,
                "identifier": obj.identifier,
                "strand": obj.strand.name,
                "key": obj.is_key,
                "rating": None,
                "judged_on": None,
                "taught": True,
            }
        )
    provision, provision_note = _provision(pupil)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.localtime(now or timezone.now()).isoformat(timespec="seconds"),
        "source_school": {
            "name": school.name,
            "urn": school.urn,
            "la": getattr(school, "la_code", "") or "",
            "establishment": getattr(school, "establishment_number", "") or "",
        },
        "pupil": {
            "upn": pupil.upn,
            "first_name": pupil.first_name,
            "last_name": pupil.last_name,
            "date_of_birth": pupil.date_of_birth.isoformat(),
            "nc_year": pupil.nc_year,
            "left_on": _iso(pupil.left_on),
        },
        "subjects": list(frameworks.values()),
        "provision": provision,
        "provision_status": provision_note,
    }


def export_records(user: User | None, school: School, pupils: list[Pupil]) -> list[dict[str, Any]]:
    """Transition records of leavers, each export written to the audit log."""
    records = [transition_record(p) for p in pupils]
    for pupil in pupils:
        log_action(school=school, user=user, action="transition.export", obj=pupil)
    return records


def dumps(record: dict[str, Any] | list[dict[str, Any]]) -> bytes:
    return json.dumps(record, indent=2, ensure_ascii=False).encode()


# ---------------------------------------------------------------------------
# Receiving a record


def _check(record: Any, where: str, problems: list[Problem]) -> dict[str, Any] | None:
    def bad(message: str) -> None:
        problems.append(Problem(message, column=where) if where else Problem(message))

    if not isinstance(record, dict) or record.get("format") != FORMAT:
        bad(f"This is not a Trackwell transition record (its format should be {FORMAT!r}).")
        return None
    if record.get("version") != VERSION:
        bad(f"Transition record version {record.get('version')!r}; this Trackwell reads {VERSION}.")
        return None
    pupil = record.get("pupil")
    if not isinstance(pupil, dict) or not is_valid_upn(str(pupil.get("upn", ""))):
        bad("the record names no pupil with a valid UPN.")
        return None
    try:
        exported = dt.datetime.fromisoformat(str(record.get("exported_at")))
        if timezone.is_naive(exported):
            exported = timezone.make_aware(exported)
    except (ValueError, OverflowError):
        bad("exported_at is not a date and time.")
        return None
    subjects = record.get("subjects")
    if not isinstance(subjects, list) or not all(isinstance(s, dict) for s in subjects):
        bad("subjects should be a list of subjects.")
        return None
    count = 0
    for subject in subjects:
        for part in ("secured", "gaps"):
            items = subject.get(part, [])
            if not isinstance(items, list) or not all(
                isinstance(i, dict) and isinstance(i.get("statement", ""), str) for i in items
            ):
                name = str(subject.get("subject", ""))[:60]
                bad(f"{part} of {name!r} should be a list of objectives.")
                return None
            count += len(items)
    if count > MAX_OBJECTIVES:
        bad(f"the record lists more than {MAX_OBJECTIVES} objectives.")
        return None
    source = record.get("source_school")
    source = source if isinstance(source, dict) else {}
    first, last = str(pupil.get("first_name", ""))[:100], str(pupil.get("last_name", ""))[:100]
    return {
        "upn": str(pupil["upn"]),
        "name": f"{first} {last}".strip(),
        "source": str(source.get("name", "") or "another school")[:200],
        "exported_at": exported.isoformat(),
        "secured": sum(len(s.get("secured", [])) for s in subjects),
        "gaps": sum(len(s.get("gaps", [])) for s in subjects),
        "sha256": hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest(),
        "record": record,
    }


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


class TransitionImport(ImportKind):
    """Transition records from another Trackwell, kept on the receiving pupil's record."""

    slug = "transition"
    order = 40
    label = "Transition records from another Trackwell (JSON)"
    help = (
        "The JSON file a pupil's last school exported from Trackwell beside their CTF: which "
        "objectives they had secured, their gaps and the support they had. Import the pupil "
        "first (CTF or MIS); the record is then kept, read-only, with theirs."
    )
    limits = Limits(max_bytes=10_000_000, max_rows=2_000, max_cell=10_000)

    def parse(self, data: Any, options: dict[str, Any]) -> Parsed:
        try:
            loaded = json.loads(data, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            return Parsed(errors=[Problem(f"The file is not JSON ({str(exc)[:200]}).")])
        if "\\u0000" in json.dumps(loaded):
            # The database cannot keep a NUL character in JSON; no real record has one.
            return Parsed(errors=[Problem("The file holds a NUL character; it is not a record.")])
        records = loaded if isinstance(loaded, list) else [loaded]
        problems: list[Problem] = []
        checked = []
        for index, record in enumerate(records[:2_001], start=1):
            where = f"record {index}" if isinstance(loaded, list) else ""
            item = _check(record, where, problems)
            if item is not None:
                checked.append(item)
        if len(records) > 2_000:
            problems.append(Problem("The file holds more than 2,000 records."))
        if not records:
            problems.append(Problem("The file holds no records."))
        return Parsed(data=checked, errors=problems)

    def plan(self, school: School, data: Any, options: dict[str, Any]) -> Plan:
        plan = Plan()
        upns = [item["upn"] for item in data]
        pupils = {p.upn: p for p in Pupil.objects.filter(school=school, upn__in=upns)}
        have = set(
            TransitionRecord.objects.filter(school=school, pupil__upn__in=upns).values_list(
                "pupil__upn", "sha256"
            )
        )
        first: dict[str, int] = {}
        for index, item in enumerate(data, start=1):
            # The same record twice would be kept twice (the database refuses that at commit).
            if item["sha256"] in first:
                plan.errors.append(
                    Problem(
                        f"the transition record of {item['name'] or item['upn']} is also record "
                        f"{first[item['sha256']]} of this file; each record once.",
                        index,
                        "pupil",
                    )
                )
                continue
            first[item["sha256"]] = index
            pupil = pupils.get(item["upn"])
            if pupil is None:
                plan.errors.append(
                    Problem(
                        f"no pupil with UPN {item['upn']} ({item['name']}) at this school: import "
                        "them first from their CTF or your MIS.",
                        index if len(data) > 1 else None,
                    )
                )
                continue
            if (item["upn"], item["sha256"]) in have:
                continue
            plan.changes.append(
                Change(
                    "create",
                    "transition record",
                    item["upn"],
                    f"{pupil.full_name} ({nc_year_label(pupil.nc_year)}) from {item['source']}",
                    fields=[
                        FieldChange("secured", "Objectives secured", None, item["secured"]),
                        FieldChange("gaps", "Gaps", None, item["gaps"]),
                    ],
                    data={
                        "pupil": pupil.pk,
                        "sha256": item["sha256"],
                        "exported_at": item["exported_at"],
                        "source": item["source"],
                    },
                )
            )
        plan.context["records"] = {item["sha256"]: item["record"] for item in data}
        return plan

    def apply(
        self, *, user: User | None, school: School, plan: Plan, options: dict[str, Any]
    ) -> list[int]:
        for change in plan.changes:
            d = change.data
            record = TransitionRecord.objects.create(
                school=school,
                pupil=Pupil.objects.get(pk=d["pupil"], school=school),
                source_school=d["source"],
                exported_at=dt.datetime.fromisoformat(d["exported_at"]),
                sha256=d["sha256"],
                record=plan.context["records"][d["sha256"]],
                received_by=user if getattr(user, "pk", None) else None,
            )
            log_action(
                school=school,
                user=user,
                action="transition.import",
                obj=record,
                new={"pupil": d["pupil"], "source": d["source"], "exported_at": d["exported_at"]},
            )
        return [change.data["pupil"] for change in plan.changes]

    def describe_result(self, plan: Plan, result: Any) -> str:
        if not plan.changes:
            return "Nothing to change: these transition records are already kept."
        return f"Kept {len(result)} transition record(s) with the pupils' records."

    def result_url(self, result: Any) -> str | None:
        from django.urls import reverse

        return reverse("imports:transition-received", args=[result[0]]) if result else None


register(TransitionImport())
