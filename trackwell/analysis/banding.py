"""Bands for a whole school at once, decided by the rule engine once per distinct case.

A band set's rules read only a few figures (`BandSetSpec.metrics_used`: for the
default sets, % secure of the year and % greater depth). Two pupils with the same
values of those, at the same point, with the same starting point and NC year, get
the same band by the same rule, and (where those values are written the same way)
the same wording: only the figures listed in the explanation differ. So a whole
school's bands are decided by `BandSetSpec.decide` once for each distinct
combination (about 800 for 3,000 bands of the two-form-entry demo) and shared; each
pupil's `Explanation` is built only when it is read (the pupils on screen, or a
point being closed), and its wording once per combination.

The engine stays the one place the rules are evaluated; this only avoids asking it
the same question twice. `tests/analysis/test_banding.py` checks on generated band
sets and figures that the answers equal the engine's, pupil by pupil.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from .rules import BandSetSpec, BandSpec, Explanation, RuleSpec

Figures = dict[str, float | None]


class Decision:
    """One band set's answer, by one rule, for every pupil of a (starting point, year) case
    whose tested figures reach that band by that rule; its wording is kept for each way
    of writing those figures."""

    __slots__ = (
        "_said",
        "_written_json",
        "band",
        "index",
        "labels",
        "point_name",
        "rule",
        "spec",
        "starting_point",
        "suggested",
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
        suggested: Any = None,
    ) -> None:
        self.spec = spec
        self.index = index
        self.rule = rule
        self.band: BandSpec = spec.ordered[index]
        self.point_name = point_name
        self.starting_point = starting_point
        self.labels = labels
        self.year = year
        self.suggested = suggested  # the band set's own row for `band`, when given
        # Wording and stored explanation, by how the tested figures are written.
        self._said: dict[tuple[str, ...], tuple[str, str, dict[str, Any] | None]] = {}
        self._written_json: dict[tuple[str, ...], tuple[str, str]] = {}

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

    def _written(self, figures: Figures) -> tuple[str, ...]:
        """The tested figures as the wording could differ for them: 1, 1.0, True and
        -0.0 are equal to 1, 1 and 0 in a rule but are written differently."""
        return tuple(repr(figures.get(m)) for m in self.spec.metrics_used)

    def wording(self, figures: Figures) -> tuple[str, str]:
        """`because` and `next_text` of `explain(figures)`, worked out once for the decision."""
        key = self._written(figures)
        said = self._said.get(key)
        if said is None:
            explained = self.explain(figures)
            said = self._said[key] = (explained.because, explained.next_text, None)
        return said[0], said[1]

    def as_json(self, figures: Figures) -> dict[str, Any]:
        """`explain(figures).as_json()`, its wording worked out once for the decision.

        The wording (why, and what the next band up needs) reads only the tested
        figures; the figures listed are each pupil's own.
        """
        key = self._written(figures)
        said = self._said.get(key)
        if said is None or said[2] is None:
            template = self.explain(figures).as_json()
            self._said[key] = (
                template["because"],
                (template["next"] or {}).get("text", ""),
                template,
            )
            said = self._said[key]
        # A copy each time: a caller changing its dict must not change the next pupil's.
        shared = copy.deepcopy(said[2])
        assert shared is not None
        return {**shared, "figures": {k: v for k, v in figures.items() if v is not None}}

    def json_text(self, figures: Figures) -> str:
        """`json.dumps(self.as_json(figures))`: the shared wording written once, only the
        pupil's figures written for each pupil (what closing a point stores, on SQLite)."""
        key = self._written(figures)
        parts = self._written_json.get(key)
        if parts is None:
            template = self.explain(figures).as_json()
            names = list(template)
            cut = names.index("figures")
            head = json.dumps({k: template[k] for k in names[:cut]})
            tail = json.dumps({k: template[k] for k in names[cut + 1 :]})
            parts = self._written_json[key] = (
                f"{head[:-1]}, " if len(head) > 2 else "{",
                f", {tail[1:]}" if len(tail) > 2 else "}",
            )
        shown = json.dumps({k: v for k, v in figures.items() if v is not None})
        return f'{parts[0]}"figures": {shown}{parts[1]}'


class Banding:
    """Decisions of one band set at one point, remembered by what they depend on."""

    __slots__ = ("_cases", "_made", "by_key", "labels", "point_name", "spec", "used")

    def __init__(
        self,
        spec: BandSetSpec,
        point_name: str,
        labels: Mapping[str, str],
        by_key: Mapping[str, Any] | None = None,
    ) -> None:
        self.spec = spec
        self.point_name = point_name
        self.labels = labels
        self.by_key = by_key or {}  # band key -> the set's band row, for `Decision.suggested`
        self.used = spec.metrics_used
        self._cases: dict[tuple[str, int | None], dict[tuple[Any, ...], Decision]] = {}
        # One Decision for each band and rule reached in a case, shared by every value of
        # the tested figures that reaches it (its wording is kept by the values written).
        self._made: dict[tuple[str, int | None, int, int], Decision] = {}

    def decide(self, figures: Figures, starting_point: str, year: int | None) -> Decision:
        case = self._cases.get((starting_point, year))
        if case is None:
            case = self._cases[(starting_point, year)] = {}
        values = tuple(map(figures.get, self.used))
        found = case.get(values)
        if found is None:
            index, rule = self.spec.decide(figures, self.point_name, starting_point, year)
            made = (starting_point, year, index, id(rule))
            found = self._made.get(made)
            if found is None:
                band = self.spec.ordered[index]
                found = self._made[made] = Decision(
                    self.spec,
                    index,
                    rule,
                    self.point_name,
                    starting_point,
                    self.labels,
                    year,
                    self.by_key[band.key] if self.by_key else None,
                )
            case[values] = found
        return found
