"""Writes for analysis: band sets, closing and reopening points, confirmations, groups.

Each function validates first, then writes in one transaction and leaves an
audit entry for settings changes, closes and reopens.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from trackwell.accounts.models import log_action
from trackwell.core.models import AssessmentPoint, School
from trackwell.curriculum.models import Framework, Subject
from trackwell.pupils.models import Pupil, PupilGroup

from .documents import FORMAT, VERSION, document_from_models, validate_document
from .evaluation import PointResults, end_of_day, evaluate_live, load_band_sets
from .figures import Key
from .models import (
    Band,
    BandConfirmation,
    BandRule,
    BandSet,
    PointClosure,
    PupilFramework,
    PupilStartingPoint,
    Snapshot,
    SnapshotBand,
    StartingPoint,
)


def export_band_set(band_set: BandSet) -> dict[str, Any]:
    """The band set as a document (docs/band-rules.md)."""
    return document_from_models(
        band_set,
        list(band_set.bands.all()),
        list(
            BandRule.objects.filter(band__band_set=band_set).order_by("band__order", "order", "pk")
        ),
        list(StartingPoint.objects.filter(school_id=band_set.school_id)),
    )


def save_band_set(
    *,
    user: Any,
    school: School,
    doc: Any,
    band_set: BandSet | None = None,
    order: int | None = None,
) -> BandSet:
    """Create or replace a band set from a document, all or nothing.

    Without `band_set`, the set of the same name is replaced (or a new one
    made). Bands are matched by key; a band that appears in closed snapshots
    cannot be removed, only renamed.
    """
    known = set(StartingPoint.objects.filter(school=school).values_list("key", flat=True))
    errors = validate_document(doc, known)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if band_set is None:
            band_set = BandSet.objects.filter(school=school, name=doc["name"]).first()
        elif (
            BandSet.objects.filter(school=school, name=doc["name"]).exclude(pk=band_set.pk).exists()
        ):
            raise ValidationError([f"name: another band set is called '{doc['name']}'"])
        old = export_band_set(band_set) if band_set else None
        for index, sp in enumerate(doc.get("starting_points", [])):
            StartingPoint.objects.update_or_create(
                school=school,
                key=sp["key"],
                defaults={"label": sp["label"], "description": sp.get("description", "")},
                create_defaults={
                    "label": sp["label"],
                    "description": sp.get("description", ""),
                    "order": index,
                },
            )
        starts = {sp.key: sp for sp in StartingPoint.objects.filter(school=school)}
        if band_set is None:
            band_set = BandSet.objects.create(
                school=school,
                name=doc["name"],
                kind=doc["kind"],
                description=doc.get("description", ""),
                is_active=doc.get("active", True),
                order=order if order is not None else BandSet.objects.filter(school=school).count(),
            )
        else:
            if (
                band_set.kind != doc["kind"]
                and SnapshotBand.objects.filter(band_set=band_set).exists()
            ):
                raise ValidationError(
                    ["kind: this set is in closed snapshots; its kind cannot change"]
                )
            band_set.name = doc["name"]
            band_set.kind = doc["kind"]
            band_set.description = doc.get("description", "")
            band_set.is_active = doc.get("active", True)
            band_set.save()
        existing = {b.key: b for b in band_set.bands.all()}
        BandRule.objects.filter(band__band_set=band_set).delete()
        keep = {b["key"] for b in doc["bands"]}
        for key, gone in existing.items():
            if key in keep:
                continue
            confirmed = BandConfirmation.objects.filter(band=gone).count()
            if confirmed:
                # Teachers' judgements with their reasons: never lost as a side effect.
                raise ValidationError(
                    [
                        f"bands: '{gone.label}' is the confirmed band of {confirmed} pupil "
                        f"record{'s' if confirmed != 1 else ''} at open points; ask teachers to "
                        "confirm another band first, or keep it (you may rename it)"
                    ]
                )
            try:
                gone.delete()
            except ProtectedError as exc:
                raise ValidationError(
                    [f"bands: '{key}' appears in closed snapshots; keep it (you may rename it)"]
                ) from exc
        # Orders are unique per set only by convention; park them first to allow reordering.
        for index, data in enumerate(doc["bands"]):
            band = existing.get(data["key"]) or Band(
                school=school, band_set=band_set, key=data["key"]
            )
            band.label = data["label"]
            band.parent_label = data.get("parent_label", "")
            band.description = data.get("description", "")
            band.colour = data.get("colour", "#c6dbef")
            band.meets_expectation = data.get("meets_expectation", False)
            band.order = index
            nsp = data.get("next_starting_point", "")
            band.next_starting_point = starts[nsp] if nsp else None
            band.save()
            BandRule.objects.bulk_create(
                BandRule(
                    school=school,
                    band=band,
                    point_name=rule.get("point", "").strip(),
                    starting_point=starts[rule["starting_point"]]
                    if rule.get("starting_point")
                    else None,
                    conditions=rule["conditions"],
                    order=r_index,
                )
                for r_index, rule in enumerate(data.get("rules", []))
            )
        log_action(
            school=school,
            user=user,
            action="band_set.save" if old else "band_set.create",
            obj=band_set,
            old=old,
            new=export_band_set(band_set),
        )
    return band_set


class PointStateError(ValidationError):
    pass


@dataclass(frozen=True)
class ClosureSummary:
    closure: PointClosure
    snapshots: int
    confirmed: int


def close_point(
    *, user: Any, point: AssessmentPoint, as_of: datetime | None = None, from_history: bool = False
) -> ClosureSummary:
    """Snapshot every pupil's figures and bands, then close the point, in one transaction."""
    with transaction.atomic():
        locked = AssessmentPoint.objects.select_for_update().get(pk=point.pk)
        if locked.state == AssessmentPoint.State.CLOSED and not from_history:
            raise PointStateError("This assessment point is already closed.")
        results = evaluate_live(locked, as_of=as_of)
        closure = PointClosure.objects.create(
            school_id=locked.school_id,
            point=locked,
            closed_by=_user_or_none(user),
            from_history=from_history,
        )
        confirmed = _write_snapshots(closure, results)
        if locked.state != AssessmentPoint.State.CLOSED:
            locked.state = AssessmentPoint.State.CLOSED
            locked.save(update_fields=["state"])
        point.state = locked.state
        log_action(
            school=locked.school,
            user=user,
            action="assessment_point.close",
            obj=locked,
            old={"state": "open"},
            new={
                "state": "closed",
                "closure": closure.pk,
                "snapshots": len(results.rows),
                "from_history": from_history,
            },
        )
    return ClosureSummary(closure, len(results.rows), confirmed)


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _write_snapshots(closure: PointClosure, results: PointResults) -> int:
    point = results.point
    snapshots = []
    keys: list[Key] = []
    for key, row in results.rows.items():
        m = row.metrics
        assert m is not None
        snapshots.append(
            Snapshot(
                school_id=point.school_id,
                closure=closure,
                point=point,
                pupil_id=row.pupil_id,
                subject_id=row.subject_id,
                school_class_id=row.class_id,
                nc_year=row.nc_year,
                framework_id=row.framework_id,
                framework_year=row.framework_year,
                below_year=row.below_year,
                starting_point_key=row.starting_point,
                starting_point_label=row.starting_label,
                objectives=m.objectives,
                taught=m.taught,
                assessed=m.assessed,
                secure=m.secure,
                greater_depth=m.greater_depth,
                depth_total=m.depth_total,
                prev_objectives=m.prev_objectives,
                prev_secure=m.prev_secure,
                prev_greater_depth=m.prev_greater_depth,
            )
        )
        keys.append(key)
    Snapshot.objects.bulk_create(snapshots, batch_size=1000)
    if snapshots and snapshots[0].pk is None:
        ids = {
            (p, s): pk
            for p, s, pk in Snapshot.objects.filter(closure=closure).values_list(
                "pupil_id", "subject_id", "pk"
            )
        }
        for snap, key in zip(snapshots, keys, strict=True):
            snap.pk = ids[key]
    rows = []
    confirmed = 0
    for snap, key in zip(snapshots, keys, strict=True):
        row = results.rows[key]
        for set_id, band in row.bands.items():
            assert band.explained is not None
            confirmed += band.confirmed is not None
            rows.append(
                SnapshotBand(
                    school_id=point.school_id,
                    snapshot_id=snap.pk,
                    band_set_id=set_id,
                    suggested=band.suggested,
                    suggested_label=band.suggested.label,
                    suggested_order=band.suggested.order,
                    confirmed=band.confirmed,
                    confirmed_label=band.confirmed.label if band.confirmed else "",
                    confirmed_order=band.confirmed.order if band.confirmed else None,
                    reason=band.reason,
                    explanation=band.explained.as_json(),
                )
            )
    SnapshotBand.objects.bulk_create(rows, batch_size=1000)
    return confirmed


