"""Band sets as JSON documents: the schema, validation with paths, and conversion.

The same document is what the rule editor saves, what import reads and what
export writes, so there is one validation for all three (docs/band-rules.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import Draft202012Validator

from trackwell.core.colours import MIN_GRAPHIC_CONTRAST, WHITE, contrast, readable
from trackwell.pupils.models import NC_YEAR_CHOICES

from .figures import METRICS
from .models import Band, BandRule, BandSet, StartingPoint
from .rules import BandSetSpec, BandSpec, RuleSpec, condition_from_json

FORMAT = "trackwell-band-set"
VERSION = 1
KEY = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,59}$"}
NUMBER = {"type": "number"}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["format", "version", "name", "kind", "bands"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "kind": {"enum": ["attainment", "progress"]},
        "description": {"type": "string"},
        "active": {"type": "boolean"},
        "points": {
            "type": "array",
            "maxItems": 6,
            "items": {"type": "string", "minLength": 1, "maxLength": 60},
        },
        "not_banded": {"type": "boolean"},
        "starting_points": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "label"],
                "additionalProperties": False,
                "properties": {
                    "key": KEY,
                    "label": {"type": "string", "minLength": 1, "maxLength": 120},
                    "description": {"type": "string"},
                },
            },
        },
        "bands": {
            "type": "array",
            "minItems": 2,
            "maxItems": 12,
            "items": {
                "type": "object",
                "required": ["key", "label"],
                "additionalProperties": False,
                "properties": {
                    "key": KEY,
                    "label": {"type": "string", "minLength": 1, "maxLength": 80},
                    "parent_label": {"type": "string", "maxLength": 160},
                    "description": {"type": "string"},
                    "colour": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                    "meets_expectation": {"type": "boolean"},
                    "next_starting_point": {"anyOf": [KEY, {"const": ""}]},
                    "rules": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["conditions"],
                            "additionalProperties": False,
                            "properties": {
                                "point": {"type": "string", "maxLength": 60},
                                "starting_point": {"anyOf": [KEY, {"const": ""}]},
                                "years": {"type": "array", "items": {"type": "integer"}},
                                "conditions": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["metric", "op", "value"],
                                        "additionalProperties": False,
                                        "properties": {
                                            "metric": {"enum": sorted(METRICS)},
                                            "op": {"enum": [">=", ">", "<=", "<", "=", "between"]},
                                            "value": {
                                                "anyOf": [
                                                    NUMBER,
                                                    {
                                                        "type": "array",
                                                        "items": NUMBER,
                                                        "minItems": 2,
                                                        "maxItems": 2,
                                                    },
                                                ]
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

_validator = Draft202012Validator(SCHEMA)
NC_YEARS = frozenset(year for year, _ in NC_YEAR_CHOICES)


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for p in parts:
        text += f"[{p}]" if isinstance(p, int) else (f".{p}" if text else str(p))
    return text or "(document)"


def validate_document(doc: Any, known_starting_points: Iterable[str] = ()) -> list[str]:
    """Every problem in the document, each naming its path; empty when it is sound."""
    errors = [
        f"{_path(e.absolute_path)}: {e.message}"
        for e in sorted(_validator.iter_errors(doc), key=lambda e: list(map(str, e.path)))
    ]
    if errors:
        return errors
    starts = set(known_starting_points) | {s["key"] for s in doc.get("starting_points", [])}
    seen: set[str] = set()
    progress = doc["kind"] == "progress"
    for b_index, band in enumerate(doc["bands"]):
        where = f"bands[{b_index}]"
        if band["key"] in seen:
            errors.append(f"{where}.key: '{band['key']}' is used by two bands")
        seen.add(band["key"])
        colour = band.get("colour", "")
        if colour and contrast(colour, WHITE) < MIN_GRAPHIC_CONTRAST:
            errors.append(
                f"{where}.colour: {colour} is too light to see on white "
                f"({contrast(colour, WHITE):.1f}:1; a band colour needs at least 3:1); "
                f"choose a darker one, such as {readable(colour)}"
            )
        nsp = band.get("next_starting_point", "")
        if nsp and nsp not in starts:
            errors.append(f"{where}.next_starting_point: no starting point '{nsp}'")
        rules = band.get("rules", [])
        if b_index == 0 and rules:
            errors.append(
                f"{where}.rules: the lowest band is where every other pupil falls; "
                "it takes no rules"
            )
        for r_index, rule in enumerate(rules):
            rwhere = f"{where}.rules[{r_index}]"
            sp = rule.get("starting_point", "")
            if sp and sp not in starts:
                errors.append(f"{rwhere}.starting_point: no starting point '{sp}'")
            seen_years: set[int] = set()
            for y_index, year in enumerate(rule.get("years", [])):
                if year not in NC_YEARS:
                    errors.append(
                        f"{rwhere}.years[{y_index}]: no NC year {year} "
                        "(0 is Reception, then 1 to 13)"
                    )
                elif year in seen_years:
                    errors.append(f"{rwhere}.years[{y_index}]: year {year} is listed twice")
                seen_years.add(year)
            for c_index, cond in enumerate(rule["conditions"]):
                cwhere = f"{rwhere}.conditions[{c_index}]"
                is_pair = isinstance(cond["value"], list)
                if cond["op"] == "between" and not is_pair:
                    errors.append(f"{cwhere}.value: 'between' needs two numbers, [low, high]")
                elif cond["op"] != "between" and is_pair:
                    errors.append(f"{cwhere}.value: '{cond['op']}' needs one number")
                elif is_pair and cond["value"][0] > cond["value"][1]:
                    errors.append(f"{cwhere}.value: the low number comes first")
                if METRICS[cond["metric"]].progress_only and not progress:
                    errors.append(
                        f"{cwhere}.metric: '{cond['metric']}' compares two points; "
                        "use it in a progress band set"
                    )
    return errors


def unknown_points(doc: Mapping[str, Any], point_names: Iterable[str]) -> list[str]:
    """Points the document names that the school has no point of (ignoring case), by path.

    For imports: a rule for a point the school does not have would never apply,
    silently. (The editor offers only the school's points.)
    """
    known = {p.casefold() for p in point_names}
    have = ", ".join(sorted(set(point_names), key=str.casefold)) or "none yet"
    errors = []

    def check(where: str, name: str) -> None:
        if name.strip() and name.strip().casefold() not in known:
            errors.append(
                f"{where}: the school has no assessment point '{name.strip()}' (its points: {have})"
            )

    for index, name in enumerate(doc.get("points", [])):
        check(f"points[{index}]", name)
    for b_index, band in enumerate(doc["bands"]):
        for r_index, rule in enumerate(band.get("rules", [])):
            check(f"bands[{b_index}].rules[{r_index}].point", rule.get("point", ""))
    return errors


def spec_from_document(doc: Mapping[str, Any]) -> BandSetSpec:
    """A validated document as a band set the engine can evaluate."""
    bands = []
    for order, band in enumerate(doc["bands"]):
        rules = tuple(
            RuleSpec(
                point=rule.get("point", "").strip(),
                starting_point=rule.get("starting_point", ""),
                conditions=tuple(condition_from_json(c) for c in rule["conditions"]),
                years=tuple(sorted(rule.get("years", []))),
            )
            for rule in band.get("rules", [])
        )
        bands.append(
            BandSpec(
                key=band["key"],
                label=band["label"],
                order=order,
                colour=band.get("colour", "#5a8fc4"),
                parent_label=band.get("parent_label", ""),
                description=band.get("description", ""),
                meets_expectation=band.get("meets_expectation", False),
                next_starting_point=band.get("next_starting_point", ""),
                rules=rules,
            )
        )
    return BandSetSpec(
        name=doc["name"],
        kind=doc["kind"],
        bands=tuple(bands),
        description=doc.get("description", ""),
        active=doc.get("active", True),
        points=tuple(p.strip() for p in doc.get("points", [])),
        not_banded=doc.get("not_banded", False),
    )


def document_from_models(
    band_set: BandSet,
    bands: list[Band],
    rules: list[BandRule],
    starting_points: list[StartingPoint],
) -> dict[str, Any]:
    """A saved band set as a document (export, and the editor's starting state)."""
    start_key = {sp.pk: sp.key for sp in starting_points}
    by_band: dict[int, list[BandRule]] = {}
    for rule in rules:
        by_band.setdefault(rule.band_id, []).append(rule)
    used_starts = {r.starting_point_id for r in rules} | {b.next_starting_point_id for b in bands}
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": band_set.name,
        "kind": band_set.kind,
        "description": band_set.description,
        "active": band_set.is_active,
        # Written only when set, so documents of sets without them read as before.
        **({"points": list(band_set.points)} if band_set.points else {}),
        **({"not_banded": True} if band_set.not_banded else {}),
        "starting_points": [
            {"key": sp.key, "label": sp.label, "description": sp.description}
            for sp in starting_points
            if sp.pk in used_starts or band_set.kind == BandSet.Kind.ATTAINMENT
        ],
        "bands": [
            {
                "key": band.key,
                "label": band.label,
                "parent_label": band.parent_label,
                "description": band.description,
                "colour": band.colour,
                "meets_expectation": band.meets_expectation,
                "next_starting_point": start_key.get(band.next_starting_point_id or 0, ""),
                "rules": [
                    {
                        "point": rule.point_name,
                        "starting_point": start_key.get(rule.starting_point_id or 0, ""),
                        # Written only when set, like the set's points.
                        **({"years": sorted(rule.years)} if rule.years else {}),
                        "conditions": rule.conditions,
                    }
                    for rule in by_band.get(band.pk, [])
                ],
            }
            for band in sorted(bands, key=lambda b: b.order)
        ],
    }
