"""Backup and restore of a 420-pupil (two-form-entry) school, beside a bare copy.

Called from `bench.run.main()` after the analysis cases; it empties the bench
database and builds the school it needs. The baseline is the bare copy the
database offers (SQLite's backup API or a plain pg_dump/pg_restore); the
difference is the manifest: checksums, row counts and fingerprints.
"""

import os
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _peak(fn: Callable[[], object]) -> int:
    # A separate run: tracing every allocation slows Python down several times.
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run() -> None:
    import sqlite3

    from django.core.management import call_command
    from django.db import connection

    from trackwell.assessment.models import JudgementHistory
    from trackwell.core.backup import _pg_env
    from trackwell.demo.generator import DemoOptions, generate
    from trackwell.pupils.models import Pupil

    call_command("flush", "--noinput", verbosity=0)
    generate(DemoOptions(schools=1, forms=2))
    pupils = Pupil.objects.count()
    history = JudgementHistory.objects.count()
    folder = Path(tempfile.mkdtemp(prefix="trackwell-bench-"))
    target = folder / "school.backup"
    raw = folder / "raw.copy"

    if connection.vendor == "sqlite":
        db_path = Path(connection.settings_dict["NAME"])

        def bare_backup() -> None:
            with sqlite3.connect(db_path) as source, sqlite3.connect(raw) as copy:
                source.backup(copy)

        def bare_restore() -> None:
            with sqlite3.connect(raw) as source, sqlite3.connect(folder / "r.db") as copy:
                source.backup(copy)
    else:
        args, env = _pg_env()

        def bare_backup() -> None:
            subprocess.run(
                ["pg_dump", "--format=custom", "--file", str(raw), *args], env=env, check=True
            )

        def bare_restore() -> None:
            scratch = os.environ.get("BENCH_RESTORE_URL")
            if scratch:
                subprocess.run(["pg_restore", "--clean", "--dbname", scratch, str(raw)], check=True)

    backup_s = _seconds(lambda: call_command("backup", output=target, verbosity=0))
    backup_peak = _peak(lambda: call_command("backup", output=folder / "2.backup", verbosity=0))
    bare_backup_s = _seconds(bare_backup)
    call_command("flush", "--noinput", verbosity=0)
    restore_s = _seconds(lambda: call_command("restore", str(target), verbosity=0))
    call_command("flush", "--noinput", verbosity=0)
    restore_peak = _peak(lambda: call_command("restore", str(target), verbosity=0))
    bare_restore_s = _seconds(bare_restore)

    size_mb = target.stat().st_size / 1e6
    print(
        f"\nBackup and restore of a {pupils}-pupil school ({history:,} history rows, "
        f"{size_mb:.1f} MB backup) on {connection.vendor}"
    )
    print(f"{'case':<48} {'time':>10} {'baseline':>10} {'ratio':>8} {'peak MB':>8}")
    for name, seconds, base, peak in (
        ("backup (copy, checksum, manifest)", backup_s, bare_backup_s, backup_peak),
        ("restore into an empty database, checked", restore_s, bare_restore_s, restore_peak),
    ):
        ratio = f"{seconds / base:>7.1f}x" if base > 0.001 else "      - "
        print(
            f"{name:<48} {seconds * 1000:>8.0f}ms {base * 1000:>8.0f}ms {ratio} {peak / 1e6:>8.1f}"
        )
