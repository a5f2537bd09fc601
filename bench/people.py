"""The year rollover of a 420-pupil (two-form-entry) school, beside plain SQL.

Called from `bench.run.main()`; it empties the bench database and builds the
school. The rollover runs inside a transaction that is rolled back, so it can
be timed several times on the same data. The baseline does the data work
alone in plain SQL: insert the year and points, move every pupil up, mark the
Year 6 pupils as left, insert next year's classes and enrolments.
"""

import statistics
import time
import tracemalloc
from collections.abc import Callable


class _Undo(Exception):
    pass


def _undone(fn: Callable[[], object]) -> Callable[[], None]:
    from django.db import transaction

    def run() -> None:
        try:
            with transaction.atomic():
                fn()
                raise _Undo
        except _Undo:
            pass

    return run


def _median(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trackwell.accounts.models import Role, User
    from trackwell.core.models import AcademicYear, School
    from trackwell.demo.generator import DemoOptions, generate
    from trackwell.pupils.models import Pupil
    from trackwell.schoolsetup import rollover

    call_command("flush", "--noinput", verbosity=0)
    generate(DemoOptions(schools=1, forms=2))
    school = School.objects.get()
    admin = User.objects.filter(school=school, role=Role.ADMIN).first()
    pupils = Pupil.objects.filter(school=school, left_on__isnull=True).count()
    year = AcademicYear.objects.get(school=school, is_current=True)

    def roll() -> None:
        plan = rollover.plan_rollover(school)
        rollover.apply_rollover(admin, school, plan)

    def plan_only() -> None:
        rollover.plan_rollover(school)

    def raw() -> None:
        with connection.cursor() as c:
            c.execute(
                "INSERT INTO core_academicyear (school_id, name, start_date, end_date, "
                "is_current, version) VALUES (%s, 'raw', '2099-09-01', '2100-08-31', false, 1)",
                [school.pk],
            )
            c.execute(
                "SELECT id FROM core_academicyear WHERE school_id = %s AND name = 'raw'",
                [school.pk],
            )
            new_year = c.fetchone()[0]
            for n, day in enumerate(["2099-12-11", "2100-03-26", "2100-07-09"]):
                c.execute(
                    "INSERT INTO core_assessmentpoint (school_id, year_id, name, date, "
                    "is_baseline, state, version) VALUES (%s, %s, %s, %s, false, 'open', 1)",
                    [school.pk, new_year, f"P{n}", day],
                )
            c.execute(
                "UPDATE pupils_pupil SET left_on = '2100-07-20' WHERE school_id = %s "
                "AND nc_year >= 6 AND left_on IS NULL",
                [school.pk],
            )
            c.execute(
                "UPDATE pupils_pupil SET nc_year = nc_year + 1 WHERE school_id = %s "
                "AND left_on IS NULL",
                [school.pk],
            )
            c.execute(
                "SELECT id, name, nc_year FROM pupils_schoolclass WHERE year_id = %s "
                "AND nc_year < 6",
                [year.pk],
            )
            for class_id, name, nc in c.fetchall():
                c.execute(
                    "INSERT INTO pupils_schoolclass (school_id, year_id, name, nc_year, version) "
                    "VALUES (%s, %s, %s, %s, 1)",
                    [school.pk, new_year, f"{name} next", nc + 1],
                )
                c.execute(
                    "SELECT id FROM pupils_schoolclass WHERE year_id = %s AND name = %s",
                    [new_year, f"{name} next"],
                )
                new_class = c.fetchone()[0]
                c.execute(
                    "INSERT INTO pupils_enrolment (school_id, pupil_id, school_class_id) "
                    "SELECT school_id, pupil_id, %s FROM pupils_enrolment "
                    "WHERE school_class_id = %s",
                    [new_class, class_id],
                )

    # Closing the year's open points (snapshots) is the points page's work, measured in
    # bench.analysis; the school has closed them before the rollover here.
    from trackwell.analysis.services import close_point
    from trackwell.core.models import AssessmentPoint

    start = time.perf_counter()
    for point in AssessmentPoint.objects.filter(year=year, state="open").order_by("date"):
        close_point(user=admin, point=point)
    close_s = time.perf_counter() - start
    roll_s = _median(_undone(roll))
    plan_s = _median(plan_only)
    raw_s = _median(_undone(raw))
    with CaptureQueriesContext(connection) as ctx:
        _undone(roll)()
    roll_queries = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        plan_only()
    plan_queries = len(ctx.captured_queries)
    tracemalloc.start()
    _undone(roll)()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    print(
        f"\nYear rollover of a {pupils}-pupil school on {connection.vendor} "
        f"(closing last year's open points first: {close_s:.1f}s)"
    )
    print(f"{'case':<52} {'time':>9} {'baseline':>9} {'ratio':>7} {'queries':>8} {'peak MB':>8}")
    for name, seconds, queries, mem in (
        ("preview (plan: pupils, leavers, classes, frameworks)", plan_s, plan_queries, None),
        ("rollover (year, leavers, promote, classes)", roll_s, roll_queries, peak),
    ):
        shown = f"{mem / 1e6:>8.1f}" if mem is not None else "       -"
        print(
            f"{name:<52} {seconds * 1000:>7.0f}ms {raw_s * 1000:>7.0f}ms "
            f"{seconds / raw_s:>6.1f}x {queries:>8} {shown}"
        )


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.run import _setup_django

    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run()
