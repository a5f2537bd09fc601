"""The leaders' home page works out an open point's live bands once, until the data changes."""

from unittest.mock import patch

from django.core.cache import cache
from django.urls import reverse

from tests.analysis.helpers import judge, objectives
from tests.factories import make_world
from tests.meetings.conftest import build
from trackwell.analysis.evaluation import point_results
from trackwell.core.models import AssessmentPoint
from trackwell.home import queries


def test_an_open_points_headline_is_kept_until_a_rating_changes(db, client_for) -> None:
    mw = build(make_world("Cache Primary"))
    cache.clear()
    w = mw.w
    year = queries.school_year(w.school.pk)
    assert year is not None and year.point.state == AssessmentPoint.State.OPEN
    leader = client_for(w.users["leader"])
    with patch.object(queries, "point_results", wraps=point_results) as evaluated:
        first = leader.get(reverse("home"))
        second = leader.get(reverse("home"))
        assert evaluated.call_count == 1  # the second look reads the kept figures
        html = second.content.decode()
        assert "figures as they stood at" in html
        before = [(h.subject.pk, h.meeting, h.total) for h in second.context["headlines"]]
        assert before == [(h.subject.pk, h.meeting, h.total) for h in first.context["headlines"]]
        # A rating changes: the next look works the figures out again, and they are today's.
        for pupil in w.pupils_a:
            for objective in objectives(w.framework)[:4]:
                judge(w, pupil, objective, "3")
        third = leader.get(reverse("home"))
        assert evaluated.call_count == 2
    fresh = queries._headline_counts(w.school, year.point, queries.load_band_sets(w.school.pk))
    assert {h.subject.pk: [h.meeting, h.total] for h in third.context["headlines"]} == fresh


def test_a_closed_points_headline_is_read_from_its_snapshot(db, client_for) -> None:
    from trackwell.analysis.services import close_point

    mw = build(make_world("Closed Primary"))
    cache.clear()
    for point in AssessmentPoint.objects.filter(
        school=mw.w.school, state=AssessmentPoint.State.OPEN
    ).order_by("date"):
        close_point(user=mw.w.users["leader"], point=point)
    html = client_for(mw.w.users["leader"]).get(reverse("home")).content.decode()
    assert "From the closed point" in html
    assert "figures as they stood at" not in html
