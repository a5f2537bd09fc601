"""Builders for small, explicit test schools (the demo generator is tested on its own)."""

from dataclasses import dataclass, field
from datetime import date

from trackwell.accounts.models import Role, User
from trackwell.core.models import AcademicYear, AssessmentPoint, School, Trust
from trackwell.curriculum.defaults import create_depth_scale
from trackwell.curriculum.models import Framework, Objective, RatingScale, Strand, Subject
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass, SenStatus, Sex, StaffAssignment
from trackwell.pupils.upn import make_upn

PASSWORD = "test-pass-123"


@dataclass
class World:
    """A school with two Year 3 classes, a maths framework and a user for every role."""

    school: School
    year: AcademicYear
    scale: RatingScale
    maths: Subject
    framework: Framework
    framework_y2: Framework
    objectives: list[Objective]
    class_a: SchoolClass
    class_b: SchoolClass
    pupils_a: list[Pupil]
    pupils_b: list[Pupil]
    users: dict[str, User] = field(default_factory=dict)


_serial = 0


def make_user(school: School | None, username: str, role: Role, trust: Trust | None = None) -> User:
    user = User(
        username=username,
        school=school,
        trust=trust,
        role=role,
        first_name=username.title(),
        last_name="Test",
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_pupils(
    school: School, school_class: SchoolClass, count: int, **attrs: object
) -> list[Pupil]:
    global _serial
    pupils = []
    for i in range(count):
        _serial += 1
        pupil = Pupil.objects.create(
            school=school,
            upn=make_upn(900, 1000 + school.pk % 9000, 19, _serial % 1000),
            first_name=f"Pupil{i:02d}",
            last_name=f"{school_class.name.replace(' ', '')}-{i:02d}",
            date_of_birth=date(2018, 1 + i % 12, 1 + i % 28),
            sex=Sex.FEMALE if i % 2 else Sex.MALE,
            nc_year=school_class.nc_year,
            **attrs,
        )
        Enrolment.objects.create(school=school, pupil=pupil, school_class=school_class)
        pupils.append(pupil)
    return pupils


def make_framework(
    school: School, subject: Subject, scale: RatingScale, nc_year: int, count: int
) -> Framework:
    framework = Framework.objects.create(
        school=school,
        subject=subject,
        nc_year=nc_year,
        name=f"{subject.name} Year {nc_year}",
        scale=scale,
    )
    strands = [
        Strand.objects.create(school=school, framework=framework, name=f"Strand {n}", order=n)
        for n in range(3)
    ]
    Objective.objects.bulk_create(
        Objective(
            school=school,
            framework=framework,
            strand=strands[i % 3],
            code=f"{subject.slug[:2].upper()}{nc_year}-{i:02d}",
            statement=f"Objective {i} of year {nc_year}",
            order=i,
            is_key=i % 4 == 0,
        )
        for i in range(count)
    )
    return framework


def make_world(
    name: str = "Test Primary",
    pupils_per_class: int = 5,
    objectives: int = 6,
    trust: Trust | None = None,
) -> World:
    """A school in its own new trust, or in `trust` when given."""
    trust = trust or Trust.objects.create(name=f"{name} Trust")
    school = School.objects.create(name=name, trust=trust)
    year = AcademicYear.objects.create(
        school=school,
        name="2026/27",
        start_date=date(2026, 9, 1),
        end_date=date(2027, 8, 31),
        is_current=True,
    )
    AssessmentPoint.objects.create(school=school, year=year, name="Autumn", date=date(2026, 12, 11))
    scale = create_depth_scale(school)
    maths = Subject.objects.create(school=school, name="Maths", slug="maths")
    framework = make_framework(school, maths, scale, 3, objectives)
    framework_y2 = make_framework(school, maths, scale, 2, 4)
    class_a = SchoolClass.objects.create(school=school, year=year, name="3 Oak", nc_year=3)
    class_b = SchoolClass.objects.create(school=school, year=year, name="3 Ash", nc_year=3)
    pupils_a = make_pupils(school, class_a, pupils_per_class)
    pupils_b = make_pupils(school, class_b, 3)
    prefix = name.split()[0].lower()
    users = {
        "admin": make_user(school, f"{prefix}-admin", Role.ADMIN),
        "leader": make_user(school, f"{prefix}-leader", Role.LEADER),
        "teacher": make_user(school, f"{prefix}-teacher", Role.TEACHER),
        "other_teacher": make_user(school, f"{prefix}-teacher-b", Role.TEACHER),
        "ta": make_user(school, f"{prefix}-ta", Role.TA),
        "senco": make_user(school, f"{prefix}-senco", Role.SENCO),
        "governor": make_user(school, f"{prefix}-governor", Role.GOVERNOR),
    }
    StaffAssignment.objects.create(school=school, user=users["teacher"], school_class=class_a)
    StaffAssignment.objects.create(school=school, user=users["other_teacher"], school_class=class_b)
    StaffAssignment.objects.create(school=school, user=users["ta"], school_class=class_a)
    objs = list(Objective.objects.filter(framework=framework).order_by("strand__order", "order"))
    return World(
        school,
        year,
        scale,
        maths,
        framework,
        framework_y2,
        objs,
        class_a,
        class_b,
        pupils_a,
        pupils_b,
        users,
    )


def make_trust_leader(trust: Trust, username: str = "trust-leader") -> User:
    return make_user(None, username, Role.TRUST_LEADER, trust=trust)


def make_parent(school: School, pupils: list[Pupil], username: str = "parent") -> User:
    """A parent or carer who has signed up, linked to `pupils` (their own children)."""
    from trackwell.parents.models import ChildLink, Contact

    user = make_user(school, username, Role.PARENT)
    contact = Contact.objects.create(
        school=school, first_name=user.first_name, last_name="Test", email="", user=user
    )
    for pupil in pupils:
        ChildLink.objects.create(school=school, contact=contact, pupil=pupil, relationship="Parent")
    return user


__all__ = [
    "PASSWORD",
    "SenStatus",
    "World",
    "make_parent",
    "make_pupils",
    "make_trust_leader",
    "make_user",
    "make_world",
]
