"""Bring a framework in line with a description of it (from a CSV or CASE file, or a trust).

An import first turns its file into a `FrameworkSpec`. `plan_framework` compares
the spec with what the school has and lists what would be created, changed,
archived or restored, without writing anything; `apply_spec` makes exactly those
changes in one transaction, and refuses if they are no longer what was previewed.
Objectives are matched in two passes: every identifier in the file first, then
codes among the objectives still unmatched, so a row cannot take by code an
objective that a later row names by identifier. Importing the same file twice
changes nothing the second time. Objectives missing from the file are archived,
never deleted, so no judgement is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.curriculum.framework_spec import (
    FRAMEWORK_NAME_MAX,
    Change,
    FrameworkPlan,
    FrameworkSpec,
    ObjectiveSpec,
    StalePlan,
    StrandSpec,
    check_spec,
)
from trackwell.curriculum.lineage import replacements
from trackwell.curriculum.models import (
    Framework,
    Objective,
    RatingScale,
    Strand,
    Subject,
    new_identifier,
)

S = TypeVar("S", "StrandSpec", "ObjectiveSpec")
M = TypeVar("M", Strand, Objective)

# ---------------------------------------------------------------------------
# Matching a spec with what the school has


@dataclass
class _Match:
    subject: Subject | None
    framework: Framework | None
    strands: list[Strand | None]
    objectives: list[Objective | None]
    archive: list[Objective]
    strand_by_key: dict[str, int]


def find_framework(school: School, spec: FrameworkSpec) -> tuple[Subject | None, Framework | None]:
    """The school's subject and framework a spec describes: by identifier, else subject and year.

    The subject is found by slug, then by name, so a renamed subject is still found.
    Imports write into the framework this returns; adopting a trust framework refuses
    when it returns one.
    """
    if spec.identifier:
        framework = (
            Framework.objects.filter(school=school, identifier=spec.identifier)
            .select_related("subject")
            .first()
        )
        if framework is not None:
            return framework.subject, framework
    subject = Subject.objects.filter(school=school, slug=slugify(spec.subject)[:100]).first()
    if subject is None:
        subject = Subject.objects.filter(school=school, name__iexact=spec.subject.strip()).first()
    if subject is None:
        return None, None
    framework = Framework.objects.filter(
        subject=subject, nc_year=spec.year.nc_year, phase=spec.year.phase
    ).first()
    return subject, framework


def _match(school: School, spec: FrameworkSpec, framework: Framework | None) -> _Match:
    if framework is None:
        subject, framework = find_framework(school, spec)
    else:
        subject = framework.subject
    if framework is None:
        return _Match(
            subject,
            None,
            [None] * len(spec.strands),
            [None] * len(spec.objectives),
            [],
            {s.key: i for i, s in enumerate(spec.strands)},
        )
    existing_strands = list(Strand.objects.filter(framework=framework))
    strands = _two_pass(
        spec.strands,
        by_identifier={s.identifier: s for s in existing_strands},
        spec_identifier=lambda st: st.identifier,
        by_other={s.name.casefold(): s for s in existing_strands},
        spec_other=lambda st: st.name.casefold(),
    )
    existing = list(
        Objective.objects.filter(framework=framework).select_related("parent", "strand")
    )
    objectives = _two_pass(
        spec.objectives,
        by_identifier={o.identifier: o for o in existing},
        spec_identifier=lambda ob: ob.identifier,
        by_other={o.code: o for o in existing},
        spec_other=lambda ob: ob.code,
    )
    taken = {o.pk for o in objectives if o is not None}
    archive = [o for o in existing if o.pk not in taken and o.archived_at is None]
    return _Match(
        subject,
        framework,
        strands,
        objectives,
        archive,
        {s.key: i for i, s in enumerate(spec.strands)},
    )


def _two_pass(
    specs: Sequence[S],
    *,
    by_identifier: dict[str, M],
    spec_identifier: Callable[[S], str],
    by_other: dict[str, M],
    spec_other: Callable[[S], str],
) -> list[M | None]:
    """Match described items with existing ones: every identifier first, then the rest.

    Matching row by row would let an early row take by code (or name) an item that
    a later row names by identifier; the preview and the write would then disagree.
    """
    found: list[M | None] = [None] * len(specs)
    taken: set[int] = set()
    for index, item in enumerate(specs):
        ident = spec_identifier(item)
        match = by_identifier.get(ident) if ident else None
        if match is not None and match.pk not in taken:
            found[index] = match
            taken.add(match.pk)
    for index, item in enumerate(specs):
        if found[index] is not None:
            continue
        match = by_other.get(spec_other(item))
        if match is not None and match.pk not in taken:
            found[index] = match
            taken.add(match.pk)
    return found


def _diff(label: str, old: Any, new: Any) -> str:
    def show(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(value) or "none"
        text = str(value) if value not in (None, "") else "none"
        return text if len(text) <= 80 else text[:77] + "..."

    return f"{label}: {show(old)} → {show(new)}"


def _objective_targets(spec: FrameworkSpec) -> dict[str, str]:
    """Parent key (identifier or code) of each spec objective -> that parent's code."""
    by_key: dict[str, str] = {}
    for obj in spec.objectives:
        by_key[obj.code] = obj.code
        if obj.identifier:
            by_key[obj.identifier] = obj.code
    return by_key


