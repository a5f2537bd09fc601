"""A trust's feed reads the objectives rated as bit masks on PostgreSQL, as one school does.

The feed's GROUP BY of every school's judgements is the trust pages' largest query:
with the objectives' ids as text PostgreSQL sorted every judgement of the trust to
aggregate them, with masks it hashes them as the plain GROUP BY does. The figures
must be the same either way, and the same as each school's read on its own.
"""

from typing import Any

import pytest
from django.db import connection

from tests.analysis.helpers import judge, objectives
from tests.trust.conftest import TrustWorld
from tests.trust.test_pages import _add_school, _rate
from trackwell.analysis import figures, judgement_counts
from trackwell.analysis.evaluation import current_years
from trackwell.analysis.feed import SchoolFeed
from trackwell.analysis.figures import Key, Metrics, compute_metrics
from trackwell.assessment.models import Judgement
from trackwell.core.models import School

pytestmark = pytest.mark.django_db


def _trust(tw: TrustWorld) -> list[School]:
    _rate(tw.alpha)
    _rate(tw.beta)
    gamma = _add_school(tw.trust, "Gamma Primary")
    # Ratings beyond what was marked taught, and on last year's framework.
    for world in (tw.alpha, gamma):
        y3 = objectives(world.framework)
        for p in world.pupils_b[:3]:
            for o in y3[5:8]:
                judge(world, p, o, "3")
        judge(world, world.pupils_a[0], objectives(world.framework_y2)[0], "2")
    return list(School.objects.filter(trust=tw.trust).order_by("name"))


def _through_feed(schools: list[School], at_once: int) -> tuple[dict[Key, Metrics], bool]:
    """Every school's figures read through one feed, `at_once` schools a batch."""
    years = current_years([s.pk for s in schools])
    found: dict[Key, Metrics] = {}
    with SchoolFeed([years[s.pk].point for s in schools]) as feed:
        for start in range(0, len(schools), at_once):
            batch = schools[start : start + at_once]
            found.update(compute_metrics([years[s.pk].year.pk for s in batch], feed=feed))
        form: dict[str, bool] = feed.once("judgement form", dict)
    return found, form["masks"]


def _school_by_school(schools: list[School]) -> dict[Key, Metrics]:
    years = current_years([s.pk for s in schools])
    found: dict[Key, Metrics] = {}
    for s in schools:
        found.update(compute_metrics([years[s.pk].year.pk]))
    return found


@pytest.mark.parametrize("bits", [62, 3])
def test_the_feed_gives_each_schools_own_figures(
    trust_world: TrustWorld, monkeypatch: pytest.MonkeyPatch, bits: int
) -> None:
    # Three bits a column: each framework's objectives span several mask columns.
    monkeypatch.setattr(judgement_counts, "_BITS", bits)
    schools = _trust(trust_world)
    alone = _school_by_school(schools)
    assert len({m.school_id for m in alone.values()}) == 3
    assert any(m.taught > 4 for m in alone.values())  # rated beyond what was marked
    for at_once in (1, 2, 3):
        found, masks = _through_feed(schools, at_once)
        assert masks == (connection.vendor == "postgresql")
        assert found == alone


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the masks are PostgreSQL's; SQLite reads ids"
)
def test_an_objective_without_a_bit_reads_the_whole_feed_as_ids(
    trust_world: TrustWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An objective added (or taken out of the archive) after the positions were read:
    the masks would miss its ratings, so the feed reads the ids as text instead."""
    schools = _trust(trust_world)
    expected = _school_by_school(schools)
    real = figures._objective_positions
    rated = set(
        Judgement.objects.filter(level__isnull=False).values_list("objective_id", flat=True)
    )

    def one_missing(objectives: Any) -> tuple[dict[int, int], dict[int, int]]:
        counts, positions = real(objectives)
        missing = max(pk for pk in positions if pk in rated)  # one of the last school's
        return counts, {pk: bit for pk, bit in positions.items() if pk != missing}

    monkeypatch.setattr(figures, "_objective_positions", one_missing)
    found, masks = _through_feed(schools, 2)
    assert not masks
    assert found == expected
