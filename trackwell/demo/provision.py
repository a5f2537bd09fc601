"""Demo provision: a dozen interventions across the four areas of need and academic subjects.

Some ended and evaluated, some running with sessions recorded, one planned; costs,
funding and budgets; classroom strategies; the demo teaching assistant delivers
several groups. Deterministic for a given school and options.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from trackwell.accounts.models import Role, User
from trackwell.core.models import AcademicYear, School
from trackwell.curriculum.models import Framework, Objective, TaughtObjective
from trackwell.provision import builtin, services
from trackwell.provision.models import (
    Attendance,
    ClassroomStrategy,
    Intervention,
    Measure,
    Participant,
    ParticipantMeasure,
    ProvisionBudget,
    Session,
    Status,
)
from trackwell.provision.values import combine_outcomes, work_out_outcome
from trackwell.pupils.models import Pupil, SchoolClass, SenStatus

from .provision_plans import (
    EXTERNAL_RATE,
    PERSONAL,
    PLANS,
    SENCO_RATE,
    STRATEGIES,
    TA_RATE,
    TARGETS,
    TEACHER_RATE,
    Plan,
)


def build_provision(school: School, today: date, seed: int) -> None:
    """Create the school's demo provision map (about a dozen interventions)."""
    rng = random.Random(f"{seed}-provision-{school.name}")
    year = AcademicYear.objects.get(school=school, is_current=True)
    measures = services.ensure_builtin_measures(school)
    reading_age = services.create_measure(
        user=None,
        school=school,
        name="Reading age",
        kind="numeric",
        min_value=Decimal(48),
        max_value=Decimal(180),
        unit="months",
        description="From the school's standardised reading test.",
    )
    sub_levels = services.create_sub_levels(user=None, school=school)
    fine_motor = services.create_measure(
        user=None,
        school=school,
        name="Fine motor checklist",
        kind="ordinal",
        steps=["Emerging", "Developing", "Secure", "Confident"],
        description="The school's own checklist of pencil grip, cutting and threading.",
    )
    chosen = {
        "reading_age": [reading_age],
        "sub_levels": [sub_levels],
        "fine_motor": [fine_motor],
        "leuven_both": [measures[builtin.WELLBEING], measures[builtin.INVOLVEMENT]],
        builtin.WELLBEING: [measures[builtin.WELLBEING]],
        builtin.INVOLVEMENT: [measures[builtin.INVOLVEMENT]],
    }
    staff = {u.role: u for u in User.objects.filter(school=school).order_by("-pk")}
    teachers = {
        c.nc_year: c.assignments.first().user  # type: ignore[union-attr]
        for c in SchoolClass.objects.filter(year=year).prefetch_related("assignments__user")
        if c.assignments.exists()
    }
    # Pupils with SEN first, then disadvantaged, then others, so provision goes where need is.
    by_year: dict[int, list[Pupil]] = {}
    for pupil in Pupil.objects.filter(school=school, classes__year=year).distinct().order_by("pk"):
        by_year.setdefault(pupil.nc_year, []).append(pupil)
    for pupils in by_year.values():
        rng.shuffle(pupils)
        pupils.sort(key=lambda p: (p.sen_status == SenStatus.NONE, not p.disadvantaged))
    used: dict[int, int] = {}
    for plan in PLANS:
        candidates = [p for y in plan.years for p in by_year.get(y, [])]
        # Leave some pupils on the SEN register without provision, so the SENCO sees them.
        candidates = [p for p in candidates if used.get(p.pk, 0) < 2 and p.pk % 7 != 3]
        group = candidates[: plan.pupils]
        for p in group:
            used[p.pk] = used.get(p.pk, 0) + 1
        if not group:
            continue
        start = today - timedelta(days=plan.start_days_ago)
        end = start + timedelta(weeks=plan.weeks) - timedelta(days=3)
        who = _adult(plan.who, staff, teachers, plan.years[0])
        intervention = _create(school, plan, group, start, chosen, who)
        _sessions(intervention, plan, start, min(end, today), rng, who)
        _values(intervention, plan, start, end, today, rng)
        if plan.status in {Status.ENDED, Status.EVALUATED}:
            _close(intervention, plan, end)
    for source, amount in (
        ("pupil_premium", 18000),
        ("sen_notional", 12000),
        ("top_up", 6000),
        ("other", 1500),
    ):
        ProvisionBudget.objects.create(school=school, year=year, source=source, amount=amount)
    _strategies(school, year, rng)


