"""Frameworks shared across a trust: publish versions, adopt linked copies, take updates.

A school publishes one of its frameworks to its trust; each publication is a
new version holding a JSON snapshot (framework, strands, objectives and scale).
Other schools adopt a linked copy that keeps the identifiers of the trust's
strands and objectives. When a new version appears, each school sees what
changed since the version it last took and accepts or declines each change;
objectives the school added itself are never touched.

Adopting always makes a new framework: a school's own framework is never taken
over. An update compares three values for everything the trust changed: what the
trust had before, what it has now, and what the school has now; where the school
changed something itself, or split, merged or archived an objective, the change
is shown as a conflict and the school chooses. Every objective, strand and name
an update touches gets its own history entry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.curriculum.models import (
    Framework,
    Objective,
    ObjectiveLink,
    RatingLevel,
    RatingScale,
    SharedFramework,
    SharedFrameworkVersion,
    Strand,
)
from trackwell.curriculum.phases import YearPhase
from trackwell.curriculum.services import _objective_state, remove_objective
from trackwell.curriculum.sync import (
    FrameworkSpec,
    ObjectiveSpec,
    StrandSpec,
    apply_spec,
    find_framework,
)

OBJECTIVE_KEYS = ("code", "statement", "is_key", "tags", "strand")
STRAND_KEYS = ("name", "code", "statement")
FIELD_LABELS = {
    "name": "Name",
    "code": "Code",
    "statement": "Wording",
    "is_key": "Key objective",
    "tags": "Tags",
    "strand": "Strand",
}


def snapshot(framework: Framework) -> dict[str, Any]:
    """The framework's current content as plain JSON (what a trust version stores)."""
    strands = list(Strand.objects.filter(framework=framework).order_by("order", "id"))
    objectives = list(
        Objective.objects.filter(framework=framework, archived_at__isnull=True)
        .select_related("strand", "parent")
        .order_by("strand__order", "strand_id", "order", "id")
    )
    scale = framework.scale
    return {
        "name": framework.name,
        "subject": framework.subject.name,
        "year": {
            "nc_year": framework.nc_year,
            "last_nc_year": framework.last_nc_year,
            "phase": framework.phase,
        },
        "description": framework.description,
        "identifier": framework.identifier,
        "scale": {
            "name": scale.name,
            "description": scale.description,
            "levels": [
                {
                    "value": lv.value,
                    "code": lv.code,
                    "label": lv.label,
                    "descriptor": lv.descriptor,
                    "exemplification": lv.exemplification,
                    "colour": lv.colour,
                    "secure": lv.counts_as_secure,
                    "greater_depth": lv.is_greater_depth,
                }
                for lv in scale.levels.all()
            ],
        },
        "strands": [
            {
                "identifier": s.identifier,
                "name": s.name,
                "code": s.code,
                "statement": s.statement,
                "ungrouped": s.is_ungrouped,
            }
            for s in strands
        ],
        "objectives": [
            {
                "identifier": o.identifier,
                "code": o.code,
                "statement": o.statement,
                "is_key": o.is_key,
                "tags": list(o.tags or []),
                "strand": o.strand.identifier,
                "parent": o.parent.identifier if o.parent and o.parent.archived_at is None else "",
            }
            for o in objectives
        ],
    }


def publish_framework(
    *, user: User, framework: Framework, note: str = ""
) -> SharedFrameworkVersion:
    """Publish the framework's current content to the school's trust as a new version."""
    school = framework.school
    if school.trust_id is None:
        raise ValidationError("Your school is not part of a trust.")
    if framework.shared_source_id is not None:
        raise ValidationError(
            "This framework is a copy of a trust framework; the trust publishes that one."
        )
    with transaction.atomic():
        shared, _ = SharedFramework.objects.select_for_update().get_or_create(
            trust_id=school.trust_id,
            source_framework=framework,
            defaults={"name": framework.name, "source_school": school},
        )
        shared.latest_version += 1
        shared.name = framework.name
        shared.save(update_fields=["latest_version", "name"])
        version = SharedFrameworkVersion.objects.create(
            shared=shared,
            version=shared.latest_version,
            content=snapshot(framework),
            note=note.strip(),
            published_by=user,
        )
        log_action(
            school=school,
            user=user,
            action="framework.publish",
            obj=framework,
            new={"shared": shared.pk, "version": version.version, "note": version.note},
        )
    return version


