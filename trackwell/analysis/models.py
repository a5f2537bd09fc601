"""Band rules, starting points, pupils' tracking frameworks, confirmations and snapshots.

Snapshots are the record of an assessment point once it closes: rows are only
ever added (a reopened and re-closed point gets a new closure with new rows),
so later edits to judgements never change what a closed point said.
"""

from django.conf import settings
from django.db import models

from trackwell.core.append_only import AppendOnlyModel
from trackwell.core.colours import is_hex, text_on
from trackwell.core.models import AcademicYear, AssessmentPoint, School
from trackwell.core.versioning import Versioned
from trackwell.curriculum.models import Framework, Subject
from trackwell.pupils.models import Pupil, SchoolClass


class StartingPoint(models.Model):
    """Where a pupil starts the year in a subject, e.g. 'secure in last year's objectives'."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="starting_points")
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["school", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "key"], name="starting_point_key_unique")
        ]

    def __str__(self) -> str:
        return self.label


class BandSet(Versioned):
    """A school's set of bands (attainment or progress) and the rules that assign them."""

    class Kind(models.TextChoices):
        ATTAINMENT = "attainment", "Attainment"
        PROGRESS = "progress", "Progress"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="band_sets")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(
        default=True, help_text="Active sets are suggested, confirmed and kept in snapshots."
    )
    points = models.JSONField(
        default=list,
        blank=True,
        help_text="Names of the assessment points the set applies at; empty: every point. "
        "At other points it gives no band (nobody falls into its lowest band).",
    )
    not_banded = models.BooleanField(
        default=False,
        help_text="Pupils no rule places are 'not banded' (their progress is personalised) "
        "instead of falling into the lowest band.",
    )

    class Meta:
        ordering = ["school", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="band_set_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Band(models.Model):
    """One band of a set; `order` 0 is the lowest and the fallback."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    band_set = models.ForeignKey(BandSet, on_delete=models.CASCADE, related_name="bands")
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=80)
    parent_label = models.CharField("wording for parents", max_length=160, blank=True)
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#5a8fc4")
    order = models.PositiveSmallIntegerField(default=0)
    meets_expectation = models.BooleanField(
        default=False, help_text="Counts as meeting expectations when groups are compared."
    )
    next_starting_point = models.ForeignKey(
        StartingPoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="from_bands",
        help_text="The starting point next year for pupils who end the year in this band.",
    )

    class Meta:
        ordering = ["band_set", "order"]
        constraints = [
            models.UniqueConstraint(fields=["band_set", "key"], name="band_key_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def text_colour(self) -> str:
        """Dark text on light bands, white on dark ones (whichever reads best)."""
        if not is_hex(self.colour):
            return "#1d2433"
        return text_on(self.colour)


class BandRule(models.Model):
    """Conditions that put a pupil in a band, optionally for one point and one starting point."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    band = models.ForeignKey(Band, on_delete=models.CASCADE, related_name="rules")
    point_name = models.CharField(
        max_length=60, blank=True, help_text="Blank: any assessment point."
    )
    starting_point = models.ForeignKey(
        StartingPoint, null=True, blank=True, on_delete=models.CASCADE, related_name="rules"
    )
    conditions = models.JSONField(default=list)
    years = models.JSONField(
        default=list, blank=True, help_text="NC years the rule applies to; empty: every year."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["band", "order", "id"]

    def __str__(self) -> str:
        return f"rule {self.pk} for {self.band_id}"


class PupilFramework(models.Model):
    """A pupil tracked on another year's framework in one subject (e.g. below their year)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "subject"], name="pupil_framework_unique")
        ]

    def __str__(self) -> str:
        return f"pupil {self.pupil_id} on framework {self.framework_id}"


class PupilStartingPoint(models.Model):
    """A starting point set by hand for a pupil, subject and year (wins over the derived one)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="+")
    starting_point = models.ForeignKey(
        StartingPoint, on_delete=models.CASCADE, related_name="pupils"
    )
    reason = models.CharField(max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "subject", "year"], name="pupil_starting_point_unique"
            )
        ]

    def __str__(self) -> str:
        return f"pupil {self.pupil_id} starts at {self.starting_point_id}"


