"""Writes to the curriculum: the framework editor, the library, and what has been taught."""

import re
from collections.abc import Iterable
from types import EllipsisType
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.text import slugify

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.core.versioning import locked_for_edit
from trackwell.curriculum.defaults import (
    LIBRARY_DIR,
    LIBRARY_SUBJECTS,
    create_depth_scale,
    read_library,
)
from trackwell.curriculum.lineage import replacements
from trackwell.curriculum.models import (
    Framework,
    Objective,
    ObjectiveLink,
    RatingScale,
    Strand,
    Subject,
    TaughtObjective,
)
from trackwell.curriculum.phases import YearPhase
from trackwell.curriculum.sync import (
    CODE_MAX,
    FrameworkSpec,
    ObjectiveSpec,
    StrandSpec,
    apply_spec,
    plan_framework,
)
from trackwell.pupils.models import SchoolClass, nc_year_label


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


def create_strand(*, user: User, framework: Framework, name: str, code: str = "") -> Strand:
    """Add a strand at the end of the framework."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the strand a name.")
    with transaction.atomic():
        last = Strand.objects.filter(framework=framework).aggregate(m=Max("order"))["m"]
        strand = Strand.objects.create(
            school_id=framework.school_id,
            framework=framework,
            name=name[:150],
            code=code.strip()[:60],
            order=0 if last is None else last + 1,
        )
        log_action(
            school=framework.school,
            user=user,
            action="strand.create",
            obj=strand,
            new={"framework": framework.pk, "name": strand.name},
        )
    return strand


def update_strand(
    *, user: User, strand: Strand, name: str, code: str = "", statement: str = ""
) -> Strand:
    """Rename a strand or change its code or full wording."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the strand a name.")
    old = {"name": strand.name, "code": strand.code, "statement": strand.statement}
    new = {"name": name[:150], "code": code.strip()[:60], "statement": statement.strip()}
    if old == new:
        return strand
    with transaction.atomic():
        strand.name, strand.code, strand.statement = new["name"], new["code"], new["statement"]
        strand.save(update_fields=["name", "code", "statement"])
        log_action(
            school=strand.framework.school,
            user=user,
            action="strand.update",
            obj=strand,
            old=old,
            new=new,
        )
    return strand


def _renumber(items: list[Any]) -> list[Any]:
    changed = []
    for index, item in enumerate(items):
        if item.order != index:
            item.order = index
            changed.append(item)
    return changed


def move_strand(*, user: User, strand: Strand, step: int) -> None:
    """Move a strand one place up (step -1) or down (+1)."""
    with transaction.atomic():
        strands = list(Strand.objects.select_for_update().filter(framework_id=strand.framework_id))
        strands.sort(key=lambda s: (s.order, s.pk))
        index = next(i for i, s in enumerate(strands) if s.pk == strand.pk)
        target = index + (1 if step > 0 else -1)
        if not 0 <= target < len(strands):
            return
        strands[index], strands[target] = strands[target], strands[index]
        Strand.objects.bulk_update(_renumber(strands), ["order"])
        log_action(
            school=strand.framework.school,
            user=user,
            action="strand.move",
            obj=strand,
            old={"position": index + 1},
            new={"position": target + 1},
        )


def delete_strand(*, user: User, strand: Strand) -> None:
    """Remove an empty strand; one holding objectives (even archived ones) is kept."""
    if strand.objectives.exists():
        raise ValidationError(
            f"{strand.name} still holds objectives (current or archived): move them first.",
            code="strand_not_empty",
        )
    with transaction.atomic():
        log_action(
            school=strand.framework.school,
            user=user,
            action="strand.delete",
            obj=strand,
            old={"name": strand.name, "framework": strand.framework_id},
        )
        strand.delete()


def create_objective(
    *,
    user: User,
    strand: Strand,
    code: str,
    statement: str,
    is_key: bool = False,
    tags: Iterable[str] = (),
) -> Objective:
    """Add an objective at the end of a strand."""
    framework = strand.framework
    code = _check_code(framework, code)
    statement = statement.strip()
    if not statement:
        raise ValidationError("Write the objective's statement.", code="statement_missing")
    with transaction.atomic():
        in_strand = Objective.objects.filter(strand=strand).aggregate(m=Max("order"))["m"]
        position = (
            in_strand + 1
            if in_strand is not None
            else (Objective.objects.filter(framework=framework).aggregate(m=Max("order"))["m"] or 0)
            + 1
        )
        # Make room so the new objective sits at the end of its own strand.
        Objective.objects.filter(framework=framework, order__gte=position).update(
            order=F("order") + 1
        )
        objective = Objective.objects.create(
            school_id=framework.school_id,
            framework=framework,
            strand=strand,
            code=code,
            statement=statement,
            is_key=is_key,
            tags=clean_tags(tags),
            order=position,
        )
        log_action(
            school=framework.school,
            user=user,
            action="objective.create",
            obj=objective,
            new=_objective_state(objective),
        )
    return objective


