"""Writes to the curriculum: what has been taught, subjects and frameworks.

Strands and objectives are changed in `structure_edits`; the framework library is
`library`."""

import re
from collections.abc import Iterable
from types import EllipsisType
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.core.versioning import locked_for_edit
from trackwell.curriculum.framework_spec import CODE_MAX
from trackwell.curriculum.models import (
    Framework,
    Objective,
    RatingScale,
    Subject,
    TaughtObjective,
)
from trackwell.curriculum.phases import YearPhase
from trackwell.pupils.models import SchoolClass


def set_taught(
    *, user: User, school_class: SchoolClass, framework: Framework, objective_id: int, taught: bool
) -> bool:
    """Mark an objective as taught to a class (or not yet taught). Returns the new state."""
    try:
        objective = Objective.objects.get(
            pk=objective_id,
            framework=framework,
            school_id=school_class.school_id,
            archived_at__isnull=True,
        )
    except Objective.DoesNotExist as exc:
        raise ValidationError(
            f"Objective {objective_id} is not a current objective of {framework.name}.",
            code="objective_outside_framework",
        ) from exc
    with transaction.atomic():
        existing = TaughtObjective.objects.filter(school_class=school_class, objective=objective)
        was_taught = existing.exists()
        if taught and not was_taught:
            TaughtObjective.objects.create(
                school_id=school_class.school_id,
                school_class=school_class,
                objective=objective,
                marked_by=user,
            )
        elif not taught and was_taught:
            existing.delete()
        else:
            return taught
        log_action(
            school=school_class.school,
            user=user,
            action="objective.taught" if taught else "objective.untaught",
            obj=objective,
            old={"framework": framework.pk, "class": school_class.pk, "taught": was_taught},
            new={"framework": framework.pk, "class": school_class.pk, "taught": taught},
        )
    return taught


# ---------------------------------------------------------------------------
# The framework editor: subjects, frameworks, strands and objectives.
# Every change is logged with who, when, the old and the new values.

OBJECTIVE_FIELDS = ("code", "statement", "is_key", "tags", "strand_id", "parent_id")


def _objective_state(objective: Objective) -> dict[str, Any]:
    """What the history keeps of an objective; `framework` lets the framework's history
    page find the entry even after the objective itself is deleted."""
    return {
        "framework": objective.framework_id,
        "code": objective.code,
        "statement": objective.statement,
        "is_key": objective.is_key,
        "tags": list(objective.tags or []),
        "strand": objective.strand_id,
        "parent": objective.parent_id,
        "archived": objective.archived_at is not None,
    }


def clean_tags(text: str | Iterable[str]) -> list[str]:
    """Tags from a comma- or semicolon-separated string (or a list), trimmed, without repeats."""
    parts = re.split(r"[;,]", text) if isinstance(text, str) else list(text)
    tags: list[str] = []
    for part in parts:
        tag = " ".join(str(part).split())[:60]
        if tag and tag.casefold() not in (t.casefold() for t in tags):
            tags.append(tag)
    return tags


def _check_code(framework: Framework, code: str, *, exclude: int | None = None) -> str:
    code = code.strip()
    if not code:
        raise ValidationError("Give the objective a code.", code="code_missing")
    if len(code) > CODE_MAX:
        raise ValidationError(f"Codes are at most {CODE_MAX} characters.", code="code_long")
    others = Objective.objects.filter(framework=framework, code=code)
    clash = (others.exclude(pk=exclude) if exclude is not None else others).first()
    if clash is not None:
        state = " (archived)" if clash.archived_at else ""
        raise ValidationError(
            f"Code {code} is already used by {clash.statement[:60]!r}{state} in this framework.",
            code="code_taken",
        )
    return code


