"""The bundle's orgs and academicSessions: which org is the school, which year a class is in."""

from __future__ import annotations

from typing import Any

from trackwell.core.models import AcademicYear, School
from trackwell.interop.pipeline import Plan, Problem
from trackwell.interop.values import parse_date

from .bundle import ids


def find_org(
    school: School, orgs: list[dict[str, Any]], options: dict[str, Any], plan: Plan
) -> dict[str, Any] | None:
    schools = [o for o in orgs if o.get("type", "").lower() == "school"]
    chosen = str(options.get("org") or "").strip()
    if chosen:
        match = [o for o in orgs if o["sourcedid"] == chosen]
    elif len(schools) == 1:
        match = schools
    else:
        match = [
            o
            for o in schools
            if school.urn and school.urn in (o.get("identifier", ""), o["sourcedid"])
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


def year_for(
    row: dict[str, Any],
    sessions: dict[str, dict[str, Any]],
    years: list[AcademicYear],
    current: AcademicYear | None,
    plan: Plan,
) -> AcademicYear | None:
    refs = ids(row.get("termsourcedids", ""))
    session = next((sessions[r] for r in refs if r in sessions), None)
    # A term's school year is its parent; a school year is its own. A bundle whose
    # parents go round in a circle reaches no school year (and does not loop).
    seen: set[str] = set()
    while session is not None and session.get("type", "").lower() != "schoolyear":
        seen.add(session["sourcedid"])
        parent = session.get("parentsourcedid", "")
        session = sessions.get(parent) if parent and parent not in seen else None
    if session is None:
        if current is None:
            plan.errors.append(
                Problem(
                    "the class names no school year in academicSessions.csv, and the school "
                    "has no current academic year to put it in: set the year up first.",
                    row["_row"],
                    "termSourcedIds",
                    "classes.csv",
                )
            )
        return current
    try:
        start = parse_date(session.get("startdate", ""))
        end = parse_date(session.get("enddate", ""))
    except ValueError as exc:
        plan.errors.append(Problem(str(exc), session["_row"], "startDate", "academicSessions.csv"))
        return None
    middle = start + (end - start) / 2
    match = next((y for y in years if y.start_date <= middle <= y.end_date), None)
    if match is None:
        plan.errors.append(
            Problem(
                f"the school year {session.get('title', '')!r} ({start:%d/%m/%Y} to "
                f"{end:%d/%m/%Y}) is not set up in Trackwell: add it, with its assessment "
                "points, on the Years page first.",
                session["_row"],
                "title",
                "academicSessions.csv",
            )
        )
    return match