def reopen_point(*, user: Any, point: AssessmentPoint, reason: str = "") -> None:
    """Open a closed point again, saying why; its snapshots stay, closing again keeps new ones."""
    if not reason.strip():
        raise PointStateError("Say why the point is being reopened.")
    with transaction.atomic():
        locked = AssessmentPoint.objects.select_for_update().get(pk=point.pk)
        if locked.state != AssessmentPoint.State.CLOSED:
            raise PointStateError("This assessment point is already open.")
        locked.state = AssessmentPoint.State.OPEN
        locked.save(update_fields=["state"])
        point.state = locked.state
        log_action(
            school=locked.school,
            user=user,
            action="assessment_point.reopen",
            obj=locked,
            old={"state": "closed"},
            new={"state": "open", "reason": reason},
        )


@dataclass(frozen=True)
class Choice:
    pupil_id: int
    band_set_id: int
    band_id: int
    reason: str = ""


def confirm_bands(
    *,
    user: Any,
    point: AssessmentPoint,
    subject: Subject,
    allowed_pupil_ids: Collection[int],
    choices: list[Choice],
) -> int:
    """Record the teacher's bands for pupils of their class, all or nothing.

    A band other than the suggestion needs a short reason.
    """
    if point.state != AssessmentPoint.State.OPEN:
        raise PointStateError("Bands can be confirmed only while the assessment point is open.")
    allowed = set(allowed_pupil_ids)
    sets = load_band_sets(point.school_id)
    bands = {b.pk: (s, b) for s in sets.active for b in s.bands}
    results = evaluate_live(
        point, pupil_ids=sorted({c.pupil_id for c in choices} & allowed), subject_ids=[subject.pk]
    )
    errors = []
    planned = []
    for choice in choices:
        if choice.pupil_id not in allowed:
            errors.append(f"pupil {choice.pupil_id}: not in this class")
            continue
        found = bands.get(choice.band_id)
        if found is None or found[0].pk != choice.band_set_id:
            errors.append(f"pupil {choice.pupil_id}: no such band in this set")
            continue
        row = results.rows.get((choice.pupil_id, subject.pk))
        current = row.bands.get(choice.band_set_id) if row else None
        if current is None:
            errors.append(f"pupil {choice.pupil_id}: no suggestion to confirm in this set")
            continue
        reason = choice.reason.strip()
        if choice.band_id != current.suggested.pk and not reason:
            errors.append(
                f"pupil {choice.pupil_id}: give a short reason for choosing "
                f"{found[1].label} rather than {current.suggested.label}"
            )
            continue
        planned.append((choice, current.suggested.pk, reason))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        changed = 0
        for choice, suggested_id, reason in planned:
            existing = BandConfirmation.objects.filter(
                point=point,
                pupil_id=choice.pupil_id,
                subject=subject,
                band_set_id=choice.band_set_id,
            ).first()
            if existing and existing.band_id == choice.band_id and existing.reason == reason:
                continue
            old = {"band": existing.band_id, "reason": existing.reason} if existing else None
            conf, _ = BandConfirmation.objects.update_or_create(
                point=point,
                pupil_id=choice.pupil_id,
                subject=subject,
                band_set_id=choice.band_set_id,
                defaults={
                    "school_id": point.school_id,
                    "band_id": choice.band_id,
                    "suggested_band_id": suggested_id,
                    "reason": reason if choice.band_id != suggested_id else "",
                    "confirmed_by": _user_or_none(user),
                },
            )
            log_action(
                school=point.school,
                user=user,
                action="band.confirm",
                obj=conf,
                old=old,
                new={"band": choice.band_id, "suggested": suggested_id, "reason": conf.reason},
            )
            changed += 1
    return changed


