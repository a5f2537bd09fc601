"""Bands for a whole school at once, decided by the rule engine once per distinct case.

A band set's rules read only a few figures (`BandSetSpec.metrics_used`: for the
default sets, % secure of the year and % greater depth). Two pupils with the same
values of those, at the same point, with the same starting point and NC year, get
the same band, by the same rule, with the same explanation text: only the figures
listed in the explanation differ. So a whole school's bands are decided by
`BandSetSpec.decide` once for each distinct combination (a few hundred for 1,600
pupil-subjects) and shared, and each pupil's `Explanation` is built only when it
is read (the pupils on screen, or a point being closed).

The engine stays the one place the rules are evaluated; this only avoids asking it
the same question twice. `tests/analysis/test_banding.py` checks on generated band
sets and figures that the answers equal the engine's, pupil by pupil.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .rules import BandSetSpec, BandSpec, Explanation, RuleSpec

Figures = dict[str, float | None]


class Decision:
    """One band set's answer for every pupil whose tested figures have the same values."""

    __slots__ = (
        "_template",
        "_wording",
        "band",
        "index",
        "labels",
        "point_name",
        "rule",
        "spec",
        "starting_point",
        "year",
    )

    def __init__(
        self,
        spec: BandSetSpec,
        index: int,
        rule: RuleSpec | None,
        point_name: str,
        starting_point: str,
        labels: Mapping[str, str],
        year: int | None,
    ) -> None:
        self.spec = spec
        self.index = index
        self.rule = rule
        self.band: BandSpec = spec.ordered[index]
        self.point_name = point_name
        self.starting_point = starting_point
        self.labels = labels
        self.year = year
        self._template: dict[str, Any] | None = None
        self._wording: tuple[str, str] | None = None

    def explain(self, figures: Figures) -> Explanation:
        """The engine's explanation for one pupil's figures."""
        return self.spec.explain_decision(
            self.index,
            self.rule,
            figures,
            self.point_name,
            self.starting_point,
            self.labels,
            self.year,
        )

    def wording(self, figures: Figures) -> tuple[str, str]:
        """`because` and `next_text` of `explain(figures)`, worked out once for the decision."""
        if self._wording is None:
            explained = self.explain(figures)
            self._wording = (explained.because, explained.next_text)
        return self._wording

    def as_json(self, figures: Figures) -> dict[str, Any]:
        """`explain(figures).as_json()`, its wording worked out once for the decision.

        The wording (why, and what the next band up needs) reads only the tested
        figures, which every pupil of the decision shares; the figures listed differ.
        """
        if self._template is None:
            self._template = self.explain(figures).as_json()
            return self._template
        return {**self._template, "figures": {k: v for k, v in figures.items() if v is not None}}


class Banding:
    """Decisions of one band set at one point, remembered by what they depend on."""

    __slots__ = ("_decisions", "labels", "point_name", "spec", "used")

    def __init__(self, spec: BandSetSpec, point_name: str, labels: Mapping[str, str]) -> None:
        self.spec = spec
        self.point_name = point_name
        self.labels = labels
        self.used = spec.metrics_used
        self._decisions: dict[tuple[Any, ...], Decision] = {}

    def decide(self, figures: Figures, starting_point: str, year: int | None) -> Decision:
        values = tuple(map(figures.get, self.used))
        # Types too: 1 and True are equal keys but are written differently in the wording.
        key = (starting_point, year, values, tuple(map(type, values)))
        found = self._decisions.get(key)
        if found is None:
            index, rule = self.spec.decide(figures, self.point_name, starting_point, year)
            found = self._decisions[key] = Decision(
                self.spec, index, rule, self.point_name, starting_point, self.labels, year
            )
        return found
