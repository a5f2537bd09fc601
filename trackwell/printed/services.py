"""Writes of printed reports: rounds, version-checked comments, settings, background batches."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.core.models import AssessmentPoint, School
from trackwell.core.versioning import check_version, locked_for_edit, save_versioned
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Pupil, SchoolClass

from .models import ReportBatch, ReportComment, ReportEntry, ReportFile, ReportRound

COMMENT_MAX = 4000
ENTRY_FIELDS = {
    "general": "General progress",
    "sessions_possible": "Possible sessions",
    "sessions_attended": "Sessions attended",
    "unauthorised_absences": "Unauthorised absences",
}


def create_round(
    *, user: User, school: School, point: AssessmentPoint, kind: str, title: str
) -> ReportRound:
    """A new set of reports for an assessment point."""
    title = title.strip()[:120] or f"{point.name} {point.year.name}"
    if kind not in ReportRound.Kind.values:
        raise ValidationError("Choose termly or end-of-year reports.")
    try:
        with transaction.atomic():
            report_round = ReportRound.objects.create(
                school=school,
                year_id=point.year_id,
                point=point,
                kind=kind,
                title=title,
                created_by=user,
            )
            log_action(
                school=school,
                user=user,
                action="report.round.create",
                obj=report_round,
                new={"point": point.pk, "kind": kind, "title": title},
            )
    except IntegrityError as exc:
        raise ValidationError(
            f"There is already a {ReportRound.Kind(kind).label.lower()} for {point}."
        ) from exc
    return report_round


def _conflict_from_race(model: Any, lookup: dict[str, Any], yours: dict[str, Any]) -> None:
    """Someone created the row between our read and our insert: show theirs beside ours."""
    current = model.objects.get(**lookup)
    check_version(current, 0, yours=yours, labels={**ENTRY_FIELDS, "text": "Comment"})


def save_comment(
    *,
    user: User,
    report_round: ReportRound,
    pupil: Pupil,
    subject: Subject,
    text: str,
    expected_version: int | None,
) -> ReportComment:
    """Save one subject comment; `expected_version` 0 means the user saw no comment yet.

    Raises EditConflict (with both texts) when someone else saved in between.
    """
    text = text.replace("\r\n", "\n")
    if len(text) > COMMENT_MAX:
        raise ValidationError(f"A comment holds at most {COMMENT_MAX} characters.")
    lookup = {"round": report_round, "pupil": pupil, "subject": subject}
    yours = {"text": text}
    with transaction.atomic():
        existing = ReportComment.objects.filter(**lookup).first()
        if existing is None:
            if expected_version not in (0, None):
                expected_version = 0  # nothing to conflict with: the row was never saved
            try:
                with transaction.atomic():
                    comment = ReportComment.objects.create(
                        school_id=report_round.school_id, text=text, updated_by=user, **lookup
                    )
            except IntegrityError:
                _conflict_from_race(ReportComment, lookup, yours)
                raise
            old = None
        else:
            comment = locked_for_edit(
                ReportComment.objects.filter(**lookup),
                existing.pk,
                expected_version,
                yours=yours,
                labels={"text": f"{subject.name} comment"},
                what=f"The {subject.name} comment for {pupil.first_name}",
            )
            old = comment.text
            if old == text:
                return comment
            comment.text = text
            comment.updated_by = user
            save_versioned(comment, ["text", "updated_by", "updated_at"])
        log_action(
            school=report_round.school,
            user=user,
            action="report.comment",
            obj=comment,
            old=old,
            new=text,
        )
    return comment


def save_entry(
    *,
    user: User,
    report_round: ReportRound,
    pupil: Pupil,
    values: dict[str, Any],
    expected_version: int | None,
) -> ReportEntry:
    """Save the general comment or attendance figures (only the fields given)."""
    unknown = set(values) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown field: {', '.join(sorted(unknown))}.")
    if "general" in values and len(values["general"]) > COMMENT_MAX:
        raise ValidationError(f"A comment holds at most {COMMENT_MAX} characters.")
    possible = values.get("sessions_possible")
    for name, number in values.items():
        if name != "general" and number is not None and not 0 <= number <= 1000:
            raise ValidationError(f"{ENTRY_FIELDS[name]}: give a number of sessions, 0 to 1000.")
    lookup = {"round": report_round, "pupil": pupil}
    with transaction.atomic():
        existing = ReportEntry.objects.filter(**lookup).first()
        if existing is None:
            try:
                with transaction.atomic():
                    entry = ReportEntry.objects.create(
                        school_id=report_round.school_id, updated_by=user, **lookup, **values
                    )
            except IntegrityError:
                _conflict_from_race(ReportEntry, lookup, values)
                raise
            old = None
        else:
            entry = locked_for_edit(
                ReportEntry.objects.filter(**lookup),
                existing.pk,
                expected_version,
                yours=values,
                labels=ENTRY_FIELDS,
                what=f"{pupil.first_name}'s report",
            )
            old = {k: getattr(entry, k) for k in values}
            for key, value in values.items():
                setattr(entry, key, value)
            entry.updated_by = user
            save_versioned(entry, [*values, "updated_by", "updated_at"])
        possible = entry.sessions_possible
        attended = entry.sessions_attended
        if possible is not None and attended is not None and attended > possible:
            raise ValidationError("Sessions attended cannot be more than the possible sessions.")
        log_action(
            school=report_round.school,
            user=user,
            action="report.entry",
            obj=entry,
            old=old,
            new=values,
        )
    return entry


def report_pupils(report_round: ReportRound, school_class: SchoolClass | None) -> list[Pupil]:
    """The pupils a batch covers: one class, or every class of the round's year."""
    qs = Pupil.objects.filter(
        school_id=report_round.school_id, enrolments__school_class__year_id=report_round.year_id
    )
    if school_class is not None:
        qs = qs.filter(enrolments__school_class=school_class)
    return list(qs.distinct().select_related("school").order_by("last_name", "first_name", "pk"))