def _restore_conflicts(obj: Objective, m: _Match, where: str) -> list[str]:
    """An archived objective that was split or merged cannot come back beside what replaced it.

    Its pupils' ratings live on in the objectives that took over; with both
    current they would count twice. Restoring is fine when the same file
    archives those replacements (going back to the layout before the split).
    """
    leaving = {o.pk for o in m.archive}
    staying = [o for o in replacements(obj) if o.pk not in leaving]
    if not staying:
        return []
    names = ", ".join(o.code for o in staying)
    return [
        f"{where}: {obj.code} was split or merged into {names}, which stay in use; bringing "
        f"{obj.code} back as well would count its pupils' ratings twice. Leave {obj.code} out "
        f"of the file, or leave out {names}."
    ]


def _plan(school: School, spec: FrameworkSpec, m: _Match) -> tuple[list[Change], list[str]]:
    changes: list[Change] = []
    errors: list[str] = []
    if m.subject is None:
        changes.append(Change("create", "subject", spec.subject.strip()))
    if m.framework is None:
        changes.append(Change("create", "framework", f"{spec.name} ({spec.year.label})"))
    # Orders are compared as positions among what is matched, so gaps left by
    # editing (or objectives the file archives) are not reported as moves.
    matched_strands = [st for st in m.strands if st is not None]
    strand_now = {
        st.pk: r for r, st in enumerate(sorted(matched_strands, key=lambda x: (x.order, x.pk)))
    }
    strand_then = {st.pk: r for r, st in enumerate(matched_strands)}
    matched_objs = [o for o in m.objectives if o is not None]
    obj_now = {
        o.pk: r
        for r, o in enumerate(
            sorted(matched_objs, key=lambda x: (x.strand.order, x.strand_id, x.order, x.pk))
        )
    }
    obj_then = {o.pk: r for r, o in enumerate(matched_objs)}
    for strand_spec, strand in zip(spec.strands, m.strands, strict=True):
        if strand is None:
            changes.append(Change("create", "strand", strand_spec.name))
            continue
        details = []
        if strand.name != strand_spec.name:
            details.append(_diff("name", strand.name, strand_spec.name))
        if strand_spec.code is not None and strand.code != strand_spec.code:
            details.append(_diff("code", strand.code, strand_spec.code))
        if strand_spec.statement is not None and strand.statement != strand_spec.statement:
            details.append(_diff("statement", strand.statement, strand_spec.statement))
        if strand_now[strand.pk] != strand_then[strand.pk]:
            details.append(_diff("position", strand_now[strand.pk] + 1, strand_then[strand.pk] + 1))
        if strand_spec.identifier and strand.identifier != strand_spec.identifier:
            details.append(_diff("identifier", strand.identifier, strand_spec.identifier))
        if strand_spec.ungrouped is not None and strand.is_ungrouped != strand_spec.ungrouped:
            details.append(_diff("ungrouped", strand.is_ungrouped, strand_spec.ungrouped))
        if details:
            changes.append(Change("change", "strand", strand_spec.name, details))
    parent_codes = _objective_targets(spec)
    final_codes: dict[str, str] = {}
    final_ids: dict[str, str] = {}
    claimed: dict[int, str] = {}
    for obj_spec, obj in zip(spec.objectives, m.objectives, strict=True):
        label = f"{obj_spec.code} {obj_spec.statement}"
        if obj is not None:
            # Matching gives each objective to one row at most; say so if that ever fails.
            if obj.pk in claimed:
                errors.append(
                    f"{obj_spec.where or label}: objective {obj.code!r} is already matched by "
                    f"{claimed[obj.pk]}; one objective can be matched by one row only."
                )
            claimed.setdefault(obj.pk, obj_spec.where or label)
        if obj is None:
            changes.append(Change("create", "objective", label))
        else:
            strand = m.strands[m.strand_by_key[obj_spec.strand]]
            details = []
            if obj.code != obj_spec.code:
                details.append(_diff("code", obj.code, obj_spec.code))
            if obj.statement != obj_spec.statement:
                details.append(_diff("statement", obj.statement, obj_spec.statement))
            if obj.is_key != obj_spec.is_key:
                details.append(_diff("key objective", obj.is_key, obj_spec.is_key))
            if list(obj.tags or []) != obj_spec.tags:
                details.append(_diff("tags", list(obj.tags or []), obj_spec.tags))
            if strand is None or obj.strand_id != strand.pk:
                details.append(_diff("strand", obj.strand.name, obj_spec.strand.split(":", 1)[-1]))
            if obj_now[obj.pk] != obj_then[obj.pk]:
                details.append(_diff("position", obj_now[obj.pk] + 1, obj_then[obj.pk] + 1))
            if obj_spec.identifier and obj.identifier != obj_spec.identifier:
                details.append(_diff("identifier", obj.identifier, obj_spec.identifier))
            if obj_spec.parent is not None:
                new_parent = parent_codes.get(obj_spec.parent, "") if obj_spec.parent else ""
                old_parent = obj.parent.code if obj.parent else ""
                if new_parent != old_parent:
                    details.append(_diff("part of", old_parent, new_parent))
            if obj.archived_at is not None:
                changes.append(Change("restore", "objective", label, details))
                errors.extend(_restore_conflicts(obj, m, obj_spec.where or label))
            elif details:
                changes.append(Change("change", "objective", label, details))
        final_codes[obj_spec.code] = obj_spec.where or label
        # The identifier the objective ends with: the file's, or the one it keeps.
        final_id = obj_spec.identifier or (obj.identifier if obj is not None else "")
        if final_id:
            if final_id in final_ids:
                errors.append(
                    f"{obj_spec.where or label}: identifier {final_id!r} would also belong to "
                    f"{final_ids[final_id]}; one identifier can name one objective only."
                )
            final_ids.setdefault(final_id, obj_spec.where or label)
    for obj in m.archive:
        changes.append(Change("archive", "objective", f"{obj.code} {obj.statement}"))
    if m.framework is not None:
        matched = {o.pk for o in m.objectives if o is not None}
        for other in Objective.objects.filter(framework=m.framework).exclude(pk__in=matched):
            if other.code in final_codes:
                errors.append(
                    f"{final_codes[other.code]}: code {other.code!r} belongs to objective "
                    f"{other.statement[:60]!r}, which is not in the file"
                    f"{' (archived)' if other.archived_at else ''}; use another code."
                )
            if other.identifier in final_ids:
                errors.append(
                    f"{final_ids[other.identifier]}: identifier {other.identifier!r} belongs to "
                    f"objective {other.code!r}, which the file does not match."
                )
    return changes, errors


