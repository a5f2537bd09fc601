"""Whole-school and trust analysis benchmarks, each beside a plain SQL GROUP BY.

Called at the end of `bench.run.main()` (Django is set up by then). It empties
the bench database and builds what it needs: a two-form-entry school with all
demo subjects and three closed points last year, then a trust of ten schools.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BASELINE_SQL = """
SELECT j.pupil_id, o.framework_id, COUNT(*),
       SUM(CASE WHEN l.counts_as_secure THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.is_greater_depth THEN 1 ELSE 0 END),
       AVG(l.value)
FROM assessment_judgement j
JOIN curriculum_objective o ON o.id = j.objective_id
JOIN curriculum_ratinglevel l ON l.id = j.level_id
WHERE j.school_id IN ({schools}) AND o.archived_at IS NULL
GROUP BY j.pupil_id, o.framework_id
"""


@dataclass
class Case:
    name: str
    seconds: float
    baseline: float
    queries: int
    note: str = ""
    peak: int | None = None  # bytes of Python memory at the peak of one run (tracemalloc)

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline if self.baseline else float("inf")


def _beside(
    fn: Callable[[], object], baseline: Callable[[], object], repeat: int = 9
) -> tuple[float, float]:
    """Medians of `fn` and of the baseline, run turn about, so both see the same load.

    The machine is shared: a baseline timed once at the start and cases timed minutes
    later gave ratios that moved by half between runs. Nine turns, not five: on a
    machine whose single runs of the same query moved by a fifth, five gave ratios
    that moved by up to 0.5x between runs.
    """
    ours, theirs = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        baseline()
        theirs.append(time.perf_counter() - start)
        start = time.perf_counter()
        fn()
        ours.append(time.perf_counter() - start)
    return statistics.median(ours), statistics.median(theirs)


def _median(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _queries(fn: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _peak(fn: Callable[[], object]) -> int:
    """Peak Python memory (tracemalloc) of one run of `fn`, in bytes."""
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _analyze() -> None:
    """Table statistics after the bulk load, as autovacuum would gather them on a server,
    and the loaded state frozen as gunicorn's master freezes it.

    Straight after loading, PostgreSQL plans every join blind (the plain GROUP BY took
    3.5 s instead of tens of milliseconds), which makes every ratio meaningless.
    """
    from bench.run import as_served
    from trackwell.core.db import refresh_statistics

    refresh_statistics()
    as_served(freeze=True)  # the garbage collector as a server worker's, once loaded


def _baseline(school_ids: list[int]) -> Callable[[], object]:
    from django.db import connection

    sql = BASELINE_SQL.format(schools=", ".join(["%s"] * len(school_ids)))

    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(sql, school_ids)
            return cursor.fetchall()

    return run


def _close_next(school_id: int, user: Any) -> Callable[[], object]:
    """Closing the school's next open point (for the peak memory of a close)."""

    def close() -> object:
        from trackwell.analysis.evaluation import current_point, current_year
        from trackwell.analysis.services import close_point

        year = current_year(school_id)
        nxt = current_point(year) if year else None
        if nxt is None or nxt.state != nxt.State.OPEN:
            return None
        return close_point(user=user, point=nxt)

    return close


