"""A framework as a file describes it, and what importing it would do.

An import (CSV, CASE, a trust's or the library's copy) first turns its file into
a `FrameworkSpec`; `check_spec` lists every problem with it on its own, each
naming where in the file it is. `curriculum.sync` matches a spec with what the
school has (`plan_framework`, a `FrameworkPlan` of `Change`s) and writes it
(`apply_spec`, refusing with `StalePlan` if the curriculum moved meanwhile).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from trackwell.curriculum.models import Framework, Objective, Strand, Subject
from trackwell.curriculum.phases import YearPhase

CODE_MAX = Objective._meta.get_field("code").max_length or 60
NAME_MAX = Strand._meta.get_field("name").max_length or 150
FRAMEWORK_NAME_MAX = Framework._meta.get_field("name").max_length or 150
SUBJECT_MAX = Subject._meta.get_field("name").max_length or 100
IDENTIFIER_MAX = Objective._meta.get_field("identifier").max_length or 100


@dataclass
class StrandSpec:
    """A strand as a file describes it; None means 'the file does not say, keep as is'."""

    name: str
    identifier: str = ""
    code: str | None = None
    statement: str | None = None
    ungrouped: bool | None = None

    @property
    def key(self) -> str:
        return self.identifier or f"name:{self.name.casefold()}"


@dataclass
class ObjectiveSpec:
    """An objective as a file describes it; `where` says where in the file, for messages."""

    code: str
    statement: str
    strand: str
    identifier: str = ""
    is_key: bool = False
    tags: list[str] = field(default_factory=list)
    parent: str | None = None
    where: str = ""


@dataclass
class FrameworkSpec:
    """A whole framework as one file (or one part of a CSV file) describes it."""

    subject: str
    year: YearPhase
    name: str
    identifier: str = ""
    description: str = ""
    strands: list[StrandSpec] = field(default_factory=list)
    objectives: list[ObjectiveSpec] = field(default_factory=list)
    where: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FrameworkSpec:
        return cls(
            subject=data["subject"],
            year=YearPhase(**data["year"]),
            name=data["name"],
            identifier=data.get("identifier", ""),
            description=data.get("description", ""),
            strands=[StrandSpec(**s) for s in data.get("strands", [])],
            objectives=[ObjectiveSpec(**o) for o in data.get("objectives", [])],
            where=data.get("where", ""),
        )


@dataclass
class Change:
    """One line of a preview: what will happen to which thing, and how it differs."""

    action: str  # create, change, archive, restore
    kind: str  # subject, framework, strand, objective
    label: str
    details: list[str] = field(default_factory=list)


@dataclass
class FrameworkPlan:
    """What importing a spec would do to the school's curriculum."""

    spec: FrameworkSpec
    framework: Framework | None
    changes: list[Change]
    errors: list[str]

    @property
    def digest(self) -> str:
        """A fingerprint of the changes, to check at commit that nothing moved meanwhile."""
        payload = json.dumps([asdict(c) for c in self.changes], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def count(self, action: str, kind: str = "objective") -> int:
        return sum(1 for c in self.changes if c.action == action and c.kind == kind)

    @property
    def summary(self) -> dict[str, int]:
        return {
            action: sum(1 for c in self.changes if c.action == action)
            for action in ("create", "change", "archive", "restore")
        }


class StalePlan(Exception):
    """The curriculum changed between the preview and the commit; nothing was written."""


def check_spec(spec: FrameworkSpec) -> list[str]:
    """Every problem with a spec on its own, each naming where in the file it is."""
    errors: list[str] = []
    where = f"{spec.where}: " if spec.where else ""
    if not spec.subject.strip():
        errors.append(f"{where}the subject is missing.")
    elif len(spec.subject) > SUBJECT_MAX:
        errors.append(f"{where}the subject name is longer than {SUBJECT_MAX} characters.")
    if len(spec.name) > FRAMEWORK_NAME_MAX:
        errors.append(f"{where}the framework name is longer than {FRAMEWORK_NAME_MAX} characters.")
    strand_keys: set[str] = set()
    for strand in spec.strands:
        if not strand.name.strip():
            errors.append(f"{where}a strand has no name.")
        if len(strand.name) > NAME_MAX:
            errors.append(f"{where}strand {strand.name[:40]!r}... is longer than {NAME_MAX}.")
        if strand.code and len(strand.code) > CODE_MAX:
            errors.append(f"{where}strand code {strand.code!r} is longer than {CODE_MAX}.")
        if len(strand.identifier) > IDENTIFIER_MAX:
            errors.append(f"{where}strand identifier {strand.identifier[:40]!r} is too long.")
        if strand.key in strand_keys:
            errors.append(f"{where}strand {strand.name!r} appears twice.")
        strand_keys.add(strand.key)
    codes: dict[str, str] = {}
    identifiers: dict[str, str] = {}
    for obj in spec.objectives:
        at = obj.where or where.rstrip(": ") or "objective"
        if not obj.code.strip():
            errors.append(f"{at}: the code is missing.")
        elif len(obj.code) > CODE_MAX:
            errors.append(f"{at}: code {obj.code!r} is longer than {CODE_MAX} characters.")
        elif obj.code in codes:
            errors.append(f"{at}: code {obj.code!r} is already used ({codes[obj.code]}).")
        else:
            codes[obj.code] = at
        if not obj.statement.strip():
            errors.append(f"{at}: the statement is missing.")
        if obj.strand not in strand_keys:
            errors.append(f"{at}: its strand is not in the file.")
        if obj.identifier:
            if len(obj.identifier) > IDENTIFIER_MAX:
                errors.append(f"{at}: the identifier is longer than {IDENTIFIER_MAX} characters.")
            elif obj.identifier in identifiers:
                errors.append(
                    f"{at}: identifier {obj.identifier!r} is already used "
                    f"({identifiers[obj.identifier]})."
                )
            identifiers.setdefault(obj.identifier, at)
    parents = {}
    for obj in spec.objectives:
        if obj.parent:
            key = obj.identifier or obj.code
            if obj.parent not in codes and obj.parent not in identifiers:
                errors.append(
                    f"{obj.where or 'objective'}: parent {obj.parent!r} is not in the file."
                )
            elif obj.parent in (obj.code, obj.identifier):
                errors.append(f"{obj.where or 'objective'}: an objective cannot be its own parent.")
            else:
                parents[key] = obj.parent
    # A parent chain must end: follow each one, at most as many steps as there are objectives.
    by_code = {o.code: (o.identifier or o.code) for o in spec.objectives}
    for start in parents:
        seen = {start}
        node = parents.get(start)
        while node is not None:
            node = by_code.get(node, node)
            if node in seen:
                errors.append(f"objective {start!r}: its parents go round in a circle.")
                break
            seen.add(node)
            node = parents.get(node)
    return errors
