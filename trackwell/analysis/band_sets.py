"""Band sets edited, imported, copied and deleted, and the school's starting points.

Split out of services.py (which keeps closing and reopening points, confirmations,
pupils' frameworks and starting points, and groups). All names are importable from
services too.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from types import EllipsisType
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils.text import slugify

from trackwell.accounts.models import log_action
from trackwell.core.models import AssessmentPoint, School
from trackwell.core.versioning import EditConflict, FieldDifference, check_version, save_versioned

from .documents import FORMAT, VERSION, document_from_models, unknown_points, validate_document
from .models import (
    Band,
    BandConfirmation,
    BandRule,
    BandSet,
    PupilStartingPoint,
    Snapshot,
    SnapshotBand,
    StartingPoint,
)


def _check_band_set_version(band_set: BandSet, expected: int | None, doc: Any) -> None:
    """Lock the set; if it moved on, an EditConflict with its name and bands both ways."""
    locked = BandSet.objects.select_for_update().get(pk=band_set.pk)
    band_set.version = locked.version
    try:
        check_version(
            locked,
            expected,
            yours={"name": doc["name"], "description": doc.get("description", "")},
            labels={"name": "Name", "description": "Description"},
            what=f"The band set {locked.name}",
        )
    except EditConflict as conflict:
        saved = export_band_set(locked)
        theirs = ", ".join(b["label"] for b in saved["bands"])
        yours = ", ".join(b["label"] for b in doc["bands"])
        if theirs != yours:
            conflict.differences.append(FieldDifference("bands", "Bands", yours, theirs))
        mine, now = doc.get("points", []), saved.get("points", [])
        if mine != now:
            conflict.differences.append(
                FieldDifference(
                    "points",
                    "Applies at",
                    ", ".join(mine) or "every point",
                    ", ".join(now) or "every point",
                )
            )
        if bool(doc.get("not_banded")) != bool(saved.get("not_banded")):
            conflict.differences.append(
                FieldDifference(
                    "not_banded",
                    "Pupils no rule places",
                    "not banded" if doc.get("not_banded") else "in the lowest band",
                    "not banded" if saved.get("not_banded") else "in the lowest band",
                )
            )
        raise


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
    expected_version: int | EllipsisType | None = ...,
    imported: bool = False,
) -> BandSet:
    """Create or replace a band set from a document, all or nothing.

    Without `band_set`, the set of the same name is replaced (or a new one
    made). Bands are matched by key; a band that appears in closed snapshots
    cannot be removed, only renamed. An `imported` document naming an assessment
    point the school does not have is refused (starting points it neither has nor
    defines are refused always). With `expected_version` (the editor's), a set
    changed since is an EditConflict naming both versions of its name and bands.
    """
    known = set(StartingPoint.objects.filter(school=school).values_list("key", flat=True))
    errors = validate_document(doc, known)
    if not errors and imported:
        names = AssessmentPoint.objects.filter(school=school).values_list("name", flat=True)
        errors = unknown_points(doc, set(names))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if band_set is not None and expected_version is not ...:
            _check_band_set_version(band_set, expected_version, doc)
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
                points=[p.strip() for p in doc.get("points", [])],
                not_banded=doc.get("not_banded", False),
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
            band_set.points = [p.strip() for p in doc.get("points", [])]
            band_set.not_banded = doc.get("not_banded", False)
            band_set.save()
            BandSet.objects.filter(pk=band_set.pk).update(version=F("version") + 1)
            band_set.refresh_from_db(fields=["version"])
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
            band.colour = data.get("colour", "#5a8fc4")
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
                    years=sorted(rule.get("years", [])),
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
            {"key": "not-yet", "label": "Not yet", "parent_label": "", "colour": "#848fa3"},
            {
                "key": "yes",
                "label": "Yes",
                "parent_label": "",
                "colour": "#3b78b5",
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


def _check_set_state(
    band_set: BandSet, expected: int | None, yours: Mapping[str, Any], what: str
) -> None:
    """Lock the set and check the version the form saw (delete and the in-use switch).

    A stale form is an EditConflict naming the set's name and whether it is in use,
    the user's view beside what is saved now, and its bands where they changed.
    """
    locked = BandSet.objects.select_for_update().get(pk=band_set.pk)
    band_set.version, band_set.is_active = locked.version, locked.is_active
    try:
        check_version(
            locked,
            expected,
            yours=yours,
            labels={"name": "Name", "is_active": "In use"},
            what=what.format(name=locked.name),
        )
    except EditConflict as conflict:
        for d in conflict.differences:
            if d.field == "is_active":
                conflict.differences[conflict.differences.index(d)] = FieldDifference(
                    d.field, d.label, "yes" if d.yours else "no", "yes" if d.theirs else "no"
                )
        conflict.differences.append(
            FieldDifference(
                "bands",
                "Bands now",
                "(as on your page)",
                ", ".join(b.label for b in locked.bands.order_by("order")),
            )
        )
        raise


def delete_band_set(
    *,
    user: Any,
    band_set: BandSet,
    expected_version: int | EllipsisType | None = ...,
    seen_name: str | None = None,
    seen_active: bool | None = None,
) -> None:
    """Delete a set no closed snapshot uses, with its bands, rules and open confirmations.

    With `expected_version` (the editor's form), a set changed since the page was
    opened is an EditConflict and nothing is deleted.
    """
    with transaction.atomic():
        if expected_version is not ...:
            _check_set_state(
                band_set,
                expected_version,
                {
                    "name": band_set.name if seen_name is None else seen_name,
                    "is_active": band_set.is_active if seen_active is None else seen_active,
                },
                "The band set {name}",
            )
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


def set_band_set_active(
    *,
    user: Any,
    band_set: BandSet,
    active: bool,
    expected_version: int | EllipsisType | None = ...,
    seen_name: str | None = None,
) -> None:
    """Start or stop using a set (suggested, confirmed and kept at each point).

    With `expected_version` (the pages' forms), a set changed since the page was
    opened (renamed, edited, switched by someone else) is an EditConflict and
    nothing changes; the switch raises the set's version.
    """
    with transaction.atomic():
        if expected_version is not ...:
            _check_set_state(
                band_set,
                expected_version,
                {"name": band_set.name if seen_name is None else seen_name, "is_active": active},
                "The band set {name}",
            )
        if band_set.is_active == active:
            return
        band_set.is_active = active
        save_versioned(band_set, ["is_active"])
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
