"""The agenda of a meeting, built from the data in a fixed number of queries.

Everything comes from `trackwell.analysis` (point results, earlier positions,
shared gaps) and from provision through `provision_link`; nothing here loops
over pupils with a query each, so a class of 30 costs what a class of 5 does.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.analysis.evaluation import (
    BandSets,
    PupilResult,
    earlier_positions,
    load_band_sets,
    point_results,
    previous_closure,
)
from trackwell.analysis.gaps import SharedGap, shared_gaps
from trackwell.core.models import AssessmentPoint
from trackwell.curriculum.models import Framework, Objective, Subject
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass, SenStatus

from .models import Action, Decision, Meeting, MeetingPupil, PupilNote
from .provision_link import InterventionInfo, get_link

# A pupil is listed for last year's gaps when more than this share of last year's
# objectives is still not secure (a few gaps are ordinary; many need a plan).
CARRIED_SHARE = 1 / 3
# Shared gaps worth the meeting's time: not secure for at least this share of the pupils.
SHARED_SHARE = 0.3
SHARED_LIMIT = 5
# Progress "differs from the class" by this many points of % secure, or a progress band.
DIFFERS_BY = 15.0
ENDING_WITHIN = timedelta(days=21)


@dataclass
class Reason:
    """Why a pupil is on the agenda, with where to look."""

    kind: str
    text: str
    url: str = ""


@dataclass
class PupilItem:
    pupil: Pupil
    reasons: list[Reason] = field(default_factory=list)
    gaps: dict[int, list[Objective]] = field(default_factory=dict)  # subject id -> not secure
    special: str = ""
    added_reason: str = ""
    note: PupilNote | None = None
    decisions: list[Decision] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    interventions: list[InterventionInfo] = field(default_factory=list)

    def has(self, kind: str) -> bool:
        return any(r.kind == kind for r in self.reasons)

    @property
    def gap_focus(self) -> str:
        """The pupil's first few gaps, to pre-fill an intervention's focus."""
        lines = []
        for objectives in self.gaps.values():
            for o in objectives[:3]:
                lines.append(f"{o.code}: {o.statement}")
        return "\n".join(lines[:5])

    @property
    def gap_ids(self) -> list[int]:
        return [o.pk for objectives in self.gaps.values() for o in objectives[:3]][:5]


@dataclass
class SharedGapItem:
    subject: Subject
    gap: SharedGap
    url: str


@dataclass
class Agenda:
    meeting: Meeting
    point: AssessmentPoint
    subjects: list[Subject]
    sets: BandSets
    pupils: list[PupilItem]
    shared: list[SharedGapItem]
    interventions: list[InterventionInfo]
    previous_actions: list[Action]
    class_decisions: list[Decision]
    class_actions: list[Action]
    shows_special: bool
    provision_available: bool
    live: bool

    @property
    def discussed(self) -> list[PupilItem]:
        """Pupils with at least one reason, a note, a decision or an action."""
        return [
            p
            for p in self.pupils
            if p.reasons or p.added_reason or p.note or p.decisions or p.actions
        ]

    def section(self, kind: str) -> list[PupilItem]:
        return [p for p in self.pupils if p.has(kind)]

    @property
    def open_previous(self) -> list[Action]:
        return [a for a in self.previous_actions if a.status == Action.Status.OPEN]


def meeting_pupils(meeting: Meeting) -> QuerySet[Pupil]:
    """The pupils a meeting is about: its class, its year group, and any added by hand."""
    added = Q(pk__in=MeetingPupil.objects.filter(meeting=meeting).values("pupil_id"))
    if meeting.school_class_id is not None:
        scope = Q(enrolments__school_class_id=meeting.school_class_id)
    elif meeting.nc_year is not None:
        scope = Q(
            enrolments__school_class__year_id=meeting.point.year_id,
            enrolments__school_class__nc_year=meeting.nc_year,
        )
    else:
        scope = Q(pk__in=[])
    return (
        Pupil.objects.filter(school_id=meeting.school_id)
        .filter(scope | added)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def meeting_classes(meeting: Meeting) -> list[int]:
    """Classes whose coverage counts for the meeting's shared gaps."""
    if meeting.school_class_id is not None:
        return [meeting.school_class_id]
    qs = SchoolClass.objects.filter(school_id=meeting.school_id, year_id=meeting.point.year_id)
    if meeting.nc_year is not None:
        qs = qs.filter(nc_year=meeting.nc_year)
    else:
        qs = qs.filter(enrolments__pupil__in=meeting_pupils(meeting)).distinct()
    return list(qs.values_list("pk", flat=True))


