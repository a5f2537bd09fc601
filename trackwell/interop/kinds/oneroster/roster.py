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
    pupils_by_pk: dict[int, Pupil] = field(default_factory=dict)
    staff_by_pk: dict[int, User] = field(default_factory=dict)
    classes_by_pk: dict[int, SchoolClass] = field(default_factory=dict)
    # sourcedId -> the pupil, or the UPN of a pupil the plan creates.
    pupil_for: dict[str, Pupil | str] = field(default_factory=dict)
    # sourcedId -> the member of staff, or the email of one the plan creates.
    staff_for: dict[str, User | str] = field(default_factory=dict)
    # A member of staff's pk -> their role in users.csv ("teacher" or "aide").
    staff_role: dict[int, str] = field(default_factory=dict)
    # sourcedId -> the class, or (year, name) of one the plan creates, its year a pk or the
    # sourcedId of a school year the plan creates.
    class_for: dict[str, SchoolClass | tuple[int | str, str]] = field(default_factory=dict)
    # A school year's sourcedId -> its Trackwell year, or its sourcedId when the plan creates it.
    year_for_session: dict[str, AcademicYear | str | None] = field(default_factory=dict)
    # How the manifest gives each file: bulk (every record), delta (changes) or absent.
    modes: dict[str, str] = field(default_factory=dict)
