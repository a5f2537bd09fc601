"""Pupil reports (termly and annual): rounds, teachers' comments, attendance, PDF batches."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from trackwell.core.models import AcademicYear, AssessmentPoint, School
from trackwell.core.versioning import Versioned
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Pupil, SchoolClass

DEFAULT_ARRANGEMENTS = (
    "We would love to talk with you about this report. Please speak to your child's class "
    "teacher at the end of the school day, or ask the school office for an appointment at a "
    "time that suits you."
)
DEFAULT_INTRODUCTION = (
    "This report tells you how your child is getting on in each subject, what they do well "
    "and what they are working on next."
)


class ReportSettings(Versioned):
    """The school's report template: its own words and which parts each report holds."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="report_settings")
    heading = models.CharField(max_length=120, default="Report to parents and carers")
    introduction = models.TextField(default=DEFAULT_INTRODUCTION)
    arrangements = models.TextField(
        "arrangements for discussing the report", default=DEFAULT_ARRANGEMENTS
    )
    sign_off = models.CharField(max_length=200, blank=True, default="")
    show_chart = models.BooleanField("the chart of bands over the year", default=True)
    show_next_steps = models.BooleanField("next steps in each subject", default=True)
    show_strengths = models.BooleanField("strengths in each subject", default=True)

    class Meta:
        verbose_name = "report settings"
        verbose_name_plural = "report settings"

    def __str__(self) -> str:
        return f"Report settings of {self.school}"


class ReportRound(models.Model):
    """One set of reports: a term's or the end-of-year report for the whole school."""

    class Kind(models.TextChoices):
        TERMLY = "termly", "Termly report"
        ANNUAL = "annual", "End-of-year report"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="report_rounds")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey(
        AssessmentPoint,
        on_delete=models.PROTECT,
        related_name="report_rounds",
        help_text="The assessment point whose results the report shows.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TERMLY)
    title = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-point__date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["point", "kind"], name="one_round_per_point_and_kind")
        ]

    def __str__(self) -> str:
        return self.title


class ReportEntry(Versioned):
    """A pupil's report apart from the subjects: general progress and attendance."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(ReportRound, on_delete=models.CASCADE, related_name="entries")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    general = models.TextField("general progress", blank=True)
    sessions_possible = models.PositiveSmallIntegerField(null=True, blank=True)
    sessions_attended = models.PositiveSmallIntegerField(null=True, blank=True)
    unauthorised_absences = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "pupil"], name="one_entry_per_round_pupil")
        ]

    def __str__(self) -> str:
        return f"{self.round} for {self.pupil}"


class ReportComment(Versioned):
    """A teacher's brief comment on a pupil's progress in one subject."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(ReportRound, on_delete=models.CASCADE, related_name="comments")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "pupil", "subject"], name="one_comment_per_round_pupil_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} for {self.pupil} ({self.round})"


class ReportBatch(models.Model):
    """Reports of a class or the whole school, rendered in the background."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting to start"
        RUNNING = "running", "Rendering"
        DONE = "done", "Ready"
        FAILED = "failed", "Stopped with a problem"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(ReportRound, on_delete=models.CASCADE, related_name="batches")
    school_class = models.ForeignKey(
        SchoolClass, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    problem = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        what = self.school_class.name if self.school_class else "whole school"
        return f"{self.round}: {what}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


class ReportFile(models.Model):
    """One rendered PDF of a batch: a pupil's report, or the combined file (no pupil)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(ReportBatch, on_delete=models.CASCADE, related_name="files")
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200)
    pdf = models.FileField(upload_to="reports/%Y/%m/")
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pupil__last_name", "pupil__first_name", "pk"]

    def __str__(self) -> str:
        return self.name
