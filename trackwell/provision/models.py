"""Provision: measures, interventions, participants, sessions, classroom strategies, budgets."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from trackwell.core.models import AcademicYear, School
from trackwell.core.versioning import Versioned
from trackwell.curriculum.models import Objective, Subject
from trackwell.pupils.models import Pupil, SchoolClass


class MeasureKind(models.TextChoices):
    ORDINAL = "ordinal", "Ordered list of steps"
    NUMERIC = "numeric", "Number in a range"
    OBJECTIVES = "objectives", "Objectives from the tracking grid"


class Measure(models.Model):
    """Something entry and exit data are recorded on: a school setting.

    Ordinal measures (old sub-levels, the Leuven scales) keep their steps in
    `MeasureStep`; a value is the step's position, 1 for the first. Numeric
    measures keep the number itself. The objectives measure reads the grid: a
    value is how many of the intervention's objectives the pupil has secured.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="measures")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=MeasureKind.choices)
    description = models.TextField(blank=True)
    builtin = models.CharField(
        max_length=30, blank=True, help_text="Set for measures Trackwell provides (Leuven scales)."
    )
    source = models.URLField(blank=True, help_text="Where the measure's descriptors come from.")
    min_value = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True, help_text="For example 'months', 'points'.")
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"], name="measure_name_unique_per_school"
            ),
            models.UniqueConstraint(
                fields=["school", "builtin"],
                condition=~models.Q(builtin=""),
                name="builtin_measure_once_per_school",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ordinal(self) -> bool:
        return self.kind == MeasureKind.ORDINAL

    @property
    def is_numeric(self) -> bool:
        return self.kind == MeasureKind.NUMERIC

    @property
    def reads_grid(self) -> bool:
        return self.kind == MeasureKind.OBJECTIVES


class MeasureStep(models.Model):
    """One step of an ordinal measure; `position` orders the steps from 1."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=40)
    descriptor = models.TextField(blank=True)

    class Meta:
        ordering = ["measure", "position"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "position"], name="step_position_unique"),
            models.UniqueConstraint(fields=["measure", "label"], name="step_label_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class AreaOfNeed(models.TextChoices):
    """The SEND Code of Practice's four broad areas, and academic subjects."""

    COMMUNICATION = "communication", "Communication and interaction"
    COGNITION = "cognition", "Cognition and learning"
    SEMH = "semh", "Social, emotional and mental health"
    SENSORY = "sensory", "Sensory and/or physical"
    ACADEMIC = "academic", "Academic (subject)"


class Status(models.TextChoices):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    ENDED = "ended", "Ended"
    EVALUATED = "evaluated", "Evaluated"


class FundingSource(models.TextChoices):
    PUPIL_PREMIUM = "pupil_premium", "Pupil premium"
    SEN_NOTIONAL = "sen_notional", "SEN notional budget"
    TOP_UP = "top_up", "Top-up funding"
    OTHER = "other", "Other"


class TimeOfDay(models.TextChoices):
    BEFORE_SCHOOL = "before", "Before school"
    MORNING = "morning", "Morning"
    LUNCHTIME = "lunchtime", "Lunchtime"
    AFTERNOON = "afternoon", "Afternoon"
    AFTER_SCHOOL = "after", "After school"
    VARIES = "varies", "Varies"


class Intervention(Versioned):
    """A planned piece of additional provision for a group (or one pupil)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="interventions")
    name = models.CharField(max_length=150)
    area = models.CharField("area of need", max_length=20, choices=AreaOfNeed.choices)
    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True)
    evidence_url = models.URLField("evidence link", blank=True, max_length=500)
    objectives = models.ManyToManyField(Objective, blank=True, related_name="interventions")
    measures = models.ManyToManyField(Measure, blank=True, related_name="interventions")
    adults = models.PositiveSmallIntegerField(default=1, help_text="Adults per group.")
    group_size = models.PositiveSmallIntegerField(default=1, help_text="Pupils per group.")
    sessions_per_week = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal(1))
    minutes_per_session = models.PositiveSmallIntegerField(default=30)
    weeks = models.PositiveSmallIntegerField(default=6)
    start_date = models.DateField()
    end_date = models.DateField()
    time_of_day = models.CharField(max_length=10, choices=TimeOfDay.choices, blank=True)
    resources_cost = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal(0))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    evaluation = models.TextField(blank=True, help_text="The SENCO's evaluation at the end.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name", "pk"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def ratio(self) -> str:
        return f"{self.adults}:{self.group_size}"

    @property
    def planned_sessions(self) -> Decimal:
        return self.sessions_per_week * self.weeks

    @property
    def is_open(self) -> bool:
        return self.status in {Status.PLANNED, Status.RUNNING}


class InterventionStaff(models.Model):
    """An adult delivering an intervention: a member of staff or someone external."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delivering",
    )
    external_name = models.CharField(
        max_length=120, blank=True, help_text="For someone from outside the school."
    )
    hourly_rate = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal(0))

    class Meta:
        ordering = ["intervention", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "user"],
                condition=models.Q(user__isnull=False),
                name="staff_once_per_intervention",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(external_name=""),
                name="staff_is_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.user_id is not None and self.user is not None:
            return self.user.display_name
        return self.external_name


