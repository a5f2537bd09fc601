"""Models of the scores app: tests, scores, targets and prior attainment.

`KeyStageResult` is laid down first because two areas meet on it: the CTF
import writes a pupil's statutory results, and prior attainment reads them.
"""

from django.db import models

from trackwell.core.models import School
from trackwell.pupils.models import Pupil


class KeyStage(models.TextChoices):
    EYFS = "eyfs", "Reception (EYFS profile)"
    PHONICS = "phonics", "Year 1 phonics screening check"
    KS1 = "ks1", "End of Key Stage 1"
    MTC = "mtc", "Year 4 multiplication tables check"
    KS2 = "ks2", "End of Key Stage 2"


class KeyStageResult(models.Model):
    """One statutory result of a pupil (kept from a CTF or entered by the school)."""

    class Source(models.TextChoices):
        CTF = "ctf", "Common transfer file"
        ENTERED = "entered", "Entered by the school"
        IMPORT = "import", "Imported"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="key_stage_results")
    stage = models.CharField(max_length=10, choices=KeyStage.choices)
    subject = models.CharField(
        max_length=60, help_text="As the record names it: reading, writing, maths, GPS, GLD..."
    )
    outcome = models.CharField(
        max_length=20,
        blank=True,
        help_text="The judgement or code as recorded (EXS, GDS, WTS, PKF, HNM, AS, Wa, GLD...).",
    )
    scaled_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A test's score where there is one (KS2 80-120, marks)."
    )
    taken_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENTERED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pupil", "stage", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "stage", "subject"], name="key_stage_result_once_per_subject"
            )
        ]

    def __str__(self) -> str:
        score = f" {self.scaled_score}" if self.scaled_score is not None else ""
        return f"{self.get_stage_display()} {self.subject}: {self.outcome}{score}"
