"""What a trust's new version would change in a school's linked copy: three values each."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Q

from trackwell.core.models import School
from trackwell.curriculum.models import (
    Framework,
    Objective,
    ObjectiveLink,
    SharedFramework,
    SharedFrameworkVersion,
    Strand,
)
from trackwell.curriculum.trust_publish import FIELD_LABELS, OBJECTIVE_KEYS, STRAND_KEYS


@dataclass
class FieldChange:
    """One field the trust changed, with the school's current value beside it."""

    key: str
    label: str
    before: str  # the trust's value in the version the school took ("" for an addition)
    after: str  # the trust's value now
    mine: str  # the school's value now ("" when the school has no copy)
    edited: bool  # the school's value differs from both: its own edit


@dataclass
class TrustChange:
    """One difference between the version a school took and the trust's latest."""

    key: str
    kind: str  # strand, objective, framework
    action: str  # add, change, remove
    label: str
    details: list[str] = field(default_factory=list)
    new: dict[str, Any] = field(default_factory=dict)
    old: dict[str, Any] = field(default_factory=dict)
    conflict: str = ""
    fields: list[FieldChange] = field(default_factory=list)
    blocking: bool = False  # cannot be accepted as things stand (e.g. a code in use)

    @property
    def heading(self) -> str:
        if self.kind == "framework":
            return "Framework name"
        verb = {"add": "New", "change": "Changed", "remove": "Removed"}[self.action]
        return f"{verb} {self.kind}"

    @property
    def local_edit(self) -> bool:
        return any(f.edited for f in self.fields)


