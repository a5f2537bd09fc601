"""A deterministic demo school (or trust of schools) for trying and benchmarking Trackwell.

The same seed always gives the same pupils, classes and judgements. Pupils
learn unevenly: each has a starting point and a trajectory with its own ups
and downs, so graphs look like real schools, not straight lines.
"""

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Model
from django.utils import timezone

from trackwell.accounts.models import Role, User
from trackwell.analysis.defaults import create_default_bands
from trackwell.analysis.services import snapshot_closed_points
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.core.models import AcademicYear, AssessmentPoint, School, Trust
from trackwell.curriculum.defaults import (
    LIBRARY_SUBJECTS,
    adopt_library_subject,
    create_depth_scale,
)
from trackwell.curriculum.models import Framework, Objective, RatingLevel, TaughtObjective
from trackwell.demo.meetings import add_meetings
from trackwell.demo.people import add_people
from trackwell.demo.provision import build_provision
from trackwell.demo.scores import add_scores
from trackwell.pupils.models import (
    Enrolment,
    Pupil,
    PupilGroup,
    SchoolClass,
    SenStatus,
    Sex,
    StaffAssignment,
)
from trackwell.pupils.upn import make_upn

from .parents import add_demo_families

DEMO_PASSWORD = "trackwell-demo"
DEMO_SUBJECTS = ["maths", "reading", "writing", "science"]
SCHOOL_NAMES = [
    "Oakfield Primary",
    "Brookside Primary",
    "Hollybank Primary",
    "Millbrook Primary",
    "Kingsmead Primary",
    "Ashgrove Primary",
    "Riverside Primary",
    "Fernhill Primary",
    "Elmstead Primary",
    "Larkrise Primary",
    "Westcombe Primary",
    "Heathfield Primary",
]
FORM_NAMES = ["Oak", "Ash", "Birch"]
FIRST_NAMES_F = [
    "Amelia",
    "Olivia",
    "Isla",
    "Ava",
    "Freya",
    "Lily",
    "Mia",
    "Ivy",
    "Florence",
    "Sophia",
    "Grace",
    "Aisha",
    "Zara",
    "Maryam",
    "Evie",
    "Poppy",
    "Elsie",
    "Ruby",
    "Hannah",
    "Priya",
    "Nadia",
    "Chloe",
    "Maja",
    "Leah",
    "Fatima",
    "Layla",
    "Rosie",
    "Imogen",
    "Harriet",
    "Tia",
]
FIRST_NAMES_M = [
    "Oliver",
    "Noah",
    "George",
    "Arthur",
    "Leo",
    "Muhammad",
    "Harry",
    "Oscar",
    "Jack",
    "Theo",
    "Freddie",
    "Alfie",
    "Ethan",
    "Yusuf",
    "Reuben",
    "Kai",
    "Jacob",
    "Samuel",
    "Isaac",
    "Tomasz",
    "Daniel",
    "Omar",
    "Aryan",
    "Joseph",
    "Finley",
    "Louis",
    "Ibrahim",
    "Rory",
    "Zain",
    "Caleb",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Khan",
    "Wood",
    "Jackson",
    "Clarke",
    "Hussain",
    "Lewis",
    "Harris",
    "Begum",
    "Martin",
    "Cooper",
    "Kowalski",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Ali",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "Ahmed",
    "Okafor",
    "Nowak",
    "Mensah",
    "Price",
    "Bennett",
    "Shaw",
    "Mitchell",
    "Lloyd",
    "Reid",
    "Chen",
]
SCHOOL_GROUPS = [("Young carers", 0.03), ("Service families", 0.03), ("Joined this year", 0.06)]


@dataclass(frozen=True)
class DemoOptions:
    schools: int = 1
    forms: int = 1
    seed: int = 2026
    pupils_per_class: int = 30
    today: date = date(2026, 11, 22)
    # Each school's provision map, review meetings, parents' releases and last year's
    # reports: made through the apps' services, a few seconds a school. The bench's trust
    # of 50 leaves them out (no trust page's figures read them).
    extras: bool = True


@dataclass
class DemoResult:
    trust: Trust
    schools: list[School]
    logins: list[tuple[str, str, str]]  # username, role, what they see


Progress = Callable[[str, int], None]


def _no_progress(label: str, step: int) -> None:
    return None


