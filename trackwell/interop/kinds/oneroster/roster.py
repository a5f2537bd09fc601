"""What the planning steps share: the school, the plan and the bundle's records matched so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trackwell.accounts.models import User
from trackwell.core.models import AcademicYear, School
from trackwell.interop.pipeline import Plan
from trackwell.pupils.models import Pupil, SchoolClass


@dataclass
class Roster:
    """One planning pass over a bundle for one school."""

    school: School
    plan: Plan
    org_id: str
    # (record, sourcedId) -> object pk, remembered from earlier imports (`ExternalId`).
    links: dict[tuple[str, str], int]
    sessions: dict[str, dict[str, Any]]
    courses: dict[str, dict[str, Any]]
    years: list[AcademicYear]
    current: AcademicYear | None
    # sourcedId -> the pupil, or the UPN of a pupil the plan creates.
    pupil_for: dict[str, Pupil | str] = field(default_factory=dict)
    # sourcedId -> the member of staff, or the email of one the plan creates.
    staff_for: dict[str, User | str] = field(default_factory=dict)
    # sourcedId -> the class, or (year pk, name) of one the plan creates.
    class_for: dict[str, SchoolClass | tuple[int, str]] = field(default_factory=dict)