def previous_actions(meeting: Meeting, pupil_ids: Iterable[int]) -> list[Action]:
    """Last time's actions: those of earlier meetings of this class or about these pupils.

    Earlier meetings of the same class, or (across a new school year) of classes
    these pupils were in, bring their class-wide actions and those about these
    pupils; older open actions about these pupils come along too.
    """
    ids = list(pupil_ids)
    earlier = Meeting.objects.filter(
        school_id=meeting.school_id, point__date__lt=meeting.point.date
    )
    related = (
        Q(school_class_id=meeting.school_class_id) if meeting.school_class_id else Q(pk__in=[])
    )
    related |= Q(
        Exists(
            Enrolment.objects.filter(school_class_id=OuterRef("school_class_id"), pupil_id__in=ids)
        )
    )
    last_point = (
        earlier.filter(related)
        .order_by("-point__date")
        .values_list("point__date", flat=True)
        .first()
    )
    about = Q(pupil_id__in=ids)
    whole_class = Q(pupil__isnull=True) & (
        Q(meeting__school_class_id=meeting.school_class_id)
        if meeting.school_class_id
        else Q(pk__in=[])
    )
    qs = Action.objects.filter(school_id=meeting.school_id, meeting__in=earlier).filter(
        about | whole_class
    )
    if last_point is not None:
        qs = qs.filter(Q(meeting__point__date=last_point) | Q(status=Action.Status.OPEN))
    else:
        qs = qs.filter(status=Action.Status.OPEN)
    return list(
        qs.select_related(
            "owner", "pupil", "meeting", "meeting__point", "meeting__point__year"
        ).order_by("meeting__date", "due", "pk")
    )


def _low_orders(sets: BandSets) -> set[int]:
    """Orders of the main attainment set's bands below the first that meets expectations."""
    attainment = sets.attainment
    if attainment is None:
        return set()
    meets = [b.order for b in attainment.bands if b.meets_expectation]
    floor = min(meets) if meets else 1
    return {b.order for b in attainment.bands if b.order < floor}


def _progress_order(r: PupilResult) -> int | None:
    band = r.progress
    return band.shown.order if band else None


