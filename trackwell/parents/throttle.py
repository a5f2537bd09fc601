"""A limit on tries at the parents' join page, per address and per code, in the database.

A printed code is 12 characters from a 31-letter alphabet, so guessing one is hopeless,
but without a limit a script may keep trying. Each wrong code counts against the
address it came from and against the code itself (both kept only as SHA-256 hashes),
in a fixed window like the API's rate limit (`api.auth.KeyRateThrottle`). A try is
counted before its code is checked, and taken back when the code was right. When either
count goes over its limit, further tries are refused without checking the code until
the window ends, and the refusal is audited once a window. IPv6 addresses count by /64.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from trackwell.accounts.models import log_action

from .models import JoinThrottle, typed_code


def per_address() -> int:
    # Thirty: parents at a school event share the school's address, and one child typing
    # codes at random should not lock them all out; a 12-letter code stays unguessable.
    return int(getattr(settings, "FAMILY_CODE_TRIES_PER_ADDRESS", 30))


def per_code() -> int:
    return int(getattr(settings, "FAMILY_CODE_TRIES_PER_CODE", 5))


def window() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "FAMILY_CODE_WINDOW_MINUTES", 15)))


def _hash(scope: str, raw: str) -> str:
    if scope == JoinThrottle.Scope.CODE:
        raw = typed_code(raw)
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


def address_key(address: str) -> str:
    """The part of an address that names one household or one attacker.

    An IPv4 address stands for itself; an IPv6 address is counted by its /64 network,
    since one connection is given a whole /64 and could otherwise try from millions of
    addresses. An address that does not parse is counted as written.
    """
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _keys(address: str, code: str) -> list[tuple[str, str, int]]:
    keys = [
        (JoinThrottle.Scope.ADDRESS.value, _hash("address", address_key(address)), per_address())
    ]
    if code.strip():
        keys.append((JoinThrottle.Scope.CODE.value, _hash("code", code), per_code()))
    return keys


@dataclass
class Try:
    """One try of a code, counted before the code is checked (see `begin`)."""

    keys: list[tuple[str, str]] = field(default_factory=list)
    created: set[tuple[str, str]] = field(default_factory=set)
    refusal: Refusal | None = None


def begin(address: str, code: str) -> Try:
    """Count this try against its address and its code, then say whether it is refused.

    The try is counted first, in one UPDATE per count, so that many tries sent at the
    same moment cannot all pass the check before any of them is counted. A try that
    turns out not to be a wrong code is taken back (`forgive`). The try that first goes
    over a limit is audited; stale rows are removed as tries come in.
    """
    now = timezone.now()
    fresh = now - window()
    attempt = Try()
    JoinThrottle.objects.filter(window_started_at__lte=fresh).delete()
    for scope, key, limit in _keys(address, code):
        try:
            with transaction.atomic():
                _, created = JoinThrottle.objects.get_or_create(
                    scope=scope, key=key, defaults={"window_started_at": now}
                )
        except IntegrityError:
            created = False  # made by a request at the same moment: the update counts ours
        if created:
            attempt.created.add((scope, key))
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
        attempt.keys.append((scope, key))
        row = JoinThrottle.objects.get(scope=scope, key=key)
        if row.failures == limit + 1:
            log_action(
                school=None,
                user=None,
                action="family.join_throttled",
                obj=row,
                new={
                    "scope": scope,
                    "failures": limit,
                    "minutes": int(window().total_seconds()) // 60,
                },
            )
        if row.failures > limit:
            left = (row.window_started_at + window() - now).total_seconds()
            attempt.refusal = Refusal(scope, max(1, -(-int(left) // 60)))
            # Refused: nothing more is counted or written (the address comes first, so a
            # refused address adds no row for each new code it sends).
            break
    return attempt


def forgive(attempt: Try) -> None:
    """Take back a try whose code was right (a taken username is not a guess)."""
    for scope, key in attempt.keys:
        rows = JoinThrottle.objects.filter(scope=scope, key=key)
        if (scope, key) in attempt.created:
            rows.filter(failures__lte=1).delete()
        rows.filter(failures__gt=0).update(failures=F("failures") - 1)
