"""Provision, tests and scores, targets and meetings through the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import World, make_pupils
from tests.meetings.conftest import build
from tests.provision.conftest import make_provision
from tests.scores.conftest import make_reading_test
from trackwell.accounts.models import AuditEntry
from trackwell.analysis.models import Band, BandSet
from trackwell.provision.models import Participant
from trackwell.scores.models import Target, TestResult, TestResultHistory

pytestmark = pytest.mark.django_db
RESULTS = "/api/v1/results/bulk/"


def _marks(pupils, raw: int = 30, version: int = 0) -> list[dict]:
    return [{"pupil": p.pk, "raw_mark": raw, "version": version} for p in pupils]


def test_results_in_bulk_are_converted_versioned_and_all_or_nothing(world: World, api) -> None:
    test = make_reading_test(world)
    client = api(["tests:write"])
    body = {"test": test.pk, "results": _marks(world.pupils_a[:3])}
    response = client.post(RESULTS, body)
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(r["raw"], r["version"]) for r in rows] == [(30, 1)] * 3
    assert all(r["score"] is not None for r in rows)
    assert TestResultHistory.objects.count() == 3
    # The history says the marks came through the API, not from a file.
    assert set(TestResultHistory.objects.values_list("source", flat=True)) == {"api"}
    assert AuditEntry.objects.filter(action="api_results_bulk").count() == 1
    # The first is stale now: 409 naming it, and the fourth pupil's mark is not written.
    again = {"test": test.pk, "results": _marks(world.pupils_a[:1] + world.pupils_a[3:4], 40)}
    stale = client.post(RESULTS, again)
    assert stale.status_code == 409
    assert [c["pupil"] for c in stale.json()["conflicts"]] == [world.pupils_a[0].pk]
    assert not TestResult.objects.filter(pupil=world.pupils_a[3]).exists()
    # A mark beyond the test's maximum is named; clearing keeps the row with raw null.
    bad = client.post(RESULTS, {"test": test.pk, "results": _marks(world.pupils_a[:1], 99, 1)})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "results[0].raw_mark"
    cleared = client.post(
        RESULTS,
        {
            "test": test.pk,
            "results": [{"pupil": world.pupils_a[0].pk, "raw_mark": None, "version": 1}],
        },
    )
    assert cleared.status_code == 200
    read = client.get("/api/v1/results/", test=test.pk).json()["results"]
    assert {r["pupil_id"]: r["raw_mark"] for r in read}[world.pupils_a[0].pk] is None


def test_results_name_pupils_out_of_reach_and_other_schools_tests(
    world: World, other_world: World, api, client_for
) -> None:
    test = make_reading_test(world)
    other = make_reading_test(other_world)
    client = api(["tests:write"])
    outside = {"test": test.pk, "results": _marks(other_world.pupils_a[:1])}
    response = client.post(RESULTS, outside)
    assert response.status_code == 404
    assert response.json()["errors"] == [{"field": "results[0].pupil", "reason": "No such pupil."}]
    assert (
        client.post(RESULTS, {"test": other.pk, "results": _marks(world.pupils_a[:1])}).status_code
        == 404
    )
    # Class B's teacher writes class B's marks only.
    teacher = client_for(world.users["other_teacher"])
    mine = teacher.post(
        RESULTS,
        {"test": test.pk, "results": _marks(world.pupils_b[:1])},
        content_type="application/json",
    )
    assert mine.status_code == 200
    theirs = teacher.post(
        RESULTS,
        {"test": test.pk, "results": _marks(world.pupils_a[:1])},
        content_type="application/json",
    )
    assert theirs.status_code == 404


def test_tests_and_conversion_tables_read(world: World, api) -> None:
    test = make_reading_test(world)
    client = api(["tests:read"])
    tests = client.get("/api/v1/tests/").json()["results"]
    assert [t["id"] for t in tests] == [test.pk]
    table = client.get(f"/api/v1/conversion-tables/{test.table_id}/").json()
    assert table["max_raw_mark"] == 50 and table["rows"]
    assert client.get("/api/v1/results/").status_code == 200


def _bands(world: World) -> list[Band]:
    from tests.analysis.helpers import with_bands

    with_bands(world)
    band_set = BandSet.objects.filter(school=world.school, kind=BandSet.Kind.ATTAINMENT).first()
    assert band_set is not None
    return list(band_set.bands.order_by("order"))


def test_targets_are_set_versioned_cleared_and_the_clearing_reported(world: World, api) -> None:
    bands = _bands(world)
    point = world.year.assessment_points.first()
    assert point is not None
    client = api(["tests:write", "people:read"])
    first = {"pupil": world.pupils_a[0].pk, "kind": "band", "band": bands[-1].pk, "version": 0}
    second = {"pupil": world.pupils_a[1].pk, "kind": "pct_secure", "value": 80, "version": 0}
    body = {
        "class_id": world.class_a.pk,
        "subject": world.maths.pk,
        "point": point.pk,
        "targets": [first, second],
    }
    response = client.post("/api/v1/targets/bulk/", body)
    assert response.status_code == 200, response.content
    assert response.json()["changed"] == 2
    assert client.post("/api/v1/targets/bulk/", body).status_code == 409
    read = client.get("/api/v1/targets/", pupil=world.pupils_a[1].pk).json()["results"]
    assert [(t["kind"], t["value"], t["version"]) for t in read] == [("pct_secure", 80, 1)]
    gone = Target.objects.get(pupil=world.pupils_a[1])
    # Clearing is version-checked too: a target moved on since it was read is not removed.
    Target.objects.filter(pk=gone.pk).update(value=55, version=5)
    stale = client.post(
        "/api/v1/targets/bulk/",
        {**body, "targets": [], "clear": [{"pupil": world.pupils_a[1].pk, "version": 1}]},
    )
    assert stale.status_code == 409 and stale.json()["conflicts"][0]["target"]["value"] == 55
    assert Target.objects.filter(pk=gone.pk).exists()
    twice = client.post(
        "/api/v1/targets/bulk/",
        {**body, "targets": [first, first]},
    )
    assert twice.status_code == 400, twice.content
    assert "twice" in str(twice.json()["errors"]).lower()
    both = client.post(
        "/api/v1/targets/bulk/",
        {
            **body,
            "targets": [{**second, "version": 5}],
            "clear": [{"pupil": world.pupils_a[1].pk, "version": 5}],
        },
    )
    assert both.status_code == 400, both.content
    cleared = client.post(
        "/api/v1/targets/bulk/",
        {**body, "targets": [], "clear": [{"pupil": world.pupils_a[1].pk, "version": 5}]},
    )
    assert cleared.status_code == 200 and cleared.json()["changed"] == 1
    deletions = client.get("/api/v1/deletions/", updated_since="2020-01-01T00:00:00Z").json()
    assert {"resource": "targets", "id": gone.pk} in [
        {k: d[k] for k in ("resource", "id")} for d in deletions["deletions"]
    ]
    # A key without the tests scope is not told about target deletions.
    assert api(["people:read"]).get("/api/v1/deletions/").json()["deletions"] == []


def test_interventions_are_planned_pupils_added_removed_and_outcomes_recorded(
    world: World, api
) -> None:
    provision = make_provision(world)
    client = api(["provision:write"])
    listed = client.get("/api/v1/interventions/").json()["results"]
    assert {i["name"] for i in listed} == {"Number sense group", "Talk boost"}
    created = client.post(
        "/api/v1/interventions/",
        {
            "name": "Phonics catch-up",
            "area": "academic",
            "start_date": "2026-12-01",
            "pupils": [world.pupils_b[1].pk],
            "target": "Blend CVC words",
        },
    )
    assert created.status_code == 201, created.content
    new_id = created.json()["id"]
    added = client.post(
        f"/api/v1/interventions/{new_id}/participants/", {"pupil": world.pupils_b[2].pk}
    )
    assert added.status_code == 201, added.content
    twice = client.post(
        f"/api/v1/interventions/{new_id}/participants/", {"pupil": world.pupils_b[2].pk}
    )
    assert twice.status_code == 400
    place = added.json()
    removed = client.post(
        f"/api/v1/participants/{place['id']}/remove/", {"version": place["version"]}
    )
    assert removed.status_code == 204
    assert not Participant.objects.filter(pk=place["id"]).exists()
    deleted = client.get("/api/v1/deletions/").json()["deletions"]
    assert [d["id"] for d in deleted if d["resource"] == "participants"] == [place["id"]]
    # An outcome: the exit value on the wellbeing measure, version-checked.
    participant = provision.participant_a
    measure = participant.intervention.measures.exclude(kind="objectives").first()
    assert measure is not None
    url = f"/api/v1/participants/{participant.pk}/outcome/"
    stale = client.post(
        url, {"version": participant.version + 5, "measure": measure.pk, "exit_value": "4"}
    )
    assert stale.status_code == 409
    done = client.post(
        url, {"version": participant.version, "measure": measure.pk, "exit_value": "4"}
    )
    assert done.status_code == 200, done.content
    values = {v["measure_id"]: v for v in done.json()["values"]}
    assert values[measure.pk]["exit_value"] == "4.00"
    assert AuditEntry.objects.filter(action="provision.participant.exit").exists()


def test_funding_is_special_category_and_teachers_see_their_pupils_groups(
    world: World, client_for
) -> None:
    make_provision(world)
    teacher = client_for(world.users["teacher"]).get("/api/v1/interventions/").json()["results"]
    assert [i["name"] for i in teacher] == ["Number sense group"]
    assert teacher[0]["funding"] is None
    senco = client_for(world.users["senco"]).get("/api/v1/interventions/").json()["results"]
    assert {i["name"]: i["funding"] for i in senco}["Number sense group"] == {"pupil_premium": 100}
    assert (
        client_for(world.users["ta"])
        .post("/api/v1/interventions/", {}, content_type="application/json")
        .status_code
        == 403
    )


def test_meetings_agendas_decisions_and_actions(world: World, api, client_for) -> None:
    mw = build(world)
    client = api(["provision:read"])
    meetings = client.get("/api/v1/meetings/").json()["results"]
    assert mw.meeting.pk in {m["id"] for m in meetings}
    agenda = client.get(f"/api/v1/meetings/{mw.meeting.pk}/agenda/").json()
    by_pupil = {p["pupil_id"]: p for p in agenda["pupils"]}
    assert by_pupil[mw.low.pk]["reasons"] and by_pupil[mw.low.pk]["special"]
    assert client.get("/api/v1/decisions/", meeting=mw.meeting.pk).status_code == 200
    assert client.get("/api/v1/actions/").status_code == 200
    # A teacher of another class sees neither the meeting nor its agenda.
    other = client_for(world.users["other_teacher"])
    assert other.get(f"/api/v1/meetings/{mw.meeting.pk}/agenda/").status_code == 404


def test_new_lists_take_the_same_number_of_queries_as_data_grows(world: World, api) -> None:
    provision = make_provision(world)
    test = make_reading_test(world)
    client = api(["provision:read", "tests:read"])
    urls = ["/api/v1/interventions/", "/api/v1/participants/", "/api/v1/results/"]

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            found.append(len(ctx))
        return found

    before = counts()
    extra = make_pupils(world.school, world.class_a, 6)
    TestResult.objects.bulk_create(
        TestResult(school=world.school, test=test, pupil=p, raw_mark=10, version=1) for p in extra
    )
    from trackwell.provision.participants import add_participant

    for p in extra[:3]:
        add_participant(user=None, intervention=provision.group_a, pupil=p)
    assert counts() == before
