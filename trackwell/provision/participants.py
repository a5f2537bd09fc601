"""Writes for participants: adding and removing pupils, targets, entry and exit values.

Edits carry the version the user saw (`trackwell.core.versioning`). Grid measures
read their values from the tracking grid, so nothing is typed twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.core.models import School
from trackwell.core.versioning import locked_for_edit, save_versioned
from trackwell.provision.grid import read_grid
from trackwell.provision.models import (
    Intervention,
    Measure,
    Participant,
    ParticipantMeasure,
)
from trackwell.provision.values import combine_outcomes, parse_target, work_out_outcome
from trackwell.pupils.models import Pupil

PARTICIPANT_LABELS = {
    "target": "SMART target",
    "success_criteria": "Success criteria",
    "comment": "Other factors",
    "left_on": "Left on",
}


def school_pupil(school: School, pupil_id: int) -> Pupil:
    try:
        return Pupil.objects.get(school=school, pk=pupil_id)
    except Pupil.DoesNotExist as exc:
        raise ValidationError({"pupils": "That pupil is not on the school's roll."}) from exc


def add_participant(
    *,
    user: User | None,
    intervention: Intervention,
    pupil: Pupil,
    joined_on: dt.date | None = None,
    target: str = "",
    success_criteria: str = "",
    targets: Mapping[int, str] | None = None,
    entry: Mapping[int, Decimal | None] | None = None,
) -> Participant:
    """Add a pupil to an intervention with their target; grid measures read entry from the grid.

    `targets` maps a measure id to a target as typed ('+1 step', 'reach 4');
    `entry` maps a measure id to an entry value already parsed.
    """
    if pupil.school_id != intervention.school_id:
        raise ValidationError({"pupils": "That pupil is not on the school's roll."})
    if Participant.objects.filter(intervention=intervention, pupil=pupil).exists():
        raise ValidationError({"pupils": f"{pupil.full_name} is already in this intervention."})
    today = timezone.localdate()
    # Joining a running intervention today; a planned or past one from its start.
    day = joined_on or (
        today
        if intervention.start_date <= today <= intervention.end_date
        else intervention.start_date
    )
    measures = list(intervention.measures.prefetch_related("steps"))
    parsed_targets: dict[int, tuple[str, Decimal | None]] = {}
    for measure in measures:
        raw = (targets or {}).get(measure.pk, "")
        if not raw and measure.reads_grid:
            count = intervention.objectives.count()
            parsed_targets[measure.pk] = ("reach", Decimal(count)) if count else ("", None)
        else:
            parsed_targets[measure.pk] = parse_target(measure, raw)
    with transaction.atomic():
        try:
            with transaction.atomic():
                participant = Participant.objects.create(
                    school=intervention.school,
                    intervention=intervention,
                    pupil=pupil,
                    joined_on=day,
                    target=target.strip(),
                    success_criteria=success_criteria.strip(),
                )
        except IntegrityError as exc:  # added by someone else a moment ago
            raise ValidationError(
                {"pupils": f"{pupil.full_name} is already in this intervention."}
            ) from exc
        objective_ids = list(intervention.objectives.values_list("pk", flat=True))
        reading = read_grid([pupil.pk], objective_ids, None if day >= timezone.localdate() else day)
        for measure in measures:
            kind, amount = parsed_targets[measure.pk]
            value = (entry or {}).get(measure.pk)
            detail: dict[str, Any] = {}
            if measure.reads_grid and value is None:
                value = Decimal(reading[pupil.pk].secured)
                detail = {"codes": reading[pupil.pk].codes, "from": "grid"}
            ParticipantMeasure.objects.create(
                school=intervention.school,
                participant=participant,
                measure=measure,
                entry_value=value,
                entry_date=day if value is not None else None,
                entry_detail=detail,
                target_kind=kind,
                target_amount=amount,
            )
        log_action(
            school=intervention.school,
            user=user,
            action="provision.participant.add",
            obj=participant,
            new={"intervention": intervention.pk, "pupil": pupil.pk, "target": target},
        )
    return participant


def update_participant(
    *,
    user: User | None,
    participant_id: int,
    school: School,
    expected_version: int | None,
    target: str | None = None,
    success_criteria: str | None = None,
    comment: str | None = None,
    left_on: dt.date | None = None,
) -> Participant:
    """Change a participant's SMART target, success criteria or the adult's comment."""
    yours: dict[str, Any] = {
        k: v
        for k, v in {
            "target": target,
            "success_criteria": success_criteria,
            "comment": comment,
            "left_on": left_on,
        }.items()
        if v is not None
    }
    with transaction.atomic():
        participant = locked_for_edit(
            Participant.objects.filter(school=school).select_related("pupil", "intervention"),
            participant_id,
            expected_version,
            yours=yours,
            labels=PARTICIPANT_LABELS,
            what="This pupil's record in the intervention",
        )
        old = {k: str(getattr(participant, k) or "") for k in yours}
        if left_on is not None and left_on < participant.joined_on:
            raise ValidationError({"left_on": "A pupil cannot leave before they joined."})
        for key, value in yours.items():
            setattr(participant, key, value.strip() if isinstance(value, str) else value)
        save_versioned(participant, list(yours))
        log_action(
            school=school,
            user=user,
            action="provision.participant.update",
            obj=participant,
            old=old,
            new={k: str(v) for k, v in yours.items()},
        )
    return participant


def remove_participant(
    *,
    user: User | None,
    participant: Participant,
    expected_version: int | None,
    on: dt.date | None = None,
    reason: str = "",
) -> Participant | None:
    """Take a pupil out of an intervention.

    A pupil with sessions or values recorded leaves on a date and their record
    stays (it is part of their history); one added by mistake is removed.
    """
    with transaction.atomic():
        current = locked_for_edit(
            Participant.objects.filter(school=participant.school_id),
            participant.pk,
            expected_version,
            what="This pupil's record in the intervention",
        )
        # Values read from the grid are not the adult's work; typed values and attendance are.
        has_history = current.attendance.exists() or any(
            row.exit_value is not None
            or (row.entry_value is not None and row.entry_detail.get("from") != "grid")
            for row in current.values.all()
        )
        if has_history:
            day = on or timezone.localdate()
            if day < current.joined_on:
                raise ValidationError({"left_on": "A pupil cannot leave before they joined."})
            current.left_on = day
            save_versioned(current, ["left_on"])
            log_action(
                school=current.intervention.school,
                user=user,
                action="provision.participant.leave",
                obj=current,
                new={"left_on": str(day), "reason": reason},
            )
            return current
        log_action(
            school=current.intervention.school,
            user=user,
            action="provision.participant.remove",
            obj=current,
            old={"intervention": current.intervention_id, "pupil": current.pupil_id},
            new={"reason": reason},
        )
        current.delete()
        return None


def _locked_value(
    participant: Participant, measure: Measure, expected_version: int | None
) -> tuple[Participant, ParticipantMeasure]:
    current = locked_for_edit(
        Participant.objects.filter(school=participant.school_id),
        participant.pk,
        expected_version,
        what="This pupil's entry and exit values",
    )
    if not current.intervention.measures.filter(pk=measure.pk).exists():
        raise ValidationError({"measure": f"{measure.name} is not a measure of this intervention."})
    row, _ = ParticipantMeasure.objects.select_for_update().get_or_create(
        participant=current, measure=measure, defaults={"school_id": current.school_id}
    )
    return current, row


def _refresh_outcome(participant: Participant) -> None:
    rows = list(participant.values.all())
    for row in rows:
        outcome = work_out_outcome(
            row.entry_value, row.exit_value, row.target_kind, row.target_amount
        )
        if outcome != row.outcome:
            row.outcome = outcome
            row.save(update_fields=["outcome"])
    participant.outcome = combine_outcomes([r.outcome for r in rows])
    save_versioned(participant, ["outcome"])


def record_value(
    *,
    user: User | None,
    participant: Participant,
    measure: Measure,
    expected_version: int | None,
    which: str,
    value: Decimal | None,
    on: dt.date | None = None,
    detail: Mapping[str, Any] | None = None,
) -> ParticipantMeasure:
    """Record an entry or exit value (`which` is 'entry' or 'exit'); the outcome follows."""
    if which not in {"entry", "exit"}:
        raise ValueError("which is 'entry' or 'exit'")
    day = on or timezone.localdate()
    with transaction.atomic():
        current, row = _locked_value(participant, measure, expected_version)
        old = {
            "value": str(getattr(row, f"{which}_value") or ""),
            "date": str(getattr(row, f"{which}_date") or ""),
        }
        setattr(row, f"{which}_value", value)
        setattr(row, f"{which}_date", day if value is not None else None)
        setattr(row, f"{which}_detail", dict(detail or {}))
        row.save()
        _refresh_outcome(current)
        log_action(
            school=current.intervention.school,
            user=user,
            action=f"provision.participant.{which}",
            obj=current,
            old=old,
            new={"measure": measure.pk, "value": str(value or ""), "date": str(day)},
        )
    row.refresh_from_db()
    participant.version = current.version
    return row


def record_entry(
    *,
    user: User | None,
    participant: Participant,
    measure: Measure,
    expected_version: int | None,
    value: Decimal | None,
    on: dt.date | None = None,
) -> ParticipantMeasure:
    """Record a participant's entry value on a measure."""
    return record_value(
        user=user,
        participant=participant,
        measure=measure,
        expected_version=expected_version,
        which="entry",
        value=value,
        on=on,
    )


