"""Uploads waiting for the school to confirm their preview."""

from django.conf import settings
from django.db import models

from trackwell.core.models import School


class PendingImport(models.Model):
    """A parsed framework file, kept between the preview and the commit.

    The file is parsed once on upload; the preview and the commit both plan
    against the live curriculum, so what is committed is what was last shown.
    """

    class Kind(models.TextChoices):
        CSV = "csv", "CSV"
        CASE = "case", "CASE JSON"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    options = models.JSONField(default=dict)
    specs = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "sha256"], name="pending_import_once_per_file"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"
