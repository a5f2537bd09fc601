"""Reading a provision-map spreadsheet: XLSX sheets, words for areas, funding and measures,
matching pupils, and each row's values with its outcome worked out."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from trackwell.core.exports import FORMULA_PREFIXES
from trackwell.core.models import School
from trackwell.interop.mapping import Field, MappingSpec
from trackwell.interop.pipeline import (
    DEFAULT_LIMITS,
    Plan,
    Problem,
    Table,
)
from trackwell.provision import builtin
from trackwell.provision.models import (
    AreaOfNeed,
    FundingSource,
    Measure,
    MeasureKind,
    MeasureStep,
    Status,
)
from trackwell.provision.values import (
    format_target,
    format_value,
    parse_target,
    parse_value,
    work_out_outcome,
)
from trackwell.pupils.models import Pupil

FIELDS = MappingSpec(
    (
        Field(
            "intervention",
            "Intervention",
            ("intervention name", "provision", "group"),
            required=True,
        ),
        Field("area", "Area of need", ("area", "need", "send area", "broad area of need")),
        Field(
            "ratio",
            "Ratio",
            ("group size", "staff pupil ratio", "staff to pupil ratio", "adult pupil ratio"),
        ),
        Field(
            "frequency",
            "Frequency and duration",
            ("frequency", "frequency duration", "sessions", "duration"),
        ),
        Field(
            "staff", "Staff", ("adult", "adults", "delivered by", "staff member", "ta", "staffing")
        ),
        Field("start", "Start", ("start date", "from", "began")),
        Field("end", "End", ("end date", "to", "until", "finished")),
        Field("status", "Status", ("state",)),
        Field("funding", "Funding", ("funding source", "funded by", "budget")),
        Field(
            "resources",
            "Resources (£)",
            ("resources", "resources cost", "resource cost", "materials"),
        ),
        Field("pupil", "Pupil", ("pupil name", "name", "child", "student", "pupils")),
        Field("upn", "UPN", ("unique pupil number",)),
        Field("class_name", "Class", ("class name", "form", "reg group")),
        Field("measure", "Measure", ("assessment", "measure used", "scale"), required=True),
        Field("entry", "Entry", ("entry data", "entry value", "baseline", "entry level", "before")),
        Field("target", "Target", ("target on measure", "smart target", "aim")),
        Field("exit", "Exit", ("exit data", "exit value", "exit level", "after")),
        Field("outcome", "Outcome", ("result", "target met", "met")),
        Field("comment", "Comment", ("comments", "notes", "other factors", "note")),
    )
)
INTERVENTION_FIELDS = (
    "area",
    "ratio",
    "frequency",
    "staff",
    "start",
    "end",
    "status",
    "funding",
    "resources",
)
AREA_WORDS = {
    **{a.label.lower(): a.value for a in AreaOfNeed},
    **{a.value: a.value for a in AreaOfNeed},
    "c&i": AreaOfNeed.COMMUNICATION,
    "c & i": AreaOfNeed.COMMUNICATION,
    "communication & interaction": AreaOfNeed.COMMUNICATION,
    "c&l": AreaOfNeed.COGNITION,
    "c & l": AreaOfNeed.COGNITION,
    "cognition & learning": AreaOfNeed.COGNITION,
    "semh": AreaOfNeed.SEMH,
    "social emotional and mental health": AreaOfNeed.SEMH,
    "sensory": AreaOfNeed.SENSORY,
    "physical": AreaOfNeed.SENSORY,
    "sensory and physical": AreaOfNeed.SENSORY,
    "sensory/physical": AreaOfNeed.SENSORY,
    "academic": AreaOfNeed.ACADEMIC,
    "subject": AreaOfNeed.ACADEMIC,
}
STATUS_WORDS = {**{s.label.lower(): s.value for s in Status}, **{s.value: s.value for s in Status}}
FUNDING_WORDS = {
    **{f.label.lower(): f.value for f in FundingSource},
    **{f.value: f.value for f in FundingSource},
    "pp": FundingSource.PUPIL_PREMIUM,
    "sen": FundingSource.SEN_NOTIONAL,
    "notional sen": FundingSource.SEN_NOTIONAL,
    "sen notional": FundingSource.SEN_NOTIONAL,
    "notional": FundingSource.SEN_NOTIONAL,
    "top up": FundingSource.TOP_UP,
    "top-up": FundingSource.TOP_UP,
    "hns": FundingSource.TOP_UP,
}
MEASURE_WORDS = {
    "leuven well-being": builtin.WELLBEING,
    "leuven wellbeing": builtin.WELLBEING,
    "well-being": builtin.WELLBEING,
    "wellbeing": builtin.WELLBEING,
    "leuven involvement": builtin.INVOLVEMENT,
    "involvement": builtin.INVOLVEMENT,
    "objectives": builtin.GRID,
    "grid": builtin.GRID,
}
SUB_LEVEL_NAMES = {"nc sub-levels", "sub-levels", "sub levels", "sublevels", "nc levels", "levels"}
LIMITS = DEFAULT_LIMITS


def unguarded(text: str) -> str:
    """A cell without the apostrophe our exports put before '+2' or '-1' so it is not a formula."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def _key(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes) -> tuple[Table | None, list[Problem]]:
    """The first sheet of a workbook as a table (never raises)."""
    try:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        book.close()
    except Exception:  # any unreadable workbook is one clear problem, never a 500
        return None, [Problem("The file is not a workbook Trackwell can read (XLSX).")]
    if len(rows) > LIMITS.max_rows + 1:
        return None, [Problem(f"The sheet has more than {LIMITS.max_rows:,} rows.")]
    if not rows:
        return None, [Problem("The sheet is empty.")]
    headers = [_cell_text(h).strip() for h in rows[0]]
    body = []
    for number, raw in enumerate(rows[1:], start=2):
        cells = [_cell_text(c) for c in raw]
        if any(c.strip() for c in cells):
            if any(len(c) > LIMITS.max_cell for c in cells):
                return None, [
                    Problem(f"A cell holds more than {LIMITS.max_cell:,} characters.", number)
                ]
            body.append((number, cells))
    return Table(headers, body), []