def record_exit(
    *,
    user: User | None,
    participant: Participant,
    measure: Measure,
    expected_version: int | None,
    value: Decimal | None,
    on: dt.date | None = None,
) -> ParticipantMeasure:
    """Record a participant's exit value on a measure; the outcome is worked out."""
    return record_value(
        user=user,
        participant=participant,
        measure=measure,
        expected_version=expected_version,
        which="exit",
        value=value,
        on=on,
    )


def set_target(
    *,
    user: User | None,
    participant: Participant,
    measure: Measure,
    expected_version: int | None,
    target: str,
) -> ParticipantMeasure:
    """Set a participant's target on a measure, as typed ('+1 step', 'reach 4', 'secure 3')."""
    kind, amount = parse_target(measure, target)
    with transaction.atomic():
        current, row = _locked_value(participant, measure, expected_version)
        old = {"kind": row.target_kind, "amount": str(row.target_amount or "")}
        row.target_kind, row.target_amount = kind, amount
        row.save(update_fields=["target_kind", "target_amount"])
        _refresh_outcome(current)
        log_action(
            school=current.intervention.school,
            user=user,
            action="provision.participant.target",
            obj=current,
            old=old,
            new={"measure": measure.pk, "kind": kind, "amount": str(amount or "")},
        )
    participant.version = current.version
    return row


