"""Decisions and actions recorded at a review meeting, and their follow-up.

A decision about provision changes the provision map through `provision_link`
(the provision app's own services); each decision brings its action, which its
owner follows up. Every write runs in a transaction with an audit entry, and
edits of shared state are version-checked (`core.versioning`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts import access
from trackwell.accounts.models import User, log_action
from trackwell.core.versioning import locked_for_edit, save_versioned
from trackwell.pupils.models import Pupil

from .models import Action, Decision, Meeting
from .provision_link import get_link
from .services import sync_follow_up

ACTION_LABELS = {"status": "Status", "outcome": "What became of it", "due": "Due", "owner": "Owner"}


def _default_action(kind: str, pupil: Pupil | None) -> str:
    who = f" for {pupil.full_name}" if pupil else ""
    words: dict[str, str] = {
        Decision.Kind.CLASSROOM: f"Put the new classroom strategy in place{who}",
        Decision.Kind.START: f"Start the intervention{who}",
        Decision.Kind.EXTEND: f"Extend the intervention{who}",
        Decision.Kind.ADAPT: f"Adapt the intervention{who}",
        Decision.Kind.STOP: f"Close the intervention{who} and record its outcome",
        Decision.Kind.SENCO: f"SENCO to review{who}",
        Decision.Kind.AGENCY: f"Make the referral{who}",
        Decision.Kind.PARENTS: f"Talk to parents{who}",
        Decision.Kind.TRAINING: "Arrange the training or support agreed",
    }
    return words.get(kind, f"Follow up{who}")


def record_decision(
    *,
    user: User,
    meeting: Meeting,
    kind: str,
    text: str,
    pupil: Pupil | None = None,
    intervention_name: str = "",
    focus: str = "",
    objective_ids: Sequence[int] = (),
    intervention_ref: int | None = None,
    weeks: int = 6,
    action_owner: User | None = None,
    action_due: date | None = None,
    action_text: str = "",
) -> Decision:
    """Record a decision, update the provision map for provision decisions, and add its action."""
    if kind not in Decision.Kind.values:
        raise ValidationError("Choose what was decided.")
    if pupil is not None and pupil.school_id != meeting.school_id:
        raise ValidationError("That pupil is not on your school's roll.")
    if not 1 <= weeks <= 52:
        raise ValidationError("Extend by between 1 and 52 weeks.")
    if kind in {Decision.Kind.EXTEND, Decision.Kind.ADAPT, Decision.Kind.STOP}:
        if pupil is None:
            raise ValidationError("Choose the pupil whose intervention changes.")
        if intervention_ref is None and get_link().available:
            raise ValidationError("Choose which intervention to change.")
        # Only the interventions this pupil is in: the meeting decides about its pupils.
        theirs = {i.ref for i in get_link().for_pupils(meeting.school_id, [pupil.pk])}
        if intervention_ref is not None and get_link().available and intervention_ref not in theirs:
            raise ValidationError(f"That intervention is not one {pupil.full_name} is in.")
    if kind == Decision.Kind.START:
        if pupil is None:
            raise ValidationError("An intervention starts for a pupil: choose the pupil.")
        if not intervention_name.strip():
            raise ValidationError("Name the intervention (for example 'Number sense group').")
    if action_owner is not None:
        if action_owner.school_id != meeting.school_id or not access.sees_pupils(action_owner):
            raise ValidationError("Choose a member of staff of your school as the action's owner.")
        if action_due is None:
            raise ValidationError("Give the action a due date.")
    link = get_link()
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        decision = Decision(
            school_id=meeting.school_id,
            meeting=locked,
            pupil=pupil,
            kind=kind,
            text=text.strip(),
            created_by=user,
        )
        if kind == Decision.Kind.START:
            assert pupil is not None
            change = link.start(
                user=user,
                school=locked.school,
                pupil=pupil,
                name=intervention_name.strip()[:150],
                focus=focus.strip(),
                objective_ids=list(objective_ids),
                starts=locked.date,
            )
            decision.intervention_ref = change.ref
            decision.provision_summary = change.summary[:300]
        elif kind in Decision.PROVISION_KINDS and intervention_ref is not None:
            change = link.change(
                user=user,
                school=locked.school,
                ref=intervention_ref,
                kind=kind,
                text=text.strip(),
                weeks=weeks,
            )
            decision.intervention_ref = change.ref
            decision.provision_summary = change.summary[:300]
        elif (
            kind == Decision.Kind.CLASSROOM
            and locked.school_class is not None
            and text.strip()
            and (
                pupil is None
                or pupil.enrolments.filter(school_class_id=locked.school_class_id).exists()
            )
        ):
            # A strategy belongs to a class (and a pupil in it); one for an added pupil
            # from elsewhere stays in the record.
            change = link.strategy(
                user=user, school_class=locked.school_class, pupil=pupil, text=text.strip()
            )
            decision.provision_summary = change.summary[:300]
        decision.save()
        log_action(
            school=locked.school,
            user=user,
            action="meetings.decision",
            obj=decision,
            new={
                "kind": kind,
                "pupil": pupil.pk if pupil else None,
                "text": decision.text,
                "intervention": decision.intervention_ref,
            },
        )
        if action_owner is not None and action_due is not None:
            add_action(
                user=user,
                meeting=locked,
                owner=action_owner,
                due=action_due,
                description=action_text.strip() or _default_action(kind, pupil),
                pupil=pupil,
                decision=decision,
            )
    return decision


def withdraw_decision(*, user: User, decision: Decision, expected_version: int | None) -> None:
    """Withdraw a decision recorded by mistake (kept, marked withdrawn)."""
    with transaction.atomic():
        locked: Decision = locked_for_edit(
            Decision.objects.filter(meeting_id=decision.meeting_id),
            decision.pk,
            expected_version,
            yours={"withdrawn": True},
            labels={"withdrawn": "Withdrawn"},
            what="This decision",
        )
        locked.withdrawn = True
        save_versioned(locked, ["withdrawn"])
        log_action(
            school=locked.meeting.school,
            user=user,
            action="meetings.decision_withdrawn",
            obj=locked,
            old={"withdrawn": False},
            new={"withdrawn": True},
        )


def add_action(
    *,
    user: User,
    meeting: Meeting,
    owner: User,
    due: date,
    description: str,
    pupil: Pupil | None = None,
    decision: Decision | None = None,
) -> Action:
    """A next step with an owner and a due date."""
    description = description.strip()
    if not description:
        raise ValidationError("Say what the action is.")
    if owner.school_id != meeting.school_id or not access.sees_pupils(owner):
        raise ValidationError("Choose a member of staff of your school as the action's owner.")
    if pupil is not None and pupil.school_id != meeting.school_id:
        raise ValidationError("That pupil is not on your school's roll.")
    with transaction.atomic():
        action = Action.objects.create(
            school_id=meeting.school_id,
            meeting=meeting,
            decision=decision,
            pupil=pupil,
            description=description[:300],
            owner=owner,
            due=due,
            updated_by=user,
        )
        log_action(
            school=meeting.school,
            user=user,
            action="meetings.action",
            obj=action,
            new={"description": action.description, "owner": owner.pk, "due": due.isoformat()},
        )
        # A new open action on a followed-up meeting is something to follow up again.
        sync_follow_up(user=user, meeting_id=meeting.pk, closing=False)
    return action


def update_action(
    *,
    user: User,
    action: Action,
    expected_version: int | None,
    status: str,
    outcome: str,
    due: date,
    owner: User,
) -> Action:
    """Say what became of an action (version-checked)."""
    if status not in Action.Status.values:
        raise ValidationError("Choose open, done or no longer needed.")
    if owner.school_id != action.school_id or not access.sees_pupils(owner):
        raise ValidationError("Choose a member of staff of your school as the action's owner.")
    yours = {"status": status, "outcome": outcome, "due": due, "owner": owner}
    with transaction.atomic():
        locked: Action = locked_for_edit(
            Action.objects.filter(pk__in=access.visible_actions(user).values("pk")).select_related(
                "owner"
            ),
            action.pk,
            expected_version,
            yours=yours,
            labels=ACTION_LABELS,
            what="This action",
        )
        old = {
            "status": locked.status,
            "outcome": locked.outcome,
            "due": locked.due.isoformat(),
            "owner": locked.owner_id,
        }
        locked.status, locked.outcome, locked.due, locked.owner = status, outcome, due, owner
        locked.updated_by = user
        save_versioned(locked, ["status", "outcome", "due", "owner", "updated_by", "updated_at"])
        log_action(
            school=locked.meeting.school,
            user=user,
            action="meetings.action_update",
            obj=locked,
            old=old,
            new={"status": status, "outcome": outcome, "due": due.isoformat(), "owner": owner.pk},
        )
        was_open = old["status"] == Action.Status.OPEN
        if was_open != (status == Action.Status.OPEN):
            sync_follow_up(user=user, meeting_id=locked.meeting_id, closing=was_open)
    return locked
