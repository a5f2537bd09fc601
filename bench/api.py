"""The API: 1,000 cells in one bulk request, a full paginated read of the judgements,
a bulk write of a test's raw marks, and an MIS sync of 420 pupils.

Called from `bench.run.main()` on the 1-form-entry demo it loaded. Baselines in
the same run: one executemany UPDATE of the same 1,000 rows, one SELECT of
every judgement of the school, the results import's service on the same marks, and
the CSV import (`pipeline.apply_now`) of the same 420 pupils into another new
school (the ratio says what the API adds to the import it runs).
"""

import json
import time


def run() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from trackwell.accounts.models import Role, User
    from trackwell.api.services import create_key
    from trackwell.assessment.models import Judgement
    from trackwell.curriculum.models import Objective
    from trackwell.pupils.models import Pupil

    admin = User.objects.filter(role=Role.ADMIN, school__isnull=False).first()
    if admin is None:
        print("\nAPI: no school admin in the bench database; skipped")
        return
    _, secret = create_key(
        by=admin, name="bench", scopes=["judgements:write", "people:read", "analysis:read"]
    )
    headers = {"Authorization": f"Bearer {secret}"}
    client = Client()
    school_id = admin.school_id or 0
    pupils = list(Pupil.objects.filter(school_id=school_id, nc_year=4).order_by("pk")[:25])
    objectives = list(
        Objective.objects.filter(
            framework__school_id=school_id, framework__nc_year=4, archived_at__isnull=True
        ).order_by("pk")[:40]
    )
    versions = {
        (j.pupil_id, j.objective_id): j.version
        for j in Judgement.objects.filter(pupil__in=pupils, objective__in=objectives)
    }

    def body(code: str) -> str:
        return json.dumps(
            {
                "cells": [
                    {
                        "pupil": p.pk,
                        "objective": o.pk,
                        "code": code,
                        "version": versions.get((p.pk, o.pk), 0),
                    }
                    for p in pupils
                    for o in objectives
                ]
            }
        )

    cells = len(pupils) * len(objectives)
    client.get("/api/v1/school/", headers=headers)  # warm up: imports and URL map
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.post(
            "/api/v1/judgements/bulk/", body("2"), content_type="application/json", headers=headers
        )
        bulk_s = time.perf_counter() - start
    assert response.status_code == 200, response.content[:300]
    bulk_queries = len(ctx.captured_queries)
    ids = list(
        Judgement.objects.filter(pupil__in=pupils, objective__in=objectives).values_list(
            "pk", flat=True
        )
    )
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.executemany(
            "UPDATE assessment_judgement SET version = version + 1 WHERE id = %s",
            [(i,) for i in ids],
        )
        baseline_bulk = time.perf_counter() - start

    total = Judgement.objects.filter(school_id=school_id).count()
    results = {}
    for page_size in (200, 1000):
        url = f"/api/v1/judgements/?page_size={page_size}"
        pages = rows = 0
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            while url:
                page = client.get(url, headers=headers).json()
                rows += len(page["results"])
                pages += 1
                url = page["next"]
            seconds = time.perf_counter() - start
        results[page_size] = (seconds, pages, rows, len(ctx.captured_queries) / pages)
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(
            "SELECT j.id, j.pupil_id, j.objective_id, l.code, j.note, j.version, j.updated_at "
            "FROM assessment_judgement j LEFT JOIN curriculum_ratinglevel l ON l.id = j.level_id "
            "WHERE j.school_id = %s ORDER BY j.id",
            [school_id],
        )
        cursor.fetchall()
        baseline_read = time.perf_counter() - start

    print(f"\nAPI on {connection.vendor}")
    print(f"{'case':<48} {'time':>10} {'baseline':>10} {'ratio':>8} {'queries':>8}")
    print(
        f"{f'bulk upsert of {cells} cells, one request':<48} {bulk_s * 1000:>8.0f}ms "
        f"{baseline_bulk * 1000:>8.1f}ms {bulk_s / baseline_bulk:>7.1f}x {bulk_queries:>8}"
    )
    for page_size, (seconds, pages, rows, per_page) in results.items():
        name = f"read {rows:,} judgements, {pages} pages of {page_size}"
        print(
            f"{name:<48} {seconds * 1000:>8.0f}ms {baseline_read * 1000:>8.1f}ms "
            f"{seconds / baseline_read:>7.1f}x {per_page:>7.1f}/page"
        )
    assert rows == total
    _results_bulk(client, admin)
    _mis_sync()


def _post(client, url: str, body: object, headers: dict[str, str]):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    data = json.dumps(body)
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.post(url, data, content_type="application/json", headers=headers)
        seconds = time.perf_counter() - start
    assert response.status_code == 200, response.content[:300]
    return seconds, len(ctx.captured_queries), response.json()