def set_pupil_framework(
    *, user: Any, pupil: Pupil, subject: Subject, framework: Framework | None, reason: str = ""
) -> None:
    """Track a pupil on another year's framework in a subject, or back on their class's."""
    if framework is not None and (
        framework.subject_id != subject.pk or framework.school_id != pupil.school_id
    ):
        raise ValidationError("That framework is not one of this subject's.")
    with transaction.atomic():
        existing = PupilFramework.objects.filter(pupil=pupil, subject=subject).first()
        old = {"framework": existing.framework_id} if existing else None
        if framework is None:
            if existing:
                PupilFramework.objects.filter(pk=existing.pk).delete()
            obj: Any = pupil
        else:
            obj, _ = PupilFramework.objects.update_or_create(
                pupil=pupil,
                subject=subject,
                defaults={
                    "school_id": pupil.school_id,
                    "framework": framework,
                    "reason": reason,
                    "set_by": _user_or_none(user),
                },
            )
        log_action(
            school=pupil.school,
            user=user,
            action="pupil.framework",
            obj=obj,
            old=old,
            new={"subject": subject.pk, "framework": framework.pk if framework else None},
        )


def set_starting_point(
    *,
    user: Any,
    pupil: Pupil,
    subject: Subject,
    year_id: int,
    starting_point: StartingPoint | None,
    reason: str = "",
) -> None:
    """Set a pupil's starting point by hand for a year, or go back to the derived one."""
    if starting_point is not None and starting_point.school_id != pupil.school_id:
        raise ValidationError("No such starting point.")
    with transaction.atomic():
        existing = PupilStartingPoint.objects.filter(
            pupil=pupil, subject=subject, year_id=year_id
        ).first()
        old = {"starting_point": existing.starting_point_id} if existing else None
        obj: Any = pupil
        if starting_point is None:
            if existing:
                PupilStartingPoint.objects.filter(pk=existing.pk).delete()
        else:
            obj, _ = PupilStartingPoint.objects.update_or_create(
                pupil=pupil,
                subject=subject,
                year_id=year_id,
                defaults={
                    "school_id": pupil.school_id,
                    "starting_point": starting_point,
                    "reason": reason,
                    "set_by": _user_or_none(user),
                },
            )
        log_action(
            school=pupil.school,
            user=user,
            action="pupil.starting_point",
            obj=obj,
            old=old,
            new={
                "subject": subject.pk,
                "starting_point": starting_point.pk if starting_point else None,
            },
        )


