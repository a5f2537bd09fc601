"""A pupil's learning in words for families: per subject, what they learn, do well and do next.

Used by the parents' pages, the report-writing page and the PDF report, so a
parent reads the same words everywhere. No percentages, no staff band labels,
no comparison with other children.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from trackwell.analysis.evaluation import load_band_sets, point_results
from trackwell.analysis.gaps import Gap, pupil_gaps
from trackwell.analysis.models import Band
from trackwell.assessment.models import Judgement
from trackwell.core.models import AssessmentPoint
from trackwell.curriculum.models import Framework, Objective, Subject, TaughtObjective
from trackwell.pupils.models import Pupil, SchoolClass

from .models import ParentRelease, ParentSettings

LEARNING_SHOWN = 6
STRENGTHS_SHOWN = 4
NEXT_STEPS_SHOWN = 3
GAPS_SHOWN = 8

# Our own gentle words, used where the school has written none.
MEETS_WORDS = "Learning what we expect at this time of year"
WORKING_TOWARDS_WORDS = "Building up this year's learning, with support from their teachers"
DEFAULT_HOME_HELP = {
    "maths": (
        "Count and measure together in everyday life: cooking, shopping, telling the time. "
        "Ask your child to explain how they worked something out."
    ),
    "reading": (
        "Share a book for ten minutes most days, and talk about the story and the words. "
        "Reading to your child counts too, at any age."
    ),
    "writing": (
        "Give writing a real purpose: a shopping list, a card, a note to a relative. "
        "Praise ideas first, then spelling and handwriting."
    ),
    "science": (
        "Wonder aloud together: why does ice melt, where do puddles go? Let your child "
        "make a guess and find out."
    ),
}
GENERAL_HOME_HELP = (
    "Ask your child what they enjoyed learning this week, and let them teach you something."
)


def band_phrase(band: Band | None, settings: ParentSettings | None) -> str:
    """How a band reads for parents: the band's own words for parents, the school's, or ours."""
    if band is None:
        return ""
    if band.parent_label:
        return band.parent_label
    if settings is not None and settings.band_words.get(band.key):
        return str(settings.band_words[band.key])
    return MEETS_WORDS if band.meets_expectation else WORKING_TOWARDS_WORDS


def home_help_for(subject: Subject, settings: ParentSettings | None) -> str:
    """The school's words on helping at home with a subject, or a gentle default."""
    if settings is not None and settings.home_help.get(subject.slug):
        return str(settings.home_help[subject.slug])
    return DEFAULT_HOME_HELP.get(subject.slug, GENERAL_HOME_HELP)


@dataclass
class SubjectSummary:
    subject: Subject
    phrase: str
    band: Band | None
    learning: list[Objective] = field(default_factory=list)
    strengths: list[Objective] = field(default_factory=list)
    next_steps: list[Objective] = field(default_factory=list)
    gap_count: int = 0
    home_help: str = ""
    gaps: list[Gap] = field(default_factory=list)  # for staff (the report-writing page) only


@dataclass
class ChildSummary:
    pupil: Pupil
    point: AssessmentPoint | None
    school_class: SchoolClass | None
    subjects: list[SubjectSummary]


def released_points(school_id: int) -> list[AssessmentPoint]:
    """Points the school has shared with parents, most recent first."""
    return list(
        AssessmentPoint.objects.filter(
            school_id=school_id,
            pk__in=ParentRelease.objects.filter(school_id=school_id).values("point_id"),
        )
        .select_related("year")
        .order_by("-date")
    )


