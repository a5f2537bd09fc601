"""Default starting points and band sets a school starts from, and can change."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from trackwell.core.models import School

from .documents import FORMAT, VERSION
from .models import BandSet

STARTING_POINTS = [
    {
        "key": "working-on-last-year",
        "label": "Working on securing last year's objectives",
        "description": "Ended last year below the year's expectations in this subject.",
    },
    {
        "key": "secure-last-year",
        "label": "Secure in last year's objectives",
        "description": "Ended last year on track in this subject.",
    },
    {
        "key": "greater-depth-last-year",
        "label": "Greater depth in last year's objectives",
        "description": "Ended last year at greater depth in this subject.",
    },
    {
        "key": "personalised",
        "label": "More than a year behind: personalised",
        "description": "Set by hand: works on an earlier year's objectives with a personal plan.",
    },
]

POINTS = ["Autumn", "Spring", "Summer"]
# % secure of the year each band needs at each point: the year's framework is
# taught across the year, so the figure a pupil on track has rises point by point.
ATTAINMENT_THRESHOLDS = {
    "on-track": {"Autumn": 20, "Spring": 50, "Summer": 75},
    "just-below": {"Autumn": 14, "Spring": 38, "Summer": 60},
    "below": {"Autumn": 7, "Spring": 22, "Summer": 40},
}
# Pupils who start the year secure in last year's objectives are expected a
# little further on at the spring and summer points.
SECURE_START_ON_TRACK = {"Spring": 55, "Summer": 80}


def _c(metric: str, op: str, value: Any) -> dict[str, Any]:
    return {"metric": metric, "op": op, "value": value}


def attainment_document() -> dict[str, Any]:
    def by_point(key: str) -> list[dict[str, Any]]:
        return [
            {"point": p, "conditions": [_c("pct_secure_of_year", ">=", v)]}
            for p, v in ATTAINMENT_THRESHOLDS[key].items()
        ]

    on_track = by_point("on-track") + [
        {
            "point": p,
            "starting_point": "secure-last-year",
            "conditions": [_c("pct_secure_of_year", ">=", v)],
        }
        for p, v in SECURE_START_ON_TRACK.items()
    ]
    greater = [
        {
            "point": p,
            "conditions": [
                _c("pct_secure_of_year", ">=", v),
                _c("pct_greater_depth", ">=", 50),
            ],
        }
        for p, v in ATTAINMENT_THRESHOLDS["on-track"].items()
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": "Attainment",
        "kind": "attainment",
        "description": "Where each pupil stands against the year's objectives at this point.",
        "active": True,
        "starting_points": STARTING_POINTS,
        "bands": [
            {
                "key": "well-below",
                "label": "Well below",
                "parent_label": "Working on earlier steps with extra support",
                "colour": "#848fa3",
                "next_starting_point": "working-on-last-year",
            },
            {
                "key": "below",
                "label": "Below",
                "parent_label": "Building up the year's learning with support",
                "colour": "#3b78b5",
                "next_starting_point": "working-on-last-year",
                "rules": by_point("below"),
            },
            {
                "key": "just-below",
                "label": "Just below",
                "parent_label": "Nearly where we expect at this time of year",
                "colour": "#2a5f96",
                "next_starting_point": "working-on-last-year",
                "rules": by_point("just-below"),
            },
            {
                "key": "on-track",
                "label": "On track",
                "parent_label": "Learning what we expect at this time of year",
                "colour": "#173f73",
                "meets_expectation": True,
                "next_starting_point": "secure-last-year",
                "rules": on_track,
            },
            {
                "key": "greater-depth",
                "label": "Greater depth",
                "parent_label": "Learning securely and applying it in depth",
                "colour": "#0b2850",
                "meets_expectation": True,
                "next_starting_point": "greater-depth-last-year",
                "rules": greater,
            },
        ],
    }


def progress_document() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": "Progress",
        "kind": "progress",
        "description": (
            "How each pupil has moved since the last assessment point, judged by their "
            "attainment band then and now; pupils working on last year's objectives or on a "
            "personal plan also count steady gains in what they have secured."
        ),
        "active": True,
        "starting_points": STARTING_POINTS,
        "bands": [
            {
                "key": "small-steps",
                "label": "Small steps",
                "parent_label": "Taking small steps forward",
                "colour": "#848fa3",
            },
            {
                "key": "slow",
                "label": "Slow",
                "parent_label": "Moving forward more slowly this term",
                "colour": "#3b78b5",
                "rules": [{"conditions": [_c("band_change", ">=", -1)]}],
            },
            {
                "key": "good",
                "label": "Good",
                "parent_label": "Making good progress",
                "colour": "#1f4f85",
                "meets_expectation": True,
                "rules": [
                    {"conditions": [_c("band_change", ">=", 0)]},
                    *[
                        {"starting_point": sp, "conditions": [_c("band_change", ">=", 0)]}
                        for sp in ("working-on-last-year", "personalised")
                    ],
                    *[
                        {"starting_point": sp, "conditions": [_c("secure_gain", ">=", 20)]}
                        for sp in ("working-on-last-year", "personalised")
                    ],
                ],
            },
            {
                "key": "rapid",
                "label": "Rapid",
                "parent_label": "Making rapid progress",
                "colour": "#0b2850",
                "meets_expectation": True,
                "rules": [{"conditions": [_c("band_change", ">=", 1)]}],
            },
        ],
    }


def create_default_bands(school: School, user: Any = None) -> list[BandSet]:
    """The default starting points, attainment and progress band sets (once per school)."""
    from .services import save_band_set  # services import this module's documents

    with transaction.atomic():
        existing = set(BandSet.objects.filter(school=school).values_list("name", flat=True))
        made = []
        for order, doc in enumerate([attainment_document(), progress_document()]):
            if doc["name"] not in existing:
                made.append(save_band_set(user=user, school=school, doc=doc, order=order))
        return made