def plan_framework(
    school: School, spec: FrameworkSpec, *, framework: Framework | None = None
) -> FrameworkPlan:
    """What importing `spec` would change (into `framework`, or the one it matches)."""
    errors = check_spec(spec)
    if errors:
        return FrameworkPlan(spec, framework, [], errors)
    match = _match(school, spec, framework)
    changes, conflicts = _plan(school, spec, match)
    return FrameworkPlan(spec, match.framework, changes, conflicts)


# ---------------------------------------------------------------------------
# Writing


def _subject_for(school: School, name: str) -> Subject:
    slug = slugify(name)[:100] or "subject"
    subject, _ = Subject.objects.get_or_create(
        school=school,
        slug=slug,
        defaults={"name": name.strip(), "order": Subject.objects.filter(school=school).count()},
    )
    return subject


def apply_spec(
    *,
    user: User | None,
    school: School,
    spec: FrameworkSpec,
    scale: RatingScale | None,
    framework: Framework | None = None,
    expected_digest: str | None = None,
    action: str = "framework.import",
    source: str = "",
) -> tuple[Framework, FrameworkPlan]:
    """Make the changes `plan_framework` lists, all or nothing.

    `expected_digest` is the plan the user previewed; if the changes differ now,
    StalePlan is raised and nothing is written.
    """
    try:
        with transaction.atomic():
            plan = plan_framework(school, spec, framework=framework)
            if plan.errors:
                raise ValidationError(plan.errors)
            if expected_digest is not None and plan.digest != expected_digest:
                raise StalePlan(
                    "The framework has changed since this preview; look at the new preview first."
                )
            match = _match(school, spec, framework)
            result = _write(user, school, spec, scale, match)
            if plan.changes:
                log_action(
                    school=school,
                    user=user,
                    action=action,
                    obj=result,
                    old=None,
                    new={
                        "source": source,
                        "summary": plan.summary,
                        "changes": [asdict(c) for c in plan.changes],
                    },
                )
    except IntegrityError as exc:
        # The plan should rule this out; if it ever happens, say so instead of failing.
        raise ValidationError(
            f"{spec.where or spec.name}: two objectives or strands would end up with the same "
            "code or identifier, so nothing was saved. Check the codes and identifiers."
        ) from exc
    return result, plan


