"""API keys: created by a school admin (or a trust leader), stored hashed, shown once."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from trackwell.core.models import School, Trust

KEY_PREFIX = "tw"


class Area(models.TextChoices):
    """What a key may reach; each area is granted read or write."""

    PEOPLE = "people", "People (pupils, classes, staff, years)"
    CURRICULUM = "curriculum", "Curriculum (frameworks, objectives, scales)"
    JUDGEMENTS = "judgements", "Judgements"
    ANALYSIS = "analysis", "Analysis (figures, bands, snapshots, gaps)"
    PROVISION = "provision", "Provision (interventions)"
    TESTS = "tests", "Tests and scores"


ACCESS_LEVELS = ("read", "write")


def hash_secret(secret: str) -> str:
    """Keys are 256 random bits, so one SHA-256 is enough (no password stretching needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(models.Model):
    """A key for one school (or, read only, one trust's aggregates).

    The key acts through a user of its own (`user`), with the school admin's
    reach (or the trust leader's), so every request goes through the same
    access layer as the web pages; `scopes` narrow it further by area.
    """

    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A fixed one-minute window per key, counted in the database so every web
    # process shares it.
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(school__isnull=False, trust__isnull=True)
                    | models.Q(school__isnull=True, trust__isnull=False)
                ),
                name="api_key_one_school_or_one_trust",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @staticmethod
    def new_secret() -> tuple[str, str]:
        """A fresh (prefix, full key); the full key is shown once and never stored."""
        prefix = secrets.token_hex(4)
        return prefix, f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    def allows(self, area: str, write: bool) -> bool:
        """Whether the key's scopes reach this area (write implies read)."""
        if write:
            return f"{area}:write" in self.scopes
        return f"{area}:read" in self.scopes or f"{area}:write" in self.scopes
