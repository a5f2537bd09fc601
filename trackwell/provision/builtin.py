"""Measures Trackwell provides to every school: the Leuven scales and the tracking grid.

The Leuven scales of well-being and of involvement were published by Ferre
Laevers and the Research Centre for Experiential Education (CEGO, KU Leuven).
The five descriptors of each scale below are the published scale's wording,
quoted as published; the points' meaning and the observation method are
explained at the sources named.
"""

from __future__ import annotations

from dataclasses import dataclass

WELLBEING = "leuven_wellbeing"
INVOLVEMENT = "leuven_involvement"
GRID = "grid_objectives"


@dataclass(frozen=True)
class BuiltinScale:
    key: str
    name: str
    description: str
    source: str
    steps: tuple[tuple[str, str], ...]  # (label, descriptor) from the lowest point


LEUVEN_SCALES: tuple[BuiltinScale, ...] = (
    BuiltinScale(
        key=WELLBEING,
        name="Leuven scale of well-being",
        description=(
            "How at ease a pupil is, observed over a few minutes of ordinary activity "
            "(Laevers, CEGO, KU Leuven): 1 is extremely low, 5 extremely high."
        ),
        source="https://expertisecentrum.cego.be/leuven-scale-for-well-being/?lang=en",
        steps=(
            ("1", "Outspoken signs of distress"),
            ("2", "Signs of distress predominate"),
            ("3", "A mixed picture, no outspoken signs"),
            ("4", "Signs of enjoyment predominate"),
            ("5", "Outspoken signs of enjoyment"),
        ),
    ),
    BuiltinScale(
        key=INVOLVEMENT,
        name="Leuven scale of involvement",
        description=(
            "How absorbed a pupil is in what they are doing, observed over a few minutes "
            "(Laevers, CEGO, KU Leuven): 1 is extremely low, 5 extremely high."
        ),
        source="https://expertisecentrum.cego.be/leuven-scale-for-involvement/?lang=en",
        steps=(
            ("1", "No activity"),
            ("2", "Interrupted activity"),
            ("3", "Activity without intensity"),
            ("4", "Activity with intense moments"),
            ("5", "Continuous intense activity"),
        ),
    ),
)

GRID_MEASURE_NAME = "Objectives secured (tracking grid)"
GRID_MEASURE_DESCRIPTION = (
    "How many of the intervention's objectives the pupil has secured, read from the "
    "tracking grid at entry and at exit, so nothing is typed twice."
)

# The legacy National Curriculum sub-levels, offered as a ready-made ordinal list a
# school may add (many older provision maps use them).
SUB_LEVELS: tuple[str, ...] = tuple(f"{n}{s}" for n in range(1, 6) for s in ("c", "b", "a"))
