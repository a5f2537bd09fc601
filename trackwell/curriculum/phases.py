"""Years and phases a framework can cover: 'Year 3', 'Reception', 'Key Stage 2', 'Years 3-4'."""

import re
from dataclasses import dataclass

from trackwell.pupils.models import nc_year_label

# Canonical phase name -> (first NC year, last NC year, other spellings, lower case).
PHASES: dict[str, tuple[int, int, tuple[str, ...]]] = {
    "Early years foundation stage": (0, 0, ("eyfs", "early years")),
    "Key Stage 1": (1, 2, ("ks1", "key stage one")),
    "Lower Key Stage 2": (3, 4, ("lks2", "lower ks2")),
    "Upper Key Stage 2": (5, 6, ("uks2", "upper ks2")),
    "Key Stage 2": (3, 6, ("ks2", "key stage two")),
    "Key Stage 3": (7, 9, ("ks3", "key stage three")),
    "Key Stage 4": (10, 11, ("ks4", "key stage four")),
    "Primary": (0, 6, ("primary phase",)),
}
MAX_YEAR = 13

_RANGE = re.compile(r"^(?:years?|y)?\s*(\d{1,2})\s*(?:-|\u2013|to)\s*(?:years?|y)?\s*(\d{1,2})$")
_YEAR = re.compile(r"^(?:year|yr|y)?\s*(\d{1,2})$")


@dataclass(frozen=True)
class YearPhase:
    """The years a framework covers; `phase` is empty for a single year."""

    nc_year: int
    last_nc_year: int | None = None
    phase: str = ""

    @property
    def label(self) -> str:
        return self.phase or nc_year_label(self.nc_year)

    @property
    def key(self) -> str:
        """A short value for forms and CSV files that parses back to the same years."""
        return self.phase or str(self.nc_year)


def parse_year_phase(text: str) -> YearPhase | None:
    """Read a year or phase as schools write it; None when it is neither."""
    value = " ".join(str(text).strip().split()).lower()
    if not value:
        return None
    if value in {"r", "rec", "reception", "year r", "yr", "0", "year 0"}:
        return YearPhase(0)
    for name, (first, last, spellings) in PHASES.items():
        if value == name.lower() or value in spellings:
            return YearPhase(first, last, name)
    match = _YEAR.match(value)
    if match:
        year = int(match.group(1))
        return YearPhase(year) if 0 <= year <= MAX_YEAR else None
    match = _RANGE.match(value)
    if match:
        first, last = int(match.group(1)), int(match.group(2))
        if 0 <= first < last <= MAX_YEAR:
            return YearPhase(first, last, f"Years {first}-{last}")
    return None


def year_phase_choices() -> list[tuple[str, str]]:
    """Choices for a 'year or phase' select: every NC year, then the named phases."""
    years = [(str(n), nc_year_label(n)) for n in range(MAX_YEAR + 1)]
    return years + [(name, name) for name in PHASES]
