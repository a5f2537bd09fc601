"""What an evaluation answers for a pupil and subject: their figures and each set's band.

Split out of evaluation.py (which builds them, live or from snapshots) so that the
per-pupil loop of a live evaluation (`live_bands`) can build them without an import
cycle; evaluation.py still exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trackwell.core.models import AssessmentPoint

from .banding import Decision
from .figures import Key, Metrics
from .loading import BandSets
from .models import Band, BandSet
from .rules import Explanation


@dataclass(slots=True)
class PupilBand:
    """One band set's answer for one pupil and subject.

    With slots, like `PupilResult`: a live evaluation builds two or more for every
    pupil and subject of the school, and a slotted instance is one object, not two.
    """

    set_id: int
    set_name: str
    kind: str
    suggested: Band
    confirmed: Band | None = None
    reason: str = ""
    stored_because: str = ""
    stored_next: str = ""
    # A live band's decision and the pupil's figures: its explanation is built when read.
    decision: Decision | None = field(default=None, repr=False, compare=False)
    decided_on: dict[str, float | None] | None = field(default=None, repr=False, compare=False)
    # The explanation once built (a flag beside it, so a copy or a pickle keeps both).
    _explained: Explanation | None = field(default=None, init=False, repr=False, compare=False)
    _explained_built: bool = field(default=False, init=False, repr=False, compare=False)

    @property
    def explained(self) -> Explanation | None:
        """The engine's explanation of a live band (None for a band read from a snapshot),
        built when first read."""
        if not self._explained_built:
            if self.decision is not None and self.decided_on is not None:
                self._explained = self.decision.explain(self.decided_on)
            self._explained_built = True
        return self._explained

    def explanation_text(self) -> str:
        """`json.dumps(explanation_json())`, the shared wording written once per decision."""
        assert self.decision is not None and self.decided_on is not None
        return self.decision.json_text(self.decided_on)

    def explanation_json(self) -> dict[str, Any]:
        """What a snapshot keeps of a live band's explanation (`Explanation.as_json`)."""
        assert self.decision is not None and self.decided_on is not None
        return self.decision.as_json(self.decided_on)

    @property
    def because(self) -> str:
        if self.decision is not None and self.decided_on is not None:
            return self.decision.wording(self.decided_on)[0]
        return self.stored_because

    @property
    def next_text(self) -> str:
        if self.decision is not None and self.decided_on is not None:
            return self.decision.wording(self.decided_on)[1]
        return self.stored_next

    @property
    def shown(self) -> Band:
        return self.confirmed or self.suggested

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed is not None

    @property
    def differs(self) -> bool:
        return self.confirmed is not None and self.confirmed.pk != self.suggested.pk

    @property
    def explanation(self) -> str:
        """Why, in words: the suggestion's reason, the next band up, and any override."""
        parts = [f"Suggested {self.suggested.label}: {self.because}."]
        if self.next_text:
            parts.append(self.next_text)
        if self.differs and self.confirmed is not None:
            parts.append(
                f"Confirmed by the teacher as {self.confirmed.label}"
                + (f": {self.reason}" if self.reason else ".")
            )
        elif self.confirmed is not None:
            parts.append("Confirmed by the teacher.")
        else:
            parts.append("Not yet confirmed.")
        return " ".join(parts)


@dataclass(slots=True)
class PupilResult:
    pupil_id: int
    subject_id: int
    class_id: int | None
    nc_year: int
    framework_id: int | None
    framework_year: int | None
    starting_point: str = ""
    starting_label: str = ""
    figures: dict[str, float | None] = field(default_factory=dict)
    bands: dict[int, PupilBand] = field(default_factory=dict)
    metrics: Metrics | None = None

    @property
    def below_year(self) -> bool:
        return self.framework_year is not None and self.framework_year < self.nc_year

    def band_of_kind(self, kind: str) -> PupilBand | None:
        return next((b for b in self.bands.values() if b.kind == kind), None)

    @property
    def attainment(self) -> PupilBand | None:
        return self.band_of_kind(BandSet.Kind.ATTAINMENT)

    @property
    def progress(self) -> PupilBand | None:
        return self.band_of_kind(BandSet.Kind.PROGRESS)


@dataclass
class PointResults:
    point: AssessmentPoint
    sets: BandSets
    rows: dict[Key, PupilResult]
    live: bool
