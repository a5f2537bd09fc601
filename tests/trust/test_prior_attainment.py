"""Prior attainment across the trust (issue 11 item 5): by school, suppressed, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import World, make_pupils
from tests.trust.conftest import TrustWorld
from tests.trust.test_pages import _add_school, _rate
from trackwell.curriculum.models import Subject
from trackwell.reports.trust import load_trust
from trackwell.scores import prior
from trackwell.scores.models import KeyStage, KeyStageResult
from trackwell.scores.trust_prior import trust_prior_comparison, trust_prior_groups

pytestmark = pytest.mark.django_db

URL = "scores:trust-prior"


def _ks1(world: World, pupils, outcome: str) -> None:
    KeyStageResult.objects.bulk_create(
        KeyStageResult(
            school=world.school, pupil=p, stage=KeyStage.KS1, subject="Maths", outcome=outcome
        )
        for p in pupils
    )


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(URL))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_groups_match_the_school_s_own_page(trust_world: TrustWorld) -> None:
    tw = trust_world
    prior.ensure_groups(tw.alpha.school)  # beta never opened its page: defaults are used
    _ks1(tw.alpha, tw.alpha.pupils_a[:2], "GDS")
    _ks1(tw.alpha, tw.alpha.pupils_a[2:3], "WTS")
    _ks1(tw.beta, tw.beta.pupils_a[:1], "EXS")
    loaded = load_trust([tw.alpha.school, tw.beta.school])
    subjects = list(Subject.objects.filter(school__in=[tw.alpha.school, tw.beta.school]))
    found = trust_prior_groups(loaded, subjects)
    own = prior.prior_groups(tw.alpha.school.pk, tw.alpha.maths, [p.pk for p in tw.alpha.pupils_a])
    alpha_maths = {pid: key for (pid, sid), key in found.items() if sid == tw.alpha.maths.pk}
    assert alpha_maths == {pid: p.key for pid, p in own.items()}
    assert found[(tw.beta.pupils_a[0].pk, tw.beta.maths.pk)] == "middle"


def test_the_comparison_counts_and_suppresses_by_school(trust_world: TrustWorld) -> None:
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    extra = make_pupils(tw.alpha.school, tw.alpha.class_a, 6)
    _ks1(tw.alpha, [*tw.alpha.pupils_a, *extra], "EXS")
    _ks1(tw.alpha, tw.alpha.pupils_b, "GDS")
    _ks1(tw.beta, tw.beta.pupils_a, "EXS")
    _ks1(tw.beta, tw.beta.pupils_b, "GDS")
    schools = [tw.alpha.school, tw.beta.school]
    blocks, minimum = trust_prior_comparison(load_trust(schools))
    assert minimum == max(s.min_group_size for s in schools)
    maths = next(b for b in blocks if b.subject == "Maths")
    assert maths.without == 0
    middle = next(line for line in maths.lines if line.key == "middle")
    alpha_cell, beta_cell = middle.schools
    assert not alpha_cell.suppressed and alpha_cell.pupils == len(tw.alpha.pupils_a) + 6
    assert not beta_cell.suppressed and beta_cell.pupils == len(tw.beta.pupils_a)
    assert middle.trust.pupils == alpha_cell.pupils + beta_cell.pupils
    assert middle.trust.attainment_meets is not None
    low = next(line for line in maths.lines if line.key == "low")
    assert low.trust.suppressed and low.trust.attainment_meets is None  # nobody

    # Beta's middle group shrinks to two: hidden in beta's column, and, as the trust's
    # figure less Alpha's would give it away, in every column (the shared suppression).
    KeyStageResult.objects.filter(pupil__in=tw.beta.pupils_a[2:]).delete()
    blocks, _ = trust_prior_comparison(load_trust(schools))
    maths = next(b for b in blocks if b.subject == "Maths")
    middle = next(line for line in maths.lines if line.key == "middle")
    assert middle.trust.suppressed and all(c.suppressed for c in middle.schools)
    assert all(c.attainment_meets is None for c in [middle.trust, *middle.schools])
    assert maths.without == len(tw.beta.pupils_a) - 2


def test_the_page_for_the_trust_leader_only_with_constant_queries(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    _rate(tw.alpha)
    _rate(tw.beta)
    _ks1(tw.alpha, tw.alpha.pupils_a, "EXS")
    client = client_for(tw.leader)
    page = client.get(reverse(URL))
    html = page.content.decode()
    assert "Alpha Primary" in html and "Beta Primary" in html
    assert "Elsewhere Academy" not in html
    assert "Middle prior attainment" in html
    overview = client.get(reverse("report-trust")).content.decode()
    assert reverse(URL) in overview
    # The other trust's leader sees their own trust, never this one's schools.
    outsider = client_for(tw.outsider).get(reverse(URL)).content.decode()
    assert "Elsewhere Academy" in outsider and "Alpha Primary" not in outsider
    # A school's own leader is not a trust leader: 404.
    assert client_for(tw.alpha.users["leader"]).get(reverse(URL)).status_code == 404
    before = _queries(client)
    _add_school(tw.trust, "Gamma Primary")
    _add_school(tw.trust, "Delta Primary")
    assert "Delta Primary" in client.get(reverse(URL)).content.decode()
    assert _queries(client) == before
