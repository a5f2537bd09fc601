"""A deterministic demo school (or trust of schools) for trying and benchmarking Trackwell.

The same seed always gives the same pupils, classes and judgements. Pupils
learn unevenly: each has a starting point and a trajectory with its own ups
and downs, so graphs look like real schools, not straight lines.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from trackwell.accounts.models import Role, User
from trackwell.analysis.defaults import create_default_bands
from trackwell.analysis.services import snapshot_closed_points
from trackwell.core.models import AcademicYear, AssessmentPoint, School, Trust
from trackwell.curriculum.defaults import (
    LIBRARY_SUBJECTS,
    adopt_library_subject,
    create_depth_scale,
)
from trackwell.curriculum.models import Framework, Objective, RatingLevel
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

from .judgements import DEMO_SUBJECTS, Written, judge_year, write_judgements
from .names import FIRST_NAMES_F, FIRST_NAMES_M, FORM_NAMES, LAST_NAMES, SCHOOL_NAMES
from .parents import add_demo_families

DEMO_PASSWORD = "trackwell-demo"
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
    written = Written()
    # Last year: three closed points, everything taught by the summer.
    for step, (school_class, members) in enumerate(classes_last, start=1):
        progress(f"{name}: last year's judgements", step)
        judge_year(
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
        judge_year(
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
    write_judgements(school, written, levels, creator)
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


def iter_logins(result: DemoResult) -> Iterator[str]:
    for username, role, sees in result.logins:
        yield f"  {username:<16} {role:<20} {sees}"