def _adult(
    who: str, staff: dict[str, User], teachers: dict[int, User], nc_year: int
) -> User | None:
    if who == "ta":
        return staff.get(Role.TA)
    if who == "senco":
        return staff.get(Role.SENCO)
    if who == "teacher":
        return teachers.get(nc_year)
    return None


def _create(
    school: School,
    plan: Plan,
    group: list[Pupil],
    start: date,
    chosen: dict[str, list[Measure]],
    who: User | None,
) -> Intervention:
    rate: dict[str, Decimal] = {
        Role.TA: TA_RATE,
        Role.TEACHER: TEACHER_RATE,
        Role.SENCO: SENCO_RATE,
    }
    staff = (
        [services.StaffSpec(user_id=who.pk, hourly_rate=rate.get(who.role, TA_RATE))]
        if who is not None
        else [
            services.StaffSpec(
                external_name="Emotional literacy practitioner (county service)",
                hourly_rate=EXTERNAL_RATE,
            )
        ]
    )
    common = {
        "sessions_per_week": plan.per_week,
        "minutes_per_session": plan.minutes,
        "time_of_day": plan.time_of_day,
        "resources_cost": plan.resources,
        "staff": staff,
        "funding": dict(plan.funding),
        "description": plan.description,
        "status": Status.RUNNING if plan.status != Status.PLANNED else Status.PLANNED,
    }
    if plan.measure.startswith("grid:"):
        objectives = _shared_gaps(group, plan.measure.split(":", 1)[1])
        count = len(objectives)
        return services.create_intervention(
            user=None,
            school=school,
            name=plan.name,
            area=plan.area,
            start_date=start,
            weeks=plan.weeks,
            group_size=len(group),
            objective_ids=[o.pk for o in objectives],
            measure_ids=[services.grid_measure(school).pk],
            pupil_ids=[p.pk for p in group],
            target=f"Secure {count} of these {count} objectives.",
            success_criteria="The class teacher judges each one secure in the grid.",
            subject_id=objectives[0].framework.subject_id if objectives else None,
            **common,  # type: ignore[arg-type]
        )
    return services.create_intervention(
        user=None,
        school=school,
        name=plan.name,
        area=plan.area,
        start_date=start,
        weeks=plan.weeks,
        group_size=len(group),
        measure_ids=[m.pk for m in chosen[plan.measure]],
        pupil_ids=[p.pk for p in group],
        target=TARGETS.get(plan.area, ""),
        **common,  # type: ignore[arg-type]
    )


def _shared_gaps(group: list[Pupil], slug: str) -> list[Objective]:
    """Three objectives taught to the group's class that most of them have not secured."""
    nc_year = group[0].nc_year
    framework = Framework.objects.filter(
        school_id=group[0].school_id, subject__slug=slug, nc_year=nc_year
    ).first()
    if framework is None:
        return []
    taught = TaughtObjective.objects.filter(
        objective__framework=framework, school_class__pupils__in=group
    ).values_list("objective_id", flat=True)
    objectives = list(
        Objective.objects.filter(pk__in=taught).select_related("framework").order_by("order")
    )
    from trackwell.provision.grid import read_grid

    now = read_grid([p.pk for p in group], [o.pk for o in objectives])
    not_secure = {
        o.pk: sum(1 for p in group if now[p.pk].codes.get(str(o.pk)) not in {"2", "3"})
        for o in objectives
    }
    objectives.sort(key=lambda o: (-not_secure[o.pk], o.order))
    return objectives[:3]


def _sessions(
    intervention: Intervention,
    plan: Plan,
    start: date,
    until: date,
    rng: random.Random,
    who: User | None,
) -> None:
    """Sessions on school days from the start to `until`, most pupils present (bulk, for speed)."""
    if plan.status == Status.PLANNED:
        return
    days = _weekdays(start, until, plan.per_week)
    participants = list(intervention.participants.all())
    sessions = Session.objects.bulk_create(
        Session(
            school_id=intervention.school_id,
            intervention=intervention,
            date=day,
            minutes=plan.minutes,
            delivered_by=who,
            note=rng.choice(
                [
                    "",
                    "",
                    "Good focus today.",
                    "Shorter: assembly overran.",
                    "Worked well with the new resources.",
                ]
            ),
        )
        for day in days
    )
    Attendance.objects.bulk_create(
        Attendance(
            school_id=intervention.school_id,
            session=s,
            participant=p,
            present=rng.random() < (0.93 if p.pupil_id % 5 else 0.7),
        )
        for s in sessions
        for p in participants
    )


