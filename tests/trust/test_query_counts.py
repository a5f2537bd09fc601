"""Issue 15 part 5: every trust page costs the same queries for 3 schools as for 14.

Until this, a trust's pupils' results were read ten schools at a time, so a trust of
more than ten schools cost about 13 queries more for each further ten. Now each kind
of row is one query for the whole trust, read as a stream school by school
(`analysis.feed.SchoolFeed`). The larger trust mixes schools whose current point is
open (read live, with a closed point before it, confirmations, a starting point set by
hand and a pupil on another year's framework) with schools whose current point is
closed (read from snapshots), so every stream is read across many schools.
"""

from collections.abc import Iterable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.analysis.helpers import judge, objectives
from tests.api.conftest import ApiClient
from tests.factories import make_pupils
from tests.trust.conftest import TrustWorld
from tests.trust.test_pages import _add_school, _rate
from tests.trust.test_streaming import _seen
from trackwell.analysis.evaluation import load_band_sets
from trackwell.analysis.models import BandConfirmation, PupilFramework, PupilStartingPoint
from trackwell.analysis.services import close_point
from trackwell.api.services import create_key
from trackwell.core.models import AssessmentPoint, School
from trackwell.curriculum.models import Framework
from trackwell.reports.trust import (
    TrustSchool,
    iter_trust,
    load_trust,
    trust_group_comparison,
    trust_overview,
)
from trackwell.scores.models import KeyStage, KeyStageResult
from trackwell.scores.trust_prior import trust_prior_comparison

pytestmark = pytest.mark.django_db

PAGES: list[tuple[str, dict[str, str]]] = [
    ("report-trust", {}),
    ("report-trust-groups", {}),
    ("scores:trust-prior", {}),
    ("curriculum-trust", {}),
]


def _grow(tw: TrustWorld, numbers: Iterable[int]) -> None:
    """More schools in the trust: every third with its current point closed (the first
    among them), the others open with a confirmation, a starting point by hand and a
    pupil on Year 2's framework."""
    for n in numbers:
        world = _add_school(tw.trust, f"Sch{n:02d} Primary")
        spring = AssessmentPoint.objects.get(year=world.year, name="Spring")
        pupils = world.pupils_a
        KeyStageResult.objects.bulk_create(
            KeyStageResult(
                school=world.school, pupil=p, stage=KeyStage.KS1, subject="Maths", outcome=o
            )
            for p, o in zip(pupils, ["EXS", "GDS", "WTS"] * 3, strict=False)
        )
        sets = load_band_sets(world.school.pk)
        attainment = sets.attainment
        assert attainment is not None
        top = max(attainment.bands, key=lambda b: b.order)
        BandConfirmation.objects.create(
            school=world.school,
            point=spring,
            pupil=pupils[0],
            subject=world.maths,
            band_set=attainment.model,
            band=top,
        )
        start = world.school.starting_points.order_by("order").last()
        assert start is not None
        PupilStartingPoint.objects.create(
            school=world.school,
            pupil=pupils[1],
            subject=world.maths,
            year=world.year,
            starting_point=start,
        )
        PupilFramework.objects.create(
            school=world.school,
            pupil=pupils[2],
            subject=world.maths,
            framework=Framework.objects.get(subject=world.maths, nc_year=2),
        )
        if n % 3 == 0:
            close_point(user=world.users["leader"], point=spring)


def _page_queries(client, api: ApiClient) -> dict[str, int]:
    """Each page's queries. Each is asked for once before it is counted: the session's
    last-seen time is written at most once a minute (`security.sessions.TOUCH_EVERY`),
    and on a loaded machine a minute can pass between two counts."""
    counts = {}
    for name, data in PAGES:
        client.get(reverse(name), data)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(name), data)
        assert response.status_code == 200, name
        counts[name] = len(ctx.captured_queries)
    api.get("/api/v1/trust/overview/")
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/api/v1/trust/overview/")
    assert response.status_code == 200
    counts["api trust overview"] = len(ctx.captured_queries)
    return counts


