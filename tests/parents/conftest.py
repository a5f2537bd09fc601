"""Fixtures for the family pages: a parent of one child of class A, a released point."""

import pytest

from tests.factories import World, make_parent
from tests.printed.conftest import build_reports_world
from tests.test_browser import browser_page  # noqa: F401 (the browser tests' fixture)
from trackwell.accounts.models import User
from trackwell.parents.models import ParentRelease
from trackwell.printed.models import ReportRound


@pytest.fixture(autouse=True)
def _tasks_and_media(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def report_round(world: World) -> ReportRound:
    return build_reports_world(world)


@pytest.fixture
def parent(world: World) -> User:
    """A parent of class A's first pupil only."""
    return make_parent(world.school, [world.pupils_a[0]], "parent-a")


@pytest.fixture
def released(world: World, report_round: ReportRound) -> ReportRound:
    ParentRelease.objects.create(school=world.school, point=report_round.point)
    return report_round
