"""Writes of the security app, each in a transaction with an audit entry."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset
from django.db import transaction
from django.http import HttpRequest

from trackwell.accounts.models import User, log_action
from trackwell.accounts.services import end_sessions
from trackwell.core.models import School
from trackwell.core.versioning import locked_for_edit, save_versioned
from trackwell.security import mfa
from trackwell.security.audit import log_user_event
from trackwell.security.models import SecurityPolicy

POLICY_FIELDS = (
    "require_mfa_for_all",
    "idle_timeout_minutes",
    "retention_years_after_leaving",
    "retention_until_age",
    "retention_action",
)
POLICY_LABELS = {
    name: str(getattr(SecurityPolicy._meta.get_field(name), "verbose_name", name)).capitalize()
    for name in POLICY_FIELDS
}


def locked_usernames(school: School) -> dict[str, int]:
    """Usernames of the school with failed sign-ins on record, and how many failures."""
    names = list(User.objects.filter(school=school).values_list("username", flat=True))
    counts: dict[str, int] = {}
    for username, failures in AccessAttempt.objects.filter(username__in=names).values_list(
        "username", "failures_since_start"
    ):
        counts[username] = counts.get(username, 0) + int(failures)
    return counts


def unlock(request: HttpRequest, *, admin: User, account: User) -> int:
    """Clear an account's failed sign-ins so it can sign in again now."""
    with transaction.atomic():
        cleared = int(reset(username=account.username) or 0)
        log_user_event(request, account, "auth.unlocked", actor=admin, attempts_cleared=cleared)
    return cleared


def reset_mfa(request: HttpRequest, *, admin: User, account: User) -> int:
    """Remove a colleague's two-step sign-in (a lost phone); they set it up at next sign-in.

    Every session of theirs ends at once: a session the lost phone verified (on a
    computer left signed in, or the phone's own browser) must not outlive the reset.
    Returns how many sessions ended.
    """
    with transaction.atomic():
        mfa.remove_mfa(account)
        ended = end_sessions(account)
        log_user_event(request, account, "auth.mfa_reset", actor=admin, sessions_ended=ended)
    return ended


def update_policy(
    *, user: User, school: School, expected_version: int | None, values: dict[str, Any]
) -> SecurityPolicy:
    """Change the school's security settings, version-checked, logged with old and new."""
    with transaction.atomic():
        SecurityPolicy.objects.get_or_create(school=school)
        policy = locked_for_edit(
            SecurityPolicy.objects.filter(school=school),
            SecurityPolicy.objects.get(school=school).pk,
            expected_version,
            yours=values,
            labels=POLICY_LABELS,
            what="The security and privacy settings",
        )
        old = {name: getattr(policy, name) for name in POLICY_FIELDS}
        for name, value in values.items():
            setattr(policy, name, value)
        save_versioned(policy, list(values))
        log_action(
            school=school,
            user=user,
            action="security.policy_changed",
            obj=policy,
            old=old,
            new={name: getattr(policy, name) for name in POLICY_FIELDS},
        )
    return policy
