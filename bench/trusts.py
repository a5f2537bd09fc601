"""Trusts that grow: 2, 5, 10 and 50 schools, each case beside a plain SQL GROUP BY.

`.venv/bin/python -m bench.trusts` (also the last part of `make bench`). The
trust of 50 one-form-entry schools is generated once into its own database and
reused (`var/bench-trust50.sqlite3`, or `BENCH_TRUST_DATABASE_URL` for
PostgreSQL; `BENCH_TRUST_REBUILD=1` builds it again); the smaller trusts are its
first 2, 5 and 10 schools. Every case prints its time (median of repeats), the
baseline timed in the same run, the ratio, its SQL queries and its peak Python
memory (tracemalloc).

While iterating: `BENCH_TRUST_SIZES=2,10` times only those trusts (the first 2 and
10 schools of the same cached trust), `BENCH_TRUST_CASES=group,prior` only the
cases whose name holds one of those words, and `--no-synthetic` skips the
generated-trust table. Each case is timed turn about with the baseline
(`bench.analysis._beside`), so both see the same load on a shared machine.
"""

import os
import sys
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from bench.analysis import _beside, _median, _peak, _queries

ROOT = Path(__file__).resolve().parent.parent
TRUST_DB = ROOT / "var" / "bench-trust50.sqlite3"
SCHOOLS = 50
GROWTH = (2, 5, 10, 50)
# Bump when the generator changes what a cached trust should hold.
STAMP = "trust50-v3"


