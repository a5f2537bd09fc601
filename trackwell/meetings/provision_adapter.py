"""Provision as the meetings see it: the `ProvisionLink` backed by `trackwell.provision`.

Decisions call provision's own services (which version-check, validate and
audit), so a decision at a meeting is the provision map's change: nothing is
typed twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from trackwell.core.models import School
from trackwell.provision import services as provision
from trackwell.provision.from_gaps import create_from_pupil_gaps
from trackwell.provision.models import (
    AreaOfNeed,
    ClassroomStrategy,
    Intervention,
    InterventionStaff,
    Participant,
    Session,
    Status,
)
from trackwell.provision.sessions import add_strategy
from trackwell.pupils.models import Pupil, SchoolClass, SenStatus

from .provision_link import Change, InterventionInfo, SencoItems

OPEN = [Status.PLANNED, Status.RUNNING]
SEN_LIST_LIMIT = 50


def _url(intervention_id: int) -> str:
    """The intervention's page where the provision app has one (it is being built)."""
    for name in ("provision:intervention", "provision:detail"):
        try:
            return reverse(name, args=[intervention_id])
        except NoReverseMatch:
            continue
    return ""


def _outcomes(intervention: Intervention, counts: dict[str, int]) -> str:
    if not counts:
        return "" if intervention.is_open else "no outcomes recorded yet"
    words = {"met": "met", "partly": "partly met", "not_met": "not met"}
    return ", ".join(f"{n} {words.get(k, k)}" for k, n in sorted(counts.items()) if n)