def run(*, school_only: bool = False) -> None:
    """Every case; with `school_only`, the two-form-entry school's cases alone."""
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from trackwell.accounts.models import Role, User
    from trackwell.analysis.defaults import create_default_bands
    from trackwell.analysis.evaluation import current_point, current_year, evaluate_live
    from trackwell.analysis.figures import compute_metrics
    from trackwell.analysis.services import close_point, snapshot_closed_points
    from trackwell.assessment.models import Judgement
    from trackwell.core.models import AcademicYear, AssessmentPoint
    from trackwell.demo.generator import DemoOptions, generate

    cases: list[Case] = []

    # 1. A two-form-entry school, all demo subjects, three closed points last year.
    call_command("flush", "--noinput", verbosity=0)
    start = time.perf_counter()
    school = generate(DemoOptions(schools=1, forms=2)).schools[0]
    load = time.perf_counter() - start
    _analyze()
    # The generator already made the default band sets and snapshotted last
    # year's closed points from the judgement history (inside `load`).
    create_default_bands(school)
    assert not snapshot_closed_points(school=school), "the demo left closed points unsnapshotted"
    closed = (
        AssessmentPoint.objects.filter(
            school=school, state=AssessmentPoint.State.CLOSED, closures__isnull=False
        )
        .distinct()
        .count()
    )
    year = current_year(school.pk)
    assert year is not None
    point = current_point(year)
    assert point is not None
    baseline = _baseline([school.pk])
    judgements = Judgement.objects.filter(school=school).count()

    def analysis() -> object:
        return evaluate_live(point)

    rows = len(evaluate_live(point).rows)
    cases.append(
        Case(
            "school analysis: figures + bands, 2FE",
            *_beside(analysis, baseline),
            _queries(analysis),
            f"{rows} pupil-subjects with two band sets each; baseline: one GROUP BY "
            f"(pupil, framework) over {judgements:,} judgements",
            peak=_peak(analysis),
        )
    )

    def figures_only() -> object:
        return compute_metrics([year.pk])

    cases.append(
        Case(
            "school figures only (compute_metrics), 2FE",
            *_beside(figures_only, baseline),
            _queries(figures_only),
            "the SQL part: counts per pupil and framework, this year's and last year's",
            peak=_peak(figures_only),
        )
    )

    leader = User.objects.get(school=school, role=Role.LEADER)
    client = Client()
    client.force_login(leader)
    # Past the second step of sign-in, as a leader with an authenticator app would be.
    from trackwell.security.mfa import VERIFIED_KEY

    session = client.session
    session[VERIFIED_KEY] = leader.pk
    session.save()
    url = reverse("report-school")

    def page() -> object:
        response = client.get(url)
        assert response.status_code == 200, (response.status_code, response.get("Location"))
        return response

    page()
    cases.append(
        Case(
            "school overview page, 2FE",
            *_beside(page, baseline),
            _queries(page),
            "whole page at the year's first point: live bands (last year's closed points "
            "give starting points and progress), four charts",
            peak=_peak(page),
        )
    )

    groups_url = reverse("report-groups")

    def groups_page() -> object:
        response = client.get(groups_url)
        assert response.status_code == 200, (response.status_code, response.get("Location"))
        return response

    groups_page()
    cases.append(
        Case(
            "group comparison page, 2FE",
            *_beside(groups_page, baseline),
            _queries(groups_page),
            "whole page: every group beside all other pupils, four subjects, with suppression",
            peak=_peak(groups_page),
        )
    )

    from trackwell.analysis.services import reopen_point

    queries = _queries(lambda: close_point(user=leader, point=point))

    def close_again() -> float:
        # Reopened first (not timed): closing again keeps a new record, as it does for a school.
        reopen_point(user=leader, point=point, reason="Timing the bench")
        start = time.perf_counter()
        close_point(user=leader, point=point)
        return time.perf_counter() - start

    closes: list[float] = []
    close_bases: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        baseline()
        close_bases.append(time.perf_counter() - start)
        closes.append(close_again())
    cases.append(
        Case(
            "closing a point (snapshot whole school), 2FE",
            statistics.median(closes),
            statistics.median(close_bases),
            queries,
            "every pupil-subject's figures and bands written in one transaction (median of "
            "three closes, reopened between); peak memory from closing the next point",
            peak=_peak(_close_next(school.pk, leader)),
        )
    )

    # Later in the year: the point closed above and the next one are this year's closed
    # points, so the overview also reads their bands back (`snapshot_distributions`).
    _analyze()  # the closes' rows counted and marked visible, as autovacuum does soon after
    later = current_point(year)
    closed_now = AssessmentPoint.objects.filter(
        year=year, state=AssessmentPoint.State.CLOSED
    ).count()
    if later is not None and later.state == AssessmentPoint.State.OPEN and closed_now:
        page()
        cases.append(
            Case(
                "school overview page, later in the year, 2FE",
                *_beside(page, baseline),
                _queries(page),
                f"the whole page at {later.name}, with {closed_now} of this year's points "
                "closed: their distributions read back from the closures too",
                peak=_peak(page),
            )
        )

    if school_only:
        _print(cases, f"2FE school loaded in {load:.1f} s ({judgements:,} judgements)")
        return

    # 2. A trust of ten one-form-entry schools.
    call_command("flush", "--noinput", verbosity=0)
    start = time.perf_counter()
    trust = generate(DemoOptions(schools=10, forms=1))
    trust_load = time.perf_counter() - start
    _analyze()
    school_ids = [s.pk for s in trust.schools]
    for s in trust.schools:
        create_default_bands(s)
    years = list(AcademicYear.objects.filter(school_id__in=school_ids, is_current=True))
    trust_base = _median(_baseline(school_ids))
    trust_judgements = Judgement.objects.filter(school_id__in=school_ids).count()

    def trust_figures() -> object:
        return compute_metrics([y.pk for y in years])

    def trust_analysis() -> object:
        return [evaluate_live(p) for p in (current_point(y) for y in years) if p is not None]

    cases.append(
        Case(
            "trust figures (10 schools, one call)",
            _median(trust_figures, 3),
            trust_base,
            _queries(trust_figures),
            f"baseline: one GROUP BY over {trust_judgements:,} judgements",
            peak=_peak(trust_figures),
        )
    )
    cases.append(
        Case(
            "trust analysis: figures + bands per school",
            _median(trust_analysis, 3),
            trust_base,
            _queries(trust_analysis),
            "ten schools' bands, each school with its own rules",
            peak=_peak(trust_analysis),
        )
    )

    from trackwell.core.models import School
    from trackwell.reports.trust import load_trust, trust_group_comparison, trust_overview

    trust_schools = list(School.objects.filter(pk__in=school_ids).order_by("name"))

    def trust_page() -> object:
        return trust_overview(load_trust(trust_schools), suppress=True)

    cases.append(
        Case(
            "trust overview: all ten schools together",
            _median(trust_page, 3),
            trust_base,
            _queries(trust_page),
            "the trust leader's page data: figures, bands now and at closed points, charts",
            peak=_peak(trust_page),
        )
    )

    def trust_groups() -> object:
        return trust_group_comparison(load_trust(trust_schools), school=None, nc_year=None)

    cases.append(
        Case(
            "trust group comparison, with suppression",
            _median(trust_groups, 3),
            trust_base,
            _queries(trust_groups),
            "every group beside all other pupils, four subjects, small groups and "
            "what subtraction would reveal hidden",
            peak=_peak(trust_groups),
        )
    )

    _print(
        cases,
        f"2FE school loaded in {load:.1f} s ({judgements:,} judgements); "
        f"{closed} closed points snapshotted from history while loading; "
        f"trust of 10 loaded in {trust_load:.1f} s",
    )


def _print(cases: list[Case], heading: str) -> None:
    from django.db import connection

    print(f"\nAnalysis on {connection.vendor}: {heading}\n")
    print(f"{'case':<48} {'time':>10} {'baseline':>10} {'ratio':>8} {'queries':>8} {'peak':>8}")
    for c in cases:
        peak = f"{c.peak / 2**20:.1f}MB" if c.peak is not None else "-"
        print(
            f"{c.name:<48} {c.seconds * 1000:>8.1f}ms {c.baseline * 1000:>8.2f}ms "
            f"{c.ratio:>7.1f}x {c.queries:>8} {peak:>8}"
        )
        if c.note:
            print(f"    {c.note}")


if __name__ == "__main__":
    from bench.run import _setup_django

    _setup_django()
    import sys

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # `python -m bench.analysis --school-only`: the two-form-entry school's cases alone.
    run(school_only="--school-only" in sys.argv)