@dataclass
class TrustUpdate:
    framework: Framework
    from_version: int
    to_version: int
    note: str
    changes: list[TrustChange]

    @property
    def digest(self) -> str:
        """A fingerprint of what the page showed, to check nothing moved before taking it."""
        payload = json.dumps(
            [self.from_version, self.to_version, [asdict(c) for c in self.changes]],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def _details(fields: list[FieldChange]) -> list[str]:
    return [f"{f.label}: {f.before or 'none'} → {f.after or 'none'}" for f in fields]


def _fields(
    keys: tuple[str, ...],
    before: dict[str, Any] | None,
    after: dict[str, Any],
    mine: dict[str, Any] | None,
    names: dict[str, str],
) -> list[FieldChange]:
    """The fields the trust changed (all that differ from the school's, for an addition).

    `names` turns strand identifiers into names for people to read.
    """
    out = []
    for key in keys:
        b = before.get(key) if before is not None else None
        a = after.get(key)
        m = mine.get(key) if mine is not None else None
        if before is not None and b == a:
            continue
        if before is None and (mine is None or m == a):
            continue
        edited = mine is not None and m != a and (before is None or m != b)

        def shown(value: Any, key: str = key) -> str:
            return names.get(value, _show(value)) if key == "strand" else _show(value)

        out.append(
            FieldChange(
                key,
                FIELD_LABELS[key],
                shown(b) if before is not None else "",
                shown(a),
                shown(m) if mine is not None else "",
                edited,
            )
        )
    return out


def _objective_values(o: Objective) -> dict[str, Any]:
    return {
        "code": o.code,
        "statement": o.statement,
        "is_key": o.is_key,
        "tags": list(o.tags or []),
        "strand": o.strand.identifier,
    }


def strand_values(s: Strand) -> dict[str, Any]:
    return {"name": s.name, "code": s.code, "statement": s.statement}


def _link_notes(framework: Framework) -> dict[int, str]:
    """Per objective, what the school's splits and merges did to it, in plain words."""
    sources: dict[int, list[str]] = {}
    targets: dict[int, list[str]] = {}
    kinds: dict[tuple[int, str], str] = {}
    links = ObjectiveLink.objects.filter(
        Q(source__framework=framework) | Q(target__framework=framework)
    ).select_related("source", "target")
    for link in links:
        sources.setdefault(link.source_id, []).append(link.target.code)
        targets.setdefault(link.target_id, []).append(link.source.code)
        kinds[(link.source_id, "out")] = link.kind
        kinds[(link.target_id, "in")] = link.kind
    notes: dict[int, str] = {}
    for pk, codes in sources.items():
        verb = "split" if kinds[(pk, "out")] == ObjectiveLink.Kind.SPLIT else "merged"
        into = ", ".join(sorted(set(codes)))
        notes[pk] = f"Your school {verb} this objective into {into}, which this does not change."
    for pk, codes in targets.items():
        how = "splitting" if kinds[(pk, "in")] == ObjectiveLink.Kind.SPLIT else "merging"
        note = f"Your school made this objective by {how} {', '.join(sorted(set(codes)))}."
        notes[pk] = f"{notes[pk]} {note}" if pk in notes else note
    return notes


def pending_update(framework: Framework) -> TrustUpdate | None:
    """What changed in the trust's framework since this school's copy last took a version.

    Only versions from the school's current trust are offered.
    """
    if framework.shared_source_id is None or framework.shared_version is None:
        return None
    trust_id = (
        School.objects.filter(pk=framework.school_id).values_list("trust_id", flat=True).first()
    )
    if trust_id is None:
        return None  # the school has left its trust: nothing more is offered
    shared = SharedFramework.objects.filter(
        pk=framework.shared_source_id, trust_id=trust_id
    ).first()
    if shared is None:
        return None
    if shared.latest_version <= framework.shared_version:
        return None
    versions = {
        v.version: v
        for v in SharedFrameworkVersion.objects.filter(
            shared=shared, version__in=[framework.shared_version, shared.latest_version]
        )
    }
    old_version = versions.get(framework.shared_version)
    new_version = versions[shared.latest_version]
    old_content = old_version.content if old_version else {"strands": [], "objectives": []}
    new = new_version.content
    taken = framework.shared_version
    changes: list[TrustChange] = []

    if old_content.get("name") != new["name"]:
        fields = _fields(
            ("name",), {"name": old_content.get("name")}, new, {"name": framework.name}, {}
        )
        change = TrustChange(
            key="framework:name",
            kind="framework",
            action="change",
            label=new["name"],
            details=_details(fields),
            new={"name": new["name"]},
            old={"name": old_content.get("name")},
            fields=fields,
        )
        if change.local_edit:
            change.conflict = (
                f"Your school renamed this framework since version {taken}; "
                "choose which name to keep."
            )
        changes.append(change)

    old_strands = {s["identifier"]: s for s in old_content["strands"]}
    new_strands = {s["identifier"]: s for s in new["strands"]}
    local_strands = {s.identifier: s for s in Strand.objects.filter(framework=framework)}
    names = {
        **{i: s["name"] for i, s in old_strands.items()},
        **{i: s["name"] for i, s in new_strands.items()},
        **{i: s.name for i, s in local_strands.items()},
    }
    for ident, s in new_strands.items():
        before = old_strands.get(ident)
        own_strand = local_strands.get(ident)
        if before is not None and all(before.get(k) == s.get(k) for k in STRAND_KEYS):
            continue
        mine = strand_values(own_strand) if own_strand is not None else None
        fields = _fields(STRAND_KEYS, before, s, mine, names)
        action = "add" if before is None else "change"
        if action == "add" and own_strand is not None and not fields:
            continue  # the school already has it exactly
        change = TrustChange(
            key=f"strand:{ident}",
            kind="strand",
            action=action,
            label=s["name"],
            details=_details(fields),
            new=s,
            old=before or {},
            fields=fields,
        )
        notes = []
        if own_strand is None and action == "change":
            notes.append("Your school deleted this strand; accepting brings it back.")
        if change.local_edit:
            notes.append(
                f"Your school changed this strand since version {taken}; choose which to keep."
            )
        change.conflict = " ".join(notes)
        changes.append(change)
    for ident, s in old_strands.items():
        if ident not in new_strands:
            change = TrustChange(
                key=f"strand:{ident}", kind="strand", action="remove", label=s["name"], old=s
            )
            own_strand = local_strands.get(ident)
            if own_strand is not None and own_strand.objectives.exists():
                change.conflict = (
                    "Your copy still has objectives in this strand (archived ones count); "
                    "the strand stays while it holds any."
                )
            changes.append(change)

    old_objs = {o["identifier"]: o for o in old_content["objectives"]}
    new_objs = {o["identifier"]: o for o in new["objectives"]}
    local = {
        o.identifier: o
        for o in Objective.objects.filter(framework=framework).select_related("strand")
    }
    by_code = {o.code: o for o in local.values()}
    link_notes = _link_notes(framework)
    # Objectives this update may move off their code (if the school accepts that too).
    moving_away = {
        ident
        for ident, o in new_objs.items()
        if ident in old_objs and old_objs[ident]["code"] != o["code"]
    }
    for ident, o in new_objs.items():
        before = old_objs.get(ident)
        if before is not None and all(before.get(k) == o.get(k) for k in OBJECTIVE_KEYS):
            continue
        here = local.get(ident)
        mine = _objective_values(here) if here is not None else None
        fields = _fields(OBJECTIVE_KEYS, before, o, mine, names)
        action = "add" if before is None else "change"
        if action == "add" and here is not None and not fields and here.archived_at is None:
            continue  # the school already has it exactly
        change = TrustChange(
            key=f"objective:{ident}",
            kind="objective",
            action=action,
            label=f"{o['code']} {o['statement']}",
            details=_details(fields),
            new=o,
            old=before or {},
            fields=fields,
        )
        notes = []
        # Would accepting put a code on this objective that another one holds?
        sets_code = here is None or any(f.key == "code" for f in fields)
        holder = by_code.get(o["code"]) if sets_code else None
        if holder is not None and holder.identifier != ident:
            where = " (archived)" if holder.archived_at else ""
            if holder.identifier in moving_away:
                notes.append(
                    f"Your objective {holder.code}{where} uses this code now; the trust changes "
                    "its code too, so accept that change as well or this one is refused."
                )
            else:
                change.blocking = True
                notes.append(
                    f"Your objective {holder.code} “{holder.statement[:60]}”{where} already "
                    f"uses code {o['code']}; change its code first if you want to take this."
                )
        if here is None and action == "change":
            notes.append("Your school deleted this objective; accepting brings it back.")
        if here is not None and here.archived_at is not None:
            notes.append(
                "Your school has archived this objective; accepting changes the archived "
                "record only, and it stays archived (restore it from the framework page "
                "if you want it back in the grid)."
            )
        if here is not None and here.pk in link_notes:
            notes.append(link_notes[here.pk])
            if here.archived_at is None:
                notes.append("Check the trust's wording still fits before accepting.")
        if change.local_edit:
            notes.append(
                f"Your school changed this objective since version {taken}; choose which to keep."
            )
        change.conflict = " ".join(notes)
        changes.append(change)
    for ident, o in old_objs.items():
        if ident in new_objs:
            continue
        here = local.get(ident)
        change = TrustChange(
            key=f"objective:{ident}",
            kind="objective",
            action="remove",
            label=f"{o['code']} {o['statement']}",
            old=o,
        )
        if here is not None and here.archived_at is None:
            mine = _objective_values(here)
            if any(mine.get(k) != o.get(k) for k in OBJECTIVE_KEYS):
                change.conflict = (
                    f"Your school changed this objective since version {taken}; accepting "
                    "removes it all the same (it is archived if it has judgements)."
                )
        changes.append(change)
    return TrustUpdate(
        framework, framework.shared_version, shared.latest_version, new_version.note, changes
    )
