"""`make loadtest`: simulated staff against the production server on loopback.

For SQLite and then PostgreSQL: load the two-form-entry demo, start gunicorn
with production settings (`trackwell/gunicorn.py`: threaded workers), and run
a bounded, self-stopping load of 15 and then 75 simulated staff. Each teacher signs in, opens their
class's maths grid and saves cells exactly as the grid's script does (one at a
time, each with the version the last answer gave), at a teacher's pace; a few
leaders reload the school overview. Afterwards every cell the load believes it
saved is checked against the database and its history (lost updates), and the
same kinds of request are sent one at a time as the baseline.

Only loopback is ever contacted. `LOADTEST_SECONDS` sets each phase's length
(30 by default), `LOADTEST_USERS` the phases (default "15,75"),
`LOADTEST_DATABASES` which databases ("sqlite,postgresql").
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PASSWORD = "trackwell-demo"
PG_URL = os.environ.get(
    "LOADTEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/trackwell_loadtest"
)
CELL = re.compile(
    r'<td class="[^"]*" data-objective="(\d+)" data-version="(\d+)" data-code="([^"]*)"'
)
ROW = re.compile(r'<tr data-pupil="(\d+)"')
FRAMEWORK = re.compile(r'data-framework="(\d+)"')
CELL_URL = re.compile(r'data-cell-url="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(database_url: str, port: int) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "trackwell.settings",
        "DEBUG": "false",
        "HTTPS": "false",
        "SERVE_COLLECTED_STATIC": "true",
        "SECRET_KEY": "loadtest-only-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(VAR / "loadtest-static"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": str(VAR / "loadtest-access.log"),
        "GUNICORN_LOG_LEVEL": os.environ.get("LOADTEST_SERVER_LOG_LEVEL", "warning"),
        # Edit conflicts (409) are part of the load; Django would log each one.
        "LOG_LEVEL": "ERROR",
        "LOADTEST": "1",
    }


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)


LEADERS = 5
# Leaders must use two-step sign-in: each simulated leader has an authenticator of its own
# (a code is accepted once, so leaders signing in together cannot share one).
LEADER_KEY = "3132333435363738393031323334353637383930"
MAKE_LEADERS = f"""
import django; django.setup()
from django_otp.plugins.otp_totp.models import TOTPDevice
from trackwell.accounts.models import Role, User
head = User.objects.get(username="head")
for i in range(1, {LEADERS} + 2):  # one more for the baseline
    user, _ = User.objects.get_or_create(
        username=f"loadlead{{i}}",
        defaults=dict(role=Role.LEADER, school=head.school, password=head.password),
    )
    TOTPDevice.objects.get_or_create(
        user=user, name="load test", defaults=dict(key="{LEADER_KEY}", confirmed=True)
    )
