"""Review meeting agendas for one class of 30 and for all 14 classes of a 2FE school.

Called from `bench.run.main()`; it empties the bench database and builds a
two-form-entry demo school, closes the autumn point and schedules its round.
The baseline is plain SQL doing the agenda's data work for the same pupils:
their bands at this closure and the one before, and secure judgements per
objective. Query counts must not grow with the class or the number of classes.
"""

import statistics
import time
import tracemalloc
from collections.abc import Callable

BASELINE_SQL = """
SELECT s.pupil_id, s.subject_id, b.band_set_id, COALESCE(b.confirmed_order, b.suggested_order),
       s.closure_id
FROM analysis_snapshot s JOIN analysis_snapshotband b ON b.snapshot_id = s.id
WHERE s.closure_id IN (%s, %s) AND s.pupil_id IN ({pupils});
SELECT j.objective_id, COUNT(*)
FROM assessment_judgement j JOIN curriculum_ratinglevel l ON l.id = j.level_id
WHERE l.counts_as_secure AND j.pupil_id IN ({pupils})
GROUP BY j.objective_id
"""


def _median(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _queries(fn: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def run() -> None:
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection

    from trackwell.accounts.models import Role, User
    from trackwell.analysis.evaluation import current_point, current_year, previous_closure
    from trackwell.analysis.models import PointClosure
    from trackwell.analysis.services import close_point
    from trackwell.curriculum.models import Framework
    from trackwell.demo.generator import DemoOptions, generate
    from trackwell.meetings import services
    from trackwell.meetings.models import Meeting
    from trackwell.meetings.queries import build_agenda, meeting_pupils

    call_command("flush", "--noinput", verbosity=0)
    school = generate(DemoOptions(schools=1, forms=2)).schools[0]
    leader = User.objects.get(school=school, role=Role.LEADER)
    year = current_year(school.pk)
    assert year is not None
    point = current_point(year)
    assert point is not None
    close_point(user=leader, point=point)
    Meeting.objects.filter(point=point).delete()  # the demo planned them before closing
    services.schedule_round(user=leader, point=point, first_date=point.date + timedelta(days=3))
    meetings = list(
        Meeting.objects.filter(point=point)
        .select_related("point", "point__year", "school_class", "school")
        .order_by("school_class__nc_year", "school_class__name")
    )
    assert len(meetings) == 14, len(meetings)
    one = next(m for m in meetings if m.school_class and m.school_class.nc_year == 4)
    closure = (
        PointClosure.objects.filter(point=point).order_by("-pk").values_list("pk", flat=True)[0]
    )
    before = previous_closure(point) or closure

    def baseline_for(meeting_list: list[Meeting]) -> Callable[[], object]:
        groups = [list(meeting_pupils(m).values_list("pk", flat=True)) for m in meeting_list]

        def run_sql() -> object:
            rows = []
            with connection.cursor() as cursor:
                for ids in groups:
                    marks = ", ".join(["%s"] * len(ids))
                    first, second = BASELINE_SQL.format(pupils=marks).strip().split(";")
                    cursor.execute(first, [closure, before, *ids])
                    rows.append(cursor.fetchall())
                    cursor.execute(second, ids)
                    rows.append(cursor.fetchall())
            return rows

        return run_sql

    def agenda_one() -> object:
        return build_agenda(one, leader)

    def agenda_all() -> object:
        return [build_agenda(m, leader) for m in meetings]

    def agenda_queries(meeting: Meeting) -> int:
        return _queries(lambda: build_agenda(meeting, leader))

    per_class = [agenda_queries(m) for m in meetings]
    # Queries depend on how many subjects the year tracks (Reception has no science),
    # never on the class's size: classes tracking the same subjects cost the same.
    tracked = {
        m.pk: Framework.objects.filter(
            school=school, nc_year=m.school_class.nc_year if m.school_class else 0
        ).count()
        for m in meetings
    }
    by_subjects: dict[int, set[int]] = {}
    for m, n in zip(meetings, per_class, strict=True):
        by_subjects.setdefault(tracked[m.pk], set()).add(n)
    assert all(len(v) == 1 for v in by_subjects.values()), f"agenda queries vary: {per_class}"
    pupils = len(list(meeting_pupils(one)))
    cases = [
        (
            f"agenda, one class of {pupils}",
            _median(agenda_one),
            _median(baseline_for([one])),
            _queries(agenda_one),
            _peak(agenda_one),
        ),
        (
            "agendas, all 14 classes (2FE)",
            _median(agenda_all, 3),
            _median(baseline_for(meetings), 3),
            _queries(agenda_all),
            _peak(agenda_all),
        ),
    ]
    print(
        f"\nMeetings: 2FE school, {point.name} closed, {len(meetings)} meetings; "
        + ", ".join(
            f"{next(iter(v))} queries per agenda for each class tracking {k} subjects"
            for k, v in sorted(by_subjects.items())
        )
    )
    print(f"{'case':<48} {'time':>10} {'baseline':>10} {'ratio':>8} {'queries':>8} {'peak':>8}")
    for name, seconds, base, queries, peak in cases:
        print(
            f"{name:<48} {seconds * 1000:>8.1f}ms {base * 1000:>8.2f}ms "
            f"{seconds / base if base else float('inf'):>7.1f}x {queries:>8} "
            f"{peak / 2**20:>6.1f}MB"
        )
    print(
        "    baseline: plain SQL for the same pupils: bands at this closure and the one "
        "before, secure judgements per objective"
    )


if __name__ == "__main__":
    from bench.run import _setup_django

    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run()