def _weekdays(start: date, until: date, per_week: int) -> list[date]:
    pattern = {1: (1,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 3, 4)}
    wanted = pattern.get(per_week, (0, 1, 2, 3, 4))
    out, day = [], start
    while day <= until:
        if day.weekday() in wanted and not _holiday(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def _holiday(day: date) -> bool:
    """The autumn half-term week (from the last Monday of October) has no sessions."""
    return day.month == 10 and day.day >= 26


def _values(
    intervention: Intervention, plan: Plan, start: date, end: date, today: date, rng: random.Random
) -> None:
    """Entry values at the start, targets, and exit values for the interventions that ended."""
    if plan.measure.startswith("grid:"):
        return  # read from the grid by the services
    ended = plan.status in {Status.ENDED, Status.EVALUATED}
    for participant in intervention.participants.all():
        for row in ParticipantMeasure.objects.filter(participant=participant).select_related(
            "measure"
        ):
            measure = row.measure
            entry, target_kind, target, exit_ = _numbers(measure, rng)
            row.entry_value, row.entry_date = entry, start
            row.target_kind, row.target_amount = target_kind, target
            if ended:
                row.exit_value, row.exit_date = exit_, min(end, today)
            row.outcome = work_out_outcome(row.entry_value, row.exit_value, target_kind, target)
            row.save()
        participant.outcome = combine_outcomes(
            list(participant.values.values_list("outcome", flat=True))
        )
        participant.save(update_fields=["outcome"])


def _numbers(measure: Measure, rng: random.Random) -> tuple[Decimal, str, Decimal, Decimal]:
    """(entry, target kind, target, exit) on a measure; most pupils gain, not all."""
    luck = rng.random()
    if measure.name == "Reading age":
        entry = Decimal(rng.randint(70, 95))
        gain = Decimal(rng.choice([2, 4, 6, 7, 9, 11])) if luck > 0.15 else Decimal(0)
        return entry, "change", Decimal(6), entry + gain
    if measure.name == "NC sub-levels":
        entry = Decimal(rng.randint(5, 8))  # 2b to 3c
        gain = Decimal(2 if luck > 0.45 else 1 if luck > 0.15 else 0)
        return entry, "change", Decimal(2), entry + gain
    if measure.name == "Fine motor checklist":
        entry = Decimal(rng.randint(1, 2))
        gain = Decimal(1 if luck > 0.2 else 0) + Decimal(1 if luck > 0.8 else 0)
        return entry, "reach", Decimal(3), min(Decimal(4), entry + gain)
    entry = Decimal(rng.randint(1, 3))  # the Leuven scales
    gain = Decimal(2 if luck > 0.6 else 1 if luck > 0.2 else 0)
    return entry, "reach", Decimal(4), min(Decimal(5), entry + gain)


def _close(intervention: Intervention, plan: Plan, end: date) -> None:
    intervention.refresh_from_db()
    intervention = services.stop_intervention(
        user=None, intervention=intervention, expected_version=intervention.version, on=end
    )
    if plan.status == Status.EVALUATED:
        participants = list(Participant.objects.filter(intervention=intervention))
        met = sum(1 for p in participants if p.outcome == "met")
        services.evaluate_intervention(
            user=None,
            intervention=intervention,
            expected_version=intervention.version,
            evaluation=(
                f"{met} of {len(participants)} pupils met their targets. Attendance was good; "
                "keep the group for pupils who need it, and review the targets of those who "
                "did not gain with their class teachers."
            ),
        )


def _strategies(school: School, year: AcademicYear, rng: random.Random) -> None:
    rows = []
    for school_class in SchoolClass.objects.filter(year=year).order_by("nc_year", "name"):
        for title, area, text in rng.sample(STRATEGIES, 3):
            rows.append(
                ClassroomStrategy(
                    school=school,
                    school_class=school_class,
                    title=title,
                    area=area,
                    description=text,
                )
            )
        sen = list(school_class.pupils.exclude(sen_status=SenStatus.NONE).order_by("pk")[:2])
        for pupil, (title, area, text) in zip(sen, rng.sample(PERSONAL, len(sen)), strict=True):
            rows.append(
                ClassroomStrategy(
                    school=school,
                    school_class=school_class,
                    pupil=pupil,
                    title=title,
                    area=area,
                    description=text,
                )
            )
    ClassroomStrategy.objects.bulk_create(rows)