def progress_steps(options: DemoOptions) -> int:
    """How many times `generate` reports progress, for a bar with a known length.

    Per school: curriculum, pupils and classes, one step per class last year
    (Reception to Year 5: this year's Reception pupils had not started), one
    per class this year (Reception to Year 6), and bands with snapshots.
    """
    return options.schools * (3 + 6 * options.forms + 7 * options.forms)


def year_start(today: date) -> int:
    """The calendar year in which the current academic year began."""
    return today.year if today.month >= 9 else today.year - 1


def _aware(d: date, hour: int = 15) -> datetime:
    return timezone.make_aware(datetime.combine(d, time(hour, 0)))


def generate(options: DemoOptions = DemoOptions(), progress: Progress = _no_progress) -> DemoResult:
    """Create the demo trust and its schools; call on an empty database."""
    rng = random.Random(options.seed)
    with transaction.atomic():
        trust = Trust.objects.create(name="Demo Learning Trust")
        schools = []
        logins: list[tuple[str, str, str]] = []
        for index in range(options.schools):
            school, school_logins = _school(trust, index, options, rng, progress)
            add_people(school)
            schools.append(school)
            logins.extend(school_logins)
        if options.schools > 1:
            logins.append(_trust_leader(trust))
    return DemoResult(trust, schools, logins)


TRUST_LEADER_USERNAME = "trustlead"


def _trust_leader(trust: Trust) -> tuple[str, str, str]:
    """A trust leader for a demo trust of several schools (the one-school demo has none)."""
    User.objects.create(
        username=TRUST_LEADER_USERNAME,
        first_name="Morgan",
        last_name="Ellis",
        role=Role.TRUST_LEADER,
        trust=trust,
        password=make_password(DEMO_PASSWORD),
    )
    return (TRUST_LEADER_USERNAME, Role.TRUST_LEADER.label, "every school's summaries; no pupils")


def _school(
    trust: Trust, index: int, options: DemoOptions, rng: random.Random, progress: Progress
) -> tuple[School, list[tuple[str, str, str]]]:
    name = SCHOOL_NAMES[index % len(SCHOOL_NAMES)] + (
        "" if index < len(SCHOOL_NAMES) else f" {index}"
    )
    school = School.objects.create(trust=trust, name=name, urn=str(140000 + index * 17))
    progress(f"{name}: curriculum", 0)
    scale = create_depth_scale(school)
    levels = {lv.value: lv for lv in RatingLevel.objects.filter(scale=scale)}
    {
        slug: adopt_library_subject(school, slug, title, scale, order)
        for order, (slug, title) in enumerate(LIBRARY_SUBJECTS)
        if slug in DEMO_SUBJECTS
    }
    frameworks: dict[tuple[str, int], Framework] = {
        (fw.subject.slug, fw.nc_year): fw
        for fw in Framework.objects.filter(school=school).select_related("subject")
    }
    objectives: dict[int, list[Objective]] = {}
    for obj in Objective.objects.filter(school=school).order_by(
        "framework", "strand__order", "order"
    ):
        objectives.setdefault(obj.framework_id, []).append(obj)

    start = year_start(options.today)
    last = AcademicYear.objects.create(
        school=school,
        name=f"{start - 1}/{str(start)[2:]}",
        start_date=date(start - 1, 9, 1),
        end_date=date(start, 8, 31),
    )
    this = AcademicYear.objects.create(
        school=school,
        name=f"{start}/{str(start + 1)[2:]}",
        start_date=date(start, 9, 1),
        end_date=date(start + 1, 8, 31),
        is_current=True,
    )
    points_last = _points(school, last, closed_before=options.today)
    _points(school, this, closed_before=options.today)

    progress(f"{name}: pupils and classes", 0)
    pupils = _pupils(school, index, options, rng, start)
    groups = [PupilGroup.objects.create(school=school, name=g) for g, _ in SCHOOL_GROUPS]
    through = Pupil.groups.through
    through.objects.bulk_create(
        through(pupil_id=p.pk, pupilgroup_id=g.pk)
        for p in pupils
        for g, (_, share) in zip(groups, SCHOOL_GROUPS, strict=True)
        if rng.random() < share
    )
    classes_this = _classes(school, this, pupils, options, offset=0)
    classes_last = _classes(school, last, pupils, options, offset=1)
    logins = _staff(school, index, classes_this, options)

    # Pupils' own starting points and ups and downs, per subject.
    ability: dict[tuple[int, str], float] = {}
    for p in pupils:
        base = rng.gauss(0, 0.9)
        if p.sen_status == SenStatus.SUPPORT:
            base -= 0.9
        elif p.sen_status == SenStatus.EHCP:
            base -= 1.6
        if p.disadvantaged:
            base -= 0.3
        for slug in DEMO_SUBJECTS:
            ability[(p.pk, slug)] = base + rng.gauss(0, 0.45)

    creator = User.objects.filter(school=school, role=Role.LEADER).first()
    written = _Written()
    # Last year: three closed points, everything taught by the summer.
    for step, (school_class, members) in enumerate(classes_last, start=1):
        progress(f"{name}: last year's judgements", step)
        _judge_year(
            school,
            school_class,
            members,
            frameworks,
            objectives,
            ability,
            rng,
            written,
            point_dates=[p.date for p in points_last],
            taught_fractions=[0.35, 0.7, 1.0],
            creator=creator,
        )
    # This year so far: about a third of each framework taught by late November.
    fraction = _fraction_of_year(this, options.today)
    for step, (school_class, members) in enumerate(classes_this, start=1):
        progress(f"{name}: this year's judgements", step)
        _judge_year(
            school,
            school_class,
            members,
            frameworks,
            objectives,
            ability,
            rng,
            written,
            point_dates=[options.today - timedelta(days=3)],
            taught_fractions=[fraction],
            creator=creator,
            drift=0.35,
        )
    _write_judgements(school, written, levels, creator)
    progress(f"{name}: bands and snapshots", 0)
    create_default_bands(school)
    snapshot_closed_points(school=school)
    if options.extras:
        build_provision(school, options.today, options.seed)
        add_meetings(school, options.seed + index)
    add_scores(school, today=options.today, ability=ability, seed=options.seed * 100 + index)
    if options.extras:
        logins += add_demo_families(school, index, classes_this, DEMO_PASSWORD, options.seed)
    return school, logins


