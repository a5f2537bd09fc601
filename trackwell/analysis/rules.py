"""Band rules: the school's own conditions on the figures, evaluated with an explanation.

How a band is chosen (written out for schools in docs/band-rules.md):

1. Bands are tried from the highest to the lowest. The lowest band takes no
   rules: it is where every pupil not placed higher falls, so every pupil
   gets exactly one band of each set.
2. For each band, only the rules that apply to this assessment point and this
   pupil's starting point are looked at, and of those only the most specific:
   a rule for this point and this starting point beats one for this starting
   point at any point, which beats one for this point and any starting point,
   which beats one for any point and any starting point.
3. A rule matches when all its conditions hold; a condition on a figure the
   pupil does not have yet (e.g. no objectives taught) does not hold.
4. The first band with a matching rule is the suggestion. The explanation
   names that rule and its figures, and says what the next band up needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .figures import METRICS, figure_phrase, format_figure

OPS = {
    ">=": "at least",
    ">": "more than",
    "<=": "at most",
    "<": "less than",
    "=": "exactly",
    "between": "between",
}

Figures = Mapping[str, float | None]


@dataclass(frozen=True)
class Condition:
    metric: str
    op: str
    value: float
    value2: float | None = None

    def holds(self, figures: Figures) -> bool:
        x = figures.get(self.metric)
        if x is None:
            return False
        if self.op == ">=":
            return x >= self.value
        if self.op == ">":
            return x > self.value
        if self.op == "<=":
            return x <= self.value
        if self.op == "<":
            return x < self.value
        if self.op == "=":
            return x == self.value
        assert self.value2 is not None
        return self.value <= x <= self.value2

    @property
    def label(self) -> str:
        return METRICS[self.metric].label if self.metric in METRICS else self.metric

    def text(self) -> str:
        """'% secure of the year at least 60' (staff wording)."""
        if self.op == "between":
            return f"{self.label} between {self.value:g} and {self.value2:g}"
        return f"{self.label} {OPS[self.op]} {self.value:g}"

    def source(self) -> str:
        """The condition as typed in the rule editor: 'pct_secure_of_year >= 60'."""
        if self.op == "between":
            return f"{self.metric} between {self.value:g} and {self.value2:g}"
        return f"{self.metric} {self.op} {self.value:g}"

    def as_json(self) -> dict[str, Any]:
        value: Any = [self.value, self.value2] if self.op == "between" else self.value
        return {"metric": self.metric, "op": self.op, "value": value}


def years_phrase(years: Iterable[int]) -> str:
    """'Reception', 'Year 2', 'Years 2 and 3', 'Reception and Years 1, 2 and 3'."""
    ordered = sorted(set(years))
    numbers = [str(y) for y in ordered if y > 0]
    parts = ["Reception"] if 0 in ordered else []
    if numbers:
        noun = "Year" if len(numbers) == 1 else "Years"
        listed = (
            numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]
        )
        parts.append(f"{noun} {listed}")
    return " and ".join(parts)


@dataclass(frozen=True)
class RuleSpec:
    point: str = ""
    starting_point: str = ""
    conditions: tuple[Condition, ...] = ()
    years: tuple[int, ...] = ()  # NC years (0 is Reception); empty: every year

    @property
    def specificity(self) -> int:
        return (2 if self.starting_point else 0) + (1 if self.point else 0)

    def applies(self, point_name: str, starting_point: str, year: int | None = None) -> bool:
        if self.point and self.point.casefold() != point_name.casefold():
            return False
        if self.years and year not in self.years:
            return False  # a rule for other year groups is skipped, like one for another point
        return not (self.starting_point and self.starting_point != starting_point)

    def holds(self, figures: Figures) -> bool:
        for c in self.conditions:  # noqa: SIM110 (a loop: cheaper than all() of a generator)
            if not c.holds(figures):
                return False
        return True

    def where(self, start_labels: Mapping[str, str]) -> str:
        parts = []
        if self.point:
            parts.append(f"at the {self.point} point")
        if self.starting_point:
            label = start_labels.get(self.starting_point, self.starting_point)
            parts.append(f"for pupils starting '{label}'")
        if self.years:
            parts.append(f"in {years_phrase(self.years)}")
        return " ".join(parts) or "at every point, for every starting point"

    def source(self) -> str:
        return "; ".join(c.source() for c in self.conditions)


@dataclass(frozen=True)
class BandSpec:
    key: str
    label: str
    order: int
    colour: str = "#5a8fc4"
    parent_label: str = ""
    description: str = ""
    meets_expectation: bool = False
    next_starting_point: str = ""
    rules: tuple[RuleSpec, ...] = ()


@dataclass(frozen=True)
class Explanation:
    """Why a band was given, and what the next band up needs.

    The next band's rule and the missing conditions are worked out only when
    asked for (explanations are built for every pupil, read for a few).
    """

    band: BandSpec
    rule: RuleSpec | None
    figures: dict[str, float | None]
    next_band: BandSpec | None = None
    next_candidates: tuple[RuleSpec, ...] = ()
    start_labels: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def next_rule(self) -> RuleSpec | None:
        """The next band's rule that is closest to holding (fewest conditions missing)."""
        if not self.next_candidates:
            return None
        return min(
            self.next_candidates,
            key=lambda r: sum(not c.holds(self.figures) for c in r.conditions),
        )

    @cached_property
    def next_missing(self) -> tuple[str, ...]:
        rule = self.next_rule
        if rule is None:
            return ()
        return tuple(
            f"{c.text()} (now {format_figure(c.metric, self.figures.get(c.metric))})"
            for c in rule.conditions
            if not c.holds(self.figures)
        )

    @property
    def because(self) -> str:
        if self.rule is None:
            return "no higher band's rule matched"
        used = ", ".join(
            figure_phrase(c.metric, self.figures.get(c.metric)) for c in self.rule.conditions
        )
        return f"{used} ({self.rule.where(self.start_labels)}: {self.rule_text(self.rule)})"

    @staticmethod
    def rule_text(rule: RuleSpec) -> str:
        return " and ".join(c.text() for c in rule.conditions) or "always"

    @property
    def next_text(self) -> str:
        if self.next_band is None:
            return ""
        if self.next_rule is None:
            return f"{self.next_band.label} has no rule for this point and starting point."
        return (
            f"{self.next_band.label} needs {'; '.join(self.next_missing)} "
            f"{self.next_rule.where(self.start_labels)}."
        )

    @property
    def text(self) -> str:
        """One paragraph: the band, why, and what the next band up needs."""
        return " ".join(t for t in [f"{self.band.label}: {self.because}.", self.next_text] if t)

    def as_json(self) -> dict[str, Any]:
        return {
            "band": self.band.key,
            "label": self.band.label,
            "rule": None
            if self.rule is None
            else {
                "point": self.rule.point,
                "starting_point": self.rule.starting_point,
                "years": list(self.rule.years),
                "conditions": [c.as_json() for c in self.rule.conditions],
            },
            "figures": {k: v for k, v in self.figures.items() if v is not None},
            "because": self.because,
            "next": None
            if self.next_band is None
            else {
                "band": self.next_band.key,
                "label": self.next_band.label,
                "text": self.next_text,
            },
            "text": self.text,
        }


