"""A closed point read back from its snapshots shows what the live analysis showed at closing."""

import random

import pytest

from tests.analysis.helpers import point
from tests.analysis.test_fast_analysis import _vary
from tests.factories import World
from trackwell.analysis.evaluation import evaluate_live, point_results
from trackwell.analysis.services import close_point

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", range(2))
def test_every_figure_band_and_wording_read_back_as_closed(world: World, seed: int) -> None:
    _vary(world, random.Random(seed))
    spring = point(world, "Spring")
    live = evaluate_live(spring)
    close_point(user=world.users["leader"], point=spring)
    stored = point_results(spring)
    assert not stored.live and stored.rows.keys() == live.rows.keys()
    changes = 0
    for key, was in live.rows.items():
        now = stored.rows[key]
        assert (now.class_id, now.nc_year, now.framework_id, now.framework_year) == (
            was.class_id,
            was.nc_year,
            was.framework_id,
            was.framework_year,
        )
        assert (now.starting_point, now.starting_label) == (was.starting_point, was.starting_label)
        for name, value in now.figures.items():
            assert value == was.figures[name], name
        if "band_change" in now.figures:
            changes += 1
            assert type(now.figures["band_change"]) is type(was.figures["band_change"])
        assert now.bands.keys() == was.bands.keys()
        for set_id, band in now.bands.items():
            before = was.bands[set_id]
            assert (band.set_name, band.kind, band.suggested, band.confirmed, band.reason) == (
                before.set_name,
                before.kind,
                before.suggested,
                before.confirmed,
                before.reason,
            )
            assert (band.because, band.next_text) == (before.because, before.next_text)
            assert band.explanation == before.explanation
    assert changes  # progress bands were read back with the band change they were given
