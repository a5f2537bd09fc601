"""Models of the scores app: tests, scores, targets and prior attainment.

`KeyStageResult` is laid down first because two areas meet on it: the CTF
import writes a pupil's statutory results, and prior attainment reads them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from trackwell.analysis.models import Band
from trackwell.core.append_only import AppendOnlyModel
from trackwell.core.models import AssessmentPoint, School
from trackwell.core.versioning import Versioned
from trackwell.curriculum.models import RatingLevel, Subject
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
    component = models.CharField(
        max_length=20,
        blank=True,
        help_text="Part of the subject the result is for, as the CTF names it (MTC, READ, ...); "
        "blank for the subject as a whole.",
    )
    method = models.CharField(
        max_length=10,
        blank=True,
        help_text="How it was assessed, as the CTF names it: TA teacher assessment, TT test.",
    )
    taken_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENTERED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pupil", "stage", "subject", "component", "method"]
        constraints = [
            # KS2 maths has a teacher assessment and a test result; the multiplication tables
            # check is a component of maths: each is its own record.
            models.UniqueConstraint(
                fields=["pupil", "stage", "subject", "component", "method"],
                name="key_stage_result_once_per_subject_component_method",
            )
        ]

    def __str__(self) -> str:
        score = f" {self.scaled_score}" if self.scaled_score is not None else ""
        part = f" {self.component}" if self.component else ""
        return f"{self.get_stage_display()} {self.subject}{part}: {self.outcome}{score}"

    METHODS = {"TA": "Teacher assessment", "TT": "Test"}

    @property
    def method_label(self) -> str:
        """The method in words (TA, TT), or as recorded."""
        return self.METHODS.get(self.method.upper(), self.method)


class ScoreKind(models.TextChoices):
    RAW = "raw", "Raw mark only"
    STANDARDISED = "standardised", "Standardised score (mean 100, SD 15)"
    AGE_STANDARDISED = "age_standardised", "Age-standardised score (mean 100, SD 15)"
    SCALED = "scaled", "Scaled score 80-120 (end of Key Stage 2)"
    READING_AGE = "reading_age", "Reading age (in months)"


# Kinds whose scores follow the normal distribution with mean 100 and SD 15.
NORMAL_KINDS = {ScoreKind.STANDARDISED, ScoreKind.AGE_STANDARDISED}


class ConversionTable(models.Model):
    """Raw mark ranges to scores for one test (per age in months for age-standardised tests)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=ScoreKind.choices)
    source = models.CharField(max_length=300, blank=True, help_text="Where the figures come from.")
    builtin_key = models.CharField(
        max_length=40, blank=True, help_text="Set when read from a table shipped with Trackwell."
    )
    max_raw_mark = models.PositiveSmallIntegerField()
    complete = models.BooleanField(
        default=True, help_text="False when some raw marks have no row (they cannot be converted)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="conversion_table_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ConversionRow(models.Model):
    """One range of raw marks and the score it gives (no score: none is awarded)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    table = models.ForeignKey(ConversionTable, on_delete=models.CASCADE, related_name="rows")
    age_from = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Age in whole months (age-standardised tables only)."
    )
    age_to = models.PositiveSmallIntegerField(null=True, blank=True)
    raw_from = models.PositiveSmallIntegerField()
    raw_to = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["table", "age_from", "raw_from"]
        indexes = [models.Index(fields=["table", "raw_from"])]

    def __str__(self) -> str:
        return f"{self.raw_from}-{self.raw_to}: {self.score}"


class ThresholdSet(Versioned):
    """The school's score bands for a kind of score (e.g. 85-94 below, 95-104 in line)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    preset = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="threshold_set_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ScoreBand(models.Model):
    """One band of a threshold set: scores from `min_score` up to the next band's."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    threshold_set = models.ForeignKey(ThresholdSet, on_delete=models.CASCADE, related_name="bands")
    label = models.CharField(max_length=80)
    min_score = models.PositiveSmallIntegerField()
    meets_expectation = models.BooleanField(default=False)
    colour = models.CharField(max_length=7, default="#5a8fc4")  # 3:1 or more on white

    class Meta:
        ordering = ["threshold_set", "min_score"]
        constraints = [
            models.UniqueConstraint(
                fields=["threshold_set", "min_score"], name="score_band_min_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.min_score}+)"


class Test(Versioned):
    """A test the school sets: what it is, when, its maximum mark and how marks become scores."""

    __test__ = False  # not a pytest test class

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    publisher = models.CharField(max_length=120, blank=True)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    nc_year = models.PositiveSmallIntegerField("NC year")
    point = models.ForeignKey(
        AssessmentPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_on = models.DateField()
    max_raw_mark = models.PositiveSmallIntegerField()
    score_kind = models.CharField(max_length=20, choices=ScoreKind.choices)
    table = models.ForeignKey(
        ConversionTable, null=True, blank=True, on_delete=models.PROTECT, related_name="tests"
    )
    thresholds = models.ForeignKey(
        ThresholdSet, null=True, blank=True, on_delete=models.PROTECT, related_name="tests"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_on", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name", "taken_on"], name="test_name_unique_per_date"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.max_raw_mark < 1:
            raise ValidationError("A test needs a maximum raw mark of at least 1.")
        if self.score_kind != ScoreKind.RAW and self.table_id is None:
            raise ValidationError("Choose the conversion table that turns raw marks into scores.")


class TestResult(models.Model):
    """A pupil's raw mark on a test and the score it converts to."""

    __test__ = False  # not a pytest test class

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    test = models.ForeignKey(Test, on_delete=models.CASCADE, related_name="results")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    raw_mark = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    age_months = models.PositiveSmallIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["test", "pupil"], name="test_result_once_per_pupil")
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} on {self.test_id}: {self.raw_mark}"