def _scale_for(user: User, school: School, data: dict[str, Any]) -> RatingScale:
    """The school's copy of a published scale: the same-named one if its levels match."""
    wanted = [(lv["code"], lv["label"]) for lv in data["levels"]]
    name = data["name"]
    for scale in RatingScale.objects.filter(school=school, name__startswith=name):
        if [(lv.code, lv.label) for lv in scale.levels.all()] == wanted:
            return scale
    n = 1
    while RatingScale.objects.filter(school=school, name=name).exists():
        n += 1
        name = f"{data['name']} ({n})"
    scale = RatingScale.objects.create(school=school, name=name, description=data["description"])
    RatingLevel.objects.bulk_create(
        RatingLevel(
            school=school,
            scale=scale,
            value=lv["value"],
            code=lv["code"],
            label=lv["label"],
            descriptor=lv["descriptor"],
            exemplification=lv.get("exemplification", ""),
            colour=lv.get("colour", ""),
            counts_as_secure=lv["secure"],
            is_greater_depth=lv["greater_depth"],
        )
        for lv in data["levels"]
    )
    log_action(school=school, user=user, action="scale.adopt", obj=scale, new={"name": name})
    return scale


def spec_from_snapshot(content: dict[str, Any]) -> FrameworkSpec:
    """A trust version's content as a framework spec (identifiers kept)."""
    return FrameworkSpec(
        subject=content["subject"],
        year=YearPhase(**content["year"]),
        name=content["name"],
        identifier=content["identifier"],
        description=content.get("description", ""),
        strands=[
            StrandSpec(
                name=s["name"],
                identifier=s["identifier"],
                code=s["code"],
                statement=s["statement"],
                ungrouped=s["ungrouped"],
            )
            for s in content["strands"]
        ],
        objectives=[
            ObjectiveSpec(
                code=o["code"],
                statement=o["statement"],
                strand=o["strand"],
                identifier=o["identifier"],
                is_key=o["is_key"],
                tags=o["tags"],
                parent=o["parent"],
                where=f"objective {o['code']}",
            )
            for o in content["objectives"]
        ],
        where=content["name"],
    )


def adopt_shared(*, user: User, school: School, shared: SharedFramework) -> Framework:
    """Make a linked copy of the trust framework's latest version in the school.

    The copy is always a new framework. If the school already has a framework for
    that subject and year (found the way imports find one: by subject slug or name,
    so a renamed subject counts), adopting is refused; nothing is taken over.
    """
    if shared.trust_id != school.trust_id:
        raise ValidationError("That framework belongs to another trust.")
    if Framework.objects.filter(school=school, shared_source=shared).exists():
        raise ValidationError("Your school has already adopted this framework.")
    version = shared.versions.order_by("-version").first()
    if version is None:
        raise ValidationError("Nothing has been published in this framework yet.")
    spec = spec_from_snapshot(version.content)
    if shared.source_school_id == school.pk:
        raise ValidationError("This framework was published by your school.")
    # The copy gets its own framework identifier so the two never match each other.
    spec.identifier = ""
    with transaction.atomic():
        _refuse_if_school_has(school, spec)
        scale = _scale_for(user, school, version.content["scale"])
        framework, plan = apply_spec(
            user=user,
            school=school,
            spec=spec,
            scale=scale,
            action="framework.adopt",
            source=f"trust:{shared.pk}:v{version.version}",
        )
        if plan.framework is not None:
            # apply_spec wrote into an existing framework: undo everything.
            raise ValidationError(
                f"Your school already has {plan.framework.name}; adopting never changes it."
            )
        framework.shared_source = shared
        framework.shared_version = version.version
        framework.save(update_fields=["shared_source", "shared_version"])
    return framework


def _refuse_if_school_has(school: School, spec: FrameworkSpec) -> None:
    """Refuse when the school has a framework for the spec's subject and year or phase."""
    year = spec.year
    _, clash = find_framework(school, spec)
    if clash is None:
        # Also a subject of the same name whose slug differs (it was renamed).
        clash = (
            Framework.objects.filter(
                school=school,
                subject__name__iexact=spec.subject.strip(),
                nc_year=year.nc_year,
                phase=year.phase,
            )
            .select_related("subject")
            .first()
        )
    if clash is not None:
        raise ValidationError(
            f"Your school already has its own framework for {clash.subject.name} "
            f"{clash.year_label}: {clash.name}. Adopting makes a new framework and never "
            "changes one you have, so change that framework's year or phase first, "
            "or keep your own."
        )


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


def _strand_values(s: Strand) -> dict[str, Any]:
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
        mine = _strand_values(own_strand) if own_strand is not None else None
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