def _setup() -> None:
    TRUST_DB.parent.mkdir(exist_ok=True)
    if os.environ.get("BENCH_TRUST_REBUILD") and not os.environ.get("BENCH_TRUST_DATABASE_URL"):
        for suffix in ("", "-wal", "-shm"):
            Path(str(TRUST_DB) + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = (
        os.environ.get("BENCH_TRUST_DATABASE_URL") or f"sqlite:///{TRUST_DB}"
    )
    os.environ["DEBUG"] = "false"
    os.environ["HTTPS"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trackwell.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench.run import as_served

    as_served()  # the garbage collector as a server worker has it


def _trust_schools() -> list[Any]:
    """The cached trust's schools in a fixed order, building the trust first if needed."""
    from django.core.management import call_command
    from django.db import connection

    from trackwell.core.models import School

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_stamp (stamp varchar(40) NOT NULL)")
        cursor.execute("SELECT stamp FROM bench_stamp")
        stamps = {row[0] for row in cursor.fetchall()}
    if STAMP not in stamps or School.objects.count() != SCHOOLS:
        from trackwell.demo.generator import DemoOptions, generate

        if not stamps and School.objects.exists():
            # Never a bench trust (no stamp) but holding schools: perhaps a real database
            # named by mistake. Refuse rather than empty it.
            raise SystemExit(
                "The bench trust's database holds schools but was not made by this bench; "
                "nothing was changed. Point BENCH_TRUST_DATABASE_URL at an empty database."
            )
        call_command("flush", "--noinput", verbosity=0)
        start = time.perf_counter()
        print(f"Building the bench trust of {SCHOOLS} schools (once; kept in the database)...")

        def progress(label: str, step: int) -> None:
            if label.endswith(": curriculum"):
                print(
                    f"    {label.split(':')[0]} ({time.perf_counter() - start:.0f} s)", flush=True
                )

        generate(DemoOptions(schools=SCHOOLS, forms=1, extras=False), progress)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_stamp (stamp varchar(40) NOT NULL)")
            cursor.execute("DELETE FROM bench_stamp")
            cursor.execute("INSERT INTO bench_stamp (stamp) VALUES (%s)", [STAMP])
        from trackwell.core.db import refresh_statistics

        refresh_statistics()  # PostgreSQL would otherwise plan the first runs blind
        print(f"    built in {time.perf_counter() - start:.0f} s")
    return list(School.objects.order_by("pk"))


def _school_of(part: Hashable) -> Hashable:
    """A part's school: parts are (school, year group)."""
    assert isinstance(part, tuple)
    return part[0]


def suppression_growth(counts: tuple[int, ...] = GROWTH, repeat: int = 3) -> None:
    """The trust group comparison's suppression on its own, for generated trusts (no database).

    Each school: seven year groups of 30 pupils with random facts (a fixed seed);
    parts are (school, year group), each school's page is subtracted too, as on
    the trust's page. Prints the median time, the time per school and the peak
    memory, so growth that is not linear shows as a rising time per school.
    """
    import random
    from datetime import date

    from trackwell.analysis.groups import BUILT_IN, PupilFacts, suppression

    known = [(key, test) for key, _, test in BUILT_IN]
    print("\nTrust suppression alone (analysis.groups.suppression), generated trusts")
    print(f"{'schools':>7} {'pupils':>7} {'time':>10} {'per school':>11} {'peak mem':>9}")
    for n in counts:
        rng = random.Random(n)
        facts: dict[int, PupilFacts] = {}
        placed: list[tuple[int, tuple[int, int]]] = []
        for school in range(n):
            for nc_year in range(7):
                for _ in range(30):
                    pid = len(facts) + 1
                    facts[pid] = PupilFacts(
                        pid,
                        rng.choice("FM"),
                        date(2016, rng.randint(1, 12), 1),
                        rng.random() < 0.25,
                        rng.random() < 0.2,
                        rng.choice(["N"] * 8 + ["K", "E"]),  # SenStatus: none, support, EHC plan
                        rng.random() < 0.15,
                        rng.random() < 0.02,
                        frozenset(),
                    )
                    placed.append((pid, (school, nc_year)))

        def run_once(placed: list[Any] = placed, facts: dict[int, Any] = facts) -> object:
            return suppression(placed, facts, known, min_size=6, outer_of=_school_of)

        seconds = _median(run_once, repeat)
        print(
            f"{n:>7} {len(facts):>7} {seconds * 1000:>8.1f}ms {seconds * 1000 / n:>9.1f}ms "
            f"{_peak(run_once) / 2**20:>7.1f}MB",
            flush=True,
        )


def _cases(chosen: list[Any]) -> list[tuple[str, Callable[[], object]]]:
    """Each trust page's data for these schools, as the trust leader's pages compute it."""
    from trackwell.analysis.figures import compute_metrics
    from trackwell.core.models import AcademicYear
    from trackwell.curriculum.models import Framework
    from trackwell.curriculum.trust import trust_adoptions
    from trackwell.reports.trust import (
        iter_trust,
        load_trust,
        trust_group_comparison,
        trust_overview,
    )
    from trackwell.reports.views import school_overview_context
    from trackwell.scores.trust_prior import trust_prior_comparison

    ids = [s.pk for s in chosen]
    years = list(AcademicYear.objects.filter(school_id__in=ids, is_current=True))
    first = chosen[0]

    def figures() -> object:
        return compute_metrics([y.pk for y in years])

    def reading() -> object:
        return sum(len(t.rows()) for t in iter_trust(chosen))

    def overview() -> object:
        return trust_overview(iter_trust(chosen), suppress=True)

    def groups() -> object:
        return trust_group_comparison(iter_trust(chosen), school=None, nc_year=None)

    def prior() -> object:
        return trust_prior_comparison(iter_trust(chosen))

    def frameworks() -> object:
        publishable = Framework.objects.filter(school__in=chosen, shared_source__isnull=True)
        return trust_adoptions(first.trust_id, chosen), list(
            publishable.select_related("school", "subject")
        )

    def one_school_groups() -> object:
        return trust_group_comparison(load_trust([first]), school=first, nc_year=None)

    def one_school() -> object:
        return school_overview_context(first, suppress=True)

    return [
        ("trust figures (compute_metrics)", figures),
        ("reading the schools (iter_trust)", reading),
        ("trust overview page data", overview),
        ("trust group comparison, suppressed", groups),
        ("prior attainment across the trust", prior),
        ("trust frameworks and adoptions", frameworks),
        ("one school's group comparison", one_school_groups),
        ("a school by year group", one_school),
    ]


def _sizes() -> tuple[int, ...]:
    """The trusts to time: `BENCH_TRUST_SIZES` (say "2,10"), else every size of GROWTH."""
    given = os.environ.get("BENCH_TRUST_SIZES", "").strip()
    return tuple(int(n) for n in given.split(",") if n.strip()) if given else GROWTH


def _wanted(name: str) -> bool:
    """Whether to time this case: `BENCH_TRUST_CASES` (words, comma-separated), else all."""
    words = [w.strip() for w in os.environ.get("BENCH_TRUST_CASES", "").split(",") if w.strip()]
    return not words or any(w in name for w in words)


def run() -> None:
    from django.db import connection

    from bench.analysis import _baseline
    from bench.run import as_served
    from trackwell.assessment.models import Judgement

    schools = _trust_schools()
    as_served(freeze=True)  # what is loaded now left out of collections, as at a worker's fork
    rows: list[tuple[int, str, float, float, int, int]] = []
    for n in _sizes():
        if n > len(schools):
            continue
        chosen = schools[:n]
        repeat = 5 if n <= 10 else 3
        baseline = _baseline([s.pk for s in chosen])
        baseline()  # warm
        for name, fn in _cases(chosen):
            if not _wanted(name):
                continue
            fn()  # warm
            seconds, base = _beside(fn, baseline, repeat)
            rows.append((n, name, seconds, base, _queries(fn), _peak(fn)))
        judgements = Judgement.objects.filter(school__in=chosen).count()
        print(f"    {n} schools: {judgements:,} judgements", flush=True)

    print(
        f"\nTrusts on {connection.vendor}: the first {', '.join(map(str, _sizes()))} of the "
        f"{SCHOOLS} schools of one generated trust; baseline: one GROUP BY (pupil, framework) "
        "over their judgements, timed turn about with each case\n"
    )
    print(
        f"{'schools':>7} {'case':<38} {'time':>10} {'baseline':>10} {'ratio':>7} "
        f"{'queries':>8} {'peak mem':>9}"
    )
    for n, name, seconds, base, queries, peak in rows:
        print(
            f"{n:>7} {name:<38} {seconds * 1000:>8.1f}ms {base * 1000:>8.1f}ms "
            f"{seconds / base if base else float('inf'):>6.1f}x {queries:>8} "
            f"{peak / 2**20:>7.1f}MB"
        )


if __name__ == "__main__":
    _setup()
    if "--no-synthetic" not in sys.argv:
        suppression_growth()
    if "--synthetic" not in sys.argv:
        run()