class TestResultHistory(AppendOnlyModel):
    """Every change to a result, kept for good (append-only)."""

    __test__ = False  # not a pytest test class

    class Source(models.TextChoices):
        GRID = "grid", "Results grid"
        IMPORT = "import", "Import"
        API = "api", "API"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    result = models.ForeignKey(TestResult, on_delete=models.CASCADE, related_name="history")
    old_raw = models.PositiveSmallIntegerField(null=True)
    new_raw = models.PositiveSmallIntegerField(null=True)
    old_score = models.PositiveSmallIntegerField(null=True)
    new_score = models.PositiveSmallIntegerField(null=True)
    version = models.PositiveIntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.GRID)

    class Meta:
        ordering = ["result", "version"]

    def __str__(self) -> str:
        return f"{self.old_raw} to {self.new_raw}"


class Target(Versioned):
    """A pupil's target in one subject at one assessment point."""

    class Kind(models.TextChoices):
        BAND = "band", "An attainment band"
        SCORE = "score", "A test score"
        PCT_SECURE = "pct_secure", "% of the year's objectives secure"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey(AssessmentPoint, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    band = models.ForeignKey(
        Band, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    value = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The score or % secure aimed for."
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "subject", "point"], name="target_once_per_point"
            )
        ]

    def __str__(self) -> str:
        return f"target of {self.pupil_id} at {self.point_id}"


class ProgressJudgement(Versioned):
    """The teacher's word, from all the evidence, on whether a pupil is making good progress."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey(AssessmentPoint, on_delete=models.CASCADE, related_name="+")
    good_progress = models.BooleanField()
    reason = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "subject", "point"], name="progress_judgement_once_per_point"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id}: {'good' if self.good_progress else 'not yet'}"


class PriorAttainmentGroup(models.Model):
    """One of the school's prior attainment groups (low, middle, high by default)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["school", "order"]
        constraints = [
            models.UniqueConstraint(fields=["school", "key"], name="prior_group_key_unique")
        ]

    def __str__(self) -> str:
        return self.label


class PriorAttainmentRule(models.Model):
    """Which group a recorded outcome puts a pupil in (e.g. KS1 EXS: middle)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=10, choices=KeyStage.choices)
    outcome = models.CharField(max_length=20)
    group = models.ForeignKey(PriorAttainmentGroup, on_delete=models.CASCADE, related_name="rules")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "stage", "outcome"], name="prior_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.outcome}: {self.group_id}"


class PupilPriorAttainment(Versioned):
    """A pupil's prior attainment group as the school entered it (beats what is derived)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(PriorAttainmentGroup, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "subject"], name="prior_attainment_once")
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id}: {self.group_id}"


class PointsSetting(Versioned):
    """Whether the school has switched points on (off until a leader does, on a warning screen)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return "points on" if self.enabled else "points off"


class BandPoints(models.Model):
    """Points the school gives a band (used only while points are on)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    band = models.OneToOneField(Band, on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField(max_digits=5, decimal_places=1)

    def __str__(self) -> str:
        return f"{self.band_id}: {self.points}"


class LevelPoints(models.Model):
    """Points the school gives a rating level (used only while points are on)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    level = models.OneToOneField(RatingLevel, on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField(max_digits=5, decimal_places=1)

    def __str__(self) -> str:
        return f"{self.level_id}: {self.points}"