def apply_update(
    *,
    user: User,
    framework: Framework,
    accepted: set[str],
    expected_digest: str | None = None,
) -> dict[str, int]:
    """Take the accepted changes of the trust's latest version; decline the rest.

    Either way the copy moves to the latest version, so declined changes are not
    offered again. All or nothing: a change that cannot be taken (a code another
    objective uses) is refused with a message and nothing is written.
    `expected_digest` is the update the school looked at; if it has changed since,
    nothing is written. Returns counts of accepted and declined changes.
    """
    try:
        with transaction.atomic():
            locked = Framework.objects.select_for_update().get(pk=framework.pk)
            if locked.shared_version != framework.shared_version:
                raise ValidationError(
                    "Someone else has just taken a version of this framework; look again."
                )
            update = pending_update(framework)
            if update is None:
                raise ValidationError("There is no new version to take.")
            if expected_digest is not None and update.digest != expected_digest:
                raise ValidationError(
                    "The trust's framework or your copy has changed since this page was shown; "
                    "look at the changes again before taking them."
                )
            blocked = [c for c in update.changes if c.key in accepted and c.blocking]
            if blocked:
                raise ValidationError([f"{c.label}: {c.conflict}" for c in blocked])
            return _take(user, framework, update, accepted)
    except IntegrityError as exc:
        raise ValidationError(
            "This version could not be taken: two objectives would share a code or an "
            "identifier. Nothing was changed; decline one of them or change your own code first."
        ) from exc


def _take(
    user: User, framework: Framework, update: TrustUpdate, accepted: set[str]
) -> dict[str, int]:
    school = framework.school
    source = f"trust version {update.to_version}"
    content = SharedFrameworkVersion.objects.get(
        shared_id=framework.shared_source_id, version=update.to_version
    ).content
    taken = [c for c in update.changes if c.key in accepted]
    strands = {s.identifier: s for s in Strand.objects.filter(framework=framework)}
    objectives = {
        o.identifier: o
        for o in Objective.objects.filter(framework=framework).select_related("strand")
    }
    next_strand = (
        Strand.objects.filter(framework=framework).aggregate(m=Max("order"))["m"] or 0
    ) + 1
    next_order = (
        Objective.objects.filter(framework=framework).aggregate(m=Max("order"))["m"] or 0
    ) + 1

    def strand_for(ident: str) -> Strand:
        nonlocal next_strand
        if ident in strands:
            return strands[ident]
        data = next((s for s in content["strands"] if s["identifier"] == ident), None)
        strand = Strand.objects.create(
            school_id=framework.school_id,
            framework=framework,
            identifier=ident,
            name=data["name"] if data else "From the trust",
            code=data["code"] if data else "",
            statement=data["statement"] if data else "",
            is_ungrouped=bool(data and data["ungrouped"]),
            order=next_strand,
        )
        next_strand += 1
        strands[ident] = strand
        log_action(
            school=school,
            user=user,
            action="strand.create",
            obj=strand,
            new={"framework": framework.pk, "name": strand.name, "source": source},
        )
        return strand

    def changed_keys(change: TrustChange, keys: tuple[str, ...]) -> list[str]:
        """What accepting sets: the fields the trust changed, or everything for an addition."""
        if change.action == "add" or not change.old:
            return list(keys)
        return [k for k in keys if change.old.get(k) != change.new.get(k)]

    # 1. The framework's name.
    for change in taken:
        if change.kind == "framework":
            old = {
                "name": framework.name,
                "year": framework.year_label,
                "description": framework.description,
            }
            framework.name = change.new["name"]
            framework.save(update_fields=["name"])
            if framework.name != old["name"]:
                log_action(
                    school=school,
                    user=user,
                    action="framework.update",
                    obj=framework,
                    old=old,
                    new={**old, "name": framework.name},
                )

    # 2. Strands added or changed.
    for change in taken:
        if change.kind != "strand" or change.action == "remove":
            continue
        ident = change.key.split(":", 1)[1]
        existed = ident in strands
        strand = strand_for(ident)
        if not existed:
            continue  # created from the new version as it is
        before = _strand_values(strand)
        for key in changed_keys(change, STRAND_KEYS):
            setattr(strand, key, change.new[key])
        if _strand_values(strand) != before:
            strand.save(update_fields=["name", "code", "statement"])
            log_action(
                school=school,
                user=user,
                action="strand.update",
                obj=strand,
                old=before,
                new=_strand_values(strand),
            )

    # 3. Objectives removed (archived when judged, so their codes stay taken).
    for change in taken:
        if change.kind == "objective" and change.action == "remove":
            mine = objectives.get(change.key.split(":", 1)[1])
            if mine is not None:
                remove_objective(user=user, objective=mine)

    # 4. Objectives added or changed. Codes may move between objectives (the trust
    # swapped two): park every code that changes first, then check each in turn.
    work: list[tuple[TrustChange, Objective | None, dict[str, Any]]] = []
    for change in taken:
        if change.kind != "objective" or change.action == "remove":
            continue
        mine = objectives.get(change.key.split(":", 1)[1])
        work.append((change, mine, _objective_state(mine) if mine is not None else {}))
    parked = [
        mine
        for change, mine, _ in work
        if mine is not None
        and "code" in changed_keys(change, OBJECTIVE_KEYS)
        and mine.code != change.new["code"]
    ]
    for mine in parked:
        mine.code = f"~{mine.pk}"
    Objective.objects.bulk_update(parked, ["code"])
    for change, mine, old_state in work:
        ident = change.key.split(":", 1)[1]
        code = change.new["code"]
        others = Objective.objects.filter(framework=framework, code=code)
        holder = (others.exclude(pk=mine.pk) if mine is not None else others).first()
        if holder is not None:
            raise ValidationError(
                f"{change.label}: your objective “{holder.statement[:60]}” still uses code "
                f"{code}. Nothing was changed; decline this change or change that code first."
            )
        if mine is None:
            mine = Objective(
                school_id=framework.school_id,
                framework=framework,
                identifier=ident,
                order=next_order,
                code=code,
                statement=change.new["statement"],
                is_key=change.new["is_key"],
                tags=list(change.new["tags"]),
                strand=strand_for(change.new["strand"]),
            )
            next_order += 1
            mine.save()
            objectives[ident] = mine
            log_action(
                school=school,
                user=user,
                action="objective.create",
                obj=mine,
                new=_objective_state(mine),
            )
            continue
        keys = changed_keys(change, OBJECTIVE_KEYS)
        for key in keys:
            if key == "strand":
                mine.strand = strand_for(change.new["strand"])
            elif key == "tags":
                mine.tags = list(change.new["tags"])
            else:
                setattr(mine, key, change.new[key])
        # An archived objective (e.g. the source of a split) stays archived.
        mine.save(update_fields=["code", "statement", "is_key", "tags", "strand"])
        new_state = _objective_state(mine)
        if new_state != old_state:
            log_action(
                school=school,
                user=user,
                action="objective.update",
                obj=mine,
                old=old_state,
                new=new_state,
            )

    # 5. Strands removed, when nothing is left in them.
    for change in taken:
        if change.kind == "strand" and change.action == "remove":
            gone = strands.get(change.key.split(":", 1)[1])
            if gone is not None and not gone.objectives.exists():
                log_action(
                    school=school,
                    user=user,
                    action="strand.delete",
                    obj=gone,
                    old={"name": gone.name, "framework": framework.pk},
                )
                gone.delete()

    framework.shared_version = update.to_version
    framework.save(update_fields=["shared_version"])
    declined = [c.key for c in update.changes if c.key not in accepted]
    log_action(
        school=school,
        user=user,
        action="framework.trust_update",
        obj=framework,
        old={"version": update.from_version},
        new={
            "version": update.to_version,
            "accepted": [c.key for c in taken],
            "declined": declined,
            "at": timezone.now().isoformat(),
        },
    )
    return {"accepted": len(taken), "declined": len(declined)}


