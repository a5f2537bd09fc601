"""A school's security and privacy policy: MFA for everyone, idle timeout, retention."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from trackwell.core.models import School
from trackwell.core.versioning import Versioned

DEFAULT_IDLE_MINUTES = 30


class RetentionAction(models.TextChoices):
    ANONYMISE = "anonymise", "Anonymise (keep figures, remove everything that identifies)"
    ERASE = "erase", "Erase the record and everything attached to it"


class SecurityPolicy(Versioned):
    """One school's choices; a school without a row has the defaults."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="security_policy")
    require_mfa_for_all = models.BooleanField(
        "require two-step sign-in for all staff",
        default=False,
        help_text="Admins, leaders and SENCOs always need it; this adds teachers, "
        "teaching assistants and governors.",
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        "sign out after this many minutes without activity",
        default=DEFAULT_IDLE_MINUTES,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    retention_years_after_leaving = models.PositiveSmallIntegerField(
        "keep a leaver's record for this many years after they leave",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    retention_until_age = models.PositiveSmallIntegerField(
        "and at least until the pupil is this old",
        default=25,
        validators=[MinValueValidator(18), MaxValueValidator(100)],
    )
    retention_action = models.CharField(
        "then", max_length=10, choices=RetentionAction.choices, default=RetentionAction.ANONYMISE
    )

    class Meta:
        verbose_name = "security and privacy settings"
        verbose_name_plural = "security and privacy settings"

    def __str__(self) -> str:
        return f"Security and privacy settings of {self.school}"


def policy_for(school: School | None) -> SecurityPolicy:
    """The school's saved policy, or the defaults (unsaved) when it has none."""
    if school is None:
        return SecurityPolicy()
    policy = SecurityPolicy.objects.filter(school=school).first()
    return policy or SecurityPolicy(school=school)