def _results_bulk(client, admin) -> None:
    """Raw marks of a year group's test in one request, for half and all of the pupils."""
    from datetime import date

    from trackwell.api.services import create_key
    from trackwell.curriculum.models import Subject
    from trackwell.pupils.models import Pupil
    from trackwell.scores import definitions, services
    from trackwell.scores.models import ScoreKind, TestResult

    school = admin.school
    reading, _ = Subject.objects.get_or_create(
        school=school, slug="bench-reading", defaults={"name": "Bench reading"}
    )
    table = definitions.install_builtin_table(None, school, "ks2-2024-reading")
    test = definitions.create_test(
        admin,
        school,
        definitions.TestInput(
            name="Bench reading test",
            publisher="Bench",
            subject=reading,
            nc_year=4,
            taken_on=date(2026, 11, 20),
            max_raw_mark=50,
            score_kind=ScoreKind.SCALED,
            table=table,
            thresholds=None,
        ),
    )
    _, secret = create_key(by=admin, name="bench tests", scopes=["tests:write"])
    headers = {"Authorization": f"Bearer {secret}"}
    pupils = list(
        Pupil.objects.filter(school=school, nc_year=4, left_on__isnull=True).order_by("pk")
    )
    rows = []
    for count in (len(pupils) // 2, len(pupils)):
        marks = {p.pk: 10 + i % 40 for i, p in enumerate(pupils[:count])}
        body = {
            "test": test.pk,
            "results": [{"pupil": pk, "raw_mark": raw, "version": 0} for pk, raw in marks.items()],
        }
        TestResult.objects.filter(test=test).delete()
        seconds, queries, _ = _post(client, "/api/v1/results/bulk/", body, headers)
        # Baseline: the same marks through the service the results import uses.
        TestResult.objects.filter(test=test).delete()
        start = time.perf_counter()
        services.apply_results(user=admin, test=test, marks=marks)
        baseline = time.perf_counter() - start
        rows.append((count, seconds, baseline, queries))
    for count, seconds, baseline, queries in rows:
        name = f"results bulk write, {count} raw marks"
        print(
            f"{name:<48} {seconds * 1000:>8.0f}ms {baseline * 1000:>8.1f}ms "
            f"{seconds / baseline:>7.1f}x {queries:>8}"
        )
    print("    baseline: scores.services.apply_results (the results import) on the same marks")


def _mis_sync() -> None:
    """420 pupils into 14 new classes: through the API, and as a CSV import, in one run."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.imports import PUPILS, _mis_file, _people, _school
    from trackwell.accounts.models import Role, User
    from trackwell.api.services import create_key
    from trackwell.interop import pipeline

    people = _people(11)
    records = [
        {
            "upn": p["upn"],
            "last_name": p["last"],
            "first_name": p["first"],
            "date_of_birth": p["dob"].strftime("%d/%m/%Y"),
            "sex": p["sex"],
            "nc_year": "R" if p["nc_year"] == 0 else f"Year {p['nc_year']}",
            "class_name": p["class"],
            "fsm": p["fsm"],
            "sen_status": p["sen"],
        }
        for p in people
    ]
    csv_school = _school("Bench API CSV Primary")
    data = _mis_file(people)

    def timed(fn) -> tuple[float, int, object]:
        # Timed as the API requests are (no memory tracing), so the ratio is fair.
        reset_queries()  # the query log keeps 9,000 at most; count from an empty one
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = fn()
            seconds = time.perf_counter() - start
        return seconds, len(ctx.captured_queries), result

    def csv_plan():
        return pipeline.prepare(school=csv_school, kind="pupils", data=data, options={})

    def csv_import():
        return pipeline.apply_now(
            user=None, school=csv_school, kind="pupils", data=data, options={}
        )[0]

    csv_dry_s, csv_dry_q, _ = timed(csv_plan)
    csv_s, csv_q, prepared = timed(csv_import)
    assert not prepared.problems, prepared.problems[:3]  # type: ignore[attr-defined]
    csv_again_s, csv_again_q, _ = timed(csv_import)

    school = _school("Bench API sync Primary")
    admin = User.objects.create(username="bench-sync-admin", school=school, role=Role.ADMIN)
    _, secret = create_key(by=admin, name="bench MIS", scopes=["people:write"])
    headers = {"Authorization": f"Bearer {secret}"}
    client = Client()
    body = {"pupils": records}
    dry_s, dry_q, plan = _post(client, "/api/v1/pupils/sync/", {**body, "dry_run": True}, headers)
    assert plan["summary"] == {"create": PUPILS + 14}, plan["summary"]
    sync_s, sync_q, done = _post(client, "/api/v1/pupils/sync/", body, headers)
    assert done["done"]["create pupil"] == PUPILS
    again_s, again_q, again = _post(client, "/api/v1/pupils/sync/", body, headers)
    assert again["summary"] == {}
    for name, seconds, baseline, queries in (
        (f"MIS sync, {PUPILS} pupils, dry run (plan)", dry_s, csv_dry_s, dry_q),
        (f"MIS sync, {PUPILS} pupils, 14 new classes", sync_s, csv_s, sync_q),
        ("MIS sync again, nothing changed", again_s, csv_again_s, again_q),
    ):
        print(
            f"{name:<48} {seconds * 1000:>8.0f}ms {baseline * 1000:>8.1f}ms "
            f"{seconds / baseline:>7.1f}x {queries:>8}"
        )
    print(
        f"    baselines: the CSV import of the same pupils in the same run, its plan "
        f"(prepare, {csv_dry_q} queries), import ({csv_q}) and unchanged again ({csv_again_q})"
    )
