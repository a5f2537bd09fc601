"""The bundle's orgs and academicSessions: which org is the school, which year a class is in.

A class's `termSourcedIds` lead to a term and its parent school year (or to a
school year itself). The school year is matched to a Trackwell year by the
sourcedId remembered from an earlier import, then by its dates (the Trackwell
year holding the middle of it); a school year Trackwell does not have yet is
created, with assessment points from the school's own pattern (its latest
year's points a whole number of years on) or, for a school with no year yet,
one point at the end of each term. Terms are shown in the preview; they are
not assessment points of their own (see docs/imports.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from trackwell.core.models import AcademicYear, AssessmentPoint, School
from trackwell.interop.pipeline import Change, FieldChange, Plan, Problem
from trackwell.interop.values import parse_date

from .bundle import ids
from .roster import Roster

SESSIONS = "academicSessions.csv"


def find_org(
    school: School,
    orgs: list[dict[str, Any]],
    options: dict[str, Any],
    plan: Plan,
    remembered: str | None = None,
) -> dict[str, Any] | None:
    """The bundle's org that is this school (a delta bundle without orgs: the remembered one)."""
    schools = [o for o in orgs if o.get("type", "").lower() == "school"]
    chosen = str(options.get("org") or "").strip()
    if not orgs and (chosen or remembered):
        # A delta bundle need not repeat the orgs: the school's org of an earlier import.
        return {"sourcedid": chosen or remembered, "_row": None}
    if chosen:
        match = [o for o in orgs if o["sourcedid"] == chosen]
    elif len(schools) == 1 and remembered and schools[0]["sourcedid"] != remembered:
        # Another school's bundle (or a re-keyed one) would offer every pupil as a leaver:
        # refused unless the admin names the org on purpose.
        plan.errors.append(
            Problem(
                f"The bundle's school is {schools[0]['sourcedid']} "
                f"({schools[0].get('name', '')}), but {school.name} was imported from "
                f"{remembered} last time. Is this the right school's bundle? If it is, give "
                f"its sourcedId as the school's org.",
                schools[0].get("_row"),
                "sourcedId",
                "orgs.csv",
            )
        )
        return None
    elif len(schools) == 1:
        match = schools
    else:
        match = [
            o
            for o in schools
            if (school.urn and school.urn in (o.get("identifier", ""), o["sourcedid"]))
            or o["sourcedid"] == remembered
        ]
    if len(match) == 1:
        return match[0]
    listed = "; ".join(f"{o['sourcedid']} ({o.get('name', '')})" for o in schools) or "none"
    plan.errors.append(
        Problem(
            (f"The bundle has no org {chosen!r}. " if chosen else "")
            + f"Choose which of the bundle's schools is {school.name}: {listed}.",
            file="orgs.csv",
        )
    )
    return None


def school_year_session(r: Roster, refs: list[str]) -> dict[str, Any] | None:
    """The school year a list of session sourcedIds leads to (a term's parent, or itself)."""
    session = next((r.sessions[ref] for ref in refs if ref in r.sessions), None)
    # A bundle whose parents go round in a circle reaches no school year (and does not loop).
    seen: set[str] = set()
    while session is not None and session.get("type", "").lower() != "schoolyear":
        seen.add(session["sourcedid"])
        parent = session.get("parentsourcedid", "")
        session = r.sessions.get(parent) if parent and parent not in seen else None
    return session


def year_for(row: dict[str, Any], r: Roster) -> AcademicYear | str | None:
    """A class's Trackwell year, or the sourcedId of the school year the plan creates."""
    session = school_year_session(r, ids(row.get("termsourcedids", "")))
    if session is None:
        if r.current is None:
            r.plan.errors.append(
                Problem(
                    "the class names no school year in academicSessions.csv, and the school "
                    "has no current academic year to put it in: set the year up first.",
                    row["_row"],
                    "termSourcedIds",
                    "classes.csv",
                )
            )
        return r.current
    ref = session["sourcedid"]
    if ref not in r.year_for_session:
        r.year_for_session[ref] = _plan_year(r, session)
    return r.year_for_session[ref]