def _term_start(point: AssessmentPoint) -> datetime:
    earlier = (
        AssessmentPoint.objects.filter(year_id=point.year_id, date__lt=point.date)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    start = earlier or point.year.start_date
    return timezone.make_aware(datetime.combine(start, time.min))


def summarise(
    pupil: Pupil,
    point: AssessmentPoint | None,
    settings: ParentSettings | None,
    *,
    with_band: bool = True,
    sets: Any = None,
) -> ChildSummary:
    """The pupil's subjects at an assessment point, in words for families.

    `sets`: the school's band sets when the caller has them already (a batch of reports).
    """
    if point is None:
        return ChildSummary(pupil, None, None, [])
    school_class = (
        SchoolClass.objects.filter(enrolments__pupil=pupil, year_id=point.year_id)
        .order_by("pk")
        .first()
    )
    sets = sets if sets is not None else load_band_sets(pupil.school_id)
    results = point_results(point, pupil_ids=[pupil.pk], sets=sets)
    subjects = list(Subject.objects.filter(school_id=pupil.school_id))
    frameworks = {
        fw.pk: fw
        for fw in Framework.objects.filter(subject__in=subjects).select_related("subject", "scale")
    }
    class_ids = [school_class.pk] if school_class else []
    since = _term_start(point)
    out = []
    for subject in subjects:
        r = results.rows.get((pupil.pk, subject.pk))
        if r is None or r.framework_id is None or r.framework_id not in frameworks:
            continue
        framework = frameworks[r.framework_id]
        prev = next(
            (
                fw
                for fw in frameworks.values()
                if fw.subject_id == subject.pk and fw.nc_year == framework.nc_year - 1
            ),
            None,
        )
        gaps = pupil_gaps(pupil, framework, prev, class_ids)
        learning = [
            t.objective
            for t in TaughtObjective.objects.filter(
                school_class_id__in=class_ids,
                objective__framework=framework,
                objective__archived_at__isnull=True,
                marked_at__gte=since,
            )
            .select_related("objective")
            .order_by("-objective__is_key", "objective__order", "objective__pk")[:LEARNING_SHOWN]
        ]
        strengths = [
            j.objective
            for j in Judgement.objects.filter(
                pupil=pupil,
                objective__framework=framework,
                objective__archived_at__isnull=True,
                level__counts_as_secure=True,
            )
            .select_related("objective")
            .order_by("-level__is_greater_depth", "-objective__is_key", "-updated_at", "pk")[
                :STRENGTHS_SHOWN
            ]
        ]
        band = r.attainment.shown if (with_band and r.attainment) else None
        out.append(
            SubjectSummary(
                subject=subject,
                phrase=band_phrase(band, settings),
                band=band,
                learning=learning,
                strengths=strengths,
                next_steps=gaps.next_steps[:NEXT_STEPS_SHOWN],
                gap_count=len(gaps.gaps) + len(gaps.carried),
                home_help=home_help_for(subject, settings),
                gaps=(gaps.carried + gaps.gaps)[:GAPS_SHOWN],
            )
        )
    return ChildSummary(pupil, point, school_class, out)


# What an intervention is for, in words for families, by area of need. Shown only where the
# school chooses to name areas of need to parents (`show_support_need`): otherwise a
# subject's support says its subject, and any other support says no more than "extra support".
NEED_WORDS = {
    "communication": "Speaking, listening and getting on with others",
    "cognition": "Help with learning and remembering",
    "semh": "Feelings, confidence and well-being",
    "sensory": "Physical or sensory needs",
}
SUPPORT_PURPOSE_SHOWN = 3


@dataclass
class SupportLine:
    name: str
    purpose: str
    aims: list[str]
    how_often: str
    until: date


def _how_often(intervention: Any) -> str:
    per_week = intervention.sessions_per_week
    times = f"{per_week:g}" if per_week != per_week.to_integral_value() else str(int(per_week))
    often = {"1": "Once a week", "2": "Twice a week"}.get(times, f"{times} times a week")
    group = (
        "one to one with an adult"
        if intervention.group_size <= 1
        else f"in a small group of {intervention.group_size}"
    )
    return f"{often}, {intervention.minutes_per_session} minutes each time, {group}"


def support_for(
    pupil: Pupil, point: AssessmentPoint | None, settings: ParentSettings | None
) -> list[SupportLine]:
    """The child's current interventions in words for families, where the school allows it.

    Only once a point is shared and `show_support` is on; only support in place on the
    day that point was shared (released like the rest) and still going today. Never staff
    notes (descriptions, targets, comments, evaluations), never an area of need unless the
    school turns on `show_support_need`.
    """
    from trackwell.provision.queries import current_for_pupil

    if point is None or settings is None or not settings.show_support:
        return []
    release = ParentRelease.objects.filter(point=point).values_list("released_at", flat=True)
    released_at = release.first()
    if released_at is None:
        return []
    lines = []
    for intervention in current_for_pupil(
        pupil.pk, on=timezone.localdate(), started_by=timezone.localdate(released_at)
    ):
        aims = [o.statement for o in intervention.objectives.all()][:SUPPORT_PURPOSE_SHOWN]
        if intervention.subject is not None:
            subject = intervention.subject.name
            purpose = f"Extra help with {subject}"
            if settings.show_support_need and intervention.area in NEED_WORDS:
                purpose = f"{NEED_WORDS[intervention.area]}, in {subject}"
        elif settings.show_support_need and intervention.area in NEED_WORDS:
            purpose = NEED_WORDS[intervention.area]
        else:
            purpose = "Extra support in school"
        # Staff name support as they like ("Social communication group", "Sensory
        # circuit"), and such a name tells the area of need: outside a subject it is
        # shown only where the school names areas of need to families.
        name = intervention.name
        if intervention.subject is None and not settings.show_support_need:
            name = "Support in school"
        lines.append(
            SupportLine(
                name=name,
                purpose=purpose,
                aims=aims,
                how_often=_how_often(intervention),
                until=intervention.end_date,
            )
        )
    return lines
