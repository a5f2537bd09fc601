"""Creating and revoking API keys, each change in the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from trackwell.accounts.models import Role, User, log_action
from trackwell.api.models import ACCESS_LEVELS, ApiKey, Area, hash_secret

TRUST_SCOPES = {f"{Area.ANALYSIS}:read"}


def can_manage_keys(user: User) -> bool:
    """School admins manage their school's keys; trust leaders their trust's (read only)."""
    if not user.is_authenticated or hasattr(user, "api_key"):
        return False
    if user.role == Role.TRUST_LEADER:
        return user.trust_id is not None
    return user.role == Role.ADMIN and user.school_id is not None


def clean_scopes(scopes: Iterable[str], *, trust: bool) -> list[str]:
    """Validated scopes, sorted; a trust's key may only read aggregates."""
    valid = {f"{a}:{level}" for a in Area.values for level in ACCESS_LEVELS}
    wanted = sorted(set(scopes))
    unknown = [s for s in wanted if s not in valid]
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope {', '.join(unknown)}."})
    if not wanted:
        raise ValidationError({"scopes": "Choose at least one area the key may reach."})
    if trust and not set(wanted) <= TRUST_SCOPES:
        raise ValidationError(
            {"scopes": "A trust's key reads the schools' figures only (analysis: read)."}
        )
    return wanted


def create_key(
    *, by: User, name: str, scopes: Iterable[str], expires_at: dt.datetime | None = None
) -> tuple[ApiKey, str]:
    """A new key for the acting admin's school (or trust); returns it and the key to show once."""
    if not can_manage_keys(by):
        raise PermissionDenied("Only school admins and trust leaders create API keys.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the key a name that says what uses it."})
    if len(name) > 100:
        raise ValidationError({"name": "Names are limited to 100 characters."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    trust = by.role == Role.TRUST_LEADER
    cleaned = clean_scopes(scopes, trust=trust)
    prefix, full = ApiKey.new_secret()
    with transaction.atomic():
        principal = User(
            username=f"apikey-{prefix}",
            first_name="API key:",
            last_name=name[:150],
            school_id=None if trust else by.school_id,
            trust_id=by.trust_id if trust else None,
            role=Role.TRUST_LEADER if trust else Role.ADMIN,
        )
        principal.set_unusable_password()
        principal.save()
        key = ApiKey.objects.create(
            school_id=None if trust else by.school_id,
            trust_id=by.trust_id if trust else None,
            user=principal,
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(full),
            scopes=cleaned,
            created_by=by,
            expires_at=expires_at,
        )
        log_action(
            school=key.school,
            user=by,
            action="api_key_created",
            obj=key,
            new={"name": name, "scopes": cleaned, "expires_at": _iso(expires_at)},
        )
    return key, full


def revoke_key(*, by: User, key: ApiKey) -> ApiKey:
    """Revoke at once: the next request with the key is refused."""
    if not can_manage_keys(by):
        raise PermissionDenied("Only school admins and trust leaders revoke API keys.")
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            log_action(
                school=key.school,
                user=by,
                action="api_key_revoked",
                obj=key,
                old={"name": key.name},
            )
    return key


def keys_for(user: User) -> list[ApiKey]:
    """The keys the user manages."""
    if not can_manage_keys(user):
        return []
    qs = ApiKey.objects.select_related("created_by")
    if user.role == Role.TRUST_LEADER:
        return list(qs.filter(trust_id=user.trust_id or -1))
    return list(qs.filter(school_id=user.school_id or -1))


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