def _fraction_of_year(year: AcademicYear, today: date) -> float:
    teaching_days = (date(year.end_date.year, 7, 20) - year.start_date).days
    return max(0.1, min(1.0, (today - year.start_date).days / teaching_days))


def _points(school: School, year: AcademicYear, closed_before: date) -> list[AssessmentPoint]:
    y0, y1 = year.start_date.year, year.end_date.year
    spec = [("Autumn", date(y0, 12, 11)), ("Spring", date(y1, 3, 26)), ("Summer", date(y1, 7, 9))]
    return [
        AssessmentPoint.objects.create(
            school=school,
            year=year,
            name=n,
            date=d,
            state=AssessmentPoint.State.CLOSED if d < closed_before else AssessmentPoint.State.OPEN,
        )
        for n, d in spec
    ]


def _pupils(
    school: School, index: int, options: DemoOptions, rng: random.Random, start: int
) -> list[Pupil]:
    pupils = []
    serial = 0
    for nc_year in range(0, 7):
        for _ in range(options.forms * options.pupils_per_class):
            serial += 1
            sex = rng.choice([Sex.FEMALE, Sex.MALE])
            first = rng.choice(FIRST_NAMES_F if sex == Sex.FEMALE else FIRST_NAMES_M)
            born_year = start - nc_year - 5
            dob = date(born_year, 9, 1) + timedelta(days=rng.randrange(365))
            r = rng.random()
            sen = (
                SenStatus.EHCP if r < 0.025 else SenStatus.SUPPORT if r < 0.155 else SenStatus.NONE
            )
            disadvantaged = rng.random() < 0.25
            pupils.append(
                Pupil(
                    school=school,
                    upn=make_upn(925 + index, 2000 + index, start - nc_year, serial),
                    first_name=first,
                    last_name=rng.choice(LAST_NAMES),
                    date_of_birth=dob,
                    sex=sex,
                    nc_year=nc_year,
                    disadvantaged=disadvantaged,
                    fsm=disadvantaged and rng.random() < 0.8,
                    sen_status=sen,
                    eal=rng.random() < 0.2,
                    looked_after=rng.random() < 0.01,
                )
            )
    Pupil.objects.bulk_create(pupils)
    if pupils[0].pk is None:
        ids = dict(Pupil.objects.filter(school=school).values_list("upn", "pk"))
        for p in pupils:
            p.pk = ids[p.upn]
    return pupils


