"""Session limits: an idle timeout (the school's setting) and an absolute lifetime.

The limits are written into the session at sign-in, so checking them costs no query;
a change of the school's idle timeout applies from each person's next sign-in.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase

from trackwell.accounts.models import User
from trackwell.security.mfa import has_mfa, requires_mfa
from trackwell.security.models import policy_for

SIGNED_IN_AT = "tw_signed_in_at"
LAST_SEEN = "tw_last_seen"
IDLE_SECONDS = "tw_idle_seconds"
MFA_STATE = "tw_mfa"  # "verify": has an app; "setup": must set one up; "": optional
# The role MFA_STATE was worked out for: a teacher made a leader mid-session is asked
# for the second step a leader needs on their next page (see `mfa_state`).
MFA_ROLE = "tw_mfa_role"
# Last-seen is written at most once a minute, so most requests do not save the session.
TOUCH_EVERY = 60


def start(session: SessionBase, user: AbstractBaseUser) -> None:
    """Stamp a new sign-in with its limits and what the second step will ask for."""
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    session[IDLE_SECONDS] = idle_seconds_for(user)
    session[MFA_STATE] = mfa_state_for(user)
    session[MFA_ROLE] = getattr(user, "role", "")


def mfa_state(session: SessionBase, user: AbstractBaseUser) -> str:
    """What the second step asks of this session, worked out again if the role changed.

    The role is on the user row the request already loaded, so this costs no query
    unless the role differs from the one the session was signed in with.
    """
    role = getattr(user, "role", "")
    state = session.get(MFA_STATE)
    if state is None or session.get(MFA_ROLE) != role:
        state = session[MFA_STATE] = mfa_state_for(user)
        session[MFA_ROLE] = role
    return str(state)


def idle_seconds_for(user: AbstractBaseUser) -> int:
    school = user.school if isinstance(user, User) else None
    return int(policy_for(school).idle_timeout_minutes) * 60


def mfa_state_for(user: AbstractBaseUser) -> str:
    if not isinstance(user, User):
        return ""
    if has_mfa(user):
        return "verify"
    if requires_mfa(user, policy_for(user.school).require_mfa_for_all):
        return "setup"
    return ""


def expired(session: SessionBase, now: float | None = None) -> str:
    """'idle' or 'lifetime' when the session is past a limit, else '' (and touch it)."""
    now = time.time() if now is None else now
    started = session.get(SIGNED_IN_AT)
    last = session.get(LAST_SEEN)
    if not isinstance(started, int) or not isinstance(last, int):
        # A session from before these limits: start counting now.
        session[SIGNED_IN_AT] = session[LAST_SEEN] = int(now)
        return ""
    idle = session.get(IDLE_SECONDS)
    idle = idle if isinstance(idle, int) and idle > 0 else 30 * 60
    if now - last > idle:
        return "idle"
    if now - started > settings.SESSION_ABSOLUTE_SECONDS:
        return "lifetime"
    if now - last >= TOUCH_EVERY:
        session[LAST_SEEN] = int(now)
    return ""
