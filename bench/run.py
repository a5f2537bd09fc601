"""Benchmarks on demo data: `make bench`.

Each case is timed beside a plain-SQL baseline doing the same data work in the
same run, so the figures are ratios that mean something on any machine, and
each prints its SQL query count.
"""

import os
import platform
import random
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = ROOT / "var" / "bench.sqlite3"


def _setup_django() -> None:
    BENCH_DB.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(BENCH_DB) + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{BENCH_DB}"
    # Production-like settings: no debug query log except where a case captures queries.
    os.environ["DEBUG"] = "false"
    os.environ["HTTPS"] = "false"  # the test client speaks plain HTTP
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "false"  # the bench client speaks plain HTTP
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trackwell.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    as_served()


def as_served(*, freeze: bool = False) -> None:
    """The bench process's garbage collector as a server worker's (trackwell/core/collector.py):
    young objects collected every 50,000 new ones, and with `freeze` everything alive now
    left out of later collections, as gunicorn's master leaves what it loaded (here Django,
    and also the data just built, which a server would not hold). `BENCH_GC=default` keeps
    Python's own settings, to compare."""
    if os.environ.get("BENCH_GC") == "default":
        return
    from trackwell.core import collector

    if freeze:
        collector.freeze_loaded()
    collector.tune()


@dataclass
class Result:
    name: str
    seconds: float
    baseline_seconds: float
    queries: int
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline_seconds if self.baseline_seconds else float("inf")