def create_group(
    *, user: Any, school: School, name: str, pupil_ids: Collection[int], description: str = ""
) -> PupilGroup:
    """A school-defined group of pupils, e.g. those sharing a gap (for an intervention)."""
    name = name.strip()
    errors = []
    if not name:
        errors.append("name: give the group a name")
    elif PupilGroup.objects.filter(school=school, name=name).exists():
        errors.append(f"name: there is already a group called '{name}'")
    ids = set(pupil_ids)
    found = set(Pupil.objects.filter(school=school, pk__in=ids).values_list("pk", flat=True))
    if not ids:
        errors.append("pupils: choose at least one pupil")
    elif found != ids:
        errors.append("pupils: some of these pupils are not at this school")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        group = PupilGroup.objects.create(school=school, name=name, description=description)
        group.pupils.add(*sorted(ids))
        log_action(
            school=school,
            user=user,
            action="group.create",
            obj=group,
            new={"name": name, "pupils": sorted(ids), "description": description},
        )
    return group


def snapshot_closed_points(*, school: School, user: Any = None) -> list[ClosureSummary]:
    """Snapshots for closed points that have none (e.g. imported or demo years), oldest first.

    Figures are counted from the judgement history as it stood at the end of
    each point's date, so the record shows what was known then.
    """
    points = list(
        AssessmentPoint.objects.filter(school=school, state=AssessmentPoint.State.CLOSED)
        .exclude(closures__isnull=False)
        .select_related("school", "year")
        .order_by("date")
    )
    return [close_point(user=user, point=p, as_of=end_of_day(p), from_history=True) for p in points]


# ---------------------------------------------------------------------------
# Band sets and starting points edited in the web app (docs/band-rules.md)

_KEY_CHARS = re.compile(r"[^a-z0-9]+")