def create_subject(*, user: User, school: School, name: str) -> Subject:
    """Add a subject to the school."""
    name = " ".join(name.split())
    slug = slugify(name)[:100]
    if not name or not slug:
        raise ValidationError("Give the subject a name.")
    if Subject.objects.filter(school=school, slug=slug).exists():
        raise ValidationError(f"There is already a subject called {name}.")
    with transaction.atomic():
        subject = Subject.objects.create(
            school=school,
            name=name,
            slug=slug,
            order=Subject.objects.filter(school=school).count(),
        )
        log_action(
            school=school, user=user, action="subject.create", obj=subject, new={"name": name}
        )
    return subject


def rename_subject(*, user: User, subject: Subject, name: str) -> Subject:
    """Rename a subject; its address (slug) stays so links and grids keep working."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the subject a name.")
    if name == subject.name:
        return subject
    with transaction.atomic():
        old = subject.name
        subject.name = name
        subject.save(update_fields=["name"])
        log_action(
            school=subject.school,
            user=user,
            action="subject.rename",
            obj=subject,
            old={"name": old},
            new={"name": name},
        )
    return subject


def _check_framework_slot(subject: Subject, year: YearPhase, *, exclude: int | None = None) -> None:
    others = Framework.objects.filter(subject=subject, nc_year=year.nc_year, phase=year.phase)
    clash = (others.exclude(pk=exclude) if exclude is not None else others).first()
    if clash is not None:
        raise ValidationError(
            f"{subject.name} already has a framework for {year.label}: {clash.name}.",
            code="framework_exists",
        )


def create_framework(
    *,
    user: User,
    subject: Subject,
    year: YearPhase,
    name: str,
    scale: RatingScale,
    description: str = "",
) -> Framework:
    """Start an empty framework for a subject and a year or phase."""
    if scale.school_id != subject.school_id:
        raise ValidationError("That rating scale belongs to another school.")
    _check_framework_slot(subject, year)
    with transaction.atomic():
        framework = Framework.objects.create(
            school_id=subject.school_id,
            subject=subject,
            nc_year=year.nc_year,
            last_nc_year=year.last_nc_year,
            phase=year.phase,
            name=name.strip() or f"{subject.name} {year.label}",
            description=description,
            scale=scale,
        )
        log_action(
            school=subject.school,
            user=user,
            action="framework.create",
            obj=framework,
            new={"name": framework.name, "year": year.label, "scale": scale.name},
        )
    return framework


def update_framework(
    *,
    user: User,
    framework: Framework,
    name: str,
    year: YearPhase,
    description: str,
    expected_version: int | EllipsisType | None = ...,
) -> Framework:
    """Rename a framework or change the year or phase it covers.

    With `expected_version` (the edit form's), a framework changed since is an EditConflict.
    """
    _check_framework_slot(framework.subject, year, exclude=framework.pk)
    with transaction.atomic():
        locked = locked_for_edit(
            Framework.objects.filter(school_id=framework.school_id),
            framework.pk,
            framework.version if expected_version is ... else expected_version,
            yours={"name": name.strip() or framework.name, "description": description},
            labels={"name": "Name", "description": "Description"},
            what=f"The framework {framework.name}",
        )
        framework.version = locked.version
        old = {
            "name": locked.name,
            "year": locked.year_label,
            "description": locked.description,
        }
        framework.name = name.strip() or framework.name
        framework.nc_year = year.nc_year
        framework.last_nc_year = year.last_nc_year
        framework.phase = year.phase
        framework.description = description
        framework.save()
        _bump(framework)
        new = {
            "name": framework.name,
            "year": framework.year_label,
            "description": framework.description,
        }
        if new != old:
            log_action(
                school=framework.school,
                user=user,
                action="framework.update",
                obj=framework,
                old=old,
                new=new,
            )
    return framework


def _bump(obj: Framework | Objective) -> None:
    """Raise the row's version after an edit (in SQL, so two edits never share one)."""
    type(obj).objects.filter(pk=obj.pk).update(version=F("version") + 1)
    obj.refresh_from_db(fields=["version"])