def _dates(r: Roster, session: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    try:
        start = parse_date(session.get("startdate", ""))
    except ValueError as exc:
        r.plan.errors.append(Problem(str(exc), session["_row"], "startDate", SESSIONS))
        return None
    try:
        end = parse_date(session.get("enddate", ""))
    except ValueError as exc:
        r.plan.errors.append(Problem(str(exc), session["_row"], "endDate", SESSIONS))
        return None
    if end <= start:
        r.plan.errors.append(
            Problem("the session ends before it starts.", session["_row"], "endDate", SESSIONS)
        )
        return None
    return start, end


def terms_of(r: Roster, session: dict[str, Any]) -> list[tuple[str, dt.date, dt.date]]:
    """The terms (and semesters, grading periods) whose parent is this school year, in order."""
    found = []
    for child in r.sessions.values():
        if child.get("parentsourcedid", "") != session["sourcedid"]:
            continue
        try:
            start, end = parse_date(child["startdate"]), parse_date(child["enddate"])
        except ValueError:
            continue  # named when a class uses it; a term is only shown here
        found.append((child.get("title", "") or child["sourcedid"], start, end))
    return sorted(found, key=lambda t: t[1])


def _terms_note(terms: list[tuple[str, dt.date, dt.date]]) -> str:
    return "Terms: " + "; ".join(
        f"{title} ({start:%d/%m/%Y} to {end:%d/%m/%Y})" for title, start, end in terms
    )


def _plan_year(r: Roster, session: dict[str, Any]) -> AcademicYear | str | None:
    ref = session["sourcedid"]
    dates = _dates(r, session)
    if dates is None:
        return None
    start, end = dates
    terms = terms_of(r, session)
    title = (session.get("title", "") or "").strip()
    linked = r.links.get(("year", ref))
    by_pk = {y.pk: y for y in r.years}
    middle = start + (end - start) / 2
    match = by_pk.get(linked) if linked else None
    match = match or next((y for y in r.years if y.start_date <= middle <= y.end_date), None)
    if match is not None:
        r.plan.context.setdefault("links", []).append(("year", ref, match.pk))
        if terms:
            r.plan.warnings.append(
                f"{SESSIONS}, row {session['_row']}: the school year {title!r} is "
                f"Trackwell's {match.name}. {_terms_note(terms)} (shown only: terms are not "
                "assessment points; the year's points are set on the Years page)."
            )
        return match
    overlap = next((y for y in r.years if y.start_date <= end and y.end_date >= start), None)
    if overlap is not None:
        r.plan.errors.append(
            Problem(
                f"the school year {title!r} ({start:%d/%m/%Y} to {end:%d/%m/%Y}) overlaps "
                f"{overlap.name} but is not the same year: correct its dates (here or on the "
                "Years page).",
                session["_row"],
                "startDate",
                SESSIONS,
            )
        )
        return None
    name = title[:20] if title else f"{start.year}/{(start.year + 1) % 100:02d}"
    if any(y.name.casefold() == name.casefold() for y in r.years):
        name = f"{start.year}/{(start.year + 1) % 100:02d}"
    points = _points_for(r, start, end, terms)
    if points is None:
        r.plan.errors.append(
            Problem(
                f"the school year {title!r} ({start:%d/%m/%Y} to {end:%d/%m/%Y}) is not set up "
                "in Trackwell and its assessment points cannot be worked out (the school has "
                "no earlier year to copy them from, and the bundle gives no 2 to 6 terms): add "
                "it, with its points, on the Years page first.",
                session["_row"],
                "title",
                SESSIONS,
            )
        )
        return None
    notes = [_terms_note(terms)] if terms else []
    r.plan.changes.append(
        Change(
            "create",
            "year",
            ref,
            f"{name} ({start:%d/%m/%Y} to {end:%d/%m/%Y})",
            fields=[
                FieldChange("name", "Name", None, name),
                FieldChange("start_date", "Starts", None, start.isoformat()),
                FieldChange("end_date", "Ends", None, end.isoformat()),
                FieldChange(
                    "points",
                    "Assessment points",
                    None,
                    ", ".join(f"{p} {d:%d/%m/%Y}" for p, d, _ in points),
                ),
            ],
            row=session["_row"],
            data={
                "name": name,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "points": [[p, d.isoformat(), base] for p, d, base in points],
                "ref": ref,
            },
            notes=notes,
        )
    )
    return ref


def _points_for(
    r: Roster, start: dt.date, end: dt.date, terms: list[tuple[str, dt.date, dt.date]]
) -> list[tuple[str, dt.date, bool]] | None:
    """The new year's points: the school's pattern moved on, else the end of each term."""
    earlier = [y for y in r.years if y.start_date < start]
    if earlier:
        latest = max(earlier, key=lambda y: y.start_date)
        shift = start.year - latest.start_date.year
        moved = []
        for point in AssessmentPoint.objects.filter(year=latest).order_by("date"):
            day = _years_on(point.date, shift)
            if not start <= day <= end:
                break
            moved.append((point.name, day, point.is_baseline))
        else:
            if AssessmentPoint.MIN_PER_YEAR <= len(moved) <= AssessmentPoint.MAX_PER_YEAR:
                return moved
    names = [t[0][:60] for t in terms]
    if (
        AssessmentPoint.MIN_PER_YEAR <= len(terms) <= AssessmentPoint.MAX_PER_YEAR
        and len({n.casefold() for n in names}) == len(names)
        and all(start <= t[2] <= end for t in terms)
    ):
        return [(name, t[2], False) for name, t in zip(names, terms, strict=True)]
    return None


def _years_on(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