def derive_key(label: str, taken: Collection[str], fallback: str = "band") -> str:
    """A key (`a-z`, `0-9`, `-`) from a label, not one of `taken`: 'On track' -> 'on-track'."""
    base = _KEY_CHARS.sub("-", slugify(label)).strip("-")[:50] or fallback
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def empty_band_set_document(name: str, kind: str, *, active: bool = False) -> dict[str, Any]:
    """The smallest sound set: 'Not yet' (where everyone falls) and 'Yes', with no rules."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": name,
        "kind": kind,
        "description": "",
        "active": active,
        "bands": [
            {"key": "not-yet", "label": "Not yet", "parent_label": "", "colour": "#eef3f8"},
            {
                "key": "yes",
                "label": "Yes",
                "parent_label": "",
                "colour": "#6baed6",
                "meets_expectation": True,
            },
        ],
    }


def create_band_set(
    *,
    user: Any,
    school: School,
    name: str,
    kind: str,
    copy_of: BandSet | None = None,
    active: bool = False,
) -> BandSet:
    """A new band set, empty or a copy of another of the school's sets; never replaces one."""
    name = name.strip()
    errors = []
    if not name:
        errors.append("name: give the set a name")
    elif BandSet.objects.filter(school=school, name=name).exists():
        errors.append(f"name: there is already a band set called '{name}'")
    if kind not in BandSet.Kind.values:
        errors.append("kind: choose attainment or progress")
    if copy_of is not None:
        if copy_of.school_id != school.pk:
            errors.append("copy: no such band set")
        elif copy_of.kind != kind:
            errors.append(
                f"kind: '{copy_of.name}' is a {copy_of.get_kind_display().lower()} set; "
                "a copy keeps its kind"
            )
    if errors:
        raise ValidationError(errors)
    if copy_of is None:
        doc = empty_band_set_document(name, kind, active=active)
    else:
        doc = export_band_set(copy_of)
        doc.pop("starting_points", None)  # the school's own, already there
        doc.update(name=name, active=active)
    with transaction.atomic():
        return save_band_set(user=user, school=school, doc=doc)


def band_set_in_snapshots(band_set: BandSet) -> bool:
    return SnapshotBand.objects.filter(band_set=band_set).exists()


def bands_in_snapshots(band_set: BandSet) -> set[str]:
    """Keys of the set's bands that closed snapshots name (these cannot be removed)."""
    ids = set(
        SnapshotBand.objects.filter(band_set=band_set).values_list("suggested_id", flat=True)
    ) | set(
        SnapshotBand.objects.filter(band_set=band_set, confirmed__isnull=False).values_list(
            "confirmed_id", flat=True
        )
    )
    return set(Band.objects.filter(pk__in=ids).values_list("key", flat=True))


def delete_band_set(*, user: Any, band_set: BandSet) -> None:
    """Delete a set no closed snapshot uses, with its bands, rules and open confirmations."""
    with transaction.atomic():
        if band_set_in_snapshots(band_set):
            raise ValidationError(
                [
                    f"'{band_set.name}' is in closed snapshots, so it is kept as their record; "
                    "stop using it instead"
                ]
            )
        confirmed = BandConfirmation.objects.filter(band_set=band_set).count()
        if confirmed:
            raise ValidationError(
                [
                    f"'{band_set.name}' holds {confirmed} confirmed band"
                    f"{'s' if confirmed != 1 else ''} at open points, teachers' judgements "
                    "with their reasons; stop using it instead"
                ]
            )
        old = export_band_set(band_set)
        log_action(
            school=band_set.school, user=user, action="band_set.delete", obj=band_set, old=old
        )
        try:
            band_set.delete()
        except ProtectedError as exc:  # a snapshot written since the check above
            raise ValidationError(
                [f"'{band_set.name}' is in closed snapshots; stop using it instead"]
            ) from exc


def set_band_set_active(*, user: Any, band_set: BandSet, active: bool) -> None:
    """Start or stop using a set (suggested, confirmed and kept at each point)."""
    with transaction.atomic():
        if band_set.is_active == active:
            return
        band_set.is_active = active
        band_set.save(update_fields=["is_active"])
        log_action(
            school=band_set.school,
            user=user,
            action="band_set.activate" if active else "band_set.deactivate",
            obj=band_set,
            old={"active": not active},
            new={"active": active},
        )


