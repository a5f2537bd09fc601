"""Framework imports: parse and keep an upload, preview it, then commit it all or nothing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from trackwell.accounts.models import User
from trackwell.core.models import School
from trackwell.curriculum.defaults import create_depth_scale
from trackwell.curriculum.models import Framework, RatingScale
from trackwell.curriculum.phases import parse_year_phase
from trackwell.curriculum.sync import (
    FrameworkPlan,
    FrameworkSpec,
    StalePlan,
    apply_spec,
    plan_framework,
)
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
    result = parse_file(kind, data, options)
    if result.errors:
        return Staged(None, result.errors, result.warnings)
    digest = hashlib.sha256(
        kind.encode() + json.dumps(options, sort_keys=True).encode() + b"\0" + data
    ).hexdigest()
    try:
        with transaction.atomic():
            pending, _ = PendingImport.objects.update_or_create(
                school=school,
                sha256=digest,
                defaults={
                    "user": user,
                    "kind": kind,
                    "filename": filename[:255],
                    "options": options,
                    "specs": [spec.as_json() for spec in result.specs],
                    "warnings": result.warnings,
                },
            )
    except IntegrityError:
        return Staged(
            None,
            [
                "The upload could not be kept for its preview (the same file was probably "
                "being uploaded at the same moment); nothing was imported. Upload it again."
            ],
            result.warnings,
        )
    return Staged(pending, [], result.warnings)


def _target(pending: PendingImport) -> Framework | None:
    framework_id = pending.options.get("framework_id")
    if not framework_id:
        return None
    try:
        return Framework.objects.get(pk=framework_id, school_id=pending.school_id)
    except Framework.DoesNotExist as exc:
        raise ValidationError("The framework chosen for this import no longer exists.") from exc


def plans_for(pending: PendingImport) -> list[FrameworkPlan]:
    """What committing the upload would do, planned against the curriculum as it is now."""
    target = _target(pending)
    return [
        plan_framework(pending.school, FrameworkSpec.from_json(data), framework=target)
        for data in pending.specs
    ]


def combined_digest(plans: list[FrameworkPlan]) -> str:
    return hashlib.sha256("".join(p.digest for p in plans).encode()).hexdigest()


def _scale(pending: PendingImport) -> RatingScale:
    scale_id = pending.options.get("scale_id")
    if scale_id:
        scale = RatingScale.objects.filter(pk=scale_id, school_id=pending.school_id).first()
        if scale is not None:
            return scale
    existing = RatingScale.objects.filter(school_id=pending.school_id).order_by("pk").first()
    return existing or create_depth_scale(pending.school)


def commit_import(
    *, user: User | None, pending: PendingImport, digest: str | None
) -> list[tuple[Framework, FrameworkPlan]]:
    """Apply every framework of the upload in one transaction, exactly as previewed.

    `digest` is the preview's fingerprint: if the curriculum moved on meanwhile,
    StalePlan is raised and nothing is written. The pending upload is removed.
    Should the database still refuse a write (a clash the plan did not foresee),
    everything is rolled back and a ValidationError says so; the upload stays.
    """
    try:
        with transaction.atomic():
            plans = plans_for(pending)
            errors = [e for p in plans for e in p.errors]
            if errors:
                raise ValidationError(errors)
            if digest is not None and combined_digest(plans) != digest:
                raise StalePlan(
                    "The curriculum has changed since this preview; look at the new preview first."
                )
            scale = _scale(pending)
            target = _target(pending)
            done = [
                apply_spec(
                    user=user,
                    school=pending.school,
                    spec=plan.spec,
                    scale=scale,
                    framework=target,
                    source=f"{pending.kind}:{pending.filename}",
                )
                for plan in plans
            ]
            pending.delete()
    except IntegrityError as exc:
        raise ValidationError(integrity_message(exc), code="integrity") from exc
    return done
