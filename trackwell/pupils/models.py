"""Pupils, their contextual attributes, school groups, classes and enrolments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from trackwell.core.models import AcademicYear, School
from trackwell.core.versioning import Versioned

# National curriculum year groups: Reception is 0.
NC_YEAR_CHOICES = [(0, "Reception")] + [(n, f"Year {n}") for n in range(1, 14)]


def nc_year_label(nc_year: int) -> str:
    """Return 'Reception' or 'Year N'."""
    return "Reception" if nc_year == 0 else f"Year {nc_year}"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class SenStatus(models.TextChoices):
    NONE = "N", "No special educational needs"
    SUPPORT = "K", "SEN support"
    EHCP = "E", "EHC plan"


class PupilGroup(Versioned):
    """A school-defined group of pupils (e.g. 'Young carers', 'Forces families')."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="pupil_groups")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="group_name_unique_per_school")
        ]

    def __str__(self) -> str:
        return self.name


class Pupil(Versioned):
    """A pupil at a school; a pupil who leaves keeps their record, read-only (never deleted)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="pupils")
    upn = models.CharField("UPN", max_length=13)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    nc_year = models.PositiveSmallIntegerField("NC year", choices=NC_YEAR_CHOICES)
    disadvantaged = models.BooleanField("disadvantaged (pupil premium)", default=False)
    fsm = models.BooleanField("free school meals", default=False)
    sen_status = models.CharField(
        "SEN status", max_length=1, choices=SenStatus.choices, default=SenStatus.NONE
    )
    eal = models.BooleanField("EAL", default=False)
    looked_after = models.BooleanField(default=False)
    groups = models.ManyToManyField(PupilGroup, blank=True, related_name="pupils")
    left_on = models.DateField(
        "left on", null=True, blank=True, help_text="The day the pupil left the school."
    )
    leaving_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "upn"], name="upn_unique_per_school")
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def has_left(self) -> bool:
        return self.left_on is not None


class PupilAttributeChange(models.Model):
    """One dated change of a pupil's contextual attribute (SEN, pupil premium, FSM, ...).

    Kept so that a pupil's SEN status or pupil premium on any day of the year can
    be read back; the pupil row holds only the latest value.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="attribute_changes")
    field = models.CharField(max_length=30)
    old_value = models.CharField(max_length=30, blank=True)
    new_value = models.CharField(max_length=30)
    effective_from = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pupil", "field", "effective_from", "pk"]
        indexes = [models.Index(fields=["pupil", "field", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.field}: {self.old_value} to {self.new_value}"


class SchoolClass(Versioned):
    """A class for one academic year (may mix NC years)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(max_length=60)
    nc_year = models.PositiveSmallIntegerField("main NC year", choices=NC_YEAR_CHOICES)
    pupils: models.ManyToManyField[Pupil, Enrolment] = models.ManyToManyField(
        Pupil, through="Enrolment", related_name="classes"
    )
    staff: models.ManyToManyField[Any, StaffAssignment] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="StaffAssignment", related_name="assigned_classes"
    )

    class Meta:
        ordering = ["nc_year", "name"]
        verbose_name = "class"
        verbose_name_plural = "classes"
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="class_name_unique_per_year")
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """A pupil's membership of a class for the class's year."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="enrolments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "school_class"], name="enrolment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} in {self.school_class}"


class PastEnrolment(models.Model):
    """A class a pupil was in until they moved class or left during the year (kept, read-only)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="past_enrolments")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="past_enrolments"
    )
    ended_on = models.DateField()
    reason = models.CharField(max_length=20, choices=[("moved", "Moved class"), ("left", "Left")])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["ended_on", "pk"]

    def __str__(self) -> str:
        return f"{self.pupil} was in {self.school_class} until {self.ended_on}"


class StaffAssignment(models.Model):
    """A member of staff working with a class (teachers edit; assistants read)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="assignments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "school_class"], name="assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} with {self.school_class}"
