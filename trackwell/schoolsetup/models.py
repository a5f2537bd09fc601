"""The record of each year rollover: one per year rolled from, so it never runs twice."""

from django.conf import settings
from django.db import models

from trackwell.core.models import AcademicYear, School


class Rollover(models.Model):
    """A school moved from one academic year into the next; kept with what it did."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="rollovers")
    from_year = models.OneToOneField(
        AcademicYear, on_delete=models.PROTECT, related_name="rolled_over"
    )
    to_year = models.OneToOneField(
        AcademicYear, on_delete=models.PROTECT, related_name="rolled_from"
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(auto_now_add=True)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-done_at"]

    def __str__(self) -> str:
        return f"{self.from_year} to {self.to_year}"
