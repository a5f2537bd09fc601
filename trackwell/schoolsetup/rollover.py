"""The year rollover: one guided step from last year into the next.

`plan_rollover` reads the current year into a plan without writing: the new
year and its points (last year's pattern a year on), each pupil's next NC year,
who leaves (the school's last year group), next year's classes (each of last
year's classes a year on, with its pupils) and the framework each new class
will use in each subject. The admin edits the plan on the preview page;
`apply_rollover` then writes all of it or none, and refuses to run twice for
a year. Nothing of last year is changed: its classes, enrolments, judgements
and closed points stay as they were, readable. Last year's open points are
closed first (their record kept), so each pupil's final band of last year is
their starting point for the new one (`analysis.evaluation.starting_points`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from trackwell.accounts.models import AuditEntry, log_action
from trackwell.core.models import AcademicYear, AssessmentPoint, School
from trackwell.pupils import class_services
from trackwell.pupils import services as pupil_services
from trackwell.pupils.models import (
    Enrolment,
    Pupil,
    PupilAttributeChange,
    SchoolClass,
    nc_year_label,
)
from trackwell.schoolsetup import services as year_services
from trackwell.schoolsetup.models import Rollover

# The last NC year of each phase: pupils in it leave at the end of the year.
LAST_YEAR_OF_PHASE = {
    "nursery": 0,
    "primary": 6,
    "middle": 8,
    "secondary": 11,
    "all_through": 13,
    "special": 13,
}


def a_year_on(day: dt.date) -> dt.date:
    """The same date a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def next_year_name(name: str) -> str:
    """'2026/27' -> '2027/28', '2026-2027' -> '2027-2028'; otherwise the name with ' (next)'."""
    match = re.fullmatch(r"(\d{4})([/\-])(\d{2}|\d{4})", name.strip())
    if not match:
        return f"{name} (next)"
    first, sep, second = int(match.group(1)), match.group(2), match.group(3)
    if len(second) == 2:
        return f"{first + 1}{sep}{(int(second) + 1) % 100:02d}"
    return f"{first + 1}{sep}{int(second) + 1}"


def next_class_name(name: str, nc_year: int) -> str:
    """A class a year on: '3 Oak' -> '4 Oak', 'Y3 Oak' -> 'Y4 Oak', 'Reception Ash' -> '1 Ash'."""
    reception = re.match(r"(?i)^(reception|rec|r)\b\s*(.*)$", name.strip())
    if nc_year == 0 and reception:
        rest = reception.group(2).strip()
        return f"1 {rest}".strip() if rest else "Year 1"
    match = re.search(r"\d+", name)
    if match and int(match.group()) == nc_year:
        return name[: match.start()] + str(nc_year + 1) + name[match.end() :]
    return f"{name} ({nc_year_label(nc_year + 1)})"


@dataclass
class ClassPlan:
    """One of next year's classes, made from one of last year's (or skipped)."""

    from_class_id: int
    from_name: str
    from_nc_year: int
    name: str
    nc_year: int
    create: bool
    pupil_ids: list[int]
    frameworks: list[tuple[str, str]] = field(default_factory=list)  # (subject, framework or '')
    # Per subject: the school's frameworks to choose from, the default and the choice.
    choices: list[FrameworkChoice] = field(default_factory=list)


@dataclass
class FrameworkChoice:
    """Which of the school's frameworks of a subject a new class's grid opens."""

    subject_id: int
    subject: str
    options: list[tuple[int, str]]  # (framework pk, name), any year group
    default_id: int | None
    chosen_id: int | None

    @property
    def changed(self) -> bool:
        return self.chosen_id is not None and self.chosen_id != self.default_id