def starting_point_uses(starting_point: StartingPoint) -> list[str]:
    """Where a starting point is used, in words; empty when it may be removed."""
    uses = []
    rules = (
        BandRule.objects.filter(starting_point=starting_point)
        .values_list("band__band_set__name", "band__label")
        .order_by("band__band_set__name", "band__order")
        .distinct()
    )
    for set_name, band_label in rules:
        uses.append(f"rules for '{band_label}' in '{set_name}'")
    bands = (
        Band.objects.filter(next_starting_point=starting_point)
        .values_list("band_set__name", "label")
        .order_by("band_set__name", "order")
    )
    for set_name, band_label in bands:
        uses.append(f"the next starting point of '{band_label}' in '{set_name}'")
    pupils = PupilStartingPoint.objects.filter(starting_point=starting_point).count()
    if pupils:
        uses.append(f"set by hand for {pupils} pupil{'s' if pupils != 1 else ''}")
    if Snapshot.objects.filter(
        school_id=starting_point.school_id, starting_point_key=starting_point.key
    ).exists():
        uses.append("pupils' records at closed assessment points")
    return uses


def _starting_point_state(sp: StartingPoint) -> dict[str, Any]:
    return {"key": sp.key, "label": sp.label, "description": sp.description}


def add_starting_point(
    *, user: Any, school: School, label: str, description: str = "", key: str = ""
) -> StartingPoint:
    """A new starting point; its key (from the label unless given) never changes after."""
    label, key = label.strip(), key.strip()
    errors = []
    if not label:
        errors.append("label: give the starting point a label")
    elif len(label) > 120:
        errors.append("label: at most 120 characters")
    taken = set(StartingPoint.objects.filter(school=school).values_list("key", flat=True))
    if key:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", key):
            errors.append(
                f"key: '{key}' may use only a-z, 0-9 and -, starting with a letter or digit"
            )
        elif key in taken:
            errors.append(f"key: there is already a starting point '{key}'")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        last = StartingPoint.objects.filter(school=school).order_by("-order").first()
        sp = StartingPoint.objects.create(
            school=school,
            key=key or derive_key(label, taken, fallback="start"),
            label=label,
            description=description.strip(),
            order=last.order + 1 if last else 0,
        )
        log_action(
            school=school,
            user=user,
            action="starting_point.create",
            obj=sp,
            new=_starting_point_state(sp),
        )
    return sp


def update_starting_points(
    *, user: Any, school: School, changes: Mapping[int, tuple[str, str]]
) -> int:
    """Rename and describe starting points ({pk: (label, description)}); keys stay. All or none."""
    with transaction.atomic():
        found = {
            sp.pk: sp
            for sp in StartingPoint.objects.select_for_update().filter(
                school=school, pk__in=list(changes)
            )
        }
        errors = []
        for pk, (label, _) in changes.items():
            if pk not in found:
                errors.append("starting points: no such starting point")
            elif not label.strip():
                errors.append(f"{found[pk].key}: give it a label")
            elif len(label.strip()) > 120:
                errors.append(f"{found[pk].key}: a label has at most 120 characters")
        if errors:
            raise ValidationError(errors)
        changed = 0
        for pk, (label, description) in changes.items():
            sp = found[pk]
            old = _starting_point_state(sp)
            sp.label, sp.description = label.strip(), description.strip()
            if _starting_point_state(sp) == old:
                continue
            sp.save(update_fields=["label", "description"])
            log_action(
                school=school,
                user=user,
                action="starting_point.save",
                obj=sp,
                old=old,
                new=_starting_point_state(sp),
            )
            changed += 1
    return changed


def remove_starting_point(*, user: Any, starting_point: StartingPoint) -> None:
    """Remove a starting point nothing uses; otherwise say where it is used."""
    with transaction.atomic():
        uses = starting_point_uses(starting_point)
        if uses:
            raise ValidationError(
                [f"'{starting_point.label}' is used by {'; '.join(uses)}, so it cannot be removed"]
            )
        log_action(
            school=starting_point.school,
            user=user,
            action="starting_point.delete",
            obj=starting_point,
            old=_starting_point_state(starting_point),
        )
        starting_point.delete()
