"""Pupil progress review meetings, their attendees, pupils, notes, decisions and actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from trackwell.core.models import AssessmentPoint, School
from trackwell.core.versioning import Versioned
from trackwell.pupils.models import NC_YEAR_CHOICES, Pupil, SchoolClass


class Meeting(Versioned):
    """A review of a class, a year group or a set of pupils after an assessment point."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        FOLLOWED_UP = "followed_up", "Followed up"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="meetings")
    # RESTRICT: a point with meetings cannot be deleted on its own (the record would be
    # lost), though deleting its whole school year with its classes still can.
    point = models.ForeignKey(AssessmentPoint, on_delete=models.RESTRICT, related_name="meetings")
    school_class = models.ForeignKey(
        SchoolClass, null=True, blank=True, on_delete=models.CASCADE, related_name="meetings"
    )
    nc_year = models.PositiveSmallIntegerField(
        "year group", null=True, blank=True, choices=NC_YEAR_CHOICES
    )
    title = models.CharField(max_length=120, blank=True)
    date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    notes = models.TextField("general notes", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["school", "status", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["point", "school_class"],
                condition=models.Q(school_class__isnull=False),
                name="one_meeting_per_class_and_point",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What the meeting reviews, in words."""
        if self.title:
            return self.title
        if self.school_class_id is not None:
            return f"{self.school_class} review"
        if self.nc_year is not None:
            return f"{self.get_nc_year_display()} review"
        return "Pupil review"


class Attendee(models.Model):
    """A person expected at a meeting, with the part they play."""

    class Part(models.TextChoices):
        TEACHER = "teacher", "Class teacher"
        LEADER = "leader", "Senior leader"
        SENCO = "senco", "SENCO"
        OTHER = "other", "Other"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_places"
    )
    part = models.CharField(max_length=10, choices=Part.choices, default=Part.OTHER)

    class Meta:
        ordering = ["meeting", "part", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendee_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.user} at meeting {self.meeting_id}"


class MeetingPupil(models.Model):
    """A pupil the teacher (or anyone preparing) added to the agenda by hand, with why."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="added_pupils")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "pupil"], name="meeting_pupil_once")
        ]

    def __str__(self) -> str:
        return f"pupil {self.pupil_id} on meeting {self.meeting_id}"


class PupilNote(Versioned):
    """What worked and what did not for one pupil, written before or during the meeting."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="pupil_notes")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    worked = models.TextField("what worked", blank=True)
    not_worked = models.TextField("what did not work", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "pupil"], name="pupil_note_once")]

    def __str__(self) -> str:
        return f"note on pupil {self.pupil_id} at meeting {self.meeting_id}"


class Decision(Versioned):
    """A decision of one of the kinds the guidance names, for a pupil or the whole class."""

    class Kind(models.TextChoices):
        CLASSROOM = "classroom", "Change classroom strategy"
        START = "start", "Start an intervention"
        EXTEND = "extend", "Extend an intervention"
        ADAPT = "adapt", "Adapt an intervention"
        STOP = "stop", "Stop an intervention"
        SENCO = "senco", "Refer to the SENCO"
        AGENCY = "agency", "Refer to an outside agency"
        PARENTS = "parents", "Talk to parents"
        TRAINING = "training", "Training or support for the teacher"

    PROVISION_KINDS = {Kind.START, Kind.EXTEND, Kind.ADAPT, Kind.STOP}

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField(blank=True)
    # The provision record this decision started or changed (provision app's intervention id);
    # an id, not a foreign key, so meetings keep working whether provision is installed or not.
    intervention_ref = models.PositiveBigIntegerField(null=True, blank=True)
    provision_summary = models.CharField(max_length=300, blank=True)
    withdrawn = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (meeting {self.meeting_id})"

    @property
    def is_provision(self) -> bool:
        return self.kind in self.PROVISION_KINDS


class Action(Versioned):
    """A next step agreed at a meeting: an owner, a due date and what became of it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "No longer needed"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="meeting_actions"
    )
    due = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField("what became of it", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due", "pk"]
        indexes = [models.Index(fields=["owner", "status", "due"])]

    def __str__(self) -> str:
        return self.description