@dataclass
class RolloverPlan:
    """What the rollover will do; the preview shows it and the admin edits it."""

    school: School
    from_year: AcademicYear
    name: str
    start_date: dt.date
    end_date: dt.date
    points: list[year_services.PointSpec]
    leaving_nc_year: int
    left_on: dt.date
    classes: list[ClassPlan]
    classes_from_import: bool = False
    close_open_points: bool = True
    move_frameworks_up: bool = True
    open_points: list[AssessmentPoint] = field(default_factory=list)
    leavers: list[Pupil] = field(default_factory=list)
    promoted: int = 0
    unplaced: list[Pupil] = field(default_factory=list)
    framework_moves: list[tuple[Pupil, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Next year made already on the years page (no classes yet): rolled into, points kept.
    existing_year: AcademicYear | None = None
    # The admin's framework choices: old class pk -> {subject pk: framework pk}.
    framework_edits: dict[int, dict[int, int]] = field(default_factory=dict)


def current_year_or_error(school: School) -> AcademicYear:
    """The year to roll from: the current one."""
    year = AcademicYear.objects.filter(school=school, is_current=True).first()
    if year is None:
        raise ValidationError({"year": "The school has no current year to roll over from."})
    return year


def already_rolled(year: AcademicYear) -> Rollover | None:
    """The rollover already done from this year, if any."""
    return Rollover.objects.filter(from_year=year).select_related("to_year", "done_by").first()


# A year made by a rollover is rolled over again only in its own last weeks, so the
# rollover cannot be run twice in a row by accident (a double submit, a second admin).
WEEKS_BEFORE_END = 10


def refused_because(year: AcademicYear, today: dt.date) -> str:
    """Why a rollover from this year is refused now, or '' when it may run."""
    done = already_rolled(year)
    if done is not None:
        return f"{year.name} was already rolled over into {done.to_year.name}."
    made_by = Rollover.objects.filter(to_year=year).first()
    opens = year.end_date - dt.timedelta(weeks=WEEKS_BEFORE_END)
    if made_by is not None and today < opens:
        return (
            f"{made_by.from_year.name} was rolled over into {year.name} on "
            f"{year_services.english_date(made_by.done_at.date())}. The next rollover, from "
            f"{year.name}, opens on {year_services.english_date(opens)}."
        )
    return ""


def plan_rollover(school: School, edits: dict[str, Any] | None = None) -> RolloverPlan:
    """The plan for rolling the current year into the next, with the admin's edits applied."""
    edits = edits or {}
    year = current_year_or_error(school)
    points = list(AssessmentPoint.objects.filter(year=year).order_by("date"))
    leaving = edits.get("leaving_nc_year")
    if leaving is None:
        leaving = LAST_YEAR_OF_PHASE.get(school.phase, 0)
        if not school.phase:
            # No phase recorded: the end of the stage the oldest pupils on roll are in.
            top = (
                Pupil.objects.filter(school=school, left_on__isnull=True)
                .order_by("-nc_year")
                .values_list("nc_year", flat=True)
                .first()
            ) or 0
            leaving = 6 if top <= 6 else 11 if top <= 11 else 13
    plan = RolloverPlan(
        school=school,
        from_year=year,
        name=edits.get("name") or next_year_name(year.name),
        start_date=edits.get("start_date") or a_year_on(year.start_date),
        end_date=edits.get("end_date") or a_year_on(year.end_date),
        points=edits.get("points")
        or [year_services.PointSpec(p.name, a_year_on(p.date), p.is_baseline) for p in points],
        leaving_nc_year=int(leaving),
        left_on=edits.get("left_on") or year.end_date,
        classes=[],
        classes_from_import=bool(edits.get("classes_from_import", False)),
        close_open_points=bool(edits.get("close_open_points", True)),
        move_frameworks_up=bool(edits.get("move_frameworks_up", True)),
        open_points=[p for p in points if p.state == AssessmentPoint.State.OPEN],
        framework_edits={
            int(k): {int(s): int(f) for s, f in v.get("frameworks", {}).items()}
            for k, v in edits.get("classes", {}).items()
        },
    )
    _use_existing_year(plan)
    on_roll = list(Pupil.objects.filter(school=school, left_on__isnull=True))
    plan.leavers = sorted(
        (p for p in on_roll if p.nc_year >= plan.leaving_nc_year),
        key=lambda p: (p.last_name, p.first_name),
    )
    leaver_ids = {p.pk for p in plan.leavers}
    plan.promoted = len(on_roll) - len(plan.leavers)
    members: dict[int, list[int]] = defaultdict(list)
    for class_id, pupil_id in Enrolment.objects.filter(school_class__year=year).values_list(
        "school_class_id", "pupil_id"
    ):
        if pupil_id not in leaver_ids:
            members[class_id].append(pupil_id)
    class_edits: dict[int, dict[str, Any]] = edits.get("classes", {})
    for c in SchoolClass.objects.filter(year=year).order_by("nc_year", "name"):
        edit = class_edits.get(c.pk, {})
        leaves = c.nc_year >= plan.leaving_nc_year
        plan.classes.append(
            ClassPlan(
                from_class_id=c.pk,
                from_name=c.name,
                from_nc_year=c.nc_year,
                name=edit.get("name") or next_class_name(c.name, c.nc_year),
                nc_year=int(edit.get("nc_year", min(c.nc_year + 1, 13))),
                create=bool(edit.get("create", not leaves)) and bool(members[c.pk]),
                pupil_ids=members[c.pk],
            )
        )
    placed = {pid for cp in plan.classes if cp.create for pid in cp.pupil_ids}
    if not plan.classes_from_import:
        plan.unplaced = sorted(
            (p for p in on_roll if p.pk not in leaver_ids and p.pk not in placed),
            key=lambda p: (p.nc_year, p.last_name),
        )
    _plan_frameworks(plan)
    _check_plan(plan)
    return plan


def _use_existing_year(plan: RolloverPlan) -> None:
    """Roll into next year if the admin already made it (and it has no classes yet)."""
    existing = (
        AcademicYear.objects.filter(school=plan.school, start_date__gt=plan.from_year.start_date)
        .order_by("start_date")
        .first()
    )
    if existing is None:
        return
    if SchoolClass.objects.filter(year=existing).exists():
        plan.problems.append(
            f"{existing.name} already has classes, so the rollover cannot make them: make "
            f"{existing.name} the current year on the years page instead, or remove its classes."
        )
        return
    plan.existing_year = existing
    plan.name, plan.start_date, plan.end_date = (
        existing.name,
        existing.start_date,
        existing.end_date,
    )
    plan.points = [
        year_services.PointSpec(p.name, p.date, p.is_baseline)
        for p in existing.assessment_points.order_by("date")
    ]


def _plan_frameworks(plan: RolloverPlan) -> None:
    from trackwell.analysis.models import PupilFramework
    from trackwell.curriculum.models import Framework, Subject

    subjects = list(Subject.objects.filter(school=plan.school).order_by("name"))
    frameworks: dict[int, list[Framework]] = defaultdict(list)
    for fw in Framework.objects.filter(school=plan.school).order_by("nc_year"):
        frameworks[fw.subject_id].append(fw)
    chosen: dict[int, dict[int, int]] = plan.framework_edits
    for cp in plan.classes:
        for subject in subjects:
            options = frameworks[subject.pk]
            default = _default_framework(options, cp.nc_year)
            pick = chosen.get(cp.from_class_id, {}).get(subject.pk)
            picked = next((fw for fw in options if fw.pk == pick), None)
            if pick is not None and picked is None:
                plan.problems.append(
                    f"{cp.name}, {subject.name}: choose one of the school's {subject.name} "
                    "frameworks."
                )
            label = _framework_for(options, cp.nc_year)
            if picked is not None and default is not None and picked.pk != default.pk:
                label = f"{picked.name} (chosen)"
            cp.frameworks.append((subject.name, label))
            cp.choices.append(
                FrameworkChoice(
                    subject_id=subject.pk,
                    subject=subject.name,
                    options=[(fw.pk, str(fw.name)) for fw in options],
                    default_id=default.pk if default is not None else None,
                    chosen_id=picked.pk if picked is not None else None,
                )
            )
    leaver_ids = {p.pk for p in plan.leavers}
    by_id = {fw.pk: fw for fws in frameworks.values() for fw in fws}
    for pf in PupilFramework.objects.filter(school=plan.school).select_related(
        "pupil", "subject", "framework"
    ):
        if pf.pupil_id in leaver_ids or pf.pupil.left_on is not None:
            continue
        up = next(
            (
                fw
                for fw in by_id.values()
                if fw.subject_id == pf.subject_id
                and fw.nc_year == pf.framework.nc_year + 1
                and fw.phase == pf.framework.phase
            ),
            None,
        )
        plan.framework_moves.append((pf.pupil, pf.subject.name, up.name if up else ""))


def _default_framework(frameworks: list[Any], nc_year: int) -> Any:
    """The framework a class of this NC year opens by default (as `_framework_for` names it)."""
    if not frameworks:
        return None
    exact = [fw for fw in frameworks if fw.nc_year == nc_year]
    phase = [
        fw
        for fw in frameworks
        if fw.last_nc_year is not None and fw.nc_year <= nc_year <= fw.last_nc_year
    ]
    below = [fw for fw in frameworks if fw.nc_year < nc_year]
    return (exact or phase or [below[-1] if below else frameworks[0]])[0]


def _framework_for(frameworks: list[Any], nc_year: int) -> str:
    """The framework the grid opens for a class of this NC year (as `assessment.grid` picks)."""
    if not frameworks:
        return ""
    exact = [fw for fw in frameworks if fw.nc_year == nc_year]
    if exact:
        return str(exact[0].name)
    phase = [
        fw
        for fw in frameworks
        if fw.last_nc_year is not None and fw.nc_year <= nc_year <= fw.last_nc_year
    ]
    if phase:
        return f"{phase[0].name}"
    below = [fw for fw in frameworks if fw.nc_year < nc_year]
    nearest = below[-1] if below else frameworks[0]
    return f"{nearest.name} (no {nc_year_label(nc_year)} framework yet)"


def _check_plan(plan: RolloverPlan) -> None:
    names = [cp.name.strip().lower() for cp in plan.classes if cp.create]
    for cp in plan.classes:
        if cp.create and names.count(cp.name.strip().lower()) > 1:
            plan.problems.append(
                f"Two of next year's classes are called {cp.name}: rename one, or untick one "
                "and its pupils will wait for a class."
            )
    if plan.open_points and not plan.close_open_points:
        plan.problems.append(
            "Last year has open assessment points. Close them (tick the box) so each pupil's "
            "final band becomes their starting point, or close them on the assessment points "
            "page first."
        )


def apply_rollover(user: Any, school: School, plan: RolloverPlan) -> Rollover:
    """Carry out the plan, all of it or none; refused if this year was already rolled over."""
    from trackwell.analysis import services as analysis_services

    if plan.problems:
        raise ValidationError({"plan": plan.problems})
    with transaction.atomic():
        # One rollover at a time per school: the second waits here, then is refused below.
        School.objects.select_for_update().get(pk=school.pk)
        year = AcademicYear.objects.select_for_update().get(pk=plan.from_year.pk)
        refusal = refused_because(year, pupil_services.today())
        if refusal:
            raise ValidationError({"year": f"{refusal} A rollover runs once."})
        if not year.is_current:
            raise ValidationError({"year": f"{year.name} is no longer the current year."})
        closed = []
        if plan.close_open_points:
            for point in AssessmentPoint.objects.filter(
                year=year, state=AssessmentPoint.State.OPEN
            ).order_by("date"):
                analysis_services.close_point(user=user, point=point)
                closed.append(point.name)
        if plan.existing_year is not None:
            new_year = AcademicYear.objects.select_for_update().get(pk=plan.existing_year.pk)
            if SchoolClass.objects.filter(year=new_year).exists():
                raise ValidationError({"year": f"{new_year.name} has classes now."})
            year_services.make_current(user, school, new_year)
        else:
            new_year = year_services.create_year(
                user,
                school,
                name=plan.name,
                start_date=plan.start_date,
                end_date=plan.end_date,
                points=plan.points,
                make_current=True,
            )
        _mark_leavers(user, school, plan)
        _promote(user, school, plan.start_date)
        created = []
        if not plan.classes_from_import:
            for cp in plan.classes:
                if not cp.create:
                    continue
                new_class = class_services.create_class(
                    user, school, year=new_year, name=cp.name, nc_year=cp.nc_year
                )
                Enrolment.objects.bulk_create(
                    Enrolment(school=school, pupil_id=pid, school_class=new_class)
                    for pid in cp.pupil_ids
                )
                _keep_framework_choices(user, school, cp, new_class)
                created.append(
                    {"class": new_class.name, "from": cp.from_name, "pupils": len(cp.pupil_ids)}
                )
        moved_frameworks = _move_frameworks_up(user, school, plan) if plan.move_frameworks_up else 0
        summary = {
            "from_year": year.name,
            "to_year": new_year.name,
            "points_closed": closed,
            "leavers": len(plan.leavers),
            "left_on": plan.left_on.isoformat(),
            "promoted": plan.promoted,
            "classes": created,
            "classes_from_import": plan.classes_from_import,
            "frameworks_moved_up": moved_frameworks,
        }
        rollover = Rollover.objects.create(
            school=school, from_year=year, to_year=new_year, done_by=user, summary=summary
        )
        log_action(school=school, user=user, action="year.rollover", obj=rollover, new=summary)
    return rollover


def _keep_framework_choices(user: Any, school: School, cp: ClassPlan, new_class: Any) -> None:
    """The frameworks chosen for a new class other than its year group's default."""
    from trackwell.assessment.models import ClassFramework

    who = user if getattr(user, "pk", None) else None
    for choice in cp.choices:
        if not choice.changed or choice.chosen_id is None:
            continue
        ClassFramework.objects.create(
            school=school,
            school_class=new_class,
            subject_id=choice.subject_id,
            framework_id=choice.chosen_id,
            chosen_by=who,
        )
        log_action(
            school=school,
            user=user,
            action="class.framework",
            obj=new_class,
            new={"subject": choice.subject, "framework": choice.chosen_id},
        )


def _mark_leavers(user: Any, school: School, plan: RolloverPlan) -> int:
    """The last year group marked as left, in bulk (as `mark_left`, logged the same way).

    The new year is current by now, so their classes (all of last year) stay as they were.
    """
    reason = "End of the school's last year"
    if plan.left_on < min((p.date_of_birth for p in plan.leavers), default=plan.left_on):
        raise ValidationError({"left_on": "The leaving date is before a leaver's date of birth."})
    ids = [p.pk for p in plan.leavers]
    leaving = Pupil.objects.filter(school=school, pk__in=ids, left_on__isnull=True)
    found = list(leaving.values_list("pk", flat=True))
    leaving.update(left_on=plan.left_on, leaving_reason=reason, version=F("version") + 1)
    who = user if getattr(user, "pk", None) else None
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                school=school,
                user=who,
                action="pupil.left",
                object_type=Pupil._meta.label,
                object_id=str(pk),
                old={"classes": []},
                new={"left_on": plan.left_on.isoformat(), "reason": reason},
            )
            for pk in found
        ],
        batch_size=500,
    )
    return len(found)


