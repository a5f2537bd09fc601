"""Printed reports, the governors' pack and the school's data archive, beside plain SQL.

Called from `bench.run.main()`; on its own: `python -m bench.family`. It empties
the bench database and builds the schools it needs. Each case prints its time,
a plain-SQL baseline reading the same rows in the same run, the ratio, the SQL
query count and peak Python memory (a separate, traced run).
"""

import tempfile
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _measure(fn: Callable[[], object]) -> tuple[float, int, int]:
    """(seconds, queries, peak bytes): timed with its queries, then memory in a second run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        seconds = _seconds(fn)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, len(ctx.captured_queries), peak


def _sql(query: str, params: list[Any]) -> Callable[[], None]:
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            cursor.fetchall()

    return run


def run() -> None:
    from django.core.management import call_command
    from django.db import connection

    from trackwell.demo.generator import DemoOptions, generate
    from trackwell.interop.archive import archive_bytes, write_archive
    from trackwell.printed.governors import governors_pack_context
    from trackwell.printed.models import ReportRound
    from trackwell.printed.render import render_html_pdf, render_many, render_pupil_pdf
    from trackwell.printed.services import report_pupils
    from trackwell.pupils.models import SchoolClass

    call_command("flush", "--noinput", verbosity=0)
    school = generate(DemoOptions(schools=1, forms=1)).schools[0]
    # Last year's end-of-year reports (written by the demo), for last year's Year 6 class.
    report_round = ReportRound.objects.get(school=school, kind=ReportRound.Kind.ANNUAL)
    school_class = SchoolClass.objects.get(school=school, year=report_round.year, nc_year=5)
    pupils = report_pupils(report_round, school_class)
    one = pupils[0]
    judgements = (
        "SELECT j.objective_id, j.level_id FROM assessment_judgement j WHERE j.pupil_id IN ({})"
    )
    rows: list[tuple[str, float, float, int, int]] = []
    print(f"\nPrinted reports, governors' pack and archive on {connection.vendor}")
    print(f"{'case':<56} {'time':>9} {'baseline':>9} {'ratio':>7} {'queries':>8} {'peak MB':>8}")

    def show(row: tuple[str, float, float, int, int]) -> None:
        rows.append(row)
        name, t, b, q, p = row
        ratio = f"{t / b:>6.0f}x" if b > 0 else "     - "
        print(f"{name:<56} {t * 1000:>7.0f}ms {b * 1000:>7.1f}ms {ratio} {q:>8} {p / 1e6:>8.1f}")

    seconds, queries, peak = _measure(lambda: render_pupil_pdf(report_round, one))
    base = _seconds(_sql(judgements.format("%s"), [one.pk]))
    show(("one pupil's report PDF", seconds, base, queries, peak))

    ids = [p.pk for p in pupils]
    seconds, queries, peak = _measure(lambda: render_many(report_round, pupils))
    base = _seconds(_sql(judgements.format(",".join(["%s"] * len(ids))), ids))
    show(
        (f"a class of {len(pupils)}: each PDF and the combined file", seconds, base, queries, peak)
    )

    def pack() -> None:
        render_html_pdf("printed/governors_pdf.html", governors_pack_context(school))

    seconds, queries, peak = _measure(pack)
    base = _seconds(
        _sql(
            "SELECT p.nc_year, o.framework_id, COUNT(*) FROM assessment_judgement j "
            "JOIN pupils_pupil p ON p.id = j.pupil_id "
            "JOIN curriculum_objective o ON o.id = j.objective_id "
            "WHERE p.school_id = %s GROUP BY p.nc_year, o.framework_id",
            [school.pk],
        )
    )
    show(("governors' pack PDF (whole school)", seconds, base, queries, peak))

    call_command("flush", "--noinput", verbosity=0)
    big = generate(DemoOptions(schools=1, forms=2)).schools[0]
    from trackwell.pupils.models import Pupil

    size = len(archive_bytes(big))
    seconds, queries, peak = _measure(lambda: archive_bytes(big))
    tables = [
        "pupils_pupil",
        "pupils_enrolment",
        "curriculum_objective",
        "assessment_judgement",
        "assessment_judgementhistory",
        "analysis_snapshot",
        "analysis_snapshotband",
    ]

    def raw_copy() -> None:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT * FROM {table} WHERE school_id = %s", [big.pk])
                cursor.fetchall()

    base = _seconds(raw_copy)
    pupil_count = Pupil.objects.filter(school=big).count()
    show(
        (
            f"data archive in memory, {pupil_count}-pupil school ({size / 1e6:.1f} MB zip)",
            seconds,
            base,
            queries,
            peak,
        )
    )

    def to_file() -> None:
        # What the download does: the ZIP goes to a temporary file, streamed out after.
        with tempfile.TemporaryFile() as spool:
            write_archive(big, spool)

    seconds, queries, peak = _measure(to_file)
    show(
        (
            f"data archive to a temporary file (the download), {pupil_count} pupils",
            seconds,
            base,
            queries,
            peak,
        )
    )


if __name__ == "__main__":
    from bench.run import _setup_django

    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run()
