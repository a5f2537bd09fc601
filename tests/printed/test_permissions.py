"""Every report, pack, export and archive URL for every role, parents included, and outsiders."""

import pytest
from django.urls import reverse

from tests.factories import World, make_parent
from tests.printed.conftest import build_reports_world
from trackwell.printed.models import ReportBatch, ReportFile, ReportRound

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor", "parent"]
STAFF = {r: 200 for r in ["admin", "leader", "teacher", "other_teacher", "ta", "senco"]}
NO = {"governor": 404, "parent": 404}
MANAGE = {"admin": 200, "leader": 200} | {r: 403 for r in ["teacher", "other_teacher", "ta"]}
MANAGE |= {"senco": 403, **NO}
AGGREGATE = {"admin": 200, "leader": 200, "senco": 200, "governor": 200}
AGGREGATE |= {"teacher": 404, "other_teacher": 404, "ta": 404, "parent": 404}
WRITE_A = {"admin": 200, "leader": 200, "teacher": 200}
WRITE_A |= {"other_teacher": 403, "ta": 403, "senco": 403, **NO}
ARCHIVE = {"admin": 200} | {r: 403 for r in ["leader", "teacher", "other_teacher", "ta", "senco"]}
ARCHIVE |= NO


@pytest.fixture(autouse=True)
def _small_pdfs(monkeypatch) -> None:
    """Access is under test here, not layout: every PDF is one short page (test_pdf.py reads
    the real ones)."""
    from weasyprint import HTML

    from trackwell.printed import render

    monkeypatch.setattr(
        render,
        "_html_document",
        lambda template, context, **_: HTML(string="<p>Report</p>").render(),
    )


@pytest.fixture
def users(world: World) -> dict:
    return {**world.users, "parent": make_parent(world.school, [world.pupils_a[0]], "p-a")}


@pytest.fixture
def batch(world: World, report_round: ReportRound, client_for) -> ReportBatch:
    client_for(world.users["teacher"]).post(
        reverse("printed:batch-start", args=[report_round.pk]), {"class": world.class_a.pk}
    )
    return ReportBatch.objects.get()


def _cases(world: World, report_round: ReportRound, batch: ReportBatch) -> list:
    a, pupil = world.class_a.pk, world.pupils_a[0].pk
    combined = ReportFile.objects.get(batch=batch, pupil__isnull=True)
    return [
        ("printed:rounds", [], STAFF | NO),
        ("printed:settings", [], MANAGE),
        ("printed:governors", [], AGGREGATE),
        ("printed:round", [report_round.pk], STAFF | NO),
        ("printed:write", [report_round.pk, a], WRITE_A),
        ("printed:batch", [batch.pk], STAFF | NO),
        ("printed:batch-status", [batch.pk], STAFF | NO),
        ("printed:batch-file", [batch.pk, combined.pk], STAFF | NO),
        ("grid-export", [a, "maths", "csv"], STAFF | NO),
        ("report-class-export", [a, "csv"], STAFF | NO),
        ("report-class-gaps-export", [a, "maths", "csv"], STAFF | NO),
        ("report-school-export", ["csv"], AGGREGATE),
        ("report-groups-export", ["xlsx"], AGGREGATE),
        ("report-year-gaps-export", [3, "maths", "csv"], STAFF | NO),
        ("school-archive", [], ARCHIVE),
        ("printed:pupil-pdf", [report_round.pk, pupil], STAFF | NO),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(
    world: World, users: dict, report_round: ReportRound, batch: ReportBatch, client_for, role
) -> None:
    client = client_for(users[role])
    for name, args, expected in _cases(world, report_round, batch):
        response = client.get(reverse(name, args=args))
        if response.streaming:
            b"".join(response.streaming_content)  # read to the end, which closes the file
        assert response.status_code == expected[role], (name, role, response.status_code)


@pytest.mark.parametrize("role", ["admin", "leader", "parent", "governor"])
def test_the_governors_pack_pdf(world: World, users: dict, report_round, client_for, role) -> None:
    response = client_for(users[role]).get(reverse("printed:governors-pdf"))
    assert response.status_code == AGGREGATE[role]


@pytest.mark.parametrize("role", ROLES)
def test_writes_for_every_role(
    world: World, users: dict, report_round: ReportRound, client_for, role: str
) -> None:
    client = client_for(users[role])
    start = client.post(
        reverse("printed:batch-start", args=[report_round.pk]), {"class": world.class_a.pk}
    )
    assert start.status_code == ({**STAFF, **NO} | {r: 302 for r in STAFF})[role]
    new_round = client.post(
        reverse("printed:rounds"), {"point": report_round.point_id, "kind": "annual"}
    )
    assert new_round.status_code == (MANAGE | {"admin": 302, "leader": 302})[role]
    template = client.post(
        reverse("printed:settings"),
        {"version": 0, "heading": "Report", "arrangements": "Talk to us."},
    )
    assert template.status_code == (MANAGE | {"admin": 409, "leader": 409})[role]


def test_another_schools_ids_are_404(
    world: World, other_world: World, users: dict, client_for, report_round: ReportRound
) -> None:
    theirs = build_reports_world(other_world)
    client_for(other_world.users["teacher"]).post(
        reverse("printed:batch-start", args=[theirs.pk]), {"class": other_world.class_a.pk}
    )
    their_batch = ReportBatch.objects.get(school=other_world.school)
    their_file = ReportFile.objects.filter(batch=their_batch).earliest("pk")
    a, pupil = other_world.class_a.pk, other_world.pupils_a[0].pk
    urls = [
        reverse("printed:round", args=[theirs.pk]),
        reverse("printed:write", args=[theirs.pk, a]),
        reverse("printed:write", args=[report_round.pk, a]),
        reverse("printed:pupil-pdf", args=[theirs.pk, pupil]),
        reverse("printed:pupil-pdf", args=[report_round.pk, pupil]),
        reverse("printed:batch", args=[their_batch.pk]),
        reverse("printed:batch-status", args=[their_batch.pk]),
        reverse("printed:batch-file", args=[their_batch.pk, their_file.pk]),
        reverse("grid-export", args=[a, "maths", "csv"]),
        reverse("report-class-export", args=[a, "csv"]),
        reverse("report-class-gaps-export", args=[a, "maths", "csv"]),
    ]
    for role in ("admin", "leader", "teacher"):
        client = client_for(users[role])
        for url in urls:
            assert client.get(url).status_code == 404, (role, url)
        posted = client.post(reverse("printed:batch-start", args=[theirs.pk]), {"class": a})
        assert posted.status_code == 404
        saved = client.post(
            reverse("printed:save", args=[report_round.pk, pupil]),
            {"field": f"subject-{world.maths.pk}", "text": "x", "version": 0},
        )
        assert saved.status_code == 404


def test_wrong_methods(world: World, report_round: ReportRound, client_for) -> None:
    admin = client_for(world.users["admin"])
    assert admin.get(reverse("printed:batch-start", args=[report_round.pk])).status_code == 405
    assert (
        admin.get(reverse("printed:save", args=[report_round.pk, world.pupils_a[0].pk])).status_code
        == 405
    )
    cases: list[tuple[str, list[object]]] = [
        ("printed:governors", []),
        ("printed:round", [report_round.pk]),
        ("school-archive", []),
        ("report-school-export", ["csv"]),
    ]
    for name, args in cases:
        assert admin.post(reverse(name, args=args)).status_code == 405
