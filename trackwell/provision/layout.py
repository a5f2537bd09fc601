"""The provision-map spreadsheet layout: one row per pupil per measure, for export and import.

Export and import share these columns, so a map exported from Trackwell
imports back unchanged (the round trip is a test).
"""

from __future__ import annotations

import re
from decimal import Decimal

from trackwell.core.exports import Table
from trackwell.provision.queries import MapRow

COLUMNS = [
    "Intervention",
    "Area of need",
    "Ratio",
    "Frequency and duration",
    "Staff",
    "Start",
    "End",
    "Status",
    "Funding",
    "Resources (£)",
    "Pupil",
    "UPN",
    "Class",
    "Measure",
    "Entry",
    "Target",
    "Exit",
    "Outcome",
    "Comment",
    "Planned cost (£)",
    "Actual cost (£)",
]
REQUIRED = ["Intervention", "Pupil", "Measure"]


def frequency_text(sessions_per_week: Decimal, minutes: int, weeks: int) -> str:
    """'3 x 20 min, 10 weeks': the form the import reads back."""
    per_week = format(sessions_per_week.normalize(), "f")
    return f"{per_week} x {minutes} min, {weeks} weeks"


_FREQUENCY = re.compile(
    r"^\s*(\d+(?:\.\d)?)\s*(?:x|\u00d7|times|sessions?)\s*(?:of\s*)?(\d+)\s*(?:min(?:ute)?s?)?"
    r"(?:\s*(?:a|per)\s*week)?\s*(?:[,;]|for)?\s*(?:(\d+)\s*weeks?)?\s*$",
    re.IGNORECASE,
)


def parse_frequency(text: str) -> tuple[Decimal, int, int | None] | None:
    """(sessions a week, minutes, weeks) from '3 x 20 min, 10 weeks' or '2 sessions of 30 min'."""
    match = _FREQUENCY.match(text or "")
    if not match:
        return None
    weeks = int(match.group(3)) if match.group(3) else None
    return Decimal(match.group(1)), int(match.group(2)), weeks


_RATIO = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*$")


def parse_ratio(text: str) -> tuple[int, int] | None:
    """(adults, pupils) from '1:4'; a lone number is the group size with one adult."""
    text = (text or "").strip()
    match = _RATIO.match(text)
    if match:
        return int(match.group(1)), int(match.group(2))
    if text.isdigit():
        return 1, int(text)
    return None


def staff_text(name: str, rate: Decimal) -> str:
    """'Sam Jones £14.50/h': a name with the hourly rate the costs are worked out from."""
    return f"{name} £{rate:.2f}/h" if rate else name


_STAFF = re.compile(
    r"^(.*?)\s*\(?\s*£\s*(\d+(?:\.\d{1,2})?)\s*(?:/\s*h(?:our)?|an hour|per hour)?\s*\)?$"
)


def parse_staff(text: str) -> tuple[str, Decimal]:
    """(name, hourly rate) from 'Sam Jones £14.50/h' or 'Sam Jones (£14.50 an hour)'."""
    match = _STAFF.match(text.strip())
    if match and match.group(1):
        return match.group(1).strip(), Decimal(match.group(2))
    return text.strip(), Decimal(0)


def funding_text(row: MapRow) -> str:
    return "; ".join(f"{f.get_source_display()} {f.percent}%" for f in row.funding)


def map_table(rows: list[MapRow], title: str = "Provision map") -> Table:
    """The provision map as one table in the shared layout."""
    out = []
    for row in rows:
        i = row.intervention
        common = [
            i.name,
            i.get_area_display(),
            i.ratio,
            frequency_text(i.sessions_per_week, i.minutes_per_session, i.weeks),
            "; ".join(staff_text(s.name, s.hourly_rate) for s in row.staff),
            i.start_date,
            i.end_date,
            i.get_status_display(),
            funding_text(row),
            i.resources_cost,
        ]
        costs = [row.planned_cost, row.actual_cost]
        for prow in row.participants:
            pupil = prow.participant.pupil
            who = [pupil.full_name, pupil.upn, prow.class_name]
            cells = [[v.measure.name, v.entry, v.target, v.exit, v.outcome] for v in prow.values]
            for line in cells or [["", "", "", "", prow.outcome]]:
                out.append([*common, *who, *line, prow.participant.comment, *costs])
        if not row.participants:
            out.append([*common, "", "", "", "", "", "", "", "", "", *costs])
    return Table(title, COLUMNS, out)