class ProvisionAdapter:
    """Meetings' door to provision."""

    available = True

    def start(
        self,
        *,
        user: Any,
        school: School,
        pupil: Pupil,
        name: str,
        focus: str,
        objective_ids: Sequence[int],
        starts: dt.date,
    ) -> Change:
        if objective_ids:
            plan: dict[str, Any] = {"description": focus} if focus else {}
            intervention = create_from_pupil_gaps(
                user=user,
                pupil=pupil,
                objective_ids=list(objective_ids),
                name=name,
                start_date=starts,
                **plan,
            )
        else:
            intervention = provision.create_intervention(
                user=user,
                school=school,
                name=name,
                area=AreaOfNeed.ACADEMIC,
                start_date=starts,
                description=focus,
                pupil_ids=[pupil.pk],
            )
        return Change(
            intervention.pk,
            f"On the provision map: {intervention.name} for {pupil.full_name}, "
            f"{intervention.start_date:%-d %B %Y} to {intervention.end_date:%-d %B %Y}.",
            _url(intervention.pk),
        )

    def change(
        self, *, user: Any, school: School, ref: int, kind: str, text: str, weeks: int = 6
    ) -> Change:
        from django.core.exceptions import ValidationError

        intervention = Intervention.objects.filter(school=school, pk=ref).first()
        if intervention is None:
            raise ValidationError("That intervention is not on your school's provision map.")
        if kind == "extend":
            changed = provision.extend_intervention(
                user=user,
                intervention=intervention,
                expected_version=intervention.version,
                weeks=weeks,
                reason=text,
            )
            summary = f"Extended {changed.name} by {weeks} weeks, to {changed.end_date:%-d %B %Y}."
        elif kind == "stop":
            # One not yet begun ends on its start date: stopped before it ran.
            changed = provision.stop_intervention(
                user=user,
                intervention=intervention,
                expected_version=intervention.version,
                on=max(timezone.localdate(), intervention.start_date),
                reason=text,
            )
            summary = f"Stopped {changed.name} on {changed.end_date:%-d %B %Y}."
        else:
            note = (
                f"Adapted at a review meeting: {text}" if text else "Adapted at a review meeting."
            )
            description = (intervention.description + "\n" + note).strip()
            changed = provision.update_intervention(
                user=user,
                intervention_id=intervention.pk,
                school=school,
                expected_version=intervention.version,
                changes={"description": description},
            )
            summary = f"Adapted {changed.name}: the change is in its description."
        return Change(changed.pk, summary, _url(changed.pk))

    def strategy(
        self, *, user: Any, school_class: SchoolClass, pupil: Pupil | None, text: str
    ) -> Change:
        first_line = (text.strip().splitlines() or [""])[0]
        title = first_line[:120] or "Classroom strategy agreed at a review"
        strategy = add_strategy(
            user=user, school_class=school_class, pupil=pupil, title=title, description=text
        )
        return Change(strategy.pk, f"Classroom strategy on the provision map: {strategy.title}.")

    def for_pupils(self, school_id: int, pupil_ids: Collection[int]) -> list[InterventionInfo]:
        by_id: dict[int, tuple[Intervention, list[int]]] = {}
        for part in Participant.objects.filter(
            school_id=school_id,
            pupil_id__in=list(pupil_ids),
            intervention__status__in=OPEN,
            left_on__isnull=True,
        ).select_related("intervention"):
            entry = by_id.setdefault(part.intervention_id, (part.intervention, []))
            entry[1].append(part.pupil_id)
        return [
            InterventionInfo(
                i.pk, i.name, i.end_date, i.get_status_display(), "", _url(i.pk), tuple(ids)
            )
            for i, ids in by_id.values()
        ]

    def ending(
        self, school_id: int, pupil_ids: Collection[int] | None, since: dt.date, until: dt.date
    ) -> list[InterventionInfo]:
        qs = Intervention.objects.filter(school_id=school_id, end_date__range=(since, until))
        if pupil_ids is not None:
            qs = qs.filter(
                Exists(
                    Participant.objects.filter(
                        intervention=OuterRef("pk"), pupil_id__in=list(pupil_ids)
                    )
                )
            )
        interventions = list(qs.order_by("end_date", "name", "pk")[:50])
        counts: dict[int, dict[str, int]] = {}
        members: dict[int, list[int]] = {}
        for intervention_id, pupil_id, outcome in Participant.objects.filter(
            intervention__in=interventions
        ).values_list("intervention_id", "pupil_id", "outcome"):
            members.setdefault(intervention_id, []).append(pupil_id)
            if outcome:
                bucket = counts.setdefault(intervention_id, {})
                bucket[outcome] = bucket.get(outcome, 0) + 1
        return [
            InterventionInfo(
                i.pk,
                i.name,
                i.end_date,
                i.get_status_display(),
                _outcomes(i, counts.get(i.pk, {})),
                _url(i.pk),
                tuple(members.get(i.pk, [])),
            )
            for i in interventions
        ]

    def senco_items(self, school_id: int, today: dt.date) -> SencoItems:
        ending = [
            InterventionInfo(i.pk, i.name, i.end_date, i.get_status_display(), "", _url(i.pk))
            for i in Intervention.objects.filter(
                school_id=school_id,
                status__in=OPEN,
                end_date__range=(today, today + dt.timedelta(days=21)),
            ).order_by("end_date", "pk")[:30]
        ]
        due = [
            InterventionInfo(i.pk, i.name, i.end_date, i.get_status_display(), "", _url(i.pk))
            for i in Intervention.objects.filter(school_id=school_id)
            .filter(Q(status=Status.ENDED) | Q(status=Status.RUNNING, end_date__lt=today))
            .order_by("end_date", "pk")[:30]
        ]
        in_provision = Participant.objects.filter(
            pupil=OuterRef("pk"), intervention__status__in=OPEN, left_on__isnull=True
        )
        with_strategy = ClassroomStrategy.objects.filter(pupil=OuterRef("pk"), active=True)
        pupils = list(
            Pupil.objects.filter(school_id=school_id, sen_status=SenStatus.SUPPORT)
            .filter(~Exists(in_provision), ~Exists(with_strategy))
            .order_by("last_name", "first_name", "pk")[:SEN_LIST_LIMIT]
        )
        return SencoItems(ending=ending, evaluations_due=due, sen_without_provision=pupils)

    def ta_groups(self, user: Any, today: dt.date) -> tuple[list[InterventionInfo], list[Any]]:
        delivering = InterventionStaff.objects.filter(intervention=OuterRef("pk"), user=user)
        groups = list(
            Intervention.objects.filter(school_id=user.school_id, status__in=OPEN)
            .filter(Exists(delivering))
            .annotate(pupils=Count("participants", distinct=True))
            .order_by("time_of_day", "name", "pk")
        )
        recorded = set(
            Session.objects.filter(intervention__in=groups, date=today).values_list(
                "intervention_id", flat=True
            )
        )
        infos = [
            InterventionInfo(
                g.pk,
                g.name,
                g.end_date,
                g.get_status_display(),
                f"{g.pupils} pupil{'s' if g.pupils != 1 else ''}",
                _url(g.pk),
            )
            for g in groups
        ]
        today_sessions = [
            {
                "group": info,
                "time": g.get_time_of_day_display(),
                "minutes": g.minutes_per_session,
                "recorded": g.pk in recorded,
            }
            for g, info in zip(groups, infos, strict=True)
            if g.status == Status.RUNNING and g.start_date <= today <= g.end_date
        ]
        return infos, today_sessions


LINK = ProvisionAdapter()
