"""Loading a school's band sets (bands, rules, starting points) for the band rule engine.

Split out of evaluation.py, which evaluates pupils against what is loaded here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property

from .models import Band, BandRule, BandSet, StartingPoint
from .rules import BandSetSpec, BandSpec, Condition, RuleSpec


@dataclass
class LoadedSet:
    """A band set with its bands, and the engine's view of it."""

    model: BandSet
    bands: list[Band]
    spec: BandSetSpec

    @property
    def pk(self) -> int:
        return self.model.pk

    def band_for_key(self, key: str) -> Band:
        return self.by_key[key]

    @property
    def by_key(self) -> dict[str, Band]:
        cached: dict[str, Band] | None = getattr(self, "_by_key", None)
        if cached is None:
            cached = {b.key: b for b in self.bands}
            self._by_key = cached
        return cached


@dataclass
class BandSets:
    sets: list[LoadedSet]
    start_labels: dict[str, str]
    start_keys: dict[int, str]

    # Worked out once: the engine asks for these for every pupil and subject.
    @cached_property
    def active(self) -> list[LoadedSet]:
        return [s for s in self.sets if s.model.is_active]

    @cached_property
    def attainment(self) -> LoadedSet | None:
        """The first active attainment set: progress compares pupils' places in it."""
        return next((s for s in self.active if s.model.kind == BandSet.Kind.ATTAINMENT), None)

    @cached_property
    def progress_sets(self) -> list[LoadedSet]:
        return [s for s in self.active if s.model.kind == BandSet.Kind.PROGRESS]

    @cached_property
    def attainment_sets(self) -> list[LoadedSet]:
        return [s for s in self.active if s.model.kind == BandSet.Kind.ATTAINMENT]

    def using(self, kind: str, point_name: str, chosen: int | None = None) -> LoadedSet | None:
        """The set of this kind the school is using at this point, for the overviews.

        The one chosen (an active set of the kind, e.g. from the page's choice),
        else the first active one that gives bands at this point (a set for chosen
        points only gives none elsewhere), else the first active one.
        """
        of_kind = [s for s in self.active if s.model.kind == kind]
        picked = next((s for s in of_kind if s.pk == chosen), None) if chosen else None
        return (
            picked
            or next((s for s in of_kind if s.spec.applies_at(point_name)), None)
            or (of_kind[0] if of_kind else None)
        )

    @cached_property
    def _bands_by_pk(self) -> dict[int | None, Band]:
        found: dict[int | None, Band] = {}
        for s in self.sets:
            for b in s.bands:
                found.setdefault(b.pk, b)  # the first, as a search in order finds
        return found

    def band(self, band_id: int | None) -> Band | None:
        """Any set's band by id (a closed point's snapshots ask for two a pupil-subject)."""
        return self._bands_by_pk.get(band_id)


def spec_for(
    band_set: BandSet, bands: list[Band], rules: list[BandRule], start_keys: dict[int, str]
) -> BandSetSpec:
    by_band: dict[int, list[BandRule]] = {}
    for rule in rules:
        by_band.setdefault(rule.band_id, []).append(rule)
    specs = []
    for band in sorted(bands, key=lambda b: b.order):
        specs.append(
            BandSpec(
                key=band.key,
                label=band.label,
                order=band.order,
                colour=band.colour,
                parent_label=band.parent_label,
                description=band.description,
                meets_expectation=band.meets_expectation,
                next_starting_point=start_keys.get(band.next_starting_point_id or 0, ""),
                rules=tuple(
                    RuleSpec(
                        point=r.point_name,
                        starting_point=start_keys.get(r.starting_point_id or 0, ""),
                        conditions=tuple(
                            Condition(
                                c["metric"],
                                c["op"],
                                float(c["value"][0] if c["op"] == "between" else c["value"]),
                                float(c["value"][1]) if c["op"] == "between" else None,
                            )
                            for c in r.conditions
                        ),
                        years=tuple(r.years),
                    )
                    for r in by_band.get(band.pk, [])
                ),
            )
        )
    return BandSetSpec(
        band_set.name,
        band_set.kind,
        tuple(specs),
        band_set.description,
        band_set.is_active,
        points=tuple(band_set.points or ()),
        not_banded=band_set.not_banded,
    )


def load_band_sets(school_id: int) -> BandSets:
    """Every band set of the school with bands, rules and starting points: four queries."""
    return load_band_sets_for([school_id])[school_id]


def load_band_sets_for(school_ids: Collection[int]) -> dict[int, BandSets]:
    """Each school's band sets with bands, rules and starting points: four queries in all."""
    ids = list(school_ids)
    starts: dict[int, list[StartingPoint]] = {i: [] for i in ids}
    for sp in StartingPoint.objects.filter(school_id__in=ids):
        starts[sp.school_id].append(sp)
    sets: dict[int, list[BandSet]] = {i: [] for i in ids}
    for band_set in BandSet.objects.filter(school_id__in=ids).order_by("order", "pk"):
        sets[band_set.school_id].append(band_set)
    bands: dict[int, list[Band]] = {}
    for band in Band.objects.filter(school_id__in=ids).order_by("band_set_id", "order"):
        bands.setdefault(band.band_set_id, []).append(band)
    rules: dict[int, list[BandRule]] = {}
    for rule in BandRule.objects.filter(school_id__in=ids).order_by("band_id", "order", "pk"):
        rules.setdefault(rule.band_id, []).append(rule)
    result: dict[int, BandSets] = {}
    for school_id in ids:
        start_keys = {sp.pk: sp.key for sp in starts[school_id]}
        loaded = []
        for band_set in sets[school_id]:
            own = bands.get(band_set.pk, [])
            own_rules = [r for b in own for r in rules.get(b.pk, [])]
            loaded.append(LoadedSet(band_set, own, spec_for(band_set, own, own_rules, start_keys)))
        result[school_id] = BandSets(
            loaded, {sp.key: sp.label for sp in starts[school_id]}, start_keys
        )
    return result
