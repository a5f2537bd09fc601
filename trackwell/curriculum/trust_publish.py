"""Frameworks shared across a trust: publishing a version and adopting a linked copy."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.curriculum.framework_spec import FrameworkSpec, ObjectiveSpec, StrandSpec
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
from trackwell.curriculum.sync import apply_spec, find_framework

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