def update_objective(
    *,
    user: User,
    objective: Objective,
    code: str,
    statement: str,
    is_key: bool,
    tags: Iterable[str],
    strand: Strand | None = None,
    expected_version: int | EllipsisType | None = ...,
) -> Objective:
    """Change an objective's code, statement, key flag, tags or strand.

    With `expected_version` (the edit form's), an objective changed since is an EditConflict.
    """
    framework = objective.framework
    code = _check_code(framework, code, exclude=objective.pk)
    statement = statement.strip()
    if not statement:
        raise ValidationError("Write the objective's statement.", code="statement_missing")
    if strand is not None and strand.framework_id != framework.pk:
        raise ValidationError("That strand belongs to another framework.")
    with transaction.atomic():
        locked = locked_for_edit(
            Objective.objects.filter(school_id=objective.school_id),
            objective.pk,
            objective.version if expected_version is ... else expected_version,
            yours={"code": code, "statement": statement, "is_key": is_key},
            labels={"code": "Code", "statement": "Statement", "is_key": "Key objective"},
            what=f"The objective {objective.code}",
        )
        old = _objective_state(locked)
        objective.version = locked.version
        objective.code = code
        objective.statement = statement
        objective.is_key = is_key
        objective.tags = clean_tags(tags)
        if strand is not None:
            objective.strand = strand
        new = _objective_state(objective)
        if new == old:
            return objective
        objective.save(update_fields=["code", "statement", "is_key", "tags", "strand"])
        _bump(objective)
        log_action(
            school=framework.school,
            user=user,
            action="objective.update",
            obj=objective,
            old=old,
            new=new,
        )
    return objective


def _bump(obj: Framework | Objective) -> None:
    """Raise the row's version after an edit (in SQL, so two edits never share one)."""
    type(obj).objects.filter(pk=obj.pk).update(version=F("version") + 1)
    obj.refresh_from_db(fields=["version"])


def _current_layout(framework: Framework) -> list[Objective]:
    return list(
        Objective.objects.select_for_update()
        .filter(framework=framework, archived_at__isnull=True)
        .order_by("strand__order", "strand_id", "order", "id")
    )


def move_objective(*, user: User, objective: Objective, step: int) -> None:
    """Move an objective one place up or down within its strand (keyboard and no-JS reordering)."""
    with transaction.atomic():
        layout = [
            o for o in _current_layout(objective.framework) if o.strand_id == objective.strand_id
        ]
        index = next((i for i, o in enumerate(layout) if o.pk == objective.pk), None)
        if index is None:
            raise ValidationError("Archived objectives are not reordered.")
        target = index + (1 if step > 0 else -1)
        if not 0 <= target < len(layout):
            return
        a, b = layout[index], layout[target]
        a.order, b.order = b.order, a.order
        if a.order == b.order:
            b.order += -1 if step > 0 else 1
        Objective.objects.bulk_update([a, b], ["order"])
        log_action(
            school=objective.framework.school,
            user=user,
            action="objective.move",
            obj=objective,
            old={"framework": objective.framework_id, "position": index + 1},
            new={"framework": objective.framework_id, "position": target + 1},
        )


def reorder_framework(*, user: User, framework: Framework, layout: dict[int, list[int]]) -> None:
    """Put the current objectives in the given order, strand by strand (drag and drop).

    `layout` maps each strand id to its objective ids in order. Every current
    objective must appear exactly once; otherwise nothing changes.
    """
    with transaction.atomic():
        strands = {
            s.pk: s for s in Strand.objects.filter(framework=framework).order_by("order", "id")
        }
        current = {o.pk: o for o in _current_layout(framework)}
        listed = [pk for pks in layout.values() for pk in pks]
        if set(layout) - set(strands):
            raise ValidationError("Some of those strands are not in this framework.")
        if sorted(listed) != sorted(current):
            raise ValidationError(
                "The new order must list every current objective once; reload and try again."
            )
        old = [current[pk].code for pk in current]
        changed = []
        position = 0
        for strand_id in strands:
            for pk in layout.get(strand_id, []):
                obj = current[pk]
                if obj.order != position or obj.strand_id != strand_id:
                    obj.order = position
                    obj.strand_id = strand_id
                    changed.append(obj)
                position += 1
        if not changed:
            return
        # Archived objectives keep their place after the current ones.
        Objective.objects.filter(framework=framework, archived_at__isnull=False).update(
            order=F("order") + position
        )
        Objective.objects.bulk_update(changed, ["order", "strand"])
        log_action(
            school=framework.school,
            user=user,
            action="framework.reorder",
            obj=framework,
            old={"order": old},
            new={"order": [current[pk].code for pks in layout.values() for pk in pks]},
        )


def objective_in_use(objective: Objective) -> bool:
    """Whether anything refers to the objective: judgements, coverage or split/merge links."""
    from trackwell.assessment.models import Judgement

    return (
        Judgement.objects.filter(objective=objective).exists()
        or TaughtObjective.objects.filter(objective=objective).exists()
        or ObjectiveLink.objects.filter(Q(source=objective) | Q(target=objective)).exists()
    )


