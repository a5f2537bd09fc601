"""Home page tests reuse the meetings' school with a closed autumn point."""

import pytest

from tests.factories import World
from tests.meetings.conftest import MeetingWorld, build


@pytest.fixture
def mw(world: World) -> MeetingWorld:
    return build(world)
