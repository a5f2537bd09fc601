"""The meetings' one door to provision: start, extend, adapt or stop interventions; read them.

Meetings never import provision models directly: everything goes through
`get_link()`: `provision_adapter.LINK` calls provision's own services, and
`NoProvision` keeps decisions in the meeting record (and says so) where the
provision app is not installed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from trackwell.core.models import School
from trackwell.pupils.models import Pupil, SchoolClass


@dataclass(frozen=True)
class InterventionInfo:
    """What a meeting shows of an intervention a pupil takes part in."""

    ref: int
    name: str
    ends: date | None = None
    status: str = ""
    outcome: str = ""
    url: str = ""
    pupil_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Change:
    """What a provision decision did, in words for the meeting record."""

    ref: int | None
    summary: str
    url: str = ""


@dataclass
class SencoItems:
    """The SENCO's home page lists, from provision."""

    ending: list[InterventionInfo] = field(default_factory=list)
    evaluations_due: list[InterventionInfo] = field(default_factory=list)
    sen_without_provision: list[Pupil] = field(default_factory=list)


class ProvisionLink(Protocol):
    """What meetings and home pages need from provision."""

    available: bool

    def start(
        self,
        *,
        user: Any,
        school: School,
        pupil: Pupil,
        name: str,
        focus: str,
        objective_ids: Sequence[int],
        starts: date,
    ) -> Change: ...

    def change(
        self, *, user: Any, school: School, ref: int, kind: str, text: str, weeks: int = 6
    ) -> Change: ...

    def strategy(
        self, *, user: Any, school_class: SchoolClass, pupil: Pupil | None, text: str
    ) -> Change: ...

    def for_pupils(self, school_id: int, pupil_ids: Collection[int]) -> list[InterventionInfo]: ...

    def ending(
        self, school_id: int, pupil_ids: Collection[int] | None, since: date, until: date
    ) -> list[InterventionInfo]: ...

    def senco_items(self, school_id: int, today: date) -> SencoItems: ...

    def ta_groups(self, user: Any, today: date) -> tuple[list[InterventionInfo], list[Any]]: ...


class NoProvision:
    """Provision is not installed: decisions are kept in the meeting record only."""

    available = False

    def start(
        self,
        *,
        user: Any,
        school: School,
        pupil: Pupil,
        name: str,
        focus: str,
        objective_ids: Sequence[int],
        starts: date,
    ) -> Change:
        return Change(None, f"To start: {name} for {pupil.full_name} (kept in this record).")

    def change(
        self, *, user: Any, school: School, ref: int, kind: str, text: str, weeks: int = 6
    ) -> Change:
        return Change(ref, f"To {kind}: kept in this record.")

    def strategy(
        self, *, user: Any, school_class: SchoolClass, pupil: Pupil | None, text: str
    ) -> Change:
        return Change(None, "Kept in this record.")

    def for_pupils(self, school_id: int, pupil_ids: Collection[int]) -> list[InterventionInfo]:
        return []

    def ending(
        self, school_id: int, pupil_ids: Collection[int] | None, since: date, until: date
    ) -> list[InterventionInfo]:
        return []

    def senco_items(self, school_id: int, today: date) -> SencoItems:
        from trackwell.pupils.models import SenStatus

        pupils = list(
            Pupil.objects.filter(school_id=school_id, sen_status=SenStatus.SUPPORT).order_by(
                "last_name", "first_name", "pk"
            )[:50]
        )
        return SencoItems(sen_without_provision=pupils)

    def ta_groups(self, user: Any, today: date) -> tuple[list[InterventionInfo], list[Any]]:
        return [], []


_override: ProvisionLink | None = None


def get_link() -> ProvisionLink:
    """Provision's adapter when provision is installed, else the record-only fallback."""
    if _override is not None:
        return _override
    try:
        from trackwell.meetings import provision_adapter
    except ImportError:  # provision not installed in this deployment
        return NoProvision()
    link: ProvisionLink = provision_adapter.LINK
    return link
