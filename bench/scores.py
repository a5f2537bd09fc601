"""Tests and targets benchmarks, each beside plain SQL doing the same data work.

Run on its own with `python -m bench.scores`, or from `make bench` (bench/run.py).
It empties the bench database and builds a two-form-entry demo school (termly
tests, KS2 papers and targets come with the demo), then times: 1,000 single
result saves, one class's results import, the test report and the target report.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    name: str
    seconds: float
    baseline: float
    queries: int
    peak_kib: int
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline if self.baseline else float("inf")


def _median(fn: Callable[[], object], repeat: int = 3) -> float:
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
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak // 1024


def _repeat(fn: Callable[[int], None], times: int) -> None:
    for n in range(times):
        fn(n)


def run() -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from trackwell.accounts.models import Role, User
    from trackwell.core.models import AssessmentPoint
    from trackwell.demo.generator import DemoOptions, generate
    from trackwell.interop import pipeline
    from trackwell.pupils.models import Pupil, PupilGroup, SchoolClass
    from trackwell.scores import queries, services, targets
    from trackwell.scores.models import Target, Test, TestResult

    call_command("flush", "--noinput", verbosity=0)
    start = time.perf_counter()
    school = generate(DemoOptions(schools=1, forms=2)).schools[0]
    load = time.perf_counter() - start
    leader = User.objects.get(school=school, role=Role.LEADER)
    test = (
        Test.objects.filter(school=school, point__year__is_current=True, nc_year=4)
        .select_related("table", "thresholds", "subject", "school")
        .first()
    )
    assert test is not None
    school_class = SchoolClass.objects.filter(
        year__is_current=True, nc_year=4, school=school
    ).first()
    assert school_class is not None
    pupils = list(Pupil.objects.filter(enrolments__school_class=school_class).order_by("pk"))
    rows = queries.rows_of(test)
    cases: list[Case] = []

    # 1. 1,000 single saves, as the grid sends them.
    def save_one(n: int) -> None:
        pupil = pupils[n % len(pupils)]
        version = (
            TestResult.objects.filter(test=test, pupil=pupil)
            .values_list("version", flat=True)
            .first()
            or 0
        )
        services.save_result(
            user=leader,
            school_class=school_class,
            test=test,
            pupil_id=pupil.pk,
            raw=(n * 7) % 41,
            expected_version=version,
            rows=rows,
        )

    def saves() -> None:
        _repeat(save_one, 1000)

    result_ids: dict[int, int] = {}

    def raw_saves() -> None:
        with connection.cursor() as cursor:
            for n in range(1000):
                pid = pupils[n % len(pupils)].pk
                with transaction.atomic():
                    cursor.execute(
                        "SELECT version FROM scores_testresult WHERE id = %s", [result_ids[pid]]
                    )
                    cursor.execute(
                        "UPDATE scores_testresult SET raw_mark = %s, version = version + 1 "
                        "WHERE id = %s",
                        [(n * 7) % 41, result_ids[pid]],
                    )
                    cursor.execute(
                        "INSERT INTO scores_testresulthistory (school_id, result_id, old_raw, "
                        "new_raw, old_score, new_score, version, changed_at, source) VALUES "
                        "(%s, %s, NULL, %s, NULL, NULL, 1, CURRENT_TIMESTAMP, 'grid')",
                        [school.pk, result_ids[pid], (n * 7) % 41],
                    )

    start = time.perf_counter()
    one_save_queries = _queries(
        lambda: services.save_result(
            user=leader,
            school_class=school_class,
            test=test,
            pupil_id=pupils[0].pk,
            raw=5,
            expected_version=TestResult.objects.get(test=test, pupil=pupils[0]).version,
            rows=rows,
        )
    )
    took = _median(saves, 1)
    result_ids.update(
        TestResult.objects.filter(test=test, pupil__in=pupils).values_list("pupil_id", "id")
    )
    cases.append(
        Case(
            "1,000 single result saves",
            took,
            _median(raw_saves, 1),
            one_save_queries,
            _peak(lambda: _repeat(save_one, 50)),
            "baseline: the same reads, updates and history inserts in raw SQL; "
            "queries for one save",
        )
    )

    # 2. One class's results imported through the pipeline (mapping by known names).
    header = "UPN,Surname,Forename,Raw mark\n"

    def csv_for(shift: int) -> bytes:
        lines = [
            f"{p.upn},{p.last_name},{p.first_name},{(i + shift) % 41}" for i, p in enumerate(pupils)
        ]
        return (header + "\n".join(lines) + "\n").encode()

    shift = [0]

    def do_import() -> None:
        shift[0] += 1
        pipeline.apply_now(
            user=leader,
            school=school,
            kind="results",
            data=csv_for(shift[0]),
            options={"test": test.pk},
        )

    def raw_import() -> None:
        with connection.cursor() as cursor, transaction.atomic():
            cursor.execute("SELECT id, upn FROM pupils_pupil WHERE school_id = %s", [school.pk])
            cursor.fetchall()
            cursor.executemany(
                "UPDATE scores_testresult SET raw_mark = %s WHERE id = %s",
                [((i + 3) % 41, result_ids[p.pk]) for i, p in enumerate(pupils)],
            )

    cases.append(
        Case(
            f"results import of one class ({len(pupils)} pupils)",
            _median(do_import),
            _median(raw_import),
            _queries(do_import),
            _peak(do_import),
            "parse, map, match by UPN, convert, plan, commit with history; "
            "baseline: one SELECT and one executemany",
        )
    )

    # 3. The test report and band moves for the whole year group.
    earlier = (
        Test.objects.filter(
            school=school,
            subject=test.subject,
            nc_year=test.nc_year - 1,
            point__year__is_current=False,
        )
        .order_by("-taken_on")
        .first()
    )

    def test_report() -> object:
        found = queries.summarise(test)
        moves = queries.band_moves(earlier, test) if earlier else None
        return found, moves

    def raw_test_report() -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), AVG(score), AVG(raw_mark) FROM scores_testresult "
                "WHERE test_id = %s AND raw_mark IS NOT NULL",
                [test.pk],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT a.score, b.score FROM scores_testresult a JOIN scores_testresult b "
                "ON a.pupil_id = b.pupil_id WHERE a.test_id = %s AND b.test_id = %s",
                [earlier.pk if earlier else 0, test.pk],
            )
            return cursor.fetchall()

    cases.append(
        Case(
            "test report with band moves, 2FE year group",
            _median(test_report, 5),
            _median(raw_test_report, 5),
            _queries(test_report),
            _peak(test_report),
            "bands, means and the start-band by end-band table",
        )
    )

    # 4. The target report: school, year groups, classes and groups, with suppression.
    point = (
        AssessmentPoint.objects.filter(school=school, year__is_current=True)
        .order_by("date")
        .first()
    )
    assert point is not None
    subject = next(
        (
            t.subject
            for t in Target.objects.filter(school=school, point=point).select_related("subject")[:1]
        ),
        test.subject,
    )
    groups = list(PupilGroup.objects.filter(school=school))

    def target_report() -> object:
        return targets.school_report(
            point, subject, suppress=True, min_size=school.min_group_size, school_groups=groups
        )

    def raw_target_report() -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.nc_year, COUNT(*) FROM scores_target t JOIN pupils_pupil p "
                "ON p.id = t.pupil_id WHERE t.point_id = %s AND t.subject_id = %s "
                "GROUP BY p.nc_year",
                [point.pk, subject.pk],
            )
            return cursor.fetchall()

    cases.append(
        Case(
            f"target report, 2FE ({Target.objects.filter(point=point, subject=subject).count()} "
            "targets)",
            _median(target_report, 3),
            _median(raw_target_report, 5),
            _queries(target_report),
            _peak(target_report),
            "live figures for every pupil, outcomes, groups with the shared suppression",
        )
    )

    print(
        f"\nScores: 2FE demo school loaded in {load:.1f} s "
        f"({TestResult.objects.filter(school=school).count():,} results)\n"
    )
    print(f"{'case':<48} {'time':>10} {'baseline':>10} {'ratio':>8} {'queries':>8} {'peak':>9}")
    for c in cases:
        print(
            f"{c.name:<48} {c.seconds * 1000:>8.1f}ms {c.baseline * 1000:>8.2f}ms "
            f"{c.ratio:>7.1f}x {c.queries:>8} {c.peak_kib:>6} KiB"
        )
        if c.note:
            print(f"    {c.note}")


if __name__ == "__main__":
    from bench.run import _setup_django

    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run()
