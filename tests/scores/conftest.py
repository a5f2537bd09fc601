"""Fixtures of the scores tests: a reading test with the built-in KS2 table and thresholds."""

from datetime import date

import pytest

from tests.factories import World
from trackwell.curriculum.models import Subject
from trackwell.scores import definitions
from trackwell.scores.models import ScoreKind, Test


def make_reading_test(
    world: World, *, name: str = "KS2-style reading", taken: date | None = None
) -> Test:
    """A Year 3 reading test out of 50 scored with the KS2 2024 reading table.

    The same test again when asked twice in one school (page sweeps build every
    URL's arguments in one world).
    """
    existing = Test.objects.filter(
        school=world.school, name=name, taken_on=taken or date(2026, 11, 20)
    ).first()
    if existing is not None:
        return existing
    reading, _ = Subject.objects.get_or_create(
        school=world.school, slug="reading", defaults={"name": "Reading"}
    )
    table = definitions.install_builtin_table(None, world.school, "ks2-2024-reading")
    thresholds = definitions.create_threshold_set(world.users["leader"], world.school, "ks2-scaled")
    return definitions.create_test(
        world.users["leader"],
        world.school,
        definitions.TestInput(
            name=name,
            publisher="STA",
            subject=reading,
            nc_year=3,
            taken_on=taken or date(2026, 11, 20),
            max_raw_mark=50,
            score_kind=ScoreKind.SCALED,
            table=table,
            thresholds=thresholds,
        ),
    )


@pytest.fixture
def reading_test(world: World) -> Test:
    return make_reading_test(world)


@pytest.fixture
def other_test(other_world: World) -> Test:
    return make_reading_test(other_world)
