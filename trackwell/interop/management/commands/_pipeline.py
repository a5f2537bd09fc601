"""Running a pipeline import from the command line: preview, then all or nothing."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from trackwell.accounts.models import User
from trackwell.core.models import School
from trackwell.interop import pipeline


def read_file(path: Path) -> bytes:
    """The file's bytes, refusing missing files and anything too large to read in."""
    if not path.is_file():
        raise CommandError(f"No file {path}.")
    return path.read_bytes()


def run_import(
    command: BaseCommand,
    *,
    kind: str,
    school: School,
    user: User | None,
    data: bytes,
    name: str,
    options: dict[str, Any],
    dry_run: bool,
) -> None:
    """Preview the file, apply it unless `dry_run`; problems by row and column exit non-zero."""
    try:
        if dry_run:
            prepared = pipeline.prepare(school=school, kind=kind, data=data, options=options)
            result = None
        else:
            prepared, result = pipeline.apply_now(
                user=user, school=school, kind=kind, data=data, options=options
            )
    except ValidationError as exc:
        for message in exc.messages:
            command.stderr.write(message)
        raise CommandError(f"{name} could not be imported; nothing was saved.") from exc
    for warning in prepared.parsed.warnings + (prepared.plan.warnings if prepared.plan else []):
        command.stderr.write(f"note: {warning}")
    if prepared.problems:
        for problem in prepared.problems:
            command.stderr.write(problem)
        raise CommandError(f"{len(prepared.problems)} problem(s) in {name}; nothing imported.")
    plan = prepared.plan
    assert plan is not None
    for change in plan.changes:
        line = f"{change.action} {change.kind} {change.label}"
        if change.key and change.key != change.label:
            line += f" ({change.key})"
        command.stdout.write(line)
        for detail in change.details:
            command.stdout.write(f"    {detail}")
    summary = ", ".join(f"{n} {pipeline.ACTION_WORDS.get(a, a)}" for a, n in plan.summary.items())
    if dry_run:
        command.stdout.write(
            f"Dry run of {name}: {summary or 'nothing to change'}; nothing written."
        )
        return
    import_kind = pipeline.get_kind(kind)
    command.stdout.write(command.style.SUCCESS(import_kind.describe_result(plan, result)))
