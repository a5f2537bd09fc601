"""Judgements: a pupil's current rating on an objective, and its append-only history."""

from django.conf import settings
from django.db import models

from trackwell.core.append_only import AppendOnlyModel
from trackwell.core.models import School
from trackwell.curriculum.models import Objective, RatingLevel
from trackwell.pupils.models import Pupil


class Judgement(models.Model):
    """The current rating; `version` rises with every change so stale edits are caught."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="judgements")
    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="judgements")
    level = models.ForeignKey(
        RatingLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "objective"], name="judgement_unique")
        ]
        indexes = [models.Index(fields=["objective", "pupil"])]

    def __str__(self) -> str:
        return f"{self.pupil_id}/{self.objective_id}: {self.level_id}"


class JudgementHistory(AppendOnlyModel):
    """One change to a judgement; rows are only ever added."""

    class Source(models.TextChoices):
        GRID = "grid", "Grid"
        BULK = "bulk", "Bulk entry"
        IMPORT = "import", "Import"
        API = "api", "API"
        DEMO = "demo", "Demo data"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    judgement = models.ForeignKey(Judgement, on_delete=models.CASCADE, related_name="history")
    old_level = models.ForeignKey(
        RatingLevel, null=True, on_delete=models.PROTECT, related_name="+"
    )
    new_level = models.ForeignKey(
        RatingLevel, null=True, on_delete=models.PROTECT, related_name="+"
    )
    old_note = models.TextField(blank=True)
    new_note = models.TextField(blank=True)
    version = models.PositiveIntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.GRID)

    class Meta:
        ordering = ["judgement", "version"]
        verbose_name_plural = "judgement history"
        constraints = [
            models.UniqueConstraint(fields=["judgement", "version"], name="history_version_unique"),
        ]

    def __str__(self) -> str:
        return f"judgement {self.judgement_id} v{self.version}"


class ClassFramework(models.Model):
    """The framework a class's grid opens in a subject, where it is not its year group's own.

    Chosen at the year rollover (a mixed-age class, or a class kept on Year 3's
    framework); without one the grid opens the class's NC year's framework.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "pupils.SchoolClass", on_delete=models.CASCADE, related_name="framework_choices"
    )
    subject = models.ForeignKey("curriculum.Subject", on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(
        "curriculum.Framework", on_delete=models.CASCADE, related_name="+"
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "subject"], name="class_framework_once_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"class {self.school_class_id} on framework {self.framework_id}"
