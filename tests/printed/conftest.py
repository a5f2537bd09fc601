"""Fixtures for printed reports: tasks run at once, PDFs saved in a temporary folder."""

from datetime import date

import pytest

from tests.analysis.helpers import judge, objectives, teach, with_bands
from tests.factories import World, make_framework, make_pupils
from trackwell.curriculum.models import Subject
from trackwell.printed.models import ReportRound
from trackwell.pupils.models import Pupil


@pytest.fixture(autouse=True)
def _tasks_and_media(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")


def build_reports_world(world: World) -> ReportRound:
    """Bands, a reading framework beside maths, some teaching and ratings, and a round."""
    with_bands(world)
    reading = Subject.objects.create(school=world.school, name="Reading", slug="reading", order=1)
    reading_fw = make_framework(world.school, reading, world.scale, 3, 5)
    maths = objectives(world.framework)
    words = objectives(reading_fw)
    teach(world, maths[:4])
    teach(world, words[:3])
    teach(world, maths[:4], world.class_b)
    for i, pupil in enumerate(world.pupils_a + world.pupils_b):
        for o in maths[: 1 + i % 4]:
            judge(world, pupil, o, "2" if i % 3 else "3")
        for o in words[: i % 3]:
            judge(world, pupil, o, "1" if i % 2 else "2")
    point = world.year.assessment_points.get(name="Autumn")
    return ReportRound.objects.create(
        school=world.school,
        year=world.year,
        point=point,
        kind=ReportRound.Kind.TERMLY,
        title="Autumn term report",
    )


@pytest.fixture
def report_round(world: World) -> ReportRound:
    return build_reports_world(world)


def a_year6_pupil(world: World) -> Pupil:
    from trackwell.pupils.models import SchoolClass

    y6 = SchoolClass.objects.create(school=world.school, year=world.year, name="6 Elm", nc_year=6)
    return make_pupils(world.school, y6, 1)[0]


__all__ = ["a_year6_pupil", "build_reports_world", "date"]