"""


def _totp(key_hex: str) -> str:
    """The six digits an authenticator app shows now (RFC 6238, as django-otp checks)."""
    counter = int(time.time()) // 30
    digest = hmac.new(bytes.fromhex(key_hex), counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def _prepare(kind: str) -> str:
    """A fresh database with the two-form-entry demo; returns its URL.

    `LOADTEST_REUSE=1` keeps the database of the last run, for
    trying server settings one after another; its cells then hold that run's saves.
    """
    if kind == "sqlite":
        path = VAR / "loadtest.sqlite3"
        if os.environ.get("LOADTEST_REUSE") == "1" and path.exists():
            return f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        url = PG_URL
        name = url.rsplit("/", 1)[1]
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            if (
                os.environ.get("LOADTEST_REUSE") == "1"
                and conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            ):
                return url
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    env = _env(url, 0)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_demo", "--forms", "2", "-v0")
    subprocess.run([sys.executable, "-c", MAKE_LEADERS], env=env, cwd=ROOT, check=True)
    _manage(env, "collectstatic", "--noinput", "-v0")
    return url


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    saves: list[tuple[int, int, int, str]] = field(
        default_factory=list
    )  # pupil, obj, version, code
    conflicts: int = 0
    untaught_prompts: int = 0
    # Requests that got no answer (status 0): what the client raised, with when it was sent.
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    started: float = field(default_factory=time.monotonic)
    # (seconds since the phase began, duration) of every save, for the timeline
    save_times: list[tuple[float, float]] = field(default_factory=list)

    def record(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            self.statuses[(kind, status)] += 1
            if kind == "cell save":
                self.save_times.append((time.monotonic() - self.started - seconds, seconds))


def _timed(stats: Stats, kind: str, fn):
    start = time.perf_counter()
    try:
        response = fn()
    except requests.RequestException as exc:
        stats.record(kind, time.perf_counter() - start, 0)
        with stats.lock:
            sent = time.monotonic() - stats.started - (time.perf_counter() - start)
            stats.failures.append(f"{kind} sent at {sent:.0f} s: {type(exc).__name__}: {exc}")
        return None
    stats.record(kind, time.perf_counter() - start, response.status_code)
    return response


def _sign_in(
    base: str, username: str, stats: Stats, totp_key: str | None = None
) -> requests.Session | None:
    session = requests.Session()
    page = _timed(stats, "sign-in page", lambda: session.get(base + "/accounts/login/", timeout=30))
    if page is None or page.status_code != 200:
        return None
    token = session.cookies.get("csrftoken", "")
    response = _timed(
        stats,
        "sign-in",
        lambda: session.post(
            base + "/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": base + "/accounts/login/"},
            timeout=30,
            allow_redirects=False,
        ),
    )
    if response is None or response.status_code != 302:
        return None
    if totp_key:
        verify = base + "/security/two-step/verify/"
        second = _timed(
            stats,
            "sign-in 2nd step",
            lambda: session.post(
                verify,
                data={
                    "code": _totp(totp_key),
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                },
                headers={"Referer": verify},
                timeout=30,
                allow_redirects=False,
            ),
        )
        if second is None or second.status_code != 302:
            return None
    return session


def _load_grid(session: requests.Session, url: str, stats: Stats):
    response = _timed(stats, "grid", lambda: session.get(url, timeout=30))
    if response is None or response.status_code != 200:
        return None
    html = response.text
    framework = FRAMEWORK.search(html)
    cell_url = CELL_URL.search(html)
    if not framework or not cell_url:
        return None
    cells: dict[tuple[int, int], list] = {}  # (pupil, objective) -> [version, code]
    for row in html.split("<tr ")[1:]:
        pupil = ROW.search("<tr " + row)
        if not pupil:
            continue
        for objective, version, code in CELL.findall(row):
            cells[(int(pupil.group(1)), int(objective))] = [int(version), code]
    return framework.group(1), cell_url.group(1), cells


def _save(
    session: requests.Session,
    url: str,
    referer: str,
    data: dict[str, object],
    stats: Stats,
) -> requests.Response | None:
    """One cell save, posted exactly as the grid's script posts it."""
    headers = {
        "X-CSRFToken": session.cookies.get("csrftoken", "") or "",
        "Accept": "application/json",
        "Referer": referer,
    }
    return _timed(
        stats, "cell save", lambda: session.post(url, data=data, headers=headers, timeout=30)
    )


def _save_answering(
    session: requests.Session,
    url: str,
    referer: str,
    data: dict[str, object],
    stats: Stats,
    rate_untaught: set[int],
) -> requests.Response | None:
    """A save as the teacher makes it through the grid's script.

    Where the school asks before rating an objective not yet taught, the script
    asks the teacher once per column; the simulated teacher answers "rate it
    without marking it taught" (the script then sends `mark_taught=0` for that
    column), so such a save is one prompt and one resend, not an edit conflict.
    """
    objective = int(str(data["objective"]))
    if objective in rate_untaught:
        data = {**data, "mark_taught": "0"}
    response = _save(session, url, referer, data, stats)
    if response is not None and response.status_code == 409:
        try:
            payload = response.json()
        except ValueError:
            return response
        if payload.get("untaught") and objective not in rate_untaught:
            with stats.lock:
                stats.untaught_prompts += 1
            rate_untaught.add(objective)
            response = _save(session, url, referer, {**data, "mark_taught": "0"}, stats)
    return response


def _teacher(
    base: str, username: str, grid_url: str, stats: Stats, until: float, rng: random.Random
) -> None:
    session = _sign_in(base, username, stats)
    if session is None:
        return
    loaded = _load_grid(session, base + grid_url, stats)
    if loaded is None:
        return
    framework, cell_url, cells = loaded
    keys = sorted(cells)
    rate_untaught: set[int] = set()
    saves = 0
    while time.monotonic() < until and keys:
        time.sleep(rng.uniform(0.8, 2.5))  # a teacher reads, thinks, types
        pupil, objective = rng.choice(keys)
        version, code = cells[(pupil, objective)]
        new = rng.choice([c for c in "0123" if c != code])
        data = {
            "framework": framework,
            "pupil": pupil,
            "objective": objective,
            "code": new,
            "version": version,
        }
        response = _save_answering(
            session, base + cell_url, base + grid_url, data, stats, rate_untaught
        )
        if response is None:
            continue
        if response.status_code == 200:
            cell = response.json().get("cell", response.json())
            cells[(pupil, objective)] = [int(cell["version"]), cell["code"] or ""]
            with stats.lock:
                stats.saves.append((pupil, objective, int(cell["version"]), new))
        elif response.status_code == 409:
            current = response.json().get("current") or response.json().get("cell") or {}
            if isinstance(current, list):
                current = current[0] if current else {}
            if current:
                cells[(pupil, objective)] = [int(current["version"]), current.get("code") or ""]
            with stats.lock:
                stats.conflicts += 1
        saves += 1
        if saves % 25 == 0:
            reloaded = _load_grid(session, base + grid_url, stats)
            if reloaded is not None:
                cells = reloaded[2]


