"""Trusts, schools, academic years and assessment points."""

from django.core.exceptions import ValidationError
from django.db import models

from trackwell.core.versioning import Versioned


class Trust(models.Model):
    """A group of schools that may share frameworks and settings."""

    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    """A school; every school-owned row points here."""

    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    name = models.CharField(max_length=200)
    urn = models.CharField("URN", max_length=10, blank=True)
    la_code = models.CharField("LA number", max_length=3, blank=True)
    establishment_number = models.CharField(max_length=4, blank=True)
    phase = models.CharField(
        max_length=20,
        blank=True,
        choices=[
            ("nursery", "Nursery"),
            ("primary", "Primary"),
            ("middle", "Middle"),
            ("secondary", "Secondary"),
            ("all_through", "All-through"),
            ("special", "Special"),
        ],
    )
    leaders_manage_people = models.BooleanField(
        default=False,
        help_text="Senior leaders may manage staff, pupils, classes and years (not only admins).",
    )
    teachers_see_other_classes = models.BooleanField(
        default=True, help_text="Teachers may view (not edit) the school's other classes."
    )
    min_group_size = models.PositiveSmallIntegerField(
        default=5, help_text="Groups smaller than this are suppressed in aggregate views."
    )

    def __str__(self) -> str:
        return self.name


class AcademicYear(Versioned):
    """A school's academic year, e.g. 2026/27."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="years")
    name = models.CharField(max_length=20)
    start_date = models.DateField()
    end_date = models.DateField()
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["school", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="year_name_unique_per_school"),
            models.UniqueConstraint(
                fields=["school"],
                condition=models.Q(is_current=True),
                name="one_current_year_per_school",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.end_date <= self.start_date:
            raise ValidationError("An academic year must end after it starts.")


class AssessmentPoint(Versioned):
    """A moment in the year when teachers confirm summative judgements (2-6 a year)."""

    MAX_PER_YEAR = 6
    MIN_PER_YEAR = 2

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="assessment_points")
    year = models.ForeignKey(
        AcademicYear, on_delete=models.CASCADE, related_name="assessment_points"
    )
    name = models.CharField(max_length=60)
    date = models.DateField()
    is_baseline = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)

    class Meta:
        ordering = ["year", "date"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="point_name_unique_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"

    def clean(self) -> None:
        if self.year_id and self.school_id and self.year.school_id != self.school_id:
            raise ValidationError("The assessment point must belong to the year's school.")
        if self.year_id:
            others = AssessmentPoint.objects.filter(year_id=self.year_id).exclude(pk=self.pk)
            if others.count() >= self.MAX_PER_YEAR:
                raise ValidationError(f"A year has at most {self.MAX_PER_YEAR} assessment points.")
            if not self.year.start_date <= self.date <= self.year.end_date:
                raise ValidationError("The assessment point's date must fall within its year.")
