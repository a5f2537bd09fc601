"""Arriving pupils from a Common Transfer File: identifiers, names, attributes, history, results."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.interop.ctf import read_ctf
from trackwell.interop.kinds.pupils import LABELS, _shown, later_change_problem, later_changes
from trackwell.interop.pipeline import (
    Change,
    FieldChange,
    ImportKind,
    Limits,
    Parsed,
    Plan,
    register,
)
from trackwell.pupils import services as pupil_services
from trackwell.pupils.models import Pupil, PupilAttributeChange
from trackwell.scores.models import KeyStage, KeyStageResult

WRITTEN = (
    "upn",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "nc_year",
    "fsm",
    "sen_status",
    "eal",
    "looked_after",
)


class CtfImport(ImportKind):
    """Pupils arriving from another school, as their old school's MIS sent them."""

    slug = "ctf"
    order = 30
    label = "Common transfer file (CTF) for arriving pupils"
    help = (
        "The XML file your MIS receives (or the DfE's school-to-school service gives you) "
        "for pupils joining from another school: their names, UPN, date of birth, sex, year, "
        "FSM and SEN history, looked-after status and key stage results."
    )
    limits = Limits(max_bytes=10_000_000, max_rows=2_000, max_cell=1_000)

    def parse(self, data: Any, options: dict[str, Any]) -> Parsed:
        read, problems = read_ctf(data)
        if read is None:
            return Parsed(errors=problems)
        warnings = []
        if read["header"]["version"] and not read["header"]["version"].startswith(("2", "1")):
            warnings.append(f"The file says CTF version {read['header']['version']}.")
        return Parsed(data=read, warnings=warnings)

    def plan(self, school: School, data: Any, options: dict[str, Any]) -> Plan:
        plan = Plan()
        pupils = {p.upn: p for p in Pupil.objects.filter(school=school)}
        later = later_changes(school)
        existing_results = stored_results(school)
        source = data["header"].get("school") or "another school"
        for item in data["pupils"]:
            values = {name: item[name] for name in WRITTEN}
            pupil = pupils.get(item["upn"])
            name = f"{item['first_name']} {item['last_name']}"
            if pupil is None:
                plan.changes.append(
                    Change(
                        "create",
                        "pupil",
                        item["upn"],
                        name,
                        fields=[
                            FieldChange(n, LABELS[n], None, _shown(n, v)) for n, v in values.items()
                        ],
                        row=item["number"],
                        data={
                            "values": values,
                            "fsm_history": item["fsm_history"],
                            "sen_history": item["sen_history"],
                            "source": source,
                        },
                    )
                )
            elif pupil.left_on is not None:
                plan.warnings.append(
                    f"Pupil {item['number']}: {pupil.full_name} ({pupil.upn}) has left this "
                    "school; their record is read-only, so the file's details for them are "
                    "not imported."
                )
                continue
            else:
                fields, changed = [], {}
                for field, value in values.items():
                    old = getattr(pupil, field)
                    old_json = old.isoformat() if isinstance(old, dt.date) else old
                    if old_json != value:
                        fields.append(
                            FieldChange(
                                field, LABELS[field], _shown(field, old), _shown(field, value)
                            )
                        )
                        changed[field] = value
                clash = later_change_problem(later, pupil, changed, item["number"])
                if clash is not None:
                    plan.errors.append(clash)
                elif fields:
                    plan.changes.append(
                        Change(
                            "change",
                            "pupil",
                            pupil.upn,
                            pupil.full_name,
                            fields=fields,
                            row=item["number"],
                            data={"pupil": pupil.pk, "values": changed},
                        )
                    )
            seen: set[tuple[str, ...]] = set()
            for result in item["results"]:
                key = _key_of(result)
                if key in seen:
                    plan.warnings.append(
                        f"Pupil {item['number']}: {name} has two {result['stage'].upper()} "
                        f"{_described(result)} results; the later one is kept."
                    )
                seen.add(key)
            kept = {_key_of(r): r for r in item["results"]}
            for key, result in kept.items():
                stage = result["stage"]
                old = existing_results.get((pupil.pk, *key)) if pupil else None
                label = f"{name}: {KeyStage(stage).label}, {_described(result)}"
                ref = " ".join([item["upn"], *key]).strip()
                shown = " ".join(
                    str(x) for x in (result["outcome"], result["score"]) if x not in ("", None)
                )
                if old is None:
                    plan.changes.append(
                        Change(
                            "create",
                            "key stage result",
                            ref,
                            label,
                            fields=[FieldChange("result", "Result", None, shown)],
                            row=item["number"],
                            data={"upn": item["upn"], **result},
                        )
                    )
                    continue
                old_shown = " ".join(
                    str(x) for x in (old.outcome, old.scaled_score) if x not in ("", None)
                )
                old_date = old.taken_on.isoformat() if old.taken_on else None
                if old_shown != shown or old_date != result["taken_on"]:
                    plan.changes.append(
                        Change(
                            "change",
                            "key stage result",
                            ref,
                            label,
                            fields=[FieldChange("result", "Result", old_shown, shown)],
                            row=item["number"],
                            data={"upn": item["upn"], "result": old.pk, **result},
                        )
                    )
        return plan

    def apply(
        self, *, user: User | None, school: School, plan: Plan, options: dict[str, Any]
    ) -> dict[str, int]:
        done: Counter[str] = Counter()
        today = pupil_services.today()
        made: dict[str, Pupil] = {}
        change: Change | None = None
        try:
            for change in plan.changes:
                d = change.data
                if change.kind == "pupil" and change.action == "create":
                    values = dict(d["values"])
                    values["date_of_birth"] = dt.date.fromisoformat(values["date_of_birth"])
                    pupil = pupil_services.create_pupil(
                        user, school, **values, effective_from=today
                    )
                    made[pupil.upn] = pupil
                    _history(school, user, pupil, d["fsm_history"], d["sen_history"], today)
                elif change.kind == "pupil":
                    values = dict(d["values"])
                    if "date_of_birth" in values:
                        values["date_of_birth"] = dt.date.fromisoformat(values["date_of_birth"])
                    pupil = Pupil.objects.get(pk=d["pupil"], school=school)
                    pupil_services.update_pupil(user, school, pupil, values, effective_from=today)
                else:
                    pupil = made.get(d["upn"]) or Pupil.objects.get(school=school, upn=d["upn"])
                    fields = {
                        "outcome": d["outcome"],
                        "scaled_score": d["score"],
                        "taken_on": dt.date.fromisoformat(d["taken_on"]) if d["taken_on"] else None,
                    }
                    if change.action == "create":
                        result = KeyStageResult.objects.create(
                            school=school,
                            pupil=pupil,
                            stage=d["stage"],
                            subject=d["subject"],
                            component=d.get("component", ""),
                            method=d.get("method", ""),
                            source=KeyStageResult.Source.CTF,
                            **fields,
                        )
                        old = None
                    else:
                        result = KeyStageResult.objects.get(pk=d["result"], school=school)
                        old = {"outcome": result.outcome, "scaled_score": result.scaled_score}
                        for key, value in fields.items():
                            setattr(result, key, value)
                        result.source = KeyStageResult.Source.CTF
                        # A result stored without its method (see `stored_results`) gains it.
                        result.method = result.method or d.get("method", "")
                        result.save(update_fields=[*fields, "source", "method"])
                    log_action(
                        school=school,
                        user=user,
                        action="key_stage_result.import",
                        obj=result,
                        old=old,
                        new={"outcome": result.outcome, "scaled_score": result.scaled_score},
                    )
                done[f"{change.action} {change.kind}"] += 1
        except ValidationError as exc:
            where = f"{change.label}: " if change is not None else ""
            raise ValidationError(
                [where + m + " Nothing was saved." for m in exc.messages]
            ) from exc
        return dict(done)

    def describe_result(self, plan: Plan, result: Any) -> str:
        if not plan.changes:
            return "Nothing to change: Trackwell already matches this file."
        return "Imported from the CTF: " + ", ".join(f"{n} {k}" for k, n in result.items()) + "."


