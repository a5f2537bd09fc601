"""The API: 1,000 cells in one bulk request, and a full paginated read of the judgements.

Called from `bench.run.main()` on the 1-form-entry demo it loaded. Baselines in
the same run: one executemany UPDATE of the same 1,000 rows, and one SELECT of
every judgement of the school.
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