def remove_objective(*, user: User, objective: Objective) -> str:
    """Delete an unused objective; one with judgements is archived instead. Returns which."""
    with transaction.atomic():
        state = _objective_state(objective)
        if objective_in_use(objective):
            if objective.archived_at is None:
                objective.archived_at = timezone.now()
                objective.save(update_fields=["archived_at"])
                log_action(
                    school=objective.framework.school,
                    user=user,
                    action="objective.archive",
                    obj=objective,
                    old=state,
                    new={**state, "archived": True},
                )
            return "archived"
        log_action(
            school=objective.framework.school,
            user=user,
            action="objective.delete",
            obj=objective,
            old=state,
        )
        Objective.objects.filter(parent=objective).update(parent=objective.parent)
        objective.delete()
        return "deleted"


def restore_objective(*, user: User, objective: Objective) -> Objective:
    """Bring an archived objective back into the grid.

    An objective that was split or merged is refused while what replaced it is
    current: its pupils' ratings live on there and would count twice.
    """
    if objective.archived_at is None:
        return objective
    taken_over = replacements(objective)
    if taken_over:
        kinds = set(ObjectiveLink.objects.filter(source=objective).values_list("kind", flat=True))
        how = " and ".join(
            word
            for kind, word in (
                (ObjectiveLink.Kind.SPLIT, "split"),
                (ObjectiveLink.Kind.MERGE, "merged"),
            )
            if kind in kinds
        )
        names = ", ".join(o.code for o in taken_over)
        raise ValidationError(
            f"{objective.code} cannot be restored: it was {how or 'replaced'} into {names}, "
            f"which carr{'ies' if len(taken_over) == 1 else 'y'} its pupils' ratings, so "
            f"they would count twice. Archive {names} first if you want {objective.code} back.",
            code="replaced",
        )
    with transaction.atomic():
        objective.archived_at = None
        last = Objective.objects.filter(framework=objective.framework).aggregate(m=Max("order"))
        objective.order = (last["m"] or 0) + 1
        objective.save(update_fields=["archived_at", "order"])
        log_action(
            school=objective.framework.school,
            user=user,
            action="objective.restore",
            obj=objective,
            old={"framework": objective.framework_id, "archived": True},
            new={"framework": objective.framework_id, "archived": False},
        )
    return objective


# ---------------------------------------------------------------------------
# The framework library


def library_subjects() -> list[tuple[str, str, list[int]]]:
    """(slug, name, years) of every subject whose CSV ships in the library."""
    names = dict(LIBRARY_SUBJECTS)
    found = []
    for path in sorted(LIBRARY_DIR.glob("*.csv")):
        try:
            years = sorted({row.year for row in read_library(path.stem)})
        except (KeyError, ValueError, OSError):
            continue  # a file still being written, or not in the library's layout
        found.append((path.stem, names.get(path.stem, path.stem.replace("-", " ").title()), years))
    return found


def library_spec(slug: str, name: str, year: int) -> FrameworkSpec:
    """One year of a library subject as a framework spec."""
    rows = [r for r in read_library(slug) if r.year == year]
    strands: list[StrandSpec] = []
    for row in rows:
        if row.strand not in [s.name for s in strands]:
            strands.append(StrandSpec(name=row.strand))
    keys = {s.name: s.key for s in strands}
    rows.sort(key=lambda r: [s.name for s in strands].index(r.strand))
    return FrameworkSpec(
        subject=name,
        year=YearPhase(year),
        name=f"{name} {nc_year_label(year)}",
        strands=strands,
        objectives=[
            ObjectiveSpec(
                code=r.code,
                statement=r.statement,
                strand=keys[r.strand],
                is_key=r.key,
                tags=r.tags,
                where=f"{slug}.csv",
            )
            for r in rows
        ],
        where=f"{name} {nc_year_label(year)}",
    )


def adopt_from_library(
    *, user: User, school: School, slug: str, years: Iterable[int], scale: RatingScale | None
) -> list[Framework]:
    """Copy library frameworks into the school; years it already has are left alone."""
    available = {s: (n, y) for s, n, y in library_subjects()}
    if slug not in available:
        raise ValidationError("That subject is not in the library.")
    name, library_years = available[slug]
    chosen = sorted(set(years) & set(library_years))
    if not chosen:
        raise ValidationError("Choose at least one year the library has for this subject.")
    adopted = []
    with transaction.atomic():
        if scale is None:
            scale = create_depth_scale(school)
        for year in chosen:
            spec = library_spec(slug, name, year)
            plan = plan_framework(school, spec)
            if plan.framework is not None:
                continue
            framework, _ = apply_spec(
                user=user,
                school=school,
                spec=spec,
                scale=scale,
                action="framework.adopt_library",
                source=f"library:{slug}",
            )
            adopted.append(framework)
    return adopted
