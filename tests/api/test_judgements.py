"""Judgements through the API: many cells all or nothing, versions, and the same figures."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import World, make_pupils
from trackwell.accounts.models import AuditEntry
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.curriculum.models import Objective
from trackwell.pupils.models import SchoolClass

pytestmark = pytest.mark.django_db
BULK = "/api/v1/judgements/bulk/"


def _cells(world: World, pupils, objectives, code: str = "2") -> list[dict]:
    return [
        {"pupil": p.pk, "objective": o.pk, "code": code, "version": 0}
        for p in pupils
        for o in objectives
    ]


def test_bulk_upsert_writes_history_and_audit_naming_the_key(world: World, api) -> None:
    client = api(["judgements:write"])
    response = client.post(BULK, {"cells": _cells(world, world.pupils_a[:2], world.objectives[:3])})
    assert response.status_code == 200, response.content
    cells = response.json()["cells"]
    assert len(cells) == 6 and {c["version"] for c in cells} == {1}
    assert Judgement.objects.count() == 6
    history = JudgementHistory.objects.all()
    assert {h.source for h in history} == {"api"}
    assert {h.changed_by.display_name for h in history if h.changed_by} == {"API key: Test key"}
    entry = AuditEntry.objects.get(action="api_judgements_bulk")
    assert entry.new == {"cells": 6} and entry.object_type == "api.ApiKey"


def test_a_stale_version_stops_everything_and_names_the_cells(world: World, api) -> None:
    client = api(["judgements:write"])
    first = _cells(world, world.pupils_a[:1], world.objectives[:1])
    assert client.post(BULK, {"cells": first}).status_code == 200
    again = _cells(world, world.pupils_a[:2], world.objectives[:1], code="3")  # first is stale
    response = client.post(BULK, {"cells": again})
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == 409 and body["type"].endswith("/conflict")
    assert [(c["pupil"], c["code"], c["version"]) for c in body["conflicts"]] == [
        (world.pupils_a[0].pk, "2", 1)
    ]
    assert Judgement.objects.count() == 1  # the second pupil's cell was not written
    assert Judgement.objects.values_list("level__code", flat=True).get() == "2"
    # Sending the version read back succeeds.
    again[0]["version"] = 1
    assert client.post(BULK, {"cells": again}).status_code == 200
    assert set(Judgement.objects.values_list("level__code", flat=True)) == {"3"}


def test_bad_cells_are_named_by_field_and_nothing_is_written(world: World, api) -> None:
    client = api(["judgements:write"])
    cells = _cells(world, world.pupils_a[:2], world.objectives[:2])
    cells[3]["code"] = "9"
    response = client.post(BULK, {"cells": cells})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "cells[3].code"
    assert "Unknown rating code '9'" in body["errors"][0]["reason"]
    assert not Judgement.objects.exists()
    response = client.post(BULK, {"cells": [{"pupil": "x", "objective": 1, "version": 0}]})
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"cells[0].pupil", "cells[0].code"} <= fields


def test_other_schools_pupils_are_not_found(world: World, other_world: World, api) -> None:
    client = api(["judgements:write"])
    cells = _cells(world, other_world.pupils_a[:1], world.objectives[:1])
    cells += _cells(world, world.pupils_a[:1], other_world.objectives[:1])
    response = client.post(BULK, {"cells": cells})
    assert response.status_code == 404
    assert [e["field"] for e in response.json()["errors"]] == ["cells[0]", "cells[1]"]
    assert not Judgement.objects.exists()


def test_a_teacher_session_writes_only_their_own_class(world: World, client_for) -> None:
    client = client_for(world.users["teacher"])
    own = _cells(world, world.pupils_a[:1], world.objectives[:1])
    other = _cells(world, world.pupils_b[:1], world.objectives[:1])
    ok = client.post(BULK, {"cells": own}, content_type="application/json")
    assert ok.status_code == 200
    refused = client.post(BULK, {"cells": other}, content_type="application/json")
    assert refused.status_code == 404


def test_session_writes_need_the_csrf_token(world: World) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["teacher"])
    response = client.post(
        BULK,
        {"cells": _cells(world, world.pupils_a[:1], world.objectives[:1])},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_bulk_queries_stay_constant_as_cells_grow(world: World, api) -> None:
    client = api(["judgements:write"])
    # 60 cells: within one insert batch on both databases (SQLite's limit of 999
    # parameters splits inserts of about 90 history rows or more into batches).
    more = make_pupils(world.school, world.class_a, 10)

    def count(pupils, objectives) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(BULK, {"cells": _cells(world, pupils, objectives)})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = count(world.pupils_a[:1], world.objectives[:1])
    large = count(more, world.objectives)  # 60 cells
    assert large == small


def test_cleared_cells_appear_in_an_incremental_read(world: World, api) -> None:
    client = api(["judgements:write"])
    cell = _cells(world, world.pupils_a[:1], world.objectives[:1])
    client.post(BULK, {"cells": cell})
    since = Judgement.objects.get().updated_at.isoformat()
    cell[0].update(code="", version=1)
    assert client.post(BULK, {"cells": cell}).status_code == 200
    rows = client.get("/api/v1/judgements/", updated_since=since).json()["results"]
    assert [(r["code"], r["cleared"], r["version"]) for r in rows] == [(None, True, 2)]
    bad = client.get("/api/v1/judgements/", updated_since="yesterday")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "updated_since"


def test_round_trip_a_class_of_pupils_and_1000_judgements_gives_the_pages_figures(
    world: World, api, client_for
) -> None:
    """A class of 25 pupils, 40 objectives: 1,000 cells posted, figures read back."""
    school_class = SchoolClass.objects.create(
        school=world.school, year=world.year, name="3 Elm", nc_year=3
    )
    pupils = make_pupils(world.school, school_class, 25)
    strand = world.objectives[0].strand
    Objective.objects.bulk_create(
        Objective(
            school=world.school,
            framework=world.framework,
            strand=strand,
            code=f"X{i:02d}",
            statement=f"Extra {i}",
            order=100 + i,
        )
        for i in range(34)
    )
    objectives = list(Objective.objects.filter(framework=world.framework).order_by("pk"))
    assert len(objectives) == 40
    client = api(["judgements:write", "analysis:read", "people:read"])
    codes = ["0", "1", "2", "3"]
    cells = [
        {"pupil": p.pk, "objective": o.pk, "code": codes[(i + j) % 4], "version": 0}
        for i, p in enumerate(pupils)
        for j, o in enumerate(objectives)
    ]
    assert len(cells) == 1000
    response = client.post(BULK, {"cells": cells})
    assert response.status_code == 200
    assert Judgement.objects.filter(pupil__in=pupils).count() == 1000

    pupils_api = client.get("/api/v1/pupils/", **{"class": school_class.pk}).json()["results"]
    assert sorted(p["id"] for p in pupils_api) == sorted(p.pk for p in pupils)
    figures = client.get("/api/v1/figures/", **{"class": school_class.pk}).json()
    by_pupil = {r["pupil_id"]: r for r in figures["results"]}
    page = client_for(world.users["admin"]).get(reverse("report-class", args=[school_class.pk]))
    assert page.status_code == 200
    for row in page.context["rows"]:
        cell = row["cells"][0]
        api_row = by_pupil[row["pupil"].pk]
        assert api_row["figures"] == cell["result"].figures
        shown = cell["result"].attainment
        assert (api_row["attainment"] or {}).get("shown") == (shown.shown.key if shown else None)
    summary = client.get("/api/v1/figures/summary/", **{"class": school_class.pk}).json()
    assert summary["subjects"][0]["pupils"] == 25
