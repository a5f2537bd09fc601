"""Parents and carers: contacts, their links to children, invitations and what parents see."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from trackwell.core.models import AssessmentPoint, School
from trackwell.core.versioning import Versioned
from trackwell.pupils.models import Pupil


def typed_code(secret: str) -> str:
    """A code as typed from a letter, read the one way: any case, with or without its
    dashes or spaces."""
    return "".join(secret.split()).upper().replace("-", "")


def secret_hash(secret: str) -> str:
    """The stored form of an invitation token or code (only a hash is ever kept)."""
    return hashlib.sha256(typed_code(secret).encode()).hexdigest()


class Contact(models.Model):
    """A parent or carer known to the school, entered by staff or imported with pupils."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # Set when the contact accepts an invitation; one account may gather several contact
    # rows (a school that entered a parent once for each child).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parent_contacts",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            # One email is one contact of the school (in any case); blank emails aside.
            models.UniqueConstraint(
                models.F("school"),
                Lower("email"),
                condition=~models.Q(email=""),
                name="one_contact_per_email",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ChildLink(models.Model):
    """A contact's link to one child; revoking it ends the parent's access at once."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="links")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="family_links")
    relationship = models.CharField(max_length=60, blank=True)
    # As the MIS says (imported with pupils); None where it does not say.
    parental_responsibility = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pupil", "contact"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "pupil"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_link_per_contact_and_child",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} for {self.pupil}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class Invitation(models.Model):
    """An email link or a printed one-time code that lets a contact reach one child."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email link"
        CODE = "code", "Printed code"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(ChildLink, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.link}"


class ParentSettings(Versioned):
    """What parents see, in the school's own words for parents (separate from staff labels)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="parent_settings")
    welcome = models.TextField(blank=True)
    show_learning = models.BooleanField("what they are learning this term", default=True)
    show_strengths = models.BooleanField("what they do well", default=True)
    show_next_steps = models.BooleanField("next steps", default=True)
    # Off until the school chooses: the child's interventions, in words for families.
    show_support = models.BooleanField("support in school (from the provision map)", default=False)
    show_support_need = models.BooleanField(
        "what the support is for, by area of need (SEN words)", default=False
    )
    show_home_help = models.BooleanField("how to help at home", default=True)
    show_comments = models.BooleanField("teachers' report comments", default=True)
    # Subject slug -> the school's words on helping at home; a gentle default otherwise.
    home_help = models.JSONField(default=dict, blank=True)
    # Attainment band key -> a phrase for parents, where the band's own wording for parents
    # is blank (see `wording.band_phrase`).
    band_words = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "parent settings"
        verbose_name_plural = "parent settings"

    def __str__(self) -> str:
        return f"Parent settings of {self.school}"

    @classmethod
    def flag_label(cls, name: str) -> str:
        """The words for one of the `show_*` settings."""
        return str(getattr(cls._meta.get_field(name), "verbose_name", name))


class ParentRelease(models.Model):
    """An assessment point whose results and comments the school has shared with parents."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    point = models.OneToOneField(
        AssessmentPoint, on_delete=models.CASCADE, related_name="parent_release"
    )
    released_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.point} shared with parents"


class JoinThrottle(models.Model):
    """Failed code attempts in a fixed window, per address or per code (hashed, never kept).

    Counted in the database like the API's rate limit, so every web process shares
    the count; `parents.throttle` reads and advances it.
    """

    class Scope(models.TextChoices):
        ADDRESS = "address", "Address"
        CODE = "code", "Code"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    key = models.CharField(max_length=64)  # SHA-256 of the address or the code entered
    window_started_at = models.DateTimeField(db_index=True)  # stale rows are deleted by it
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="one_join_throttle_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} throttle ({self.failures} failures)"
