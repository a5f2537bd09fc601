"""A class's reports in the background: progress, one PDF per pupil, one combined file."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import World
from trackwell.printed.models import ReportBatch, ReportFile, ReportRound

pytestmark = pytest.mark.django_db


def test_a_class_batch_runs_on_the_task_queue_and_gives_every_pdf(
    world: World, report_round: ReportRound, client_for
) -> None:
    teacher = client_for(world.users["teacher"])
    response = teacher.post(
        reverse("printed:batch-start", args=[report_round.pk]), {"class": world.class_a.pk}
    )
    assert response.status_code == 302
    batch = ReportBatch.objects.get()
    assert response["Location"] == reverse("printed:batch", args=[batch.pk])
    assert (batch.status, batch.done, batch.total) == ("done", 5, 5)
    status = teacher.get(reverse("printed:batch-status", args=[batch.pk])).json()
    assert status == {
        "status": "done",
        "label": "Ready",
        "done": 5,
        "total": 5,
        "percent": 100,
        "finished": True,
    }
    files = list(ReportFile.objects.filter(batch=batch))
    assert sorted(f.pupil_id for f in files if f.pupil_id) == sorted(p.pk for p in world.pupils_a)
    combined = next(f for f in files if f.pupil_id is None)
    download = teacher.get(reverse("printed:batch-file", args=[batch.pk, combined.pk]))
    assert download.status_code == 200
    reader = PdfReader(io.BytesIO(download.content))
    text = " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())
    for pupil in world.pupils_a:
        assert pupil.full_name in text
    page = teacher.get(reverse("printed:batch", args=[batch.pk])).content.decode()
    assert "All reports in one file" in page and "<progress" in page


def test_batches_are_seen_only_by_those_who_see_the_class(
    world: World, report_round: ReportRound, client_for, other_world: World
) -> None:
    client_for(world.users["teacher"]).post(
        reverse("printed:batch-start", args=[report_round.pk]), {"class": world.class_a.pk}
    )
    batch = ReportBatch.objects.get()
    url = reverse("printed:batch", args=[batch.pk])
    assert client_for(world.users["other_teacher"]).get(url).status_code == 200  # may view
    assert client_for(world.users["governor"]).get(url).status_code == 404
    assert client_for(other_world.users["admin"]).get(url).status_code == 404
    whole = reverse("printed:batch-start", args=[report_round.pk])
    assert client_for(world.users["teacher"]).post(whole, {}).status_code == 403


def test_render_reports_command_writes_each_pupil_and_the_combined_file(
    world: World, report_round: ReportRound, tmp_path: Path
) -> None:
    call_command(
        "render_reports",
        "--school",
        world.school.name,
        "--class",
        world.class_b.name,
        "--output",
        str(tmp_path),
        verbosity=0,
    )
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == len(world.pupils_b) + 1
    assert any(name.endswith("-all.pdf") for name in files)
    with pytest.raises(CommandError, match="No class"):
        call_command(
            "render_reports", "--school", world.school.name, "--class", "9Z", "--output", "x"
        )