def _page_parameters(client, api: ApiClient) -> dict[str, list[int]]:
    """Each page's statements' parameter counts, in the order they ran (each page asked
    for once before, as in `_page_queries`)."""
    counts: dict[str, list[int]] = {}

    def count(execute, sql, params, many, context):
        counts[page].append(len(params or ()))
        return execute(sql, params, many, context)

    def get(page: str, data: dict[str, str]):
        if page == "api":
            return api.get("/api/v1/trust/overview/")
        return client.get(reverse(page), data)

    for page, data in [*PAGES, ("api", {})]:
        get(page, data)  # as in `_page_queries`: the session touched first, if due
        counts[page] = []
        with connection.execute_wrapper(count):
            response = get(page, data)
        assert response.status_code == 200, page
    return counts


def _results(loaded: Iterable[TrustSchool]) -> list[tuple]:
    """Every pupil's result of every school, as plain values."""
    return [
        (
            t.school.pk,
            sorted(
                (
                    key,
                    sorted(r.figures.items()),
                    r.starting_point,
                    r.framework_id,
                    sorted(
                        (s, b.suggested.pk, b.confirmed.pk if b.confirmed else None)
                        for s, b in r.bands.items()
                    ),
                )
                for key, r in (t.results.rows.items() if t.results else [])
            ),
        )
        for t in loaded
    ]


@pytest.fixture
def api(trust_world: TrustWorld) -> ApiClient:
    _, secret = create_key(by=trust_world.leader, name="Dashboard", scopes=["analysis:read"])
    return ApiClient(secret)


def test_every_trust_page_costs_the_same_queries_for_3_and_14_schools(
    trust_world: TrustWorld, client_for, api: ApiClient
) -> None:
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    _grow(tw, [0])  # three schools, one of them read from snapshots
    client = client_for(tw.leader)
    small = _page_queries(client, api)
    _grow(tw, range(1, 12))  # fourteen schools: beyond ten
    assert School.objects.filter(trust=tw.trust).count() == 14
    html = client.get(reverse("report-trust")).content.decode()
    assert "Sch10 Primary" in html
    prior = api.get("/api/v1/trust/overview/").json()
    assert len(prior["schools"]) == 14
    assert _page_queries(client, api) == small


def test_a_large_trust_read_school_by_school_gives_every_schools_results(
    trust_world: TrustWorld,
) -> None:
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    _grow(tw, range(6))
    schools = list(School.objects.filter(trust=tw.trust).order_by("name"))
    whole = _results(load_trust(schools))
    # Every kind of row was read: live and snapshot schools, confirmed bands, a starting
    # point by hand and a pupil on another year's framework.
    assert any(not t.results.live for t in load_trust(schools) if t.results)
    flat = [row for _, rows in whole for row in rows]
    assert any(confirmed for *_, bands in flat for _, _, confirmed in bands)
    assert any(row[2] for row in flat) and len({row[3] for row in flat}) > len(schools)
    for size in (1, 3):
        assert _results(iter_trust(schools, at_once=size)) == whole
    assert _seen(trust_overview(iter_trust(schools), suppress=True)) == _seen(
        trust_overview(load_trust(schools), suppress=True)
    )
    assert trust_group_comparison(iter_trust(schools), school=None, nc_year=None) == (
        trust_group_comparison(load_trust(schools), school=None, nc_year=None)
    )
    assert trust_prior_comparison(iter_trust(schools)) == trust_prior_comparison(
        load_trust(schools)
    )


def test_no_statement_of_a_trust_page_grows_with_the_pupils(
    trust_world: TrustWorld, client_for, api: ApiClient
) -> None:
    # No list of pupils' ids is sent as parameters, so a trust of any number of pupils
    # stays under SQLite's cap on a statement's parameters (32,766).
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    _grow(tw, [0])
    client = client_for(tw.leader)
    before = _page_parameters(client, api)
    rated = objectives(tw.alpha.framework)[:3]
    for p in make_pupils(tw.alpha.school, tw.alpha.class_a, 40):
        for o in rated:
            judge(tw.alpha, p, o, "2")
    assert _page_parameters(client, api) == before
