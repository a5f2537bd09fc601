"""The DfE Common Transfer File (CTF): reading arriving pupils, writing leavers.

Every XML parse goes through `defusedxml` (no DTDs, no entities, no external
references). The element structure is written down in docs/ctf.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, indent, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.utils import timezone

from trackwell.core.models import School
from trackwell.interop.pipeline import Problem
from trackwell.interop.values import clean_text, eal_from_language, parse_date, parse_sex
from trackwell.pupils.models import Pupil, PupilAttributeChange, SenStatus
from trackwell.pupils.upn import is_valid_upn
from trackwell.scores.models import KeyStage, KeyStageResult

CTF_VERSION = "25.0"
MAX_PUPILS = 2_000
# Key stage names as CTFs write them, and ours.
STAGES = {
    "FSP": KeyStage.EYFS,
    "EYFSP": KeyStage.EYFS,
    "EYFS": KeyStage.EYFS,
    "PHONICS": KeyStage.PHONICS,
    "PHON": KeyStage.PHONICS,
    "Y1PHONICS": KeyStage.PHONICS,
    "KS1": KeyStage.KS1,
    "MTC": KeyStage.MTC,
    "KS2": KeyStage.KS2,
}
STAGE_NAMES = {
    KeyStage.EYFS: "FSP",
    KeyStage.PHONICS: "PHONICS",
    KeyStage.KS1: "KS1",
    KeyStage.MTC: "MTC",
    KeyStage.KS2: "KS2",
}
UNKNOWN_LA, UNKNOWN_ESTAB = "MMM", "MMMM"


def _text(node: Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path)
    return clean_text(found.text or "") if found is not None and found.text else ""


def _strip_namespaces(root: Element) -> None:
    # Some writers put the elements in a namespace; the names are what matter.
    for node in root.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]


def _bool(text: str) -> bool:
    return text.strip().lower() in {"true", "y", "yes", "1", "t"}


def _ctf_year(text: str) -> int:
    key = text.strip().upper()
    if key in {"R", "REC", "0"}:
        return 0
    if key.isascii() and key.isdigit() and 1 <= int(key) <= 13:
        return int(key)
    if key in {"N1", "N2", "E1", "E2"}:
        raise ValueError(f"{text!r} is a nursery year; Trackwell tracks Reception to Year 13.")
    raise ValueError(f"{text!r} is not a national curriculum year (R or 1 to 13).")


def read_ctf(data: bytes) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The header and pupils of a CTF as JSON-ready data, or the problems. Never raises."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        return None, [Problem("The file uses XML entities or a DTD, which Trackwell refuses.")]
    except LookupError as exc:
        # The XML declaration names an encoding Python does not know (or one that is not
        # a text encoding at all, such as "hex"): the file cannot be read as written.
        return None, [
            Problem(
                f"The file's XML declaration names an encoding that cannot be read ({exc}); "
                "save the CTF as UTF-8 from your MIS and upload it again."
            )
        ]
    except (ParseError, ValueError, RecursionError) as exc:
        return None, [Problem(f"The file is not well-formed XML ({exc}).")]
    _strip_namespaces(root)
    if root.tag != "CTfile":
        return None, [
            Problem(f"This is not a CTF: its root element is <{root.tag}>, not <CTfile>.")
        ]
    header = root.find("Header")
    source = header.find("SourceSchool") if header is not None else None
    head = {
        "version": _text(header, "CTFversion"),
        "school": _text(source, "SchoolName"),
        "la": _text(source, "LEA"),
        "estab": _text(source, "Estab"),
        "urn": _text(source, "URN"),
    }
    pupils_node = root.find("CTFpupilData")
    nodes = list(pupils_node.findall("Pupil")) if pupils_node is not None else []
    if not nodes:
        return None, [Problem("The CTF holds no pupils (no CTFpupilData/Pupil).")]
    if len(nodes) > MAX_PUPILS:
        return None, [
            Problem(f"The CTF holds {len(nodes)} pupils; Trackwell reads at most {MAX_PUPILS}.")
        ]
    problems: list[Problem] = []
    pupils = []
    seen: dict[str, int] = {}
    for number, node in enumerate(nodes, start=1):
        pupil, found = _read_pupil(number, node)
        problems += found
        if pupil is None:
            continue
        if pupil["upn"] in seen:
            problems.append(
                Problem(f"UPN {pupil['upn']} is also pupil {seen[pupil['upn']]}.", number, "UPN")
            )
        seen[pupil["upn"]] = number
        pupils.append(pupil)
    return ({"header": head, "pupils": pupils} if not problems else None), problems


def _read_pupil(number: int, node: Element) -> tuple[dict[str, Any] | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        # A CTF has no rows: "row" is the pupil's place in the file, "column" the element.
        problems.append(Problem(message, number, column))

    upn = "".join(_text(node, "UPN").split()).upper()
    if not is_valid_upn(upn):
        bad("UPN", f"{upn!r} is not a valid UPN." if upn else "the UPN is missing.")
    surname, forename = _text(node, "Surname"), _text(node, "Forename")
    for column, name in (("Surname", surname), ("Forename", forename)):
        if not name:
            bad(column, "the name is missing.")
        elif len(name) > 100:
            bad(column, "the name is longer than 100 characters.")
    born: str = ""
    try:
        day = parse_date(_text(node, "DOB"))
        if day > timezone.localdate() or day.year < 1990:
            raise ValueError(f"{_text(node, 'DOB')!r} is not a pupil's date of birth.")
        born = day.isoformat()
    except ValueError as exc:
        bad("DOB", str(exc))
    sex = ""
    try:
        sex = parse_sex(_text(node, "Sex") or _text(node, "Gender"))
    except ValueError as exc:
        bad("Sex", str(exc))
    year: int | None = None
    try:
        year = _ctf_year(_text(node, "BasicDetails/NCyearActual"))
    except ValueError as exc:
        bad("NCyearActual", str(exc))
    fsm_history = []
    for instance in node.findall("FSMhistory/FSMinstance"):
        try:
            start = parse_date(_text(instance, "FSMstartDate"))
            end_text = _text(instance, "FSMendDate")
            end = parse_date(end_text) if end_text else None
        except ValueError as exc:
            bad("FSMhistory", str(exc))
            continue
        fsm_history.append({"start": start.isoformat(), "end": end.isoformat() if end else None})
    sen_history = []
    for sen in node.findall("SENhistory/SEN"):
        provision = _text(sen, "SENprovision").upper()
        if provision not in SenStatus.values:
            bad("SENprovision", f"{provision!r} is not an SEN provision (N, K or E).")
            continue
        try:
            start = parse_date(_text(sen, "StartDate"))
        except ValueError as exc:
            bad("SENhistory", str(exc))
            continue
        sen_history.append({"start": start.isoformat(), "provision": provision})
    languages = [
        _text(t, "Language")
        for t in node.findall("BasicDetails/Languages/Type")
        if _text(t, "LanguageType").upper() in {"F", "FIRST", ""}
    ]
    results = []
    for stage_node in node.findall("StageAssessments/KeyStage"):
        stage = STAGES.get(_text(stage_node, "Stage").upper().replace(" ", ""))
        for assessment in stage_node.findall("StageAssessment"):
            result = _text(assessment, "Result")
            subject = _text(assessment, "Subject")[:60]
            if stage is None or not subject or not result:
                continue
            try:
                taken = parse_date(_text(assessment, "ResultDate")).isoformat()
            except ValueError:
                taken = None
            digits = result.isascii() and result.isdigit()
            score = int(result) if digits and int(result) < 1000 else None
            qualifier = _text(assessment, "ResultQualifier")
            # A component (the multiplication tables check within KS2 maths, say) and the
            # method (teacher assessment or test) make each result its own record.
            method = _text(assessment, "Method").upper()[:10] or (
                "TT" if score is not None else "TA"
            )
            results.append(
                {
                    "stage": str(stage),
                    "subject": subject,
                    "component": _text(assessment, "Component")[:20],
                    "method": method,
                    "outcome": (qualifier if score is not None else result)[:20],
                    "score": score,
                    "taken_on": taken,
                }
            )
    if problems:
        return None, problems
    today = timezone.localdate().isoformat()
    fsm = any(i["end"] is None or i["end"] >= today for i in fsm_history)
    sen_now = max(sen_history, key=lambda s: s["start"])["provision"] if sen_history else "N"
    return {
        "number": number,
        "upn": upn,
        "first_name": forename,
        "last_name": surname,
        "date_of_birth": born,
        "sex": sex,
        "nc_year": year,
        "fsm": fsm,
        "sen_status": sen_now,
        "looked_after": _bool(_text(node, "LookedAfter/InCare")),
        "eal": any(eal_from_language(lang) for lang in languages),
        "fsm_history": fsm_history,
        "sen_history": sen_history,
        "results": results,
    }, []


# ---------------------------------------------------------------------------
# Writing


def _add(parent: Element, tag: str, text: Any = None) -> Element:
    node = SubElement(parent, tag)
    if text is not None:
        node.text = str(text)
    return node


def _fsm_instances(changes: Sequence[PupilAttributeChange]) -> list[tuple[dt.date, dt.date | None]]:
    """Periods of FSM eligibility from the pupil's dated FSM changes."""
    periods: list[tuple[dt.date, dt.date | None]] = []
    start: dt.date | None = None
    for change in changes:
        if change.new_value == "yes" and start is None:
            start = change.effective_from
        elif change.new_value == "no" and start is not None:
            periods.append((start, change.effective_from))
            start = None
    if start is not None:
        periods.append((start, None))
    return periods