def stored_results(school: School) -> dict[tuple[Any, ...], KeyStageResult]:
    """The school's key stage results by pupil and `_result_key`, for matching a CTF's.

    A result stored without a method (entered, or kept before the method was) is
    matched as the CTF would name it (`method_of`), unless a result of that method
    is stored too: a later CTF updates it rather than adding a second record.
    """
    found: dict[tuple[Any, ...], KeyStageResult] = {}
    blank = []
    for r in KeyStageResult.objects.filter(school=school).order_by("pk"):
        found[(r.pupil_id, *_result_key(r.stage, r.subject, r.component, r.method))] = r
        if not r.method:
            blank.append(r)
    for r in blank:
        method = method_of(r.scaled_score)
        found.setdefault((r.pupil_id, *_result_key(r.stage, r.subject, r.component, method)), r)
    return found


def method_of(scaled_score: int | None) -> str:
    """The method a result without one was assessed by: a score is a test, else a TA."""
    return "TT" if scaled_score is not None else "TA"


def _result_key(stage: str, subject: str, component: str, method: str) -> tuple[str, ...]:
    """What makes a key stage result its own record (as the database's unique constraint)."""
    return (stage, subject.casefold(), component.casefold(), method.upper())


def _key_of(result: dict[str, Any]) -> tuple[str, ...]:
    return _result_key(
        result["stage"], result["subject"], result.get("component", ""), result.get("method", "")
    )


def _described(result: dict[str, Any]) -> str:
    """'MAT', 'MAT (MTC)', with the method in words: 'MAT, test'."""
    text = result["subject"]
    if result.get("component"):
        text += f" ({result['component']})"
    method = KeyStageResult.METHODS.get(str(result.get("method", "")).upper())
    return f"{text}, {method.lower()}" if method else text


def _history(
    school: School,
    user: User | None,
    pupil: Pupil,
    fsm: list[dict[str, Any]],
    sen: list[dict[str, Any]],
    today: dt.date,
) -> None:
    """The sending school's FSM and SEN history, kept as dated changes before today."""
    rows = []
    for instance in fsm:
        start = dt.date.fromisoformat(instance["start"])
        if start < today:
            rows.append(("fsm", "yes", start))
        if instance["end"] and dt.date.fromisoformat(instance["end"]) < today:
            rows.append(("fsm", "no", dt.date.fromisoformat(instance["end"])))
    for instance in sen:
        start = dt.date.fromisoformat(instance["start"])
        if start < today:
            rows.append(("sen_status", instance["provision"], start))
    rows.sort(key=lambda r: (r[0], r[2]))
    PupilAttributeChange.objects.bulk_create(
        PupilAttributeChange(
            school=school,
            pupil=pupil,
            field=field,
            old_value="",
            new_value=value,
            effective_from=when,
            recorded_by=user if getattr(user, "pk", None) else None,
        )
        for field, value, when in rows
    )


register(CtfImport())