def _median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    _setup_django()
    from django.core.management import call_command
    from django.db import connection, reset_queries, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from trackwell.accounts.models import Role, User
    from trackwell.assessment.models import Judgement
    from trackwell.curriculum.models import Framework, Objective, RatingLevel, Strand, Subject
    from trackwell.demo.generator import DemoOptions, generate
    from trackwell.pupils.models import SchoolClass

    if connection.vendor == "postgresql":
        call_command("flush", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    result = generate(DemoOptions(schools=1, forms=1))
    load_seconds = time.perf_counter() - start
    school = result.schools[0]
    rng = random.Random(7)

    # A class of 30 against a 60-objective framework, half of it rated.
    school_class = SchoolClass.objects.get(school=school, year__is_current=True, nc_year=3)
    pupils = list(school_class.pupils.order_by("pk"))[:30]
    assert len(pupils) == 30, len(pupils)
    maths = Subject.objects.get(school=school, slug="maths")
    scale = Framework.objects.filter(subject=maths).first().scale  # type: ignore[union-attr]
    subject = Subject.objects.create(school=school, name="Benchmark", slug="bench", order=99)
    framework = Framework.objects.create(
        school=school, subject=subject, nc_year=3, name="Benchmark Year 3", scale=scale
    )
    strands = [
        Strand.objects.create(school=school, framework=framework, name=f"Strand {i}", order=i)
        for i in range(6)
    ]
    Objective.objects.bulk_create(
        Objective(
            school=school,
            framework=framework,
            strand=strands[i // 10],
            code=f"B3-{i:02d}",
            statement=f"Benchmark objective {i}",
            order=i,
        )
        for i in range(60)
    )
    objectives = list(Objective.objects.filter(framework=framework).order_by("order"))
    # Taught to the class, as a class's grid is in use: ratings of untaught objectives are
    # asked about first (the school's rule), which the saves below do not answer.
    from trackwell.curriculum.models import TaughtObjective

    TaughtObjective.objects.bulk_create(
        TaughtObjective(school=school, school_class=school_class, objective=o) for o in objectives
    )
    levels = list(RatingLevel.objects.filter(scale=scale))
    teacher = User.objects.get(
        school=school, role=Role.TEACHER, assignments__school_class=school_class
    )
    from django.utils import timezone

    now = timezone.now()
    Judgement.objects.bulk_create(
        Judgement(
            school=school,
            pupil=p,
            objective=o,
            level=rng.choice(levels),
            version=1,
            updated_by=teacher,
            updated_at=now,
        )
        for p in pupils
        for o in objectives
        if rng.random() < 0.5
    )
    client = Client()
    client.force_login(teacher)
    grid_url = reverse("grid", args=[school_class.pk, "bench"])
    results: list[Result] = []

    # 1. Rendering the grid.
    client.get(grid_url)
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(grid_url).status_code == 200
    grid_queries = len(ctx.captured_queries)
    grid_seconds = _median_time(lambda: client.get(grid_url), 15)
    pupil_ids = [p.pk for p in pupils]
    placeholders = ",".join(["%s"] * len(pupil_ids))
    sql = (
        "SELECT j.pupil_id, j.objective_id, j.level_id, j.version, j.note "
        "FROM assessment_judgement j JOIN curriculum_objective o ON o.id = j.objective_id "
        f"WHERE o.framework_id = %s AND j.pupil_id IN ({placeholders})"
    )

    def raw_grid() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [framework.pk, *pupil_ids])
            cursor.fetchall()

    baseline = _median_time(raw_grid, 15)
    tracemalloc.start()
    client.get(grid_url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    results.append(
        Result(
            "grid page, 30 pupils x 60 objectives",
            grid_seconds,
            baseline,
            grid_queries,
            f"peak Python memory {peak / 1e6:.1f} MB; baseline: one SELECT of the cells",
        )
    )

    # 2. Saving 1,000 single cells through the real endpoint.
    cell_url = reverse("grid-cell", args=[school_class.pk, "bench"])
    versions = {
        (j.pupil_id, j.objective_id): j.version
        for j in Judgement.objects.filter(objective__framework=framework)
    }
    cells = [(rng.choice(pupils).pk, rng.choice(objectives).pk) for _ in range(1000)]
    codes = [lv.code for lv in levels]
    query_counts = []
    start = time.perf_counter()
    for pupil_id, objective_id in cells:
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                cell_url,
                {
                    "framework": framework.pk,
                    "pupil": pupil_id,
                    "objective": objective_id,
                    "code": rng.choice(codes),
                    "version": versions.get((pupil_id, objective_id), 0),
                },
                HTTP_ACCEPT="application/json",
            )
        assert response.status_code == 200, response.content
        versions[(pupil_id, objective_id)] = response.json()["cell"]["version"]
        query_counts.append(len(ctx.captured_queries))
    save_seconds = time.perf_counter() - start
    judgement_ids = list(
        Judgement.objects.filter(objective__framework=framework).values_list("pk", flat=True)
    )

    def raw_saves() -> None:
        for i in range(1000):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE assessment_judgement SET version = version + 1 WHERE id = %s",
                    [judgement_ids[i % len(judgement_ids)]],
                )

    start = time.perf_counter()
    raw_saves()
    raw_save_seconds = time.perf_counter() - start
    pupil_id, objective_id = cells[0]
    tracemalloc.start()
    client.post(
        cell_url,
        {
            "framework": framework.pk,
            "pupil": pupil_id,
            "objective": objective_id,
            "code": codes[0],
            "version": versions.get((pupil_id, objective_id), 0),
        },
        HTTP_ACCEPT="application/json",
    )
    _, save_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    results.append(
        Result(
            "1,000 single-cell saves (HTTP, with summaries)",
            save_seconds,
            raw_save_seconds,
            max(query_counts),
            f"{statistics.median(query_counts):.0f} queries per save (max shown); "
            f"peak Python memory of one save {save_peak / 1e6:.2f} MB; "
            "baseline: 1,000 one-row UPDATE transactions",
        )
    )

    # 3. One bulk column for the whole class.
    bulk_url = reverse("grid-bulk", args=[school_class.pk, "bench"])
    objective = objectives[-1]

    def seen_versions() -> str:
        """The versions the page showed, sent with a bulk change as the grid's form does."""
        page = client.get(grid_url).content.decode()
        match = re.search(r'name="versions" value="([^"]*)"', page)
        assert match, "the grid's bulk form carries the versions it showed"
        return match.group(1)

    shown = seen_versions()
    tracemalloc.start()
    client.post(
        bulk_url,
        {
            "versions": shown,
            "framework": framework.pk,
            "objective": objectives[-2].pk,
            "code": codes[-1],
            "pupils": pupil_ids,
            "confirm": "1",
            "mark_taught": "1",
        },
        HTTP_ACCEPT="application/json",
    )
    _, bulk_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    shown = seen_versions()
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.post(
            bulk_url,
            {
                "versions": shown,
                "framework": framework.pk,
                "objective": objective.pk,
                "code": codes[-1],
                "pupils": pupil_ids,
                "confirm": "1",  # the teacher's "Set rating" in the dialog that asks first
            },
            HTTP_ACCEPT="application/json",
        )
        bulk_seconds = time.perf_counter() - start
    assert response.status_code == 200, response.content

    def raw_bulk() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE assessment_judgement SET version = version + 1 "
                f"WHERE objective_id = %s AND pupil_id IN ({placeholders})",
                [objective.pk, *pupil_ids],
            )

    results.append(
        Result(
            "bulk column, 30 pupils",
            bulk_seconds,
            _median_time(raw_bulk, 5),
            len(ctx.captured_queries),
            f"peak Python memory {bulk_peak / 1e6:.2f} MB (a second column); "
            "baseline: one UPDATE of the column",
        )
    )

    print(
        f"\nTrackwell benchmark on {connection.vendor}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores"
    )
    print(
        f"Demo school loaded in {load_seconds:.1f} s "
        f"({Judgement.objects.count():,} judgements in the database)\n"
    )
    print(f"{'case':<48} {'time':>10} {'baseline':>10} {'ratio':>8} {'queries':>8}")
    for r in results:
        print(
            f"{r.name:<48} {r.seconds * 1000:>8.1f}ms {r.baseline_seconds * 1000:>8.2f}ms "
            f"{r.ratio:>7.1f}x {r.queries:>8}"
        )
        if r.note:
            print(f"    {r.note}")

    if "--grid-only" in sys.argv:  # `python -m bench.run --grid-only`: the grid's cases alone
        return

    from bench import api

    api.run()

    from bench import analysis

    analysis.run()
    __import__("bench.imports", fromlist=["run"]).run()

    from bench import backup

    backup.run()
    __import__("bench.provision").provision.run()

    from bench import people

    people.run()
    __import__("bench.meetings", fromlist=["run"]).run()

    from bench import scores

    scores.run()

    from bench import family

    family.run()

    # Trusts of 2 to 50 schools: their own database, built once and kept (bench/trusts.py).
    import subprocess

    subprocess.run([sys.executable, "-m", "bench.trusts"], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