def _leader(base: str, username: str, stats: Stats, until: float, rng: random.Random) -> None:
    session = _sign_in(base, username, stats, LEADER_KEY)
    if session is None:
        return
    while time.monotonic() < until:
        _timed(
            stats, "school overview", lambda: session.get(base + "/school/overview/", timeout=60)
        )
        time.sleep(rng.uniform(4, 8))


def _grids(env: dict[str, str]) -> list[tuple[str, str]]:
    """Each demo teacher and their class's maths grid URL, read from the database."""
    code = (
        "import django; django.setup()\n"
        "from trackwell.pupils.models import StaffAssignment\n"
        "for a in StaffAssignment.objects.filter(user__role='teacher',"
        " school_class__year__is_current=True).select_related('user')"
        ".order_by('user__username'):\n"
        "    print(a.user.username, f'/classes/{a.school_class_id}/grid/maths/')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return [tuple(line.split()) for line in out.splitlines() if line.strip()]  # type: ignore[misc]


def _lost_updates(env: dict[str, str], saves: list[tuple[int, int, int, str]]) -> tuple[int, int]:
    """Saves the load was told succeeded but the database or its history does not hold."""
    import json

    code = (
        "import django, json, sys; django.setup()\n"
        "from trackwell.assessment.models import Judgement, JudgementHistory\n"
        "saves = json.load(sys.stdin)\n"
        "pupils = {s[0] for s in saves}\n"
        "now = {(j.pupil_id, j.objective_id): (j.version, j.level.code if j.level else '')"
        " for j in "
        "Judgement.objects.filter(pupil_id__in=pupils).select_related('level')}\n"
        "hist = set(JudgementHistory.objects.filter(judgement__pupil_id__in=pupils).values_list("
        "'judgement__pupil_id', 'judgement__objective_id', 'version', 'new_level__code'))\n"
        "latest = {}\n"
        "for p, o, v, c in saves:\n"
        "    if v > latest.get((p, o), (0, ''))[0]: latest[(p, o)] = (v, c)\n"
        "missing = sum(1 for p, o, v, c in saves if (p, o, v, c) not in hist)\n"
        "wrong = sum(1 for k, (v, c) in latest.items() if now.get(k) != (v, c))\n"
        "print(missing, wrong)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        input=json.dumps(saves),
        check=True,
        capture_output=True,
        text=True,
    )
    missing, wrong = result.stdout.split()
    return int(missing), int(wrong)


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        v = values[0] * 1000 if values else 0.0
        return v, v, v
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


def _report(title: str, stats: Stats, seconds: float, baseline: Stats | None) -> None:
    total = sum(len(v) for v in stats.times.values())
    print(f"\n{title}: {total} requests in {seconds:.0f} s, {total / seconds:.1f} per second")
    print(
        f"{'request':<18} {'count':>6} {'p50':>8} {'p95':>8} {'p99':>8}   "
        f"{'alone p50':>9} {'p95':>7}"
    )
    for kind in sorted(stats.times):
        p50, p95, p99 = _percentiles(stats.times[kind])
        alone = ""
        if baseline and baseline.times.get(kind):
            b50, b95, _ = _percentiles(baseline.times[kind])
            alone = f"{b50:>8.0f}ms {b95:>5.0f}ms"
        print(
            f"{kind:<18} {len(stats.times[kind]):>6} {p50:>6.0f}ms {p95:>6.0f}ms "
            f"{p99:>6.0f}ms   {alone}"
        )
    if stats.save_times:
        print("cell save p95 by when the save was sent:", end="")
        for start in range(0, int(seconds) + 1, 10):
            window = [d for t, d in stats.save_times if start <= t < start + 10]
            if window:
                print(f"  {start}-{start + 10} s: {_percentiles(window)[1]:.0f}ms", end="")
        print()
    errors = {k: n for k, n in stats.statuses.items() if k[1] not in (200, 302, 409)}
    print(
        f"errors by status: {dict(errors) if errors else 'none'}; "
        f"edit conflicts shown: {stats.conflicts}; "
        f"'not yet taught' prompts answered: {stats.untaught_prompts}"
    )
    for failure in stats.failures:
        print(f"  no answer: {failure[:300]}")


def _baseline(base: str, grids: list[tuple[str, str]], leader: str) -> Stats:
    """The same kinds of request, one at a time, from one client."""
    stats = Stats()
    rng = random.Random(7)
    username, grid_url = grids[0]
    for _ in range(5):
        _sign_in(base, username, stats)
    session = _sign_in(base, username, stats)
    assert session is not None, "baseline sign-in failed"
    for _ in range(10):
        loaded = _load_grid(session, base + grid_url, stats)
    assert loaded is not None
    framework, cell_url, cells = loaded
    rate_untaught: set[int] = set()
    for _ in range(60):
        pupil, objective = rng.choice(sorted(cells))
        version, code = cells[(pupil, objective)]
        new = rng.choice([c for c in "0123" if c != code])
        data = {
            "framework": framework,
            "pupil": pupil,
            "objective": objective,
            "code": new,
            "version": version,
        }
        response = _save_answering(
            session, base + cell_url, base + grid_url, data, stats, rate_untaught
        )
        if response is not None and response.status_code == 200:
            cell = response.json().get("cell", response.json())
            cells[(pupil, objective)] = [int(cell["version"]), cell["code"] or ""]
    lead = _sign_in(base, leader, stats, LEADER_KEY)
    if lead is not None:
        for _ in range(5):
            _timed(
                stats, "school overview", lambda: lead.get(base + "/school/overview/", timeout=60)
            )
    return stats


def run_database(kind: str, phases: list[int], seconds: float) -> None:
    print(f"\n=== {kind}: preparing the two-form-entry demo ...", flush=True)
    url = _prepare(kind)
    print(f"gunicorn: {_server_shape(url)}", flush=True)
    port = _free_port()
    env = _env(url, port)
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "python:trackwell.gunicorn"],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(base + "/accounts/login/", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.1)
        grids = _grids(env)
        baseline = _baseline(base, grids, f"loadlead{LEADERS + 1}")
        for users in phases:
            stats = Stats()
            until = time.monotonic() + seconds
            rng = random.Random(users)
            threads = []
            leaders = min(LEADERS, max(1, users // 15))
            for i in range(users - leaders):
                username, grid_url = grids[i % len(grids)]
                threads.append(
                    threading.Thread(
                        target=_teacher,
                        args=(base, username, grid_url, stats, until, random.Random(rng.random())),
                    )
                )
            for n in range(leaders):
                threads.append(
                    threading.Thread(
                        target=_leader,
                        args=(base, f"loadlead{n + 1}", stats, until, random.Random(rng.random())),
                    )
                )
            start = time.monotonic()
            for t in threads:
                t.start()
                time.sleep(0.02)  # staff arrive over a second or two, as at 8:45
            for t in threads:
                t.join(timeout=seconds + 120)
            elapsed = time.monotonic() - start
            missing, wrong = _lost_updates(env, stats.saves)
            _report(
                f"{kind}, {users} simulated staff ({leaders} leaders)", stats, elapsed, baseline
            )
            print(
                f"saves the load was told succeeded: {len(stats.saves)}; lost updates: "
                f"{missing} missing from history, {wrong} cells not holding the last save"
            )
            peaks = _worker_peaks(server.pid)
            if peaks:
                print(
                    "gunicorn workers' peak memory so far (VmHWM): "
                    + ", ".join(f"{kb / 1024:.0f} MB" for kb in peaks)
                )
    finally:
        server.terminate()
        server.wait(timeout=30)


def _worker_peaks(master: int) -> list[int]:
    """Each gunicorn worker's peak resident memory in kB (Linux's VmHWM), or none where
    /proc does not say (another system)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    peaks = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue  # a worker just replaced
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]))
    return sorted(peaks)


def _server_shape(database_url: str) -> str:
    """The gunicorn workers the load runs against, as `trackwell/gunicorn.py` sets them."""
    import importlib

    import trackwell.gunicorn as conf

    before = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database_url
    try:
        importlib.reload(conf)
        return f"{conf.workers} {conf.worker_class} workers x {conf.threads} threads"
    finally:
        if before is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = before


def main() -> None:
    seconds = float(os.environ.get("LOADTEST_SECONDS", "30"))
    phases = [int(n) for n in os.environ.get("LOADTEST_USERS", "15,75").split(",")]
    kinds = os.environ.get("LOADTEST_DATABASES", "sqlite,postgresql").split(",")
    VAR.mkdir(exist_ok=True)
    print(
        f"Trackwell load test: {phases} simulated staff, {seconds:.0f} s each, on {kinds}; "
        f"{os.cpu_count()} cores"
    )
    for kind in kinds:
        run_database(kind.strip(), phases, seconds)


if __name__ == "__main__":
    main()
