"""Uploads waiting for the school to confirm their preview, and remembered column mappings."""

from django.conf import settings
from django.db import models

from trackwell.core.models import School


class PendingImport(models.Model):
    """An uploaded file of any kind of import, kept between its upload and its commit.

    The file is parsed once (after the mapping step, for spreadsheets); the
    preview and the commit both plan against the live records, so what is
    committed is what was last shown. `kind` is the slug of an
    `interop.pipeline.ImportKind` ("csv" and "case" are the framework imports).
    """

    class Kind(models.TextChoices):
        CSV = "csv", "CSV"
        CASE = "case", "CASE JSON"

    class State(models.TextChoices):
        MAPPING = "mapping", "Columns to match"
        READY = "ready", "Ready to preview"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20)
    state = models.CharField(max_length=10, choices=State.choices, default=State.READY)
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    options = models.JSONField(default=dict)
    # The parsed file, in the kind's JSON form (for frameworks: a list of framework specs).
    specs = models.JSONField(default=list, null=True)
    # A spreadsheet's header and rows while its columns wait for the mapping step.
    source = models.JSONField(null=True, blank=True)
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
        return f"{self.kind_label} {self.filename}"

    @property
    def kind_label(self) -> str:
        from trackwell.interop.pipeline import REGISTRY, load_kinds

        load_kinds()
        kind = REGISTRY.get(self.kind)
        return kind.label if kind else self.kind

    def get_kind_display(self) -> str:
        return self.kind_label


class ColumnMapping(models.Model):
    """How a school's spreadsheets name their columns, remembered per kind of import.

    `columns` maps a normalised header (lower case, single spaces) to a field
    name, or to "" for a column the school chose to leave out.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "kind"], name="column_mapping_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} columns of school {self.school_id}"


class ExternalId(models.Model):
    """Another system's identifier for one of our records (a OneRoster sourcedId, say).

    Lets a re-import of the same bundle match pupils, staff and classes in place
    even where the other system has no UPN or email to match on.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    system = models.CharField(max_length=20, help_text="Which import: oneroster, ctf, ...")
    record = models.CharField(max_length=20, help_text="pupil, user, class, org, year")
    external_id = models.CharField(max_length=255)
    object_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "system", "record", "external_id"], name="external_id_once"
            )
        ]
        indexes = [models.Index(fields=["school", "system", "record"])]

    def __str__(self) -> str:
        return f"{self.system} {self.record} {self.external_id} → {self.object_id}"


class TransitionRecord(models.Model):
    """An objective-level transition record received for a pupil from their last school.

    Kept whole, read-only, as the sending school wrote it (docs/ctf.md): which
    objectives the pupil had secured, their gaps and the provision they had.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(
        "pupils.Pupil", on_delete=models.CASCADE, related_name="transition_records"
    )
    source_school = models.CharField(max_length=200)
    exported_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64)
    record = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-exported_at"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "sha256"], name="transition_record_once")
        ]

    def __str__(self) -> str:
        return f"Transition record of pupil {self.pupil_id} from {self.source_school}"