def start_batch(
    *, user: User, report_round: ReportRound, school_class: SchoolClass | None
) -> ReportBatch:
    """Queue the reports of a class (or the whole school) for rendering in the background."""
    from .tasks import render_batch

    total = len(report_pupils(report_round, school_class))
    if total == 0:
        raise ValidationError("There are no pupils to write reports for.")
    with transaction.atomic():
        batch = ReportBatch.objects.create(
            school_id=report_round.school_id,
            round=report_round,
            school_class=school_class,
            total=total,
            created_by=user,
        )
        log_action(
            school=report_round.school,
            user=user,
            action="report.batch",
            obj=batch,
            new={"class": school_class.pk if school_class else None, "pupils": total},
        )
    # Queued after the commit, so a worker always finds the batch.
    render_batch.enqueue(batch.pk)
    return batch


def run_batch(batch_id: int) -> None:
    """Render a batch's reports, saving each PDF and the combined file as it goes."""
    from .render import render_many

    batch = ReportBatch.objects.select_related("round__point", "round__year", "school_class").get(
        pk=batch_id
    )
    if batch.status == ReportBatch.Status.DONE:
        return
    ReportFile.objects.filter(batch=batch).delete()
    ReportBatch.objects.filter(pk=batch.pk).update(status=ReportBatch.Status.RUNNING, done=0)
    pupils = report_pupils(batch.round, batch.school_class)
    done = 0

    def saved(pupil: Pupil, pdf: bytes) -> None:
        nonlocal done
        name = f"{pupil.last_name}-{pupil.first_name}-{batch.round.title}.pdf"
        record = ReportFile(school_id=batch.school_id, batch=batch, pupil=pupil, name=name)
        record.size = len(pdf)
        record.pdf.save(name, ContentFile(pdf), save=True)
        done += 1
        ReportBatch.objects.filter(pk=batch.pk).update(done=done, total=len(pupils))

    try:
        combined = render_many(batch.round, pupils, saved)
        what = batch.school_class.name if batch.school_class else "whole school"
        name = f"{batch.round.title} - {what} (all reports).pdf"
        record = ReportFile(school_id=batch.school_id, batch=batch, pupil=None, name=name)
        record.size = len(combined)
        record.pdf.save(name, ContentFile(combined), save=True)
    except Exception as exc:
        ReportBatch.objects.filter(pk=batch.pk).update(
            status=ReportBatch.Status.FAILED,
            problem=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    ReportBatch.objects.filter(pk=batch.pk).update(
        status=ReportBatch.Status.DONE, finished_at=timezone.now()
    )


SETTINGS_FIELDS = {
    "heading": "Heading",
    "introduction": "Introduction",
    "arrangements": "Arrangements for discussing the report",
    "sign_off": "Sign-off",
    "show_chart": "Chart",
    "show_next_steps": "Next steps",
    "show_strengths": "Strengths",
}


def update_report_settings(
    *, user: User, school: School, expected_version: int | None, values: dict[str, Any]
) -> Any:
    """Change the school's report template (version-checked, audited)."""
    from .render import report_settings_for

    found = report_settings_for(school.pk)
    if not str(values.get("heading", "")).strip():
        raise ValidationError("Give the report a heading.")
    if not str(values.get("arrangements", "")).strip():
        raise ValidationError(
            "Say how parents can discuss the report: an annual report must include it."
        )
    with transaction.atomic():
        current = locked_for_edit(
            type(found).objects.filter(school=school),
            found.pk,
            expected_version,
            yours=values,
            labels=SETTINGS_FIELDS,
            what="The report template",
        )
        old = {k: getattr(current, k) for k in values}
        for key, value in values.items():
            setattr(current, key, value)
        save_versioned(current, list(values))
        log_action(
            school=school, user=user, action="report.settings", obj=current, old=old, new=values
        )
    return current