def _classes(
    school: School, year: AcademicYear, pupils: list[Pupil], options: DemoOptions, offset: int
) -> list[tuple[SchoolClass, list[Pupil]]]:
    """Classes of a year; `offset` 1 puts pupils in last year's (one year younger) classes."""
    result = []
    enrolments: list[Enrolment] = []
    for nc_year in range(0, 7):
        cohort = [p for p in pupils if p.nc_year - offset == nc_year]
        if not cohort:
            continue
        for form in range(options.forms):
            label = "R" if nc_year == 0 else str(nc_year)
            school_class = SchoolClass.objects.create(
                school=school,
                year=year,
                nc_year=nc_year,
                name=f"{label} {FORM_NAMES[form]}"
                if options.forms > 1
                else f"Year {label}"
                if nc_year
                else "Reception",
            )
            members = cohort[form :: options.forms]
            enrolments.extend(
                Enrolment(school=school, pupil=p, school_class=school_class) for p in members
            )
            result.append((school_class, members))
    Enrolment.objects.bulk_create(enrolments)
    return result


def _staff(
    school: School, index: int, classes: list[tuple[SchoolClass, list[Pupil]]], options: DemoOptions
) -> list[tuple[str, str, str]]:
    prefix = "" if index == 0 else f"s{index + 1}."
    password = make_password(DEMO_PASSWORD)
    logins = []

    def user(username: str, first: str, last: str, role: Role, sees: str) -> User:
        logins.append((prefix + username, role.label, sees))
        return User.objects.create(
            username=prefix + username,
            first_name=first,
            last_name=last,
            role=role,
            school=school,
            password=password,
        )

    user("admin", "Sam", "Okoro", Role.ADMIN, "whole school; people and settings")
    user("head", "Helen", "Marsh", Role.LEADER, "whole school")
    user("senco", "Priya", "Shah", Role.SENCO, "every pupil, read only")
    user("governor", "Graham", "Lowe", Role.GOVERNOR, "whole-school summaries only")
    for school_class, _ in classes:
        label = "r" if school_class.nc_year == 0 else str(school_class.nc_year)
        suffix = school_class.name.split()[-1].lower() if options.forms > 1 else ""
        teacher = user(
            f"teacher{label}{suffix}",
            "Alex",
            f"Teacher{label.upper()}{suffix.title()}",
            Role.TEACHER,
            f"edits {school_class.name}; views other classes",
        )
        StaffAssignment.objects.create(school=school, user=teacher, school_class=school_class)
    ta = user("ta", "Jo", "Reynolds", Role.TA, "views the Year 3 and Year 4 classes")
    for school_class, _ in classes:
        if school_class.nc_year in (3, 4):
            StaffAssignment.objects.create(school=school, user=ta, school_class=school_class)
    return logins


def _rating(skill: float, difficulty: float, rng: random.Random) -> int:
    """Map a pupil's skill on an objective to a 0-3 depth rating, with noise."""
    x = skill - difficulty + rng.gauss(0, 0.55)
    if x < -1.1:
        return 0
    if x < -0.25:
        return 1
    if x < 1.5:
        return 2
    return 3


@dataclass
class _Written:
    """A school's judgements as plain rows, with each one's steps, written in one go."""

    judgements: list[tuple[int, int, int, date]] = field(default_factory=list)
    # pupil, objective, final value, final date; steps: (date, value) per version
    steps: list[list[tuple[date, int]]] = field(default_factory=list)