def build_agenda(meeting: Meeting, user: User) -> Agenda:
    """Everything the meeting needs, prepared from the data (constant queries)."""
    point = meeting.point
    school_id = meeting.school_id
    pupils = list(meeting_pupils(meeting))
    ids = [p.pk for p in pupils]
    subjects = list(Subject.objects.filter(school_id=school_id).order_by("order", "name"))
    by_subject = {s.pk: s for s in subjects}
    sets = load_band_sets(school_id)
    results = point_results(point, pupil_ids=ids, sets=sets)
    attainment = sets.attainment
    before = earlier_positions(previous_closure(point), attainment.pk if attainment else None, ids)
    low = _low_orders(sets)
    band_label = {b.order: b.label for b in attainment.bands} if attainment else {}
    class_ids = meeting_classes(meeting)
    # Special-category flags only for pupils whose flags this user may see: a pupil added
    # from another class keeps theirs hidden from this class's teacher.
    if access.sees_special_category(user):
        special_ok = set(ids)
    else:
        special_ok = set(
            access.special_category_pupils(user).filter(pk__in=ids).values_list("pk", flat=True)
        )
    shows_special = bool(special_ok)
    items = {p.pk: PupilItem(p) for p in pupils}

    def pupil_url(pupil_id: int) -> str:
        from django.urls import reverse

        return reverse("report-pupil", args=[pupil_id])

    def confirm_url(subject: Subject) -> str:
        from django.urls import reverse

        if meeting.school_class_id is None:
            return ""
        return reverse("report-confirm", args=[meeting.school_class_id, subject.slug])

    # Bands: down, low, changed by the teacher; gaps carried from last year.
    for (pupil_id, subject_id), r in results.rows.items():
        item = items.get(pupil_id)
        subject = by_subject.get(subject_id)
        if item is None or subject is None:
            continue
        now = r.attainment.shown.order if r.attainment else None
        earlier = before.get((pupil_id, subject_id))
        if now is not None and earlier is not None and now < earlier.order:
            item.reasons.append(
                Reason(
                    "down",
                    f"{subject.name}: {band_label.get(earlier.order, '?')} to "
                    f"{band_label.get(now, '?')}",
                    pupil_url(pupil_id),
                )
            )
        elif now is not None and now in low:
            stayed = earlier is not None and earlier.order in low
            item.reasons.append(
                Reason(
                    "low",
                    f"{subject.name}: {'still ' if stayed else ''}{band_label.get(now, '?')}",
                    pupil_url(pupil_id),
                )
            )
        for band in r.bands.values():
            if band.differs and band.confirmed is not None:
                item.reasons.append(
                    Reason(
                        "changed",
                        f"{subject.name}: {band.set_name} confirmed as {band.confirmed.label} "
                        f"where {band.suggested.label} was suggested"
                        + (f" ({band.reason})" if band.reason else ""),
                        confirm_url(subject) or pupil_url(pupil_id),
                    )
                )
        prev_objectives = int(r.figures.get("prev_objectives") or 0)
        prev_secure = int(r.figures.get("prev_secure") or 0)
        carried = prev_objectives - prev_secure
        if prev_objectives and carried > CARRIED_SHARE * prev_objectives:
            item.reasons.append(
                Reason(
                    "carried",
                    f"{subject.name}: {carried} of last year's {prev_objectives} objectives "
                    "not yet secure",
                    pupil_url(pupil_id),
                )
            )

    # SEN support and pupil premium pupils whose progress differs from their class's.
    if shows_special:
        for subject in subjects:
            rows = [r for (p, s), r in results.rows.items() if s == subject.pk and p in items]
            progress = [o for r in rows if (o := _progress_order(r)) is not None]
            secure = [
                float(v) for r in rows if (v := r.figures.get("pct_secure_of_year")) is not None
            ]
            typical_progress = statistics.median_low(progress) if progress else None
            typical_secure = statistics.median(secure) if secure else None
            for r in rows:
                pupil = items[r.pupil_id].pupil
                if r.pupil_id not in special_ok:
                    continue
                if pupil.sen_status == SenStatus.NONE and not pupil.disadvantaged:
                    continue
                words = []
                own = _progress_order(r)
                if own is not None and typical_progress is not None and own != typical_progress:
                    progress_band = r.progress
                    assert progress_band is not None
                    side = "below" if own < typical_progress else "above"
                    words.append(f"progress {progress_band.shown.label} ({side} most of the class)")
                else:
                    value = r.figures.get("pct_secure_of_year")
                    if (
                        value is not None
                        and typical_secure is not None
                        and abs(float(value) - typical_secure) >= DIFFERS_BY
                    ):
                        words.append(
                            f"{round(float(value))}% secure against the class's "
                            f"{round(typical_secure)}%"
                        )
                if words:
                    items[r.pupil_id].reasons.append(
                        Reason(
                            "groups", f"{subject.name}: {'; '.join(words)}", pupil_url(r.pupil_id)
                        )
                    )
        for item in items.values():
            if item.pupil.pk not in special_ok:
                continue
            labels = []
            if item.pupil.sen_status != SenStatus.NONE:
                labels.append(item.pupil.get_sen_status_display())
            if item.pupil.disadvantaged:
                labels.append("Pupil premium")
            item.special = ", ".join(labels)

    # Shared gaps across the class, and each pupil's own gaps for the decision forms.
    # Each pupil's class year at the point (a pupil's own nc_year is today's, which for
    # last year's meetings is one more than the class's).
    class_year = dict(
        Enrolment.objects.filter(school_class_id__in=class_ids, pupil_id__in=ids).values_list(
            "pupil_id", "school_class__nc_year"
        )
    )
    years_seen = sorted(class_year.values())
    nc_year = (
        meeting.school_class.nc_year
        if meeting.school_class is not None
        else meeting.nc_year
        if meeting.nc_year is not None
        else (statistics.mode(years_seen) if years_seen else None)
    )
    frameworks = (
        {fw.subject_id: fw for fw in Framework.objects.filter(school_id=school_id, nc_year=nc_year)}
        if nc_year is not None
        else {}
    )
    shared: list[SharedGapItem] = []
    from django.urls import reverse

    # A year's framework only says something about that year's pupils (a set of pupils
    # may mix years; an added pupil may be from another year).
    same_year = [p for p in pupils if class_year.get(p.pk) == nc_year]
    for subject in subjects:
        framework = frameworks.get(subject.pk)
        if framework is None or not same_year:
            continue
        gaps = shared_gaps(same_year, framework, class_ids)
        for g in gaps:
            for p in g.not_secure:
                items[p.pk].gaps.setdefault(subject.pk, []).append(g.objective)
        url = (
            reverse("report-class-gaps", args=[meeting.school_class_id, subject.slug])
            if meeting.school_class_id
            else reverse("report-year-gaps", args=[nc_year, subject.slug])
        )
        for g in gaps[:SHARED_LIMIT]:
            if g.count >= SHARED_SHARE * len(same_year) and g.count > 1:
                shared.append(SharedGapItem(subject, g, url))

    # Each pupil's own gaps as the pupil page orders next steps: key objectives first.
    for item in items.values():
        for objectives in item.gaps.values():
            objectives.sort(key=lambda o: (not o.is_key, o.strand.order, o.order, o.pk))

    # This meeting's record so far.
    for note in PupilNote.objects.filter(meeting=meeting).select_related("updated_by"):
        if note.pupil_id in items:
            items[note.pupil_id].note = note
    class_decisions: list[Decision] = []
    for decision in Decision.objects.filter(meeting=meeting).select_related("created_by"):
        if decision.pupil_id in items:
            items[decision.pupil_id].decisions.append(decision)
        elif decision.pupil_id is None:
            class_decisions.append(decision)
    class_actions: list[Action] = []
    for action in Action.objects.filter(meeting=meeting).select_related("owner"):
        if action.pupil_id in items:
            items[action.pupil_id].actions.append(action)
        elif action.pupil_id is None:
            class_actions.append(action)
    for added in MeetingPupil.objects.filter(meeting=meeting):
        if added.pupil_id in items:
            items[added.pupil_id].added_reason = added.reason or "Added to the agenda"

    # Provision: interventions these pupils take part in, and those ending around the point.
    link = get_link()
    interventions = link.for_pupils(school_id, ids)
    if interventions:
        # Link only the interventions this user may open (a teacher sees their classes').
        from dataclasses import replace

        opens = set(access.visible_interventions(user).values_list("pk", flat=True))
        interventions = [i if i.ref in opens else replace(i, url="") for i in interventions]
    for info in interventions:
        for pupil_id in info.pupil_ids:
            if pupil_id in items:
                items[pupil_id].interventions.append(info)
    # Ended since the last point (when the last round met), or ending soon after this meeting.
    last_date = (
        AssessmentPoint.objects.filter(school_id=school_id, date__lt=point.date)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    ending = link.ending(
        school_id, ids, last_date or point.year.start_date, meeting.date + ENDING_WITHIN
    )

    return Agenda(
        meeting=meeting,
        point=point,
        subjects=subjects,
        sets=sets,
        pupils=list(items.values()),
        shared=shared,
        interventions=ending,
        previous_actions=previous_actions(meeting, ids),
        class_decisions=class_decisions,
        class_actions=class_actions,
        shows_special=shows_special,
        provision_available=link.available,
        live=results.live,
    )


def meeting_actions(meeting: Meeting) -> list[Action]:
    """Every action agreed at this meeting, with its owner and pupil, by due date."""
    return list(
        Action.objects.filter(meeting=meeting)
        .select_related("owner", "pupil", "decision")
        .order_by("due", "pk")
    )


def upcoming_for(user: User, today: date, limit: int = 10) -> list[Meeting]:
    """Planned meetings the user attends or whose class they teach, soonest first."""
    qs = access.visible_meetings(user).filter(status=Meeting.Status.PLANNED)
    if user.role in access.WHOLE_SCHOOL_READ:
        # Leaders and SENCOs see every meeting; their home page lists those they attend.
        qs = qs.filter(attendees__user=user)
    return list(
        qs.filter(date__gte=today - timedelta(days=14))
        .select_related("school_class", "point", "point__year")
        .order_by("date", "pk")[:limit]
    )


def open_actions_for(user: User, limit: int = 20) -> list[Action]:
    """The user's own open actions, soonest due first."""
    if not access.sees_pupils(user):
        return []
    return list(
        Action.objects.filter(
            owner=user, status=Action.Status.OPEN, school_id=access.school_id_of(user)
        )
        .select_related("meeting", "meeting__school_class", "pupil")
        .order_by("due", "pk")[:limit]
    )


def provision_decisions(school_id: int) -> QuerySet[Decision]:
    """Every meeting's provision decisions across the school, newest meeting first."""
    return (
        Decision.objects.filter(
            school_id=school_id,
            kind__in=[k.value for k in Decision.PROVISION_KINDS],
            withdrawn=False,
        )
        .select_related("meeting", "meeting__school_class", "meeting__point", "pupil", "created_by")
        .order_by("-meeting__date", "meeting__pk", "pk")
    )


def with_counts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Meetings with their open and total action counts (one query)."""
    return meetings.annotate(
        open_actions=Count("actions", filter=Q(actions__status=Action.Status.OPEN), distinct=True),
        all_actions=Count("actions", distinct=True),
        decision_count=Count("decisions", filter=Q(decisions__withdrawn=False), distinct=True),
    )


def rounds_to_schedule(school_id: int, limit: int = 6) -> list[dict[str, Any]]:
    """Points a round may be scheduled for, with how many classes have no meeting yet."""
    # Closed points, newest first, and the current year's open points to plan ahead.
    points = list(
        AssessmentPoint.objects.filter(school_id=school_id)
        .filter(Q(state=AssessmentPoint.State.CLOSED) | Q(year__is_current=True))
        .select_related("year")
        .order_by("-date")[:limit]
    )
    classes = dict(
        SchoolClass.objects.filter(year_id__in={p.year_id for p in points})
        .values("year_id")
        .annotate(n=Count("pk"))
        .values_list("year_id", "n")
    )
    held = dict(
        Meeting.objects.filter(point__in=points, school_class__isnull=False)
        .values("point_id")
        .annotate(n=Count("pk"))
        .values_list("point_id", "n")
    )
    return [
        {
            "point": p,
            "classes": classes.get(p.year_id, 0),
            "scheduled": held.get(p.pk, 0),
            "unscheduled": max(0, classes.get(p.year_id, 0) - held.get(p.pk, 0)),
        }
        for p in points
    ]
