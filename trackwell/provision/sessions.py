"""Writes for sessions delivered, classroom strategies and provision budgets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from trackwell.accounts.models import User, log_action
from trackwell.core.models import AcademicYear, School
from trackwell.core.versioning import (
    EditConflict,
    FieldDifference,
    check_version,
    locked_for_edit,
    save_versioned,
)
from trackwell.provision.models import (
    AreaOfNeed,
    Attendance,
    ClassroomStrategy,
    FundingSource,
    Intervention,
    Participant,
    ProvisionBudget,
    Session,
    Status,
)
from trackwell.pupils.models import Pupil, SchoolClass

NOTE_MAX = 500


def session_participants(intervention: Intervention, day: dt.date) -> list[Participant]:
    """The pupils in the group on a day: joined by then and not yet left."""
    return [
        p
        for p in intervention.participants.select_related("pupil")
        if p.joined_on <= day and (p.left_on is None or p.left_on >= day)
    ]


def record_session(
    *,
    user: User | None,
    intervention: Intervention,
    day: dt.date,
    present: Collection[int],
    note: str = "",
    minutes: int | None = None,
    expected_version: int | None = None,
) -> Session:
    """Record (or correct) the session held on a day and who attended.

    `present` holds participant ids. A session already recorded for that day is
    only changed when `expected_version` is the version the user saw, so two
    adults recording the same session never overwrite each other silently.
    """
    if day > timezone.localdate():
        raise ValidationError({"date": "A session cannot be recorded before it happens."})
    if day < intervention.start_date - dt.timedelta(days=7):
        raise ValidationError({"date": "That is well before the intervention starts."})
    if intervention.status == Status.EVALUATED:
        raise ValidationError("This intervention has been evaluated; its sessions are closed.")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"The note is at most {NOTE_MAX} characters."})
    length = intervention.minutes_per_session if minutes is None else int(minutes)
    if not 1 <= length <= 600:
        raise ValidationError({"minutes": "A session lasts between 1 and 600 minutes."})
    group = session_participants(intervention, day)
    ids = {p.pk for p in group}
    if not set(present) <= ids:
        raise ValidationError({"present": "Some of these pupils are not in the group that day."})
    with transaction.atomic():
        existing = (
            Session.objects.select_for_update().filter(intervention=intervention, date=day).first()
        )
        if existing is not None:
            was = set(
                existing.attendance.filter(present=True).values_list("participant_id", flat=True)
            )
            check_version(
                existing,
                expected_version,
                yours={"note": note, "minutes": length},
                what=f"The session on {day:%-d %B %Y}",
                changed_by=existing.delivered_by.display_name if existing.delivered_by else "",
            )
            session = existing
            session.note, session.minutes = note, length
            session.delivered_by = user if getattr(user, "pk", None) else session.delivered_by
            save_versioned(session, ["note", "minutes", "delivered_by"])
            action, old = "provision.session.update", {"present": sorted(was)}
        else:
            try:
                with transaction.atomic():
                    session = Session.objects.create(
                        school=intervention.school,
                        intervention=intervention,
                        date=day,
                        minutes=length,
                        note=note,
                        delivered_by=user if getattr(user, "pk", None) else None,
                    )
            except IntegrityError as exc:  # recorded by another adult at the same moment
                raise ValidationError(
                    "Someone else has just recorded this session: open it again to see theirs."
                ) from exc
            action, old = "provision.session.record", None
        Attendance.objects.filter(session=session).delete()
        Attendance.objects.bulk_create(
            Attendance(
                school=intervention.school, session=session, participant=p, present=p.pk in present
            )
            for p in group
        )
        if intervention.status == Status.PLANNED:
            # The first session recorded starts the intervention.
            Intervention.objects.filter(pk=intervention.pk).update(status=Status.RUNNING)
        log_action(
            school=intervention.school,
            user=user,
            action=action,
            obj=session,
            old=old,
            new={"date": str(day), "present": sorted(present), "note": note, "minutes": length},
        )
    return session


def delete_session(*, user: User | None, session: Session, expected_version: int | None) -> None:
    """Remove a session recorded by mistake (logged with who attended)."""
    with transaction.atomic():
        current = locked_for_edit(
            Session.objects.filter(school_id=session.school_id),
            session.pk,
            expected_version,
            what=f"The session on {session.date:%-d %B %Y}",
        )
        present = sorted(
            current.attendance.filter(present=True).values_list("participant_id", flat=True)
        )
        log_action(
            school=current.intervention.school,
            user=user,
            action="provision.session.delete",
            obj=current,
            old={"date": str(current.date), "present": present, "note": current.note},
        )
        current.delete()


# ---------------------------------------------------------------------------
# Classroom strategies


def _clean_strategy(title: str, area: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": "Name the strategy, for example 'Word bank'."})
    if len(title) > 120:
        raise ValidationError({"title": "The name is at most 120 characters."})
    if area and area not in AreaOfNeed.values:
        raise ValidationError({"area": "Choose an area of need."})
    return title


def add_strategy(
    *,
    user: User | None,
    school_class: SchoolClass,
    title: str,
    description: str = "",
    area: str = "",
    pupil: Pupil | None = None,
) -> ClassroomStrategy:
    """Add a differentiated classroom strategy for a class, or for one pupil in it."""
    title = _clean_strategy(title, area)
    if pupil is not None and not school_class.enrolments.filter(pupil=pupil).exists():
        raise ValidationError({"pupil": "That pupil is not in this class."})
    with transaction.atomic():
        strategy = ClassroomStrategy.objects.create(
            school_id=school_class.school_id,
            school_class=school_class,
            pupil=pupil,
            title=title,
            description=description.strip(),
            area=area,
            added_by=user if getattr(user, "pk", None) else None,
        )
        log_action(
            school=school_class.school,
            user=user,
            action="provision.strategy.add",
            obj=strategy,
            new={"title": title, "pupil": pupil.pk if pupil else None, "area": area},
        )
    return strategy


def update_strategy(
    *,
    user: User | None,
    strategy_id: int,
    school_class: SchoolClass,
    expected_version: int | None,
    title: str,
    description: str,
    area: str,
    active: bool,
) -> ClassroomStrategy:
    """Change or retire a classroom strategy, version-checked (retired ones are kept)."""
    title = _clean_strategy(title, area)
    yours = {"title": title, "description": description.strip(), "area": area, "active": active}
    with transaction.atomic():
        strategy = locked_for_edit(
            ClassroomStrategy.objects.filter(school_class=school_class),
            strategy_id,
            expected_version,
            yours=yours,
            labels={"title": "Strategy", "description": "Description", "area": "Area"},
            what="This classroom strategy",
        )
        old = {k: getattr(strategy, k) for k in yours}
        for key, value in yours.items():
            setattr(strategy, key, value)
        save_versioned(strategy, list(yours))
        log_action(
            school=school_class.school,
            user=user,
            action="provision.strategy.update",
            obj=strategy,
            old=old,
            new=yours,
        )
    return strategy


# ---------------------------------------------------------------------------
# Budgets


SEEN_NOTHING = object()


def set_budget(
    *,
    user: User | None,
    school: School,
    year: AcademicYear,
    source: str,
    amount: Decimal,
    seen: Decimal | object | None = SEEN_NOTHING,
) -> ProvisionBudget:
    """Set what the school has to spend on provision from a source this year.

    `seen` is the amount the form showed (None for no budget yet): when someone
    changed it meanwhile, EditConflict carries both amounts and nothing is saved.
    """
    if source not in FundingSource.values:
        raise ValidationError({"source": "Choose a funding source."})
    if amount < 0 or amount > Decimal("99999999"):
        raise ValidationError({"amount": "Enter an amount of £0 or more."})
    if year.school_id != school.pk:
        raise ValidationError({"year": "That year is not the school's."})
    with transaction.atomic():
        budget, created = ProvisionBudget.objects.select_for_update().get_or_create(
            school=school, year=year, source=source, defaults={"amount": amount}
        )
        old = None if created else {"amount": str(budget.amount)}
        current = None if created else budget.amount
        if seen is not SEEN_NOTHING and seen != current:
            label = FundingSource(source).label
            raise EditConflict(
                what=f"The {label.lower()} budget",
                expected_version=0,
                current_version=1,
                differences=[FieldDifference("amount", label, str(amount), str(current or ""))],
            )
        if not created:
            budget.amount = amount
            budget.save(update_fields=["amount"])
        log_action(
            school=school,
            user=user,
            action="provision.budget.set",
            obj=budget,
            old=old,
            new={"source": source, "amount": str(amount), "year": year.name},
        )
    return budget
