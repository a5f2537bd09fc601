"""Plans: what a commit would do (created, changed field by field, left, ...), for the preview.

Part of the import pipeline (`trackwell.interop.pipeline` re-exports every public name).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from trackwell.interop.pipeline.reading import Problem

# ---------------------------------------------------------------------------
# Plans


@dataclass
class FieldChange:
    """One field of one record: what it is now and what the file would make it."""

    field: str
    label: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.label}: {show(self.old)} → {show(self.new)}"

    @property
    def old_shown(self) -> str:
        return show(self.old)

    @property
    def new_shown(self) -> str:
        return show(self.new)


def show(value: Any) -> str:
    """A value as the preview shows it."""
    if value is None or value == "":
        return "(blank)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


@dataclass
class Change:
    """One thing a commit would do: create, change, leave (mark as left), archive, ...

    `key` identifies the record within its kind (a UPN, a class name, an id);
    `data` carries what the commit step needs and must be JSON-serialisable.
    """

    action: str
    kind: str
    key: str
    label: str
    fields: list[FieldChange] = field(default_factory=list)
    row: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def details(self) -> list[str]:
        return [str(f) for f in self.fields] + self.notes


@dataclass
class Plan:
    """Everything a commit would do, and every reason it cannot; computed without writing."""

    changes: list[Change] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Anything else the kind wants to show or use in its commit (not part of the digest).
    context: dict[str, Any] = field(default_factory=dict)
    # A kind with its own fingerprint of what it read sets it here (else: the changes').
    fingerprint: str | None = None

    @property
    def digest(self) -> str:
        """A fingerprint of the changes; it moves when the data the plan read moves."""
        if self.fingerprint is not None:
            return self.fingerprint
        payload = [
            [c.action, c.kind, c.key, [[f.field, f.old, f.new] for f in c.fields], c.data]
            for c in self.changes
        ]
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def count(self, action: str, kind: str | None = None) -> int:
        return sum(1 for c in self.changes if c.action == action and kind in (None, c.kind))

    @property
    def summary(self) -> dict[str, int]:
        """How many changes of each action, in the order they first appear."""
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.action] = counts.get(change.action, 0) + 1
        return counts

    def by_action_and_kind(self) -> list[tuple[str, str, list[Change]]]:
        """Changes grouped by action and kind of record ("create", "pupil"), in file order."""
        groups: dict[tuple[str, str], list[Change]] = {}
        for change in self.changes:
            groups.setdefault((change.action, change.kind), []).append(change)
        return [(action, kind, changes) for (action, kind), changes in groups.items()]

    def by_action(self) -> list[tuple[str, list[Change]]]:
        """Changes grouped by action, for the preview page."""
        groups: dict[str, list[Change]] = {}
        for change in self.changes:
            groups.setdefault(change.action, []).append(change)
        return list(groups.items())


@dataclass
class Parsed:
    """What a file says, in a JSON-serialisable form, or every reason it cannot be read."""

    data: Any = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