def _judge_year(
    school: School,
    school_class: SchoolClass,
    members: list[Pupil],
    frameworks: dict[tuple[str, int], Framework],
    objectives: dict[int, list[Objective]],
    ability: dict[tuple[int, str], float],
    rng: random.Random,
    written: _Written,
    *,
    point_dates: list[date],
    taught_fractions: list[float],
    creator: User | None,
    drift: float = 0.0,
) -> None:
    """A class's year of judgements, added to `written` (`_write_judgements` stores them)."""
    taught: list[TaughtObjective] = []
    for slug in DEMO_SUBJECTS:
        framework = frameworks.get((slug, school_class.nc_year))
        if framework is None:
            continue
        objs = objectives[framework.pk]
        n = len(objs)
        taught_count = math.ceil(n * taught_fractions[-1])
        taught.extend(
            TaughtObjective(
                school=school, school_class=school_class, objective=o, marked_by=creator
            )
            for o in objs[:taught_count]
        )
        difficulty = [rng.gauss(0, 0.5) + 0.4 * (i / max(1, n - 1)) for i in range(n)]
        for pupil in members:
            skill = ability[(pupil.pk, slug)] + drift
            trajectory = []
            for _ in point_dates:
                skill += rng.gauss(0.15, 0.35)  # mostly up, sometimes down
                trajectory.append(skill)
            for i, obj in enumerate(objs):
                steps: list[tuple[date, int]] = []
                for p_index, (when, fraction) in enumerate(
                    zip(point_dates, taught_fractions, strict=True)
                ):
                    if i >= math.ceil(n * fraction):
                        continue
                    if pupil.sen_status == SenStatus.EHCP and rng.random() < 0.3:
                        continue
                    value = _rating(trajectory[p_index], difficulty[i], rng)
                    if not steps or steps[-1][1] != value:
                        steps.append((when, value))
                if not steps:
                    continue
                final_when, final_value = steps[-1]
                written.judgements.append((pupil.pk, obj.pk, final_value, final_when))
                written.steps.append(steps)
    TaughtObjective.objects.bulk_create(taught, batch_size=BATCH)


# Rows per executemany call when writing plain rows.
BATCH = 5000


def _insert_rows(model: type[Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Plain rows into the model's table: one prepared INSERT run for each batch of rows.

    The demo writes hundreds of thousands of judgements and history rows for a
    trust; building a model instance for each and preparing every field (as
    `bulk_create` does, in batches SQLite limits to 999 parameters) costs more
    than the data. Values must already be in the database's form (`_db_time`).
    """
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def _db_time(model: type[Model], field_name: str, when: date) -> Any:
    """The day's 3 pm, aware, as the database stores the model's datetime field."""
    model_field = model._meta.get_field(field_name)
    assert isinstance(model_field, models.DateTimeField)
    return model_field.get_db_prep_value(_aware(when), connection)


def _write_judgements(
    school: School, written: _Written, levels: dict[int, RatingLevel], creator: User | None
) -> None:
    """The school's judgements, then every step of each as its history (source: demo)."""
    creator_id = creator.pk if creator else None
    dates = {when for steps in written.steps for when, _ in steps}
    updated_at = {d: _db_time(Judgement, "updated_at", d) for d in dates}
    changed_at = {d: _db_time(JudgementHistory, "changed_at", d) for d in dates}
    level_id = {value: level.pk for value, level in levels.items()}
    judgement_columns = (
        *("school_id", "pupil_id", "objective_id", "level_id"),
        *("note", "version", "updated_by_id", "updated_at"),
    )
    _insert_rows(
        Judgement,
        judgement_columns,
        [
            (
                school.pk,
                pupil_id,
                objective_id,
                level_id[value],
                "",
                len(steps),
                creator_id,
                updated_at[when],
            )
            for (pupil_id, objective_id, value, when), steps in zip(
                written.judgements, written.steps, strict=True
            )
        ],
    )
    ids = {
        (pupil_id, objective_id): pk
        for pupil_id, objective_id, pk in Judgement.objects.filter(school=school).values_list(
            "pupil_id", "objective_id", "pk"
        )
    }
    history: list[tuple[Any, ...]] = []
    source = JudgementHistory.Source.DEMO.value
    for (pupil_id, objective_id, _, _), steps in zip(
        written.judgements, written.steps, strict=True
    ):
        judgement_id = ids[(pupil_id, objective_id)]
        previous: int | None = None
        for version, (when, value) in enumerate(steps, start=1):
            history.append(
                (
                    school.pk,
                    judgement_id,
                    previous,
                    level_id[value],
                    "",
                    "",
                    version,
                    creator_id,
                    changed_at[when],
                    source,
                )
            )
            previous = level_id[value]
    history_columns = (
        *("school_id", "judgement_id", "old_level_id", "new_level_id", "old_note"),
        *("new_note", "version", "changed_by_id", "changed_at", "source"),
    )
    _insert_rows(JudgementHistory, history_columns, history)


def iter_logins(result: DemoResult) -> Iterator[str]:
    for username, role, sees in result.logins:
        yield f"  {username:<16} {role:<20} {sees}"
