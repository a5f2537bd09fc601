"""Frameworks shared across a trust: publish versions, adopt linked copies, take updates.

A school publishes one of its frameworks to its trust; each publication is a
new version holding a JSON snapshot (framework, strands, objectives and scale).
Other schools adopt a linked copy that keeps the identifiers of the trust's
strands and objectives. When a new version appears, each school sees what
changed since the version it last took and accepts or declines each change;
objectives the school added itself are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.curriculum.models import (
    Framework,
    Objective,
    RatingLevel,
    RatingScale,
    SharedFramework,
    SharedFrameworkVersion,
    Strand,
)
from trackwell.curriculum.phases import YearPhase
from trackwell.curriculum.services import remove_objective
from trackwell.curriculum.sync import FrameworkSpec, ObjectiveSpec, StrandSpec, apply_spec

OBJECTIVE_KEYS = ("code", "statement", "is_key", "tags", "strand")
STRAND_KEYS = ("name", "code", "statement")


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
    """Make a linked copy of the trust framework's latest version in the school."""
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
    year = spec.year
    clash = Framework.objects.filter(
        school=school,
        subject__name__iexact=spec.subject,
        nc_year=year.nc_year,
        phase=year.phase,
    ).first()
    if clash is not None:
        raise ValidationError(
            f"You already have {clash.name} for {spec.subject} {year.label}; "
            "rename its year or phase first, or keep your own."
        )
    # The copy gets its own framework identifier so the two never match each other.
    spec.identifier = ""
    with transaction.atomic():
        scale = _scale_for(user, school, version.content["scale"])
        framework, _ = apply_spec(
            user=user,
            school=school,
            spec=spec,
            scale=scale,
            action="framework.adopt",
            source=f"trust:{shared.pk}:v{version.version}",
        )
        framework.shared_source = shared
        framework.shared_version = version.version
        framework.save(update_fields=["shared_source", "shared_version"])
    return framework


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


@dataclass
class TrustUpdate:
    framework: Framework
    from_version: int
    to_version: int
    note: str
    changes: list[TrustChange]


