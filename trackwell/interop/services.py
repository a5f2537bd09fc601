"""Framework imports (CSV and CASE) on the import pipeline: stage, preview, commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError

from trackwell.accounts.models import User
from trackwell.core.models import School
from trackwell.curriculum.defaults import create_depth_scale
from trackwell.curriculum.framework_spec import FrameworkPlan, FrameworkSpec
from trackwell.curriculum.models import Framework, RatingScale
from trackwell.curriculum.phases import parse_year_phase
from trackwell.curriculum.sync import apply_spec, plan_framework
from trackwell.interop import pipeline
from trackwell.interop.case import parse_case
from trackwell.interop.csv_frameworks import ParseResult, parse_csv
from trackwell.interop.models import PendingImport


@dataclass
class Staged:
    """The result of an upload: a pending import to preview, or the file's errors."""

    pending: PendingImport | None
    errors: list[str]
    warnings: list[str]


def parse_file(kind: str, data: bytes, options: dict[str, Any]) -> ParseResult:
    """Read a CSV or CASE file into framework specs (never raises on a bad file).

    CASE: the year or phase must be chosen; a blank subject means the one the
    file's CFDocument names (a file naming none is refused with SUBJECT_MISSING).
    """
    if kind == PendingImport.Kind.CSV:
        return parse_csv(data)
    if kind == PendingImport.Kind.CASE:
        # A missing option is None, which must not become the text "None".
        year = parse_year_phase(str(options.get("year") or ""))
        subject = str(options.get("subject") or "").strip()
        if year is None:
            return ParseResult(errors=["Choose the year or phase the CASE framework is for."])
        return parse_case(data, subject=subject, year=year)
    return ParseResult(errors=[f"Unknown kind of file {kind!r}."])


def integrity_message(exc: IntegrityError) -> str:
    """A database refusal in words a leader can act on (defence in depth: plans check first)."""
    text = str(exc).lower()  # SQLite names the columns, PostgreSQL the constraint and columns
    if "identifier" in text:
        what = "an identifier that another objective or strand already has"
    elif "code" in text:
        what = "a code that another objective already has"
    elif "nc_year" in text or "subject_phase" in text:
        what = "a second framework for the same subject and year or phase"
    elif "slug" in text:
        what = "a subject that already exists under a similar name"
    else:
        what = "something the curriculum already has"
    return (
        f"The import would have given {what}, so nothing was saved. Look at the preview "
        "again; if it shows no problem, check the codes and identifiers in the file."
    )


class FrameworkImport(pipeline.ImportKind):
    """Frameworks from a CSV or CASE file, on the one import pipeline."""

    limits = pipeline.Limits(max_bytes=20_000_000, max_rows=20_000, max_cell=10_000)

    def __init__(self, slug: str, label: str) -> None:
        self.slug = slug
        self.label = label
        self.manage = access_can_manage_curriculum

    def parse(self, data: Any, options: dict[str, Any]) -> pipeline.Parsed:
        result = parse_file(self.slug, data, options)
        return pipeline.Parsed(
            data=[spec.as_json() for spec in result.specs],
            errors=pipeline.as_problems(result.errors),
            warnings=result.warnings,
        )

    def plan(self, school: School, data: Any, options: dict[str, Any]) -> pipeline.Plan:
        target = _target_for(school, options)
        plans = [
            plan_framework(school, FrameworkSpec.from_json(spec), framework=target)
            for spec in data or []
        ]
        return pipeline.Plan(
            changes=[
                pipeline.Change(
                    action=c.action, kind=c.kind, key=c.label, label=c.label, notes=c.details
                )
                for p in plans
                for c in p.changes
            ],
            errors=pipeline.as_problems([e for p in plans for e in p.errors]),
            context={"plans": plans},
            fingerprint=combined_digest(plans),
        )

    def apply(
        self, *, user: User | None, school: School, plan: pipeline.Plan, options: dict[str, Any]
    ) -> list[tuple[Framework, FrameworkPlan]]:
        scale = _scale_for(school, options)
        target = _target_for(school, options)
        return [
            apply_spec(
                user=user,
                school=school,
                spec=framework_plan.spec,
                scale=scale,
                framework=target,
                source=f"{self.slug}:{options.get('filename', '')}",
            )
            for framework_plan in plan.context["plans"]
        ]

    def integrity_message(self, exc: IntegrityError) -> str:
        return integrity_message(exc)

    stale_message = "The curriculum has changed since this preview; look at the new preview first."


def access_can_manage_curriculum(user: User) -> bool:
    from trackwell.accounts.access import can_manage_curriculum

    return can_manage_curriculum(user)


pipeline.register(FrameworkImport(PendingImport.Kind.CSV, "Frameworks (CSV)"))
pipeline.register(FrameworkImport(PendingImport.Kind.CASE, "Frameworks (CASE JSON)"))


def stage_import(
    *,
    user: User,
    school: School,
    kind: str,
    filename: str,
    data: bytes,
    options: dict[str, Any],
) -> Staged:
    """Parse an upload and keep it for its preview; the same file and choices share one row."""
    staged = pipeline.stage(
        user=user,
        school=school,
        kind=kind,
        filename=filename,
        data=data,
        options={**options, "filename": filename[:255]},
    )
    return Staged(staged.pending, [str(e) for e in staged.errors], staged.warnings)


def _target_for(school: School, options: dict[str, Any]) -> Framework | None:
    framework_id = options.get("framework_id")
    if not framework_id:
        return None
    try:
        return Framework.objects.get(pk=framework_id, school_id=school.pk)
    except Framework.DoesNotExist as exc:
        raise ValidationError("The framework chosen for this import no longer exists.") from exc


def _scale_for(school: School, options: dict[str, Any]) -> RatingScale:
    scale_id = options.get("scale_id")
    if scale_id:
        scale = RatingScale.objects.filter(pk=scale_id, school_id=school.pk).first()
        if scale is not None:
            return scale
    existing = RatingScale.objects.filter(school_id=school.pk).order_by("pk").first()
    return existing or create_depth_scale(school)


def plans_for(pending: PendingImport) -> list[FrameworkPlan]:
    """What committing the upload would do, planned against the curriculum as it is now."""
    plans: list[FrameworkPlan] = pipeline.plan_for(pending).context.get("plans", [])
    return plans


def combined_digest(plans: list[FrameworkPlan]) -> str:
    return hashlib.sha256("".join(p.digest for p in plans).encode()).hexdigest()


def commit_import(
    *, user: User | None, pending: PendingImport, digest: str | None
) -> list[tuple[Framework, FrameworkPlan]]:
    """Apply every framework of the upload in one transaction, exactly as previewed.

    `digest` is the preview's fingerprint: if the curriculum moved on meanwhile,
    StalePlan is raised and nothing is written. The pending upload is removed.
    Should the database still refuse a write (a clash the plan did not foresee),
    everything is rolled back and a ValidationError says so; the upload stays.
    """
    _, done = pipeline.commit(user=user, pending=pending, digest=digest)
    return done