class FundingShare(models.Model):
    """The share of an intervention's cost paid from one funding source (shares add to 100)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(max_length=20, choices=FundingSource.choices)
    percent = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["intervention", "source"]
        constraints = [
            models.UniqueConstraint(fields=["intervention", "source"], name="funding_source_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.percent}%"


class TargetKind(models.TextChoices):
    CHANGE = "change", "Gain of"
    REACH = "reach", "Reach"


class Outcome(models.TextChoices):
    MET = "met", "Met"
    PARTLY = "partly", "Partly met"
    NOT_MET = "not_met", "Not met"


class Participant(Versioned):
    """A pupil in an intervention, with their SMART target and the adult's comment."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="participants"
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="participations")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    target = models.TextField("SMART target", blank=True)
    success_criteria = models.TextField(blank=True)
    comment = models.TextField(
        blank=True, help_text="Other factors: attendance, behaviour, events at home."
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["intervention", "pupil__last_name", "pupil__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "pupil"], name="pupil_once_per_intervention"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil} in {self.intervention}"


class ParticipantMeasure(models.Model):
    """A participant's entry value, target and exit value on one measure."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="values")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="values")
    entry_value = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    entry_date = models.DateField(null=True, blank=True)
    entry_detail = models.JSONField(default=dict, blank=True)
    target_kind = models.CharField(max_length=6, choices=TargetKind.choices, blank=True)
    target_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    exit_value = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    exit_date = models.DateField(null=True, blank=True)
    exit_detail = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["participant", "measure__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "measure"], name="participant_measure_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} on {self.measure_id}"

    @property
    def change(self) -> Decimal | None:
        if self.entry_value is None or self.exit_value is None:
            return None
        return self.exit_value - self.entry_value


class Session(Versioned):
    """One session of an intervention as delivered, with who attended."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField()
    minutes = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=500, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["intervention", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["intervention", "date"], name="one_session_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.intervention} on {self.date}"


class Attendance(models.Model):
    """Whether a participant attended a session."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="attendance"
    )
    present = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} at {self.session_id}: {self.present}"


class ClassroomStrategy(Versioned):
    """Differentiated provision a teacher makes in class, for a class or one pupil."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="strategies"
    )
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.CASCADE, related_name="strategies"
    )
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    area = models.CharField(max_length=20, choices=AreaOfNeed.choices, blank=True)
    active = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school_class", "pupil", "title", "pk"]
        verbose_name_plural = "classroom strategies"

    def __str__(self) -> str:
        return self.title


class ProvisionBudget(models.Model):
    """What the school has to spend on provision from one source in one year."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20, choices=FundingSource.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))

    class Meta:
        ordering = ["year", "source"]
        constraints = [
            models.UniqueConstraint(fields=["year", "source"], name="budget_once_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.year}: {self.amount}"