def _promote(user: Any, school: School, from_day: dt.date) -> int:
    """Every pupil on roll up a year group, dated and logged like `update_pupil`, in bulk."""
    staying = Pupil.objects.filter(school=school, left_on__isnull=True, nc_year__lt=13)
    before = list(staying.values_list("pk", "nc_year"))
    # One UPDATE for the school rather than one a pupil (a 420-pupil school: 3 queries, not 3000).
    staying.update(nc_year=F("nc_year") + 1, version=F("version") + 1)
    who = user if getattr(user, "pk", None) else None
    PupilAttributeChange.objects.bulk_create(
        [
            PupilAttributeChange(
                school=school,
                pupil_id=pk,
                field="nc_year",
                old_value=str(nc),
                new_value=str(nc + 1),
                effective_from=from_day,
                recorded_by=who,
            )
            for pk, nc in before
        ],
        batch_size=500,
    )
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                school=school,
                user=who,
                action="pupil.update",
                object_type=Pupil._meta.label,
                object_id=str(pk),
                old={"nc_year": str(nc)},
                new={"nc_year": str(nc + 1), "effective_from": from_day.isoformat()},
            )
            for pk, nc in before
        ],
        batch_size=500,
    )
    return len(before)


def _move_frameworks_up(user: Any, school: School, plan: RolloverPlan) -> int:
    from trackwell.analysis import services as analysis_services
    from trackwell.analysis.models import PupilFramework
    from trackwell.curriculum.models import Framework

    moved = 0
    for pf in PupilFramework.objects.filter(
        school=school, pupil__left_on__isnull=True
    ).select_related("pupil", "subject", "framework"):
        up = Framework.objects.filter(
            subject=pf.subject,
            nc_year=pf.framework.nc_year + 1,
            phase=pf.framework.phase,
        ).first()
        if up is not None:
            analysis_services.set_pupil_framework(
                user=user,
                pupil=pf.pupil,
                subject=pf.subject,
                framework=up,
                reason="Moved up a year at the rollover",
            )
            moved += 1
    return moved
