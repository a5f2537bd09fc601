"""Small builders shared by the analysis and report tests."""

from datetime import date, datetime

from django.utils import timezone

from tests.factories import World
from trackwell.analysis.defaults import create_default_bands
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.core.models import AcademicYear, AssessmentPoint
from trackwell.curriculum.models import Framework, Objective, RatingLevel, TaughtObjective
from trackwell.pupils.models import Pupil


def level(world: World, code: str) -> RatingLevel:
    return RatingLevel.objects.get(scale=world.scale, code=code)


def judge(
    world: World, pupil: Pupil, objective: Objective, code: str, at: datetime | None = None
) -> Judgement:
    """Set a rating directly, with a history row dated `at` (default now)."""
    when = at or timezone.now()
    judgement, _ = Judgement.objects.update_or_create(
        pupil=pupil,
        objective=objective,
        defaults={"school": world.school, "level": level(world, code), "updated_at": when},
    )
    version = JudgementHistory.objects.filter(judgement=judgement).count() + 1
    JudgementHistory.objects.create(
        school=world.school,
        judgement=judgement,
        new_level=judgement.level,
        version=version,
        changed_at=when,
    )
    return judgement


def objectives(framework: Framework) -> list[Objective]:
    return list(Objective.objects.filter(framework=framework).order_by("strand__order", "order"))


def teach(world: World, objs: list[Objective], school_class=None) -> None:
    TaughtObjective.objects.bulk_create(
        TaughtObjective(
            school=world.school, school_class=school_class or world.class_a, objective=o
        )
        for o in objs
    )


def with_bands(world: World) -> World:
    create_default_bands(world.school)
    return world


def point(world: World, name: str = "Autumn") -> AssessmentPoint:
    return AssessmentPoint.objects.get(year=world.year, name=name)


def add_points(world: World) -> None:
    """Spring and summer points for the world's year (it has autumn already)."""
    for name, d in [("Spring", date(2027, 3, 26)), ("Summer", date(2027, 7, 9))]:
        AssessmentPoint.objects.create(school=world.school, year=world.year, name=name, date=d)


def last_year(world: World) -> AcademicYear:
    return AcademicYear.objects.create(
        school=world.school,
        name="2025/26",
        start_date=date(2025, 9, 1),
        end_date=date(2026, 8, 31),
    )
