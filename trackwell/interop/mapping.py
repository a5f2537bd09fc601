"""The mapping step: which spreadsheet column holds which field, remembered per school and kind.

A kind of import describes its fields in a `MappingSpec` (name, label, the
header names other systems use for it, whether it is required). The mapping
step suggests a column for each field from the school's remembered mapping,
then from the known header names; the admin confirms or changes it, and it is
remembered for next time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction

from trackwell.interop.models import ColumnMapping

if TYPE_CHECKING:
    from trackwell.core.models import School
    from trackwell.interop.pipeline import Problem

IGNORE = ""


def normalise(header: str) -> str:
    """A header as compared: lower case, punctuation as spaces, single spaces."""
    text = header.replace("\ufeff", "").strip().lower()
    text = re.sub(r"[\s_.\-/:()]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Field:
    """One field an import reads from a column."""

    name: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: str = ""

    def names(self) -> set[str]:
        return {normalise(self.name), normalise(self.label), *(normalise(s) for s in self.synonyms)}


@dataclass(frozen=True)
class MappingSpec:
    """The fields of a spreadsheet import, in the order the mapping step lists them."""

    fields: tuple[Field, ...] = field(default_factory=tuple)

    def get(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def choices(self) -> list[tuple[str, str]]:
        return [(IGNORE, "— leave out —")] + [(f.name, f.label) for f in self.fields]


def saved_mapping(school: School, kind: str) -> dict[str, str]:
    """The school's remembered mapping for a kind: normalised header → field name (or "")."""
    row = ColumnMapping.objects.filter(school=school, kind=kind).first()
    return dict(row.columns) if row else {}


def column_keys(headers: list[str]) -> list[str]:
    """How the mapping step names each column: its header, or by position when that is not enough.

    A header that appears once is its own key (so remembered mappings keep working);
    a repeated or blank header is named with its position: "Surname (column 3)".
    """
    counts: dict[str, int] = {}
    for header in headers:
        counts[normalise(header)] = counts.get(normalise(header), 0) + 1
    return [
        header
        if normalise(header) and counts[normalise(header)] == 1
        else f"{header or '(no heading)'} (column {index + 1})"
        for index, header in enumerate(headers)
    ]


def _repeated(headers: list[str]) -> set[str]:
    """Normalised header names that appear on more than one column."""
    seen: set[str] = set()
    twice: set[str] = set()
    for header in headers:
        key = normalise(header)
        (twice if key in seen else seen).add(key)
    return twice


def guess_mapping(spec: MappingSpec, headers: list[str], saved: dict[str, str]) -> dict[str, str]:
    """A suggested field for every column (by `column_keys`): remembered, else a known name.

    Each field is suggested for one column at most (the first that names it). A name
    that several columns share is not guessed from: the admin chooses which one.
    """
    known = {f.name for f in spec.fields}
    repeated = _repeated(headers)
    taken: set[str] = set()
    guess: dict[str, str] = {}
    for header, key in zip(headers, column_keys(headers), strict=True):
        name = normalise(header)
        if not name:
            continue
        if name in repeated:
            # Only a choice remembered for this very position ("surname column 3").
            choice = saved.get(normalise(key), IGNORE)
            choice = choice if choice in known else IGNORE
        else:
            choice = saved.get(name)  # type: ignore[assignment]
            if choice is None or (choice and choice not in known):
                choice = next((f.name for f in spec.fields if name in f.names()), IGNORE)
        if choice and choice in taken:
            choice = IGNORE
        if choice:
            taken.add(choice)
        guess[key] = choice
    return guess


def resolve(
    spec: MappingSpec, headers: list[str], mapping: dict[str, str]
) -> tuple[dict[str, int], list[Problem]]:
    """Column index of each mapped field, or the problems with the mapping (by column).

    `mapping` is column key (see `column_keys`: the header, or "Surname (column 3)"
    when the header repeats) → field name ("" to leave the column out).
    """
    from trackwell.interop.pipeline import Problem

    known = {f.name for f in spec.fields}
    keys = column_keys(headers)
    repeated = _repeated(headers)
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for index, key in enumerate(keys):
        choice = mapping.get(key, IGNORE) or IGNORE
        if choice == IGNORE:
            continue
        if choice not in known:
            problems.append(Problem(f"{choice!r} is not a field of this import.", column=key))
            continue
        if choice in columns:
            first = keys[columns[choice]]
            label = spec.get(choice).label if spec.get(choice) else choice  # type: ignore[union-attr]
            problems.append(
                Problem(
                    f"{label} is chosen for two columns ({first!r} and {key!r}); choose one.",
                    column=key,
                )
            )
            continue
        columns[choice] = index
    for f in spec.fields:
        if not f.required or f.name in columns:
            continue
        # Columns the field would be recognised by, or chosen by a name several share.
        candidates = [
            key
            for header, key in zip(headers, keys, strict=True)
            if normalise(header) in repeated
            and (normalise(header) in f.names() or mapping.get(header) == f.name)
        ]
        if len(candidates) > 1:
            problems.append(
                Problem(
                    f"Several columns could hold {f.label}: "
                    + ", ".join(repr(c) for c in candidates)
                    + ". Choose the one that holds it."
                )
            )
            continue
        problems.append(
            Problem(
                f"Choose the column that holds {f.label} (the file's columns are: "
                + ", ".join(k for h, k in zip(headers, keys, strict=True) if h)
                + ")."
            )
        )
    return columns, problems


def remember_mapping(
    school: School, kind: str, mapping: dict[str, str], *, user: Any = None
) -> ColumnMapping:
    """Keep the school's choices for next time (merged with what it chose for other headers)."""
    from trackwell.accounts.models import log_action

    with transaction.atomic():
        row, _ = ColumnMapping.objects.select_for_update().get_or_create(school=school, kind=kind)
        old = dict(row.columns)
        new = {**old, **{normalise(h): choice for h, choice in mapping.items() if normalise(h)}}
        if new != old:
            row.columns = new
            row.save(update_fields=["columns", "updated_at"])
            log_action(school=school, user=user, action="import.mapping", obj=row, old=old, new=new)
    return row
