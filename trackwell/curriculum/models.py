"""Subjects, frameworks, strands, objectives, rating scales and teaching coverage."""

from django.conf import settings
from django.db import models

from trackwell.core.models import School
from trackwell.pupils.models import NC_YEAR_CHOICES, SchoolClass, nc_year_label


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


class RatingScale(models.Model):
    """An ordered set of levels a school uses to judge objectives."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="rating_scales")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

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


class Framework(models.Model):
    """A subject's objectives for one NC year, judged on one rating scale."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="frameworks")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="frameworks")
    nc_year = models.PositiveSmallIntegerField("NC year", choices=NC_YEAR_CHOICES)
    name = models.CharField(max_length=150)
    scale = models.ForeignKey(RatingScale, on_delete=models.PROTECT, related_name="frameworks")

    class Meta:
        ordering = ["subject", "nc_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "nc_year"], name="framework_unique_per_subject_year"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def year_label(self) -> str:
        return nc_year_label(self.nc_year)


class Strand(models.Model):
    """A heading that groups a framework's objectives."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="strands")
    name = models.CharField(max_length=150)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Objective(models.Model):
    """One thing pupils should learn; archived rather than deleted once judged."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="objectives")
    strand = models.ForeignKey(Strand, on_delete=models.PROTECT, related_name="objectives")
    code = models.CharField(max_length=40)
    statement = models.TextField()
    order = models.PositiveIntegerField(default=0)
    is_key = models.BooleanField("key objective", default=False)
    tags = models.JSONField(default=list, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["framework", "strand__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="objective_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.statement}"


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
