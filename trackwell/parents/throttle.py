"""A limit on tries at the parents' join page, per address and per code, in the database.

A printed code is 12 characters from a 31-letter alphabet, so guessing one is hopeless,
but without a limit a script may keep trying. Each wrong code counts against the
address it came from and against the code itself (both kept only as SHA-256 hashes),
in a fixed window like the API's rate limit (`api.auth.KeyRateThrottle`). When either
count reaches its limit, further tries are refused without checking the code until the
window ends, and the refusal is audited once a window.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from trackwell.accounts.models import log_action

from .models import JoinThrottle


def per_address() -> int:
    return int(getattr(settings, "FAMILY_CODE_TRIES_PER_ADDRESS", 10))


def per_code() -> int:
    return int(getattr(settings, "FAMILY_CODE_TRIES_PER_CODE", 5))


def window() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "FAMILY_CODE_WINDOW_MINUTES", 15)))


def _hash(scope: str, raw: str) -> str:
    if scope == JoinThrottle.Scope.CODE:
        raw = raw.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"family-join:{scope}:{raw}".encode()).hexdigest()


@dataclass(frozen=True)
class Refusal:
    scope: str
    minutes: int

    @property
    def message(self) -> str:
        return (
            "Too many codes have been tried "
            + ("from this connection" if self.scope == JoinThrottle.Scope.ADDRESS else "like this")
            + f". For your child's safety, please wait {self.minutes} minute"
            + ("" if self.minutes == 1 else "s")
            + " and try again, or ask the school office to check your code."
        )


def _keys(address: str, code: str) -> list[tuple[str, str, int]]:
    keys = [(JoinThrottle.Scope.ADDRESS.value, _hash("address", address), per_address())]
    if code.strip():
        keys.append((JoinThrottle.Scope.CODE.value, _hash("code", code), per_code()))
    return keys


def refused(address: str, code: str) -> Refusal | None:
    """Whether tries from this address, or of this code, are over the limit now."""
    now = timezone.now()
    for scope, key, limit in _keys(address, code):
        row = (
            JoinThrottle.objects.filter(scope=scope, key=key, window_started_at__gt=now - window())
            .values_list("window_started_at", "failures")
            .first()
        )
        if row is not None and row[1] >= limit:
            left = (row[0] + window() - now).total_seconds()
            return Refusal(scope, max(1, -(-int(left) // 60)))
    return None


def record_failure(address: str, code: str) -> None:
    """Count one wrong code against the address and the code; audit a limit reached."""
    now = timezone.now()
    fresh = now - window()
    for scope, key, limit in _keys(address, code):
        try:
            with transaction.atomic():
                JoinThrottle.objects.get_or_create(
                    scope=scope, key=key, defaults={"window_started_at": now}
                )
        except IntegrityError:
            pass  # created by a request at the same moment: the update below counts ours
        # One UPDATE starts or advances the window, as the API's limit does.
        JoinThrottle.objects.filter(scope=scope, key=key).update(
            failures=Case(
                When(window_started_at__gt=fresh, then=F("failures") + 1), default=Value(1)
            ),
            window_started_at=Case(
                When(window_started_at__gt=fresh, then=F("window_started_at")),
                default=Value(now),
            ),
        )
        row = JoinThrottle.objects.get(scope=scope, key=key)
        if row.failures == limit:
            log_action(
                school=None,
                user=None,
                action="family.join_throttled",
                obj=row,
                new={"scope": scope, "failures": row.failures, "minutes": window().seconds // 60},
            )