class BandConfirmation(models.Model):
    """A teacher's confirmed band while a point is open; copied into the snapshot on closing."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey(AssessmentPoint, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    band_set = models.ForeignKey(BandSet, on_delete=models.CASCADE, related_name="+")
    band = models.ForeignKey(Band, on_delete=models.CASCADE, related_name="+")
    suggested_band = models.ForeignKey(Band, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["point", "pupil", "subject", "band_set"], name="confirmation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"pupil {self.pupil_id} confirmed {self.band_id}"


class PointClosure(AppendOnlyModel):
    """One closing of an assessment point; its snapshots are the point's record until reopened."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey(AssessmentPoint, on_delete=models.CASCADE, related_name="closures")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)
    from_history = models.BooleanField(
        default=False,
        help_text="Built later from judgement history as it stood on the point's date.",
    )

    class Meta:
        ordering = ["point", "id"]

    def __str__(self) -> str:
        return f"closure {self.pk} of point {self.point_id}"


class Snapshot(AppendOnlyModel):
    """A pupil's figures in one subject at a closed assessment point."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    # No index of their own: the unique (closure, pupil, subject) and the index on
    # (point, subject) begin with them, and closing a point writes every index.
    closure = models.ForeignKey(
        PointClosure, on_delete=models.CASCADE, related_name="snapshots", db_index=False
    )
    point = models.ForeignKey(
        AssessmentPoint, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        SchoolClass, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    nc_year = models.PositiveSmallIntegerField()
    framework = models.ForeignKey(Framework, null=True, on_delete=models.SET_NULL, related_name="+")
    framework_year = models.PositiveSmallIntegerField(null=True)
    below_year = models.BooleanField(default=False)
    starting_point_key = models.CharField(max_length=60, blank=True)
    starting_point_label = models.CharField(max_length=120, blank=True)
    objectives = models.PositiveIntegerField(default=0)
    taught = models.PositiveIntegerField(default=0)
    assessed = models.PositiveIntegerField(default=0)
    secure = models.PositiveIntegerField(default=0)
    greater_depth = models.PositiveIntegerField(default=0)
    depth_total = models.PositiveIntegerField(default=0)
    prev_objectives = models.PositiveIntegerField(default=0)
    prev_secure = models.PositiveIntegerField(default=0)
    prev_greater_depth = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["closure", "pupil", "subject"], name="snapshot_unique_per_closure"
            )
        ]
        indexes = [models.Index(fields=["point", "subject"])]

    def __str__(self) -> str:
        return f"snapshot of pupil {self.pupil_id} at point {self.point_id}"


class SnapshotBand(AppendOnlyModel):
    """The suggested and confirmed band of one set in a snapshot, with the explanation."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    # No index of its own: the unique (snapshot, band_set) begins with it.
    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="bands", db_index=False
    )
    band_set = models.ForeignKey(BandSet, on_delete=models.PROTECT, related_name="+")
    suggested = models.ForeignKey(Band, on_delete=models.PROTECT, related_name="+")
    suggested_label = models.CharField(max_length=80)
    suggested_order = models.PositiveSmallIntegerField()
    confirmed = models.ForeignKey(Band, null=True, on_delete=models.PROTECT, related_name="+")
    confirmed_label = models.CharField(max_length=80, blank=True)
    confirmed_order = models.PositiveSmallIntegerField(null=True)
    reason = models.CharField(max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    explanation = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "band_set"], name="snapshot_band_unique")
        ]
        # Covers what a live evaluation reads of earlier bands (`history.snapshot_band_rows`,
        # which names it on SQLite): the rows are wide (each carries its explanation), and
        # without it PostgreSQL read the whole table for the few thousand it wanted.
        indexes = [
            models.Index(
                fields=[
                    "snapshot",
                    "band_set",
                    "suggested",
                    "suggested_order",
                    "confirmed",
                    "confirmed_order",
                ],
                name="snapshot_band_shown",
            )
        ]

    def __str__(self) -> str:
        return f"{self.suggested_label} ({self.confirmed_label or 'not confirmed'})"

    @property
    def shown_label(self) -> str:
        return self.confirmed_label or self.suggested_label

    @property
    def shown_order(self) -> int:
        return self.suggested_order if self.confirmed_order is None else self.confirmed_order
