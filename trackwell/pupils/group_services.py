"""Writes to school-defined groups of pupils: changing and deleting them, with history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts.models import log_action
from trackwell.core.models import School
from trackwell.core.versioning import check_version, save_versioned
from trackwell.pupils.models import Pupil
from trackwell.pupils.services import _check_school


def _clean_group(
    school: School, name: str, description: str, pupil_ids: Any, exclude_pk: int | None
) -> tuple[str, str, set[int]]:
    from trackwell.pupils.models import PupilGroup

    errors: dict[str, str] = {}
    name = (name or "").strip().replace("\x00", "")
    description = (description or "").strip().replace("\x00", "")
    if not name:
        errors["name"] = "Give the group a name."
    elif len(name) > 100:
        errors["name"] = "The name is longer than 100 characters."
    else:
        taken = PupilGroup.objects.filter(school=school, name__iexact=name)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["name"] = f"There is already a group called '{name}'."
    ids = set(pupil_ids)
    found = set(Pupil.objects.filter(school=school, pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        errors["pupils"] = "Some of those pupils are not at this school."
    if errors:
        raise ValidationError(errors)
    return name, description, ids


def update_group(
    user: Any,
    school: School,
    group: Any,
    *,
    name: str,
    description: str,
    pupil_ids: Any,
    expected_version: int | None,
) -> None:
    """Rename a school-defined group, change its description or its pupils (version-checked)."""
    from trackwell.pupils.models import PupilGroup

    _check_school(school, group)
    name, description, ids = _clean_group(school, name, description, pupil_ids, group.pk)
    with transaction.atomic():
        current = PupilGroup.objects.select_for_update().get(pk=group.pk, school=school)
        check_version(
            current,
            expected_version,
            yours={"name": name, "description": description},
            labels={"name": "Name", "description": "Description"},
            what=f"The group {current}",
        )
        old = {
            "name": current.name,
            "description": current.description,
            "pupils": sorted(current.pupils.values_list("pk", flat=True)),
        }
        new = {"name": name, "description": description, "pupils": sorted(ids)}
        if new == old:
            return
        current.name, current.description = name, description
        save_versioned(current, ["name", "description"])
        current.pupils.set(sorted(ids))
        log_action(school=school, user=user, action="group.update", obj=current, old=old, new=new)
    group.refresh_from_db()


def delete_group(user: Any, school: School, group: Any) -> None:
    """Delete a school-defined group (its pupils are untouched); logged with its members."""
    _check_school(school, group)
    with transaction.atomic():
        old = {
            "name": group.name,
            "description": group.description,
            "pupils": sorted(group.pupils.values_list("pk", flat=True)),
        }
        log_action(school=school, user=user, action="group.delete", obj=group, old=old)
        group.delete()