def read_exit_from_grid(
    *, user: User | None, intervention: Intervention, on: dt.date | None = None
) -> int:
    """Read exit values from the grid for the intervention's grid measures; returns how many.

    Exit values already recorded are kept. Call inside or outside a transaction.
    """
    measures = [m for m in intervention.measures.all() if m.reads_grid]
    if not measures:
        return 0
    day = on or timezone.localdate()
    participants = list(intervention.participants.all())
    objective_ids = list(intervention.objectives.values_list("pk", flat=True))
    readings = read_grid(
        [p.pupil_id for p in participants],
        objective_ids,
        None if day >= timezone.localdate() else day,
    )
    written = 0
    with transaction.atomic():
        for participant in participants:
            reading = readings[participant.pupil_id]
            for measure in measures:
                row, _ = ParticipantMeasure.objects.get_or_create(
                    participant=participant,
                    measure=measure,
                    defaults={"school_id": participant.school_id},
                )
                if row.exit_value is not None:
                    continue
                exit_day = participant.left_on or day
                row.exit_value = Decimal(reading.secured)
                row.exit_date = exit_day
                row.exit_detail = {"codes": reading.codes, "from": "grid"}
                row.save()
                written += 1
            _refresh_outcome(participant)
        if written:
            log_action(
                school=intervention.school,
                user=user,
                action="provision.intervention.exit_from_grid",
                obj=intervention,
                new={"values": written, "on": str(day)},
            )
    return written