@dataclass
class Adoption:
    """Where one school of the trust stands with one shared framework."""

    school: School
    copy: Framework | None
    publishes: bool
    latest_version: int

    @property
    def up_to_date(self) -> bool:
        return self.copy is not None and (self.copy.shared_version or 0) >= self.latest_version

    @property
    def status(self) -> str:
        if self.publishes:
            return "publishes it"
        if self.copy is None:
            return "not adopted"
        if self.up_to_date:
            return f"version {self.copy.shared_version}, up to date"
        return (
            f"version {self.copy.shared_version}; version {self.latest_version} "
            "is waiting for the school to review"
        )


@dataclass
class SharedStatus:
    shared: SharedFramework
    adoptions: list[Adoption]


def trust_adoptions(trust_id: int, schools: list[School]) -> list[SharedStatus]:
    """Each framework the trust shares and where each of its schools stands: two queries."""
    shared = list(
        SharedFramework.objects.filter(trust_id=trust_id).select_related(
            "source_school", "source_framework"
        )
    )
    copies: dict[tuple[int, int], Framework] = {}
    for f in Framework.objects.filter(school__in=schools, shared_source__in=shared).select_related(
        "subject"
    ):
        assert f.shared_source_id is not None
        copies[(f.shared_source_id, f.school_id)] = f
    return [
        SharedStatus(
            s,
            [
                Adoption(
                    school,
                    copies.get((s.pk, school.pk)),
                    s.source_school_id == school.pk,
                    s.latest_version,
                )
                for school in schools
            ],
        )
        for s in shared
    ]