@dataclass(frozen=True)
class BandSetSpec:
    name: str
    kind: str
    bands: tuple[BandSpec, ...]  # lowest first
    description: str = ""
    active: bool = True
    points: tuple[str, ...] = ()  # empty: every point
    not_banded: bool = False  # unmatched pupils get no band rather than the lowest
    _cache: dict[tuple[str, str, str, int | None], list[RuleSpec]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _plans: dict[tuple[str, str, int | None], tuple[tuple[int, list[RuleSpec]], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def band(self, key: str) -> BandSpec | None:
        return next((b for b in self.bands if b.key == key), None)

    def applies_at(self, point_name: str) -> bool:
        """Whether the set gives bands at this point (names compared ignoring case)."""
        return not self.points or point_name.casefold() in {p.casefold() for p in self.points}

    def evaluate(
        self,
        figures: Figures,
        point_name: str,
        starting_point: str = "",
        start_labels: Mapping[str, str] | None = None,
        year: int | None = None,
    ) -> Explanation:
        """The one band these figures fall in, with the reason.

        `year` is the pupil's NC year: rules for other year groups are skipped.
        """
        labels = start_labels or {}
        figs = figures if isinstance(figures, dict) else dict(figures)
        index, match = self.decide(figs, point_name, starting_point, year)
        return self.explain_decision(index, match, figs, point_name, starting_point, labels, year)

    def decide(
        self,
        figures: Figures,
        point_name: str,
        starting_point: str = "",
        year: int | None = None,
    ) -> tuple[int, RuleSpec | None]:
        """Where these figures fall: the band's place in `ordered` and the rule that placed
        them there (None for the lowest band, which takes no rules).

        It reads only the figures named in `metrics_used`, so pupils with the same
        values of those get the same answer (`banding.Banding` relies on that).
        """
        plan = self._plans.get((point_name, starting_point, year))
        if plan is None:
            plan = self._plan(point_name, starting_point, year)
        for index, rules in plan:
            for rule in rules:
                if rule.holds(figures):
                    return index, rule
        return 0, None

    def _plan(
        self, point_name: str, starting_point: str, year: int | None
    ) -> tuple[tuple[int, list[RuleSpec]], ...]:
        """The bands `decide` tries, highest first and the lowest left out, each with its
        most specific rules here (`_applicable`); bands with none are left out (memoised)."""
        ordered = self.ordered
        plan = tuple(
            (index, rules)
            for index in range(len(ordered) - 1, 0, -1)
            if (rules := self._applicable(ordered[index], point_name, starting_point, year))
        )
        self._plans[(point_name, starting_point, year)] = plan
        return plan

    def explain_decision(
        self,
        index: int,
        rule: RuleSpec | None,
        figures: dict[str, float | None],
        point_name: str,
        starting_point: str = "",
        start_labels: Mapping[str, str] | None = None,
        year: int | None = None,
    ) -> Explanation:
        """The explanation of a decision (`decide`) for these figures."""
        ordered = self.ordered
        return self._explain(
            ordered[index],
            rule,
            figures,
            ordered,
            index,
            point_name,
            starting_point,
            start_labels or {},
            year,
        )

    @cached_property
    def ordered(self) -> list[BandSpec]:
        return sorted(self.bands, key=lambda b: b.order)

    @cached_property
    def metrics_used(self) -> tuple[str, ...]:
        """Every figure some rule of the set tests: all that decisions and explanations read."""
        return tuple(
            sorted({c.metric for band in self.bands for r in band.rules for c in r.conditions})
        )

    def _applicable(
        self, band: BandSpec, point_name: str, starting_point: str, year: int | None = None
    ) -> list[RuleSpec]:
        """The band's most specific rules for this point, starting point and year (memoised)."""
        key = (band.key, point_name.casefold(), starting_point, year)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        rules = [r for r in band.rules if r.applies(point_name, starting_point, year)]
        top = max((r.specificity for r in rules), default=0)
        found = [r for r in rules if r.specificity == top]
        self._cache[key] = found
        return found

    def _explain(
        self,
        band: BandSpec,
        rule: RuleSpec | None,
        figures: dict[str, float | None],
        ordered: list[BandSpec],
        index: int,
        point_name: str,
        starting_point: str,
        labels: Mapping[str, str],
        year: int | None = None,
    ) -> Explanation:
        next_band = ordered[index + 1] if index + 1 < len(ordered) else None
        candidates: tuple[RuleSpec, ...] = ()
        if next_band is not None:
            candidates = tuple(self._applicable(next_band, point_name, starting_point, year))
        return Explanation(band, rule, figures, next_band, candidates, labels)


# ---------------------------------------------------------------------------
# The rule editor's one-line syntax: "pct_secure_of_year >= 60; pct_greater_depth between 0 and 30"

_CONDITION = re.compile(
    r"^\s*(?P<metric>[a-z_]+)\s*(?:(?P<op>>=|<=|>|<|=)\s*(?P<value>-?\d+(?:\.\d+)?)"
    r"|between\s+(?P<low>-?\d+(?:\.\d+)?)\s+and\s+(?P<high>-?\d+(?:\.\d+)?))\s*$"
)
_SPLIT = re.compile(r"\s*;\s*|\s+and\s+(?=[a-z_]+\s*(?:>=|<=|>|<|=|between\b))")


def parse_conditions(text: str) -> list[dict[str, Any]]:
    """Conditions typed as text, as JSON ready for validation; ValueError names the bad part."""
    conditions: list[dict[str, Any]] = []
    for part in _SPLIT.split(text.strip()):
        if not part:
            continue
        m = _CONDITION.match(part)
        if m is None:
            raise ValueError(
                f"'{part}' is not a condition; write e.g. 'pct_secure_of_year >= 60' "
                "or 'pct_greater_depth between 0 and 30'"
            )
        if m["op"]:
            conditions.append({"metric": m["metric"], "op": m["op"], "value": float(m["value"])})
        else:
            conditions.append(
                {
                    "metric": m["metric"],
                    "op": "between",
                    "value": [float(m["low"]), float(m["high"])],
                }
            )
    return conditions


def condition_from_json(data: Mapping[str, Any]) -> Condition:
    value = data["value"]
    if data["op"] == "between":
        return Condition(data["metric"], "between", float(value[0]), float(value[1]))
    return Condition(data["metric"], data["op"], float(value))