def write_ctf(
    school: School,
    pupils: Iterable[Pupil],
    *,
    destination: tuple[str, str, str] | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """A CTF of the given pupils (leavers) from the school, as UTF-8 XML."""
    pupils = list(pupils)
    moment = timezone.localtime(now or timezone.now())
    ids = [p.pk for p in pupils]
    history: dict[tuple[int, str], list[PupilAttributeChange]] = {}
    for change in PupilAttributeChange.objects.filter(
        pupil_id__in=ids, field__in=["fsm", "sen_status"]
    ).order_by("effective_from", "pk"):
        history.setdefault((change.pupil_id, change.field), []).append(change)
    results: dict[int, list[KeyStageResult]] = {}
    for result in KeyStageResult.objects.filter(pupil_id__in=ids).order_by(
        "stage", "subject", "component", "method"
    ):
        results.setdefault(result.pupil_id, []).append(result)

    root = Element("CTfile")
    header = _add(root, "Header")
    _add(header, "DocumentName", "Common Transfer File")
    _add(header, "CTFversion", CTF_VERSION)
    _add(header, "DateTime", moment.strftime("%Y-%m-%dT%H:%M:%S"))
    _add(header, "DocumentQualifier", "partial")
    _add(header, "SupplierID", "Trackwell")
    source = _add(header, "SourceSchool")
    _add(source, "LEA", getattr(school, "la_code", "") or "")
    _add(source, "Estab", getattr(school, "establishment_number", "") or "")
    _add(source, "URN", school.urn or "")
    _add(source, "SchoolName", school.name)
    academic_year = moment.year if moment.month >= 9 else moment.year - 1
    _add(source, "AcademicYear", academic_year)
    dest = _add(header, "DestSchool")
    la, estab, urn = destination or (UNKNOWN_LA, UNKNOWN_ESTAB, "")
    _add(dest, "LEA", la)
    _add(dest, "Estab", estab)
    _add(dest, "URN", urn)
    data = _add(root, "CTFpupilData")
    for pupil in pupils:
        node = _add(data, "Pupil")
        _add(node, "UPN", pupil.upn)
        _add(node, "Surname", pupil.last_name)
        _add(node, "Forename", pupil.first_name)
        _add(node, "DOB", pupil.date_of_birth.isoformat())
        _add(node, "Sex", pupil.sex)
        basic = _add(node, "BasicDetails")
        _add(basic, "NCyearActual", "R" if pupil.nc_year == 0 else pupil.nc_year)
        _add(basic, "EnrolStatus", "C")
        if pupil.eal:
            # Trackwell knows only that English is an additional language, not which one:
            # OTB is "other than English, believed to be".
            language = _add(_add(basic, "Languages"), "Type")
            _add(language, "LanguageType", "F")
            _add(language, "Language", "OTB")
        fsm = _fsm_instances(history.get((pupil.pk, "fsm"), []))
        if not fsm and pupil.fsm:
            fsm = [(pupil.date_of_birth, None)]
        if fsm:
            fsm_node = _add(node, "FSMhistory")
            for start, end in fsm:
                instance = _add(fsm_node, "FSMinstance")
                _add(instance, "FSMstartDate", start.isoformat())
                if end is not None:
                    _add(instance, "FSMendDate", end.isoformat())
        sen_changes = [
            c for c in history.get((pupil.pk, "sen_status"), []) if c.new_value in SenStatus.values
        ]
        if sen_changes or pupil.sen_status != SenStatus.NONE:
            sen_node = _add(node, "SENhistory")
            if not sen_changes:
                sen = _add(sen_node, "SEN")
                _add(sen, "StartDate", pupil.date_of_birth.isoformat())
                _add(sen, "SENprovision", pupil.sen_status)
            for change in sen_changes:
                sen = _add(sen_node, "SEN")
                _add(sen, "StartDate", change.effective_from.isoformat())
                _add(sen, "SENprovision", change.new_value)
        _add(_add(node, "LookedAfter"), "InCare", "true" if pupil.looked_after else "false")
        stage_results = results.get(pupil.pk, [])
        if stage_results:
            stages = _add(node, "StageAssessments")
            by_stage: dict[str, list[KeyStageResult]] = {}
            for result in stage_results:
                by_stage.setdefault(result.stage, []).append(result)
            for stage, items in by_stage.items():
                stage_node = _add(stages, "KeyStage")
                _add(stage_node, "Stage", STAGE_NAMES.get(KeyStage(stage), stage.upper()))
                for result in items:
                    item = _add(stage_node, "StageAssessment")
                    _add(item, "Locale", "EN")
                    if result.taken_on:
                        _add(item, "Year", result.taken_on.year)
                    _add(item, "Subject", result.subject)
                    if result.component:
                        _add(item, "Component", result.component)
                    _add(
                        item,
                        "Method",
                        result.method or ("TT" if result.scaled_score is not None else "TA"),
                    )
                    _add(item, "ResultStatus", "F")
                    if result.scaled_score is not None and result.outcome:
                        _add(item, "ResultQualifier", result.outcome)
                    _add(
                        item,
                        "Result",
                        result.scaled_score if result.scaled_score is not None else result.outcome,
                    )
                    if result.taken_on:
                        _add(item, "ResultDate", result.taken_on.isoformat())
    indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8") + b"\n"
