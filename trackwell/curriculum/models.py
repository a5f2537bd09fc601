"""Subjects, frameworks, strands, objectives, rating scales and teaching coverage."""

import uuid

from django.conf import settings
from django.db import models

from trackwell.core.models import School, Trust
from trackwell.core.versioning import Versioned
from trackwell.pupils.models import NC_YEAR_CHOICES, SchoolClass, nc_year_label


def new_identifier() -> str:
    """A fresh stable identifier (a UUID string), kept through exports and trust versions."""
    return str(uuid.uuid4())


# Level colours a school may choose from: (background, name, text colour). Sequential blues
# and the Okabe-Ito hues are told apart with every common colour-vision deficiency; there is
# deliberately no strong red.
PALETTE: list[tuple[str, str, str]] = [
    ("#eef3f8", "Mist", "#1d2433"),
    ("#c6dbef", "Pale blue", "#1d2433"),
    ("#6baed6", "Mid blue", "#1d2433"),
    ("#2666a6", "Blue", "#ffffff"),
    ("#0d4a87", "Deep blue", "#ffffff"),
    ("#08306b", "Navy", "#ffffff"),
    ("#56b4e9", "Sky blue", "#1d2433"),
    ("#009e73", "Bluish green", "#ffffff"),
    ("#f0e442", "Yellow", "#1d2433"),
    ("#e69f00", "Orange", "#1d2433"),
    ("#cc79a7", "Reddish purple", "#1d2433"),
    ("#999999", "Grey", "#1d2433"),
]
COLOUR_CHOICES = [("", "Default (by order)")] + [(hex_, name) for hex_, name, _ in PALETTE]
TEXT_ON = {hex_: text for hex_, _, text in PALETTE}


class Subject(models.Model):
    """A subject the school tracks (maths, reading, ...)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "slug"], name="subject_slug_unique_per_school"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RatingScale(Versioned):
    """An ordered set of levels a school uses to judge objectives."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="rating_scales")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    identifier = models.CharField(max_length=100, default=new_identifier, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="scale_name_unique_per_school")
        ]

    def __str__(self) -> str:
        return self.name


class RatingLevel(models.Model):
    """One level of a scale; `value` orders the levels and drives average depth."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="levels")
    value = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=60)
    code = models.CharField(
        max_length=3, help_text="Short code shown in the grid and typed to enter it."
    )
    descriptor = models.TextField(blank=True)
    exemplification = models.TextField(
        blank=True, help_text="What work at this level looks like, for every subject."
    )
    colour = models.CharField(max_length=7, blank=True, choices=COLOUR_CHOICES)
    subject_descriptors = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per subject id: the evidence descriptor and exemplification in that subject.",
    )
    counts_as_secure = models.BooleanField(default=False)
    is_greater_depth = models.BooleanField(default=False)

    class Meta:
        ordering = ["scale", "value"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "value"], name="level_value_unique_per_scale"),
            models.UniqueConstraint(fields=["scale", "code"], name="level_code_unique_per_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def text_colour(self) -> str:
        return TEXT_ON.get(self.colour, "")

    def for_subject(self, subject_id: int | None) -> tuple[str, str]:
        """(descriptor, exemplification) in a subject, falling back to the general wording."""
        own = self.subject_descriptors.get(str(subject_id), {}) if subject_id else {}
        return (
            own.get("descriptor") or self.descriptor,
            own.get("exemplification") or self.exemplification,
        )


class SharedFramework(models.Model):
    """A framework a trust publishes for its schools; its content lives in versions.

    Owned by the trust, not by a school: schools adopt a linked copy.
    """

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="shared_frameworks")
    identifier = models.CharField(max_length=100, default=new_identifier, editable=False)
    name = models.CharField(max_length=150)
    source_school = models.ForeignKey(
        School, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_framework = models.ForeignKey(
        "Framework", null=True, on_delete=models.SET_NULL, related_name="publications"
    )
    latest_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["trust", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "source_framework"], name="shared_framework_once_per_source"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SharedFrameworkVersion(models.Model):
    """One published version: a snapshot of the framework and its scale, as JSON."""

    shared = models.ForeignKey(SharedFramework, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    note = models.TextField(blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shared", "version"]
        constraints = [
            models.UniqueConstraint(fields=["shared", "version"], name="shared_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.shared} v{self.version}"


class Framework(Versioned):
    """A subject's objectives for one NC year (or a phase of several), judged on one scale."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="frameworks")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="frameworks")
    nc_year = models.PositiveSmallIntegerField(
        "NC year", choices=NC_YEAR_CHOICES, help_text="The year, or the first year of a phase."
    )
    last_nc_year = models.PositiveSmallIntegerField(
        "last NC year", null=True, blank=True, choices=NC_YEAR_CHOICES
    )
    phase = models.CharField(
        max_length=60, blank=True, help_text="A phase or key stage name, e.g. 'Key Stage 2'."
    )
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    scale = models.ForeignKey(RatingScale, on_delete=models.PROTECT, related_name="frameworks")
    identifier = models.CharField(max_length=100, default=new_identifier)
    shared_source = models.ForeignKey(
        SharedFramework, null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    shared_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["subject", "nc_year", "phase"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "nc_year", "phase"], name="framework_unique_per_subject_phase"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def year_label(self) -> str:
        if self.phase:
            return self.phase
        return nc_year_label(self.nc_year)


class Strand(models.Model):
    """A heading that groups a framework's objectives."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="strands")
    name = models.CharField(max_length=150)
    code = models.CharField(max_length=60, blank=True)
    statement = models.TextField(blank=True, help_text="The full wording, when the name is short.")
    order = models.PositiveSmallIntegerField(default=0)
    identifier = models.CharField(max_length=100, default=new_identifier)
    is_ungrouped = models.BooleanField(
        default=False,
        help_text="Holds objectives that sit directly under the framework (CASE top-level items).",
    )

    class Meta:
        ordering = ["framework", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "identifier"], name="strand_identifier_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Objective(Versioned):
    """One thing pupils should learn; archived rather than deleted once judged."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="objectives")
    strand = models.ForeignKey(Strand, on_delete=models.PROTECT, related_name="objectives")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    code = models.CharField(max_length=60)
    statement = models.TextField()
    order = models.PositiveIntegerField(default=0)
    is_key = models.BooleanField("key objective", default=False)
    tags = models.JSONField(default=list, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    identifier = models.CharField(max_length=100, default=new_identifier)

    class Meta:
        ordering = ["framework", "strand__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="objective_code_unique"),
            models.UniqueConstraint(
                fields=["framework", "identifier"], name="objective_identifier_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.statement}"


class ObjectiveLink(models.Model):
    """Where an objective came from when one was split or several merged.

    Follow these links from a new objective to the archived ones (and their
    judgement history) it replaced.
    """

    class Kind(models.TextChoices):
        SPLIT = "split", "Split"
        MERGE = "merge", "Merge"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    source = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="links_out")
    target = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="links_in")
    rule = models.CharField(max_length=20, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["made_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.source_id} -> {self.target_id}"


class TaughtObjective(models.Model):
    """An objective marked as taught to a class."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="taught")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="taught_to")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school_class", "objective"], name="taught_unique")
        ]

    def __str__(self) -> str:
        return f"objective {self.objective_id} taught to class {self.school_class_id}"