def _details(old: dict[str, Any], new: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [f"{k}: {old.get(k)!r} → {new.get(k)!r}" for k in keys if old.get(k) != new.get(k)]


def pending_update(framework: Framework) -> TrustUpdate | None:
    """What changed in the trust's framework since this school's copy last took a version."""
    if framework.shared_source_id is None or framework.shared_version is None:
        return None
    shared = SharedFramework.objects.filter(pk=framework.shared_source_id).first()
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
    changes: list[TrustChange] = []
    if old_content.get("name") != new["name"]:
        changes.append(
            TrustChange(
                "framework:name",
                "framework",
                "change",
                new["name"],
                [f"name: {old_content.get('name')!r} → {new['name']!r}"],
                {"name": new["name"]},
                {"name": old_content.get("name")},
            )
        )
    old_strands = {s["identifier"]: s for s in old_content["strands"]}
    new_strands = {s["identifier"]: s for s in new["strands"]}
    for ident, s in new_strands.items():
        if ident not in old_strands:
            changes.append(TrustChange(f"strand:{ident}", "strand", "add", s["name"], [], s))
        elif details := _details(old_strands[ident], s, STRAND_KEYS):
            changes.append(
                TrustChange(
                    f"strand:{ident}", "strand", "change", s["name"], details, s, old_strands[ident]
                )
            )
    for ident, s in old_strands.items():
        if ident not in new_strands:
            changes.append(TrustChange(f"strand:{ident}", "strand", "remove", s["name"], [], {}, s))
    old_objs = {o["identifier"]: o for o in old_content["objectives"]}
    new_objs = {o["identifier"]: o for o in new["objectives"]}
    local = {
        o.identifier: o
        for o in Objective.objects.filter(framework=framework).select_related("strand")
    }
    for ident, o in new_objs.items():
        label = f"{o['code']} {o['statement']}"
        if ident not in old_objs:
            change = TrustChange(f"objective:{ident}", "objective", "add", label, [], o)
            clash = next(
                (x for x in local.values() if x.code == o["code"] and x.identifier != ident), None
            )
            if clash is not None:
                change.conflict = (
                    f"Your objective {clash.code} uses this code; change its code to accept this."
                )
            changes.append(change)
        elif details := _details(old_objs[ident], o, OBJECTIVE_KEYS):
            change = TrustChange(
                f"objective:{ident}", "objective", "change", label, details, o, old_objs[ident]
            )
            mine = local.get(ident)
            if mine is None:
                change.conflict = "Your school removed this objective; accepting brings it back."
            changes.append(change)
    for ident, o in old_objs.items():
        if ident not in new_objs:
            changes.append(
                TrustChange(
                    f"objective:{ident}",
                    "objective",
                    "remove",
                    f"{o['code']} {o['statement']}",
                    [],
                    {},
                    o,
                )
            )
    return TrustUpdate(
        framework, framework.shared_version, shared.latest_version, new_version.note, changes
    )


def apply_update(*, user: User, framework: Framework, accepted: set[str]) -> dict[str, int]:
    """Take the accepted changes of the trust's latest version; decline the rest.

    Either way the copy moves to the latest version, so declined changes are not
    offered again. Returns counts of accepted and declined changes.
    """
    update = pending_update(framework)
    if update is None:
        raise ValidationError("There is no new version to take.")
    conflicts = [
        c for c in update.changes if c.key in accepted and c.conflict and c.action == "add"
    ]
    if conflicts:
        raise ValidationError([f"{c.label}: {c.conflict}" for c in conflicts])
    now = timezone.now()
    taken: list[str] = []
    with transaction.atomic():
        strands = {s.identifier: s for s in Strand.objects.filter(framework=framework)}
        objectives = {o.identifier: o for o in Objective.objects.filter(framework=framework)}
        next_strand = (
            Strand.objects.filter(framework=framework).aggregate(m=Max("order"))["m"] or 0
        ) + 1
        next_order = (
            Objective.objects.filter(framework=framework).aggregate(m=Max("order"))["m"] or 0
        ) + 1

        def strand_for(ident: str, content: dict[str, Any]) -> Strand:
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
            return strand

        content = SharedFrameworkVersion.objects.get(
            shared_id=framework.shared_source_id, version=update.to_version
        ).content
        for change in update.changes:
            if change.key not in accepted:
                continue
            taken.append(change.key)
            ident = change.key.split(":", 1)[1]
            if change.kind == "framework":
                framework.name = change.new["name"]
                framework.save(update_fields=["name"])
            elif change.kind == "strand" and change.action in ("add", "change"):
                strand = strand_for(ident, content)
                for key in STRAND_KEYS:
                    if change.action == "add" or change.old.get(key) != change.new.get(key):
                        setattr(strand, key, change.new[key])
                strand.save()
            elif change.kind == "strand":
                gone = strands.get(ident)
                if gone is not None and not gone.objectives.exists():
                    gone.delete()
            elif change.action == "remove":
                mine = objectives.get(ident)
                if mine is not None:
                    remove_objective(user=user, objective=mine)
            else:
                mine = objectives.get(ident)
                if mine is None:
                    mine = Objective(
                        school_id=framework.school_id,
                        framework=framework,
                        identifier=ident,
                        order=next_order,
                    )
                    next_order += 1
                for key in ("code", "statement", "is_key", "tags"):
                    if mine.pk is None or change.old.get(key) != change.new.get(key):
                        setattr(mine, key, change.new[key])
                if mine.pk is None or change.old.get("strand") != change.new.get("strand"):
                    mine.strand = strand_for(change.new["strand"], content)
                mine.archived_at = None
                mine.save()
                objectives[ident] = mine
        framework.shared_version = update.to_version
        framework.save(update_fields=["shared_version"])
        declined = [c.key for c in update.changes if c.key not in accepted]
        log_action(
            school=framework.school,
            user=user,
            action="framework.trust_update",
            obj=framework,
            old={"version": update.from_version},
            new={
                "version": update.to_version,
                "accepted": taken,
                "declined": declined,
                "at": now.isoformat(),
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