def _parse_funding(text: str) -> dict[str, int] | None:
    """'Pupil premium 60%; SEN notional budget 40%' or 'Pupil premium'; None if unreadable."""
    if not text.strip():
        return {}
    parts = [p.strip() for p in re.split(r"[;,/+]| and ", text) if p.strip()]
    shares: dict[str, int] = {}
    for part in parts:
        match = re.match(r"^(.*?)\s*(\d{1,3})\s*%?$", part)
        name, pct = (match.group(1), int(match.group(2))) if match else (part, None)
        source = FUNDING_WORDS.get(_key(name))
        if source is None:
            return None
        shares[source] = pct if pct is not None else 0
    missing = [k for k, v in shares.items() if v == 0]
    if len(missing) == 1:
        shares[missing[0]] = 100 - sum(v for v in shares.values())
    elif missing:
        even = 100 // len(shares)
        shares = {k: even for k in shares}
        shares[next(iter(shares))] += 100 - even * len(shares)
    return shares


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _weeks_between(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days
    return max(1, min(60, round(days / 7))) if days >= 0 else None


def _sub_level_measure(school: School) -> Measure:
    """The school's NC sub-levels measure, or an unsaved one with the standard steps."""
    found = Measure.objects.filter(school=school, name="NC sub-levels").first()
    if found is not None:
        return found
    measure = Measure(school=school, name="NC sub-levels", kind=MeasureKind.ORDINAL)
    measure._step_cache = [  # type: ignore[attr-defined]
        MeasureStep(position=i, label=label) for i, label in enumerate(builtin.SUB_LEVELS, start=1)
    ]
    return measure


def _find_measure(
    name: str, measures: dict[str, Measure], builtins: dict[str, Measure], sub_levels: Measure
) -> Measure | None:
    key = _key(name)
    if key in measures:
        return measures[key]
    if key in MEASURE_WORDS:
        return builtins.get(MEASURE_WORDS[key]) or _builtin_stand_in(MEASURE_WORDS[key])
    if key in SUB_LEVEL_NAMES:
        return sub_levels
    for b in builtin.LEUVEN_SCALES:
        if key == _key(b.name):
            return builtins.get(b.key) or _builtin_stand_in(b.key)
    if key == _key(builtin.GRID_MEASURE_NAME):
        return builtins.get(builtin.GRID) or _builtin_stand_in(builtin.GRID)
    return None


def _builtin_stand_in(key: str) -> Measure:
    """A built-in measure not yet created for the school, to read values with."""
    for scale in builtin.LEUVEN_SCALES:
        if scale.key == key:
            measure = Measure(name=scale.name, kind=MeasureKind.ORDINAL, builtin=key)
            measure._step_cache = [  # type: ignore[attr-defined]
                MeasureStep(position=i, label=label) for i, (label, _) in enumerate(scale.steps, 1)
            ]
            return measure
    return Measure(name=builtin.GRID_MEASURE_NAME, kind=MeasureKind.OBJECTIVES, builtin=key)


def _match_pupil(
    row: dict[str, Any],
    by_upn: dict[str, Pupil],
    by_name: dict[str, list[Pupil]],
    classes: dict[int, set[str]],
    plan: Plan,
) -> Pupil | None:
    upn = "".join((row.get("upn") or "").split()).upper()
    if upn:
        pupil = by_upn.get(upn)
        if pupil is None:
            plan.errors.append(
                Problem(f"no pupil of the school has the UPN {upn}.", row["row"], "UPN")
            )
        return pupil
    name = _key(row.get("pupil") or "")
    found = by_name.get(name, [])
    if row.get("class_name"):
        in_class = [p for p in found if _key(row["class_name"]) in classes.get(p.pk, set())]
        if in_class or len(found) != 1:
            found = in_class
    if len(found) == 1:
        return found[0]
    if not found:
        where = f" in {row['class_name']}" if row.get("class_name") else ""
        plan.errors.append(
            Problem(f"no pupil called {row.get('pupil')}{where}.", row["row"], "Pupil")
        )
    else:
        plan.errors.append(
            Problem(
                f"{len(found)} pupils are called {row.get('pupil')}: add their class or UPN.",
                row["row"],
                "Pupil",
            )
        )
    return None


def _values(row: dict[str, Any], measure: Measure, plan: Plan) -> dict[str, Any] | None:
    """A row's entry, target and exit on the measure, with the outcome worked out."""
    try:
        entry = parse_value(measure, row.get("entry") or "")
        exit_ = parse_value(measure, row.get("exit") or "")
    except ValidationError as exc:
        column = "Entry" if row.get("entry") and _bad(measure, row.get("entry")) else "Exit"
        plan.errors.append(Problem(exc.messages[0], row["row"], column))
        return None
    try:
        kind, amount = parse_target(measure, row.get("target") or "")
    except ValidationError as exc:
        plan.errors.append(Problem(exc.messages[0], row["row"], "Target"))
        return None
    outcome = work_out_outcome(entry, exit_, kind, amount)
    given = row.get("outcome_given") or ""
    if given and outcome and given != outcome:
        words: dict[str, str] = {"met": "Met", "partly": "Partly met", "not_met": "Not met"}
        plan.warnings.append(
            f"Row {row['row']}: the file says '{words.get(given, given)}' but entry "
            f"{format_value(measure, entry)}, exit {format_value(measure, exit_)} and target "
            f"{format_target(measure, kind, amount) or 'none'} make it "
            f"'{words.get(outcome, outcome)}'; Trackwell keeps the worked-out outcome."
        )
    return {
        "measure": measure.name,
        "entry": str(entry) if entry is not None else None,
        "exit": str(exit_) if exit_ is not None else None,
        "entry_text": format_value(measure, entry),
        "exit_text": format_value(measure, exit_),
        "target_text": format_target(measure, kind, amount),
        "outcome_text": {"met": "met", "partly": "partly met", "not_met": "not met"}.get(
            outcome, ""
        ),
    }


def _bad(measure: Measure, text: str | None) -> bool:
    try:
        parse_value(measure, text or "")
    except ValidationError:
        return True
    return False
