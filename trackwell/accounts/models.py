"""Staff and family accounts, roles, and the audit log."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from trackwell.core import append_only
from trackwell.core.models import School, Trust
from trackwell.core.versioning import Versioned


class Role(models.TextChoices):
    ADMIN = "admin", "School admin"
    LEADER = "leader", "Senior leader"
    TEACHER = "teacher", "Class teacher"
    TA = "ta", "Teaching assistant"
    SENCO = "senco", "SENCO"
    GOVERNOR = "governor", "Governor"
    TRUST_LEADER = "trust_leader", "Trust leader"
    PARENT = "parent", "Parent or carer"


class User(Versioned, AbstractUser):
    """A person who signs in to Trackwell; staff belong to one school, trust leaders to a trust."""

    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    trust = models.ForeignKey(
        Trust,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="Trust leaders only: the trust whose schools they look across.",
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.TEACHER)
    grid_cursor = models.CharField(
        "after a rating, the grid moves",
        max_length=5,
        choices=[("down", "Down to the next pupil"), ("right", "Right to the next objective")],
        default="down",
        help_text="Where the tracking grid's cursor goes after a rating is typed.",
    )

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        constraints = [
            # A trust leader belongs to a trust and to no school; nobody else carries a trust
            # (school staff reach their trust through their school). "Staff have a school" is
            # checked in clean() only: accounts made by createsuperuser have none.
            models.CheckConstraint(
                condition=(
                    models.Q(role="trust_leader", trust__isnull=False, school__isnull=True)
                    | (~models.Q(role="trust_leader") & models.Q(trust__isnull=True))
                ),
                name="user_trust_only_for_trust_leaders",
            ),
        ]

    @property
    def is_trust_leader(self) -> bool:
        return self.role == Role.TRUST_LEADER

    def clean(self) -> None:
        super().clean()
        if self.role == Role.TRUST_LEADER:
            if self.trust_id is None:
                raise ValidationError({"trust": "A trust leader belongs to a trust."})
            if self.school_id is not None:
                raise ValidationError({"school": "A trust leader has no school of their own."})
            return
        if self.trust_id is not None:
            raise ValidationError({"trust": "Only trust leaders belong to a trust directly."})
        if self.school_id is None and not self.is_superuser:
            raise ValidationError({"school": "School staff and governors belong to a school."})

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class AuditEntry(models.Model):
    """Who changed what, when, from what to what. Append-only."""

    school = models.ForeignKey(
        School, null=True, on_delete=models.CASCADE, related_name="audit_entries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


# Append-only in the database (migration 0003_audit_log_append_only); the model keeps
# plain save() for the retention job's bulk anonymising, which goes through allow_erasure.
append_only.register(AuditEntry)


def log_action(
    *,
    school: School | None,
    user: Any,
    action: str,
    obj: models.Model,
    old: Any = None,
    new: Any = None,
) -> AuditEntry:
    """Record one change in the audit log."""
    return AuditEntry.objects.create(
        school=school,
        user=user if getattr(user, "pk", None) else None,
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        old=old,
        new=new,
    )
