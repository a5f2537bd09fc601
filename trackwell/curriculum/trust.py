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

The module is split by feature: publishing and adopting (`trust_publish`), working
out an update (`trust_changes`), taking one (here) and the trust's overview
(`trust_status`); every public name is importable from here as before.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.curriculum.models import (
    Framework,
    Objective,
    SharedFrameworkVersion,
    Strand,
)
from trackwell.curriculum.services import _objective_state
from trackwell.curriculum.structure_edits import remove_objective
from trackwell.curriculum.trust_changes import (
    FieldChange,
    TrustChange,
    TrustUpdate,
    pending_update,
    strand_values,
)
from trackwell.curriculum.trust_publish import (
    FIELD_LABELS,
    OBJECTIVE_KEYS,
    STRAND_KEYS,
    adopt_shared,
    publish_framework,
    snapshot,
    spec_from_snapshot,
)
from trackwell.curriculum.trust_status import Adoption, SharedStatus, trust_adoptions

__all__ = [
    "FIELD_LABELS",
    "OBJECTIVE_KEYS",
    "STRAND_KEYS",
    "Adoption",
    "FieldChange",
    "SharedStatus",
    "TrustChange",
    "TrustUpdate",
    "adopt_shared",
    "apply_update",
    "pending_update",
    "publish_framework",
    "snapshot",
    "spec_from_snapshot",
    "trust_adoptions",
]


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
        before = strand_values(strand)
        for key in changed_keys(change, STRAND_KEYS):
            setattr(strand, key, change.new[key])
        if strand_values(strand) != before:
            strand.save(update_fields=["name", "code", "statement"])
            log_action(
                school=school,
                user=user,
                action="strand.update",
                obj=strand,
                old=before,
                new=strand_values(strand),
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