def _write(
    user: User | None,
    school: School,
    spec: FrameworkSpec,
    scale: RatingScale | None,
    m: _Match,
) -> Framework:
    now = timezone.now()
    framework = m.framework
    if framework is None:
        if scale is None:
            raise ValidationError("Choose a rating scale for the new framework.")
        subject = m.subject or _subject_for(school, spec.subject)
        framework = Framework.objects.create(
            school=school,
            subject=subject,
            nc_year=spec.year.nc_year,
            last_nc_year=spec.year.last_nc_year,
            phase=spec.year.phase,
            name=spec.name[:FRAMEWORK_NAME_MAX] or f"{subject.name} {spec.year.label}",
            description=spec.description,
            scale=scale,
            identifier=spec.identifier or new_identifier(),
        )
    strands: dict[str, Strand] = {}
    for index, (strand_spec, existing_strand) in enumerate(
        zip(spec.strands, m.strands, strict=True)
    ):
        strand = existing_strand or Strand(
            school=school,
            framework=framework,
            identifier=strand_spec.identifier or new_identifier(),
        )
        strand.name = strand_spec.name
        strand.order = index
        if strand_spec.code is not None:
            strand.code = strand_spec.code
        if strand_spec.statement is not None:
            strand.statement = strand_spec.statement
        if strand_spec.identifier:
            strand.identifier = strand_spec.identifier
        if strand_spec.ungrouped is not None:
            strand.is_ungrouped = strand_spec.ungrouped
        strand.save()
        strands[strand_spec.key] = strand

    matched = [o for o in m.objectives if o is not None]
    # Codes and identifiers may swap between objectives: park them on unique values first.
    original_ids = {o.pk: o.identifier for o in matched}
    moving = [
        o
        for o, s in zip(m.objectives, spec.objectives, strict=True)
        if o is not None and (o.code != s.code or (s.identifier and o.identifier != s.identifier))
    ]
    for obj in moving:
        obj.code = f"~{obj.pk}"
        obj.identifier = f"~{obj.pk}"
    Objective.objects.bulk_update(moving, ["code", "identifier"])
    final: list[Objective] = []
    to_create: list[Objective] = []
    for index, (obj_spec, existing) in enumerate(zip(spec.objectives, m.objectives, strict=True)):
        if existing is None:
            obj = Objective(school=school, framework=framework)
            to_create.append(obj)
        else:
            obj = existing
        obj.identifier = (
            obj_spec.identifier
            or (original_ids[obj.pk] if existing is not None else "")
            or new_identifier()
        )
        obj.code = obj_spec.code
        obj.statement = obj_spec.statement
        obj.strand = strands[obj_spec.strand]
        obj.order = index
        obj.is_key = obj_spec.is_key
        obj.tags = list(obj_spec.tags)
        obj.archived_at = None
        final.append(obj)
    Objective.objects.bulk_update(
        matched,
        ["code", "statement", "strand", "order", "is_key", "tags", "identifier", "archived_at"],
        batch_size=500,
    )
    Objective.objects.bulk_create(to_create, batch_size=500)
    if any(o.pk is None for o in to_create):
        # Backends that do not return ids from bulk inserts: read them back.
        ids = dict(Objective.objects.filter(framework=framework).values_list("identifier", "pk"))
        for obj in to_create:
            obj.pk = ids[obj.identifier]
    by_key: dict[str, Objective] = {}
    for obj_spec, obj in zip(spec.objectives, final, strict=True):
        by_key[obj_spec.code] = obj
        if obj_spec.identifier:
            by_key[obj_spec.identifier] = obj
    with_parent = []
    for obj_spec, obj in zip(spec.objectives, final, strict=True):
        if obj_spec.parent is None:
            continue
        parent = by_key.get(obj_spec.parent) if obj_spec.parent else None
        if obj.parent_id != (parent.pk if parent else None):
            obj.parent = parent
            with_parent.append(obj)
    Objective.objects.bulk_update(with_parent, ["parent"], batch_size=500)
    for obj in m.archive:
        obj.archived_at = now
    Objective.objects.bulk_update(m.archive, ["archived_at"])
    return framework


def specs_summary(plans: Iterable[FrameworkPlan]) -> dict[str, int]:
    """Totals across several plans, for one preview of a whole file."""
    totals = {"create": 0, "change": 0, "archive": 0, "restore": 0}
    for plan in plans:
        for action, n in plan.summary.items():
            totals[action] += n
    return totals
