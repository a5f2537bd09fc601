"""Provision benchmarks: the school's provision map and impact summary, beside plain SQL.

A two-form-entry demo school is topped up to 40 interventions and 200
participations (with sessions and attendance). Each page is timed through the
real view beside one plain SQL aggregate of the same rows, in the same run,
and its query count is checked to be the same at 20 interventions as at 40.

Run on its own with `.venv/bin/python -m bench.provision` (it rebuilds the
bench database), or as part of `make bench`.
"""

from __future__ import annotations

import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

BASELINE_SQL = """
SELECT i.id, i.name, COUNT(DISTINCT p.id),
       SUM(CASE WHEN p.outcome = 'met' THEN 1 ELSE 0 END),
       AVG(pm.exit_value - pm.entry_value),
       (SELECT COALESCE(SUM(s.minutes), 0) FROM provision_session s WHERE s.intervention_id = i.id),
       (SELECT COUNT(*) FROM provision_attendance a JOIN provision_session s2
          ON s2.id = a.session_id WHERE s2.intervention_id = i.id AND a.present)
FROM provision_intervention i
LEFT JOIN provision_participant p ON p.intervention_id = i.id
LEFT JOIN provision_participantmeasure pm ON pm.participant_id = p.id
WHERE i.school_id = %s
GROUP BY i.id, i.name
"""
INTERVENTIONS = 40
PARTICIPATIONS = 200


def _median(fn: Callable[[], object], repeat: int = 7) -> float:
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


def _peak(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def _top_up(school: Any, want_interventions: int, want_participations: int) -> None:
    """Add interventions (with sessions) until the school has the numbers asked for."""
    from trackwell.accounts.models import Role, User
    from trackwell.provision import builtin, services
    from trackwell.provision.models import Attendance, Intervention, Participant, Session
    from trackwell.pupils.models import Pupil

    rng = random.Random(40)
    measures = services.ensure_builtin_measures(school)
    ta = User.objects.get(school=school, role=Role.TA)
    pupils = list(Pupil.objects.filter(school=school).order_by("pk"))
    areas = ["communication", "cognition", "semh", "sensory", "academic"]
    n = Intervention.objects.filter(school=school).count()
    while n < want_interventions:
        have = Participant.objects.filter(intervention__school=school).count()
        left = want_interventions - n
        size = max(1, min(8, round((want_participations - have) / left)))
        start = date(2026, 9, 7) + timedelta(days=7 * (n % 6))
        intervention = services.create_intervention(
            user=None,
            school=school,
            name=f"Bench group {n + 1}",
            area=areas[n % len(areas)],
            start_date=start,
            weeks=8,
            sessions_per_week=2,
            minutes_per_session=30,
            status="running",
            staff=[services.StaffSpec(user_id=ta.pk, hourly_rate=Decimal("14.20"))],
            funding={"pupil_premium": 60, "sen_notional": 40},
            measure_ids=[measures[builtin.WELLBEING].pk],
            pupil_ids=[p.pk for p in rng.sample(pupils, size)],
        )
        sessions = Session.objects.bulk_create(
            Session(
                school_id=intervention.school_id,
                intervention=intervention,
                date=start + timedelta(days=3 * k),
                minutes=30,
            )
            for k in range(12)
        )
        participants = list(intervention.participants.all())
        Attendance.objects.bulk_create(
            Attendance(
                school_id=intervention.school_id,
                session=s,
                participant=p,
                present=rng.random() < 0.9,
            )
            for s in sessions
            for p in participants
        )
        n += 1


def _getter(client: object, url: str) -> Callable[[], object]:
    def get() -> object:
        return client.get(url)  # type: ignore[attr-defined]

    return get


def run() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from trackwell.accounts.models import Role, User
    from trackwell.demo.generator import DemoOptions, generate
    from trackwell.provision.models import Intervention, Participant

    call_command("flush", "--noinput", verbosity=0)
    school = generate(DemoOptions(schools=1, forms=2)).schools[0]
    senco = User.objects.get(school=school, role=Role.SENCO)
    client = Client()
    client.force_login(senco)
    pages = {
        "provision map, whole school": reverse("provision:map"),
        "SENCO overview (impact, cost, deployment)": reverse("provision:senco"),
        "impact and cost summary": reverse("provision:summary"),
    }

    def queries_of(url: str) -> int:
        client.get(url)
        return _queries(lambda: client.get(url))

    _top_up(school, INTERVENTIONS // 2, PARTICIPATIONS // 2)
    half = {name: queries_of(url) for name, url in pages.items()}
    _top_up(school, INTERVENTIONS, PARTICIPATIONS)
    interventions = Intervention.objects.filter(school=school).count()
    participations = Participant.objects.filter(intervention__school=school).count()

    def baseline() -> object:
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, [school.pk])
            return cursor.fetchall()

    base = _median(baseline)
    print(
        f"\nProvision: {interventions} interventions, {participations} participations "
        f"on {connection.vendor}"
    )
    print(f"{'case':<44} {'time':>10} {'baseline':>10} {'ratio':>8} {'queries':>8}")
    for name, url in pages.items():
        client.get(url)
        seconds = _median(_getter(client, url))
        queries = queries_of(url)
        peak = _peak(_getter(client, url))
        steady = "same" if queries == half[name] else f"was {half[name]}"
        print(
            f"{name:<44} {seconds * 1000:>8.1f}ms {base * 1000:>8.2f}ms "
            f"{seconds / base:>7.1f}x {queries:>8}"
        )
        print(
            f"    queries at {INTERVENTIONS // 2} interventions: {half[name]} ({steady}); "
            f"peak Python memory {peak:.1f} MB; baseline: one GROUP BY of the same rows"
        )
        assert queries == half[name], f"{name}: {half[name]} queries grew to {queries}"
    export = reverse("provision:map") + "?export=xlsx"
    seconds = _median(lambda: client.get(export), 5)
    print(
        f"{'provision map as XLSX':<44} {seconds * 1000:>8.1f}ms {base * 1000:>8.2f}ms "
        f"{seconds / base:>7.1f}x {queries_of(export):>8}"
    )


if __name__ == "__main__":
    from bench.run import _setup_django

    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run()
