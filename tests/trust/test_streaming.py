"""Issue 15 part 6: a whole trust is read a few schools at a time, with the same answers."""

import gc
import re
import weakref

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.trust.conftest import TrustWorld
from tests.trust.test_pages import _add_school, _rate
from trackwell.core.models import School
from trackwell.reports.trust import (
    SubjectTable,
    iter_trust,
    load_trust,
    trust_group_comparison,
    trust_overview,
)
from trackwell.scores.models import KeyStage, KeyStageResult
from trackwell.scores.trust_prior import trust_prior_comparison

pytestmark = pytest.mark.django_db


def _four_schools(tw: TrustWorld) -> list[School]:
    _rate(tw.alpha)
    _rate(tw.beta)
    _add_school(tw.trust, "Gamma Primary")
    _add_school(tw.trust, "Delta Primary")
    return list(School.objects.filter(trust=tw.trust).order_by("name"))


def _seen(tables: list[SubjectTable]) -> list[tuple]:
    """What the overview shows, as plain values."""
    return [
        (
            table.name,
            re.sub(r"chart-[0-9a-f-]+", "chart", str(table.chart)),  # each drawing's own id
            [
                (
                    line.school.pk,
                    line.subject.pk,
                    line.point.pk if line.point else None,
                    line.figures,
                    line.now.counts if line.now else None,
                    [
                        (h["point"].pk, h["hidden"], [(b.pk, n, pct) for b, n, pct in h["cells"]])  # type: ignore[attr-defined]
                        for h in line.history
                    ],
                    line.hidden,
                    line.partial,
                )
                for line in table.lines
            ],
        )
        for table in tables
    ]


def test_each_schools_results_are_let_go_once_the_next_is_read(trust_world: TrustWorld) -> None:
    schools = _four_schools(trust_world)
    alive: list[weakref.ref[object]] = []
    previous = None
    for n, t in enumerate(iter_trust(schools, at_once=2)):
        assert t.school == schools[n] and t.results is not None and t.rows()
        if previous is not None:
            assert previous.results is None
        alive.append(weakref.ref(t.results))
        gc.collect()
        # Only the school in hand keeps its results: the ones before are gone.
        assert [i for i, ref in enumerate(alive) if ref() is not None] == [n]
        previous = t
    assert len(alive) == 4


def test_pages_read_school_by_school_say_what_they_say_with_every_school_at_once(
    trust_world: TrustWorld,
) -> None:
    tw = trust_world
    schools = _four_schools(tw)
    KeyStageResult.objects.bulk_create(
        KeyStageResult(
            school=world.school, pupil=p, stage=KeyStage.KS1, subject="Maths", outcome=outcome
        )
        for world in (tw.alpha, tw.beta)
        for p, outcome in zip(
            world.pupils_a + world.pupils_b, ["EXS", "GDS", "WTS"] * 10, strict=False
        )
    )
    at_once = _seen(trust_overview(load_trust(schools), suppress=True))
    assert any(line[4] for table in at_once for line in table[2])  # bands were counted
    for size in (1, 3):
        assert _seen(trust_overview(iter_trust(schools, at_once=size), suppress=True)) == at_once
        assert trust_group_comparison(
            iter_trust(schools, at_once=size), school=None, nc_year=None
        ) == trust_group_comparison(load_trust(schools), school=None, nc_year=None)
        assert trust_prior_comparison(iter_trust(schools, at_once=size)) == (
            trust_prior_comparison(load_trust(schools))
        )


def test_a_trust_within_one_batch_costs_the_queries_of_two_schools(
    trust_world: TrustWorld,
) -> None:
    schools = _four_schools(trust_world)

    def queries(chosen: list[School]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            trust_overview(iter_trust(chosen, at_once=4), suppress=True)
            trust_group_comparison(iter_trust(chosen, at_once=4), school=None, nc_year=None)
            trust_prior_comparison(iter_trust(chosen, at_once=4))
        return len(ctx.captured_queries)

    assert queries(schools) == queries(schools[:2])
