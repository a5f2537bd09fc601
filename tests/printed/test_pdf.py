"""Pupil reports as PDF: read back with pypdf, each subject and only this pupil's name."""

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import World
from tests.printed.conftest import a_year6_pupil
from trackwell.printed.models import ReportComment, ReportEntry, ReportRound
from trackwell.printed.render import render_many, render_pupil_pdf
from trackwell.scores.models import KeyStage, KeyStageResult

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_a_report_holds_every_subject_the_pupils_name_and_no_other_pupil(
    world: World, report_round: ReportRound, client_for
) -> None:
    pupil = world.pupils_a[1]
    ReportComment.objects.create(
        school=world.school,
        round=report_round,
        pupil=pupil,
        subject=world.maths,
        text="Counts confidently in fours.",
    )
    ReportEntry.objects.create(
        school=world.school,
        round=report_round,
        pupil=pupil,
        general="A kind friend to everyone.",
        sessions_possible=120,
        sessions_attended=114,
        unauthorised_absences=2,
    )
    response = client_for(world.users["teacher"]).get(
        reverse("printed:pupil-pdf", args=[report_round.pk, pupil.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    flat = " ".join(text.split())
    assert pupil.full_name in flat
    for subject in ("Maths", "Reading"):
        assert subject in flat
    assert "Counts confidently in fours." in flat
    assert "A kind friend to everyone." in flat
    assert "114 of 120 possible sessions" in flat
    assert "1.7% of possible sessions" in flat
    assert "Talking about this report" in flat
    others = [p for p in world.pupils_a + world.pupils_b if p.pk != pupil.pk]
    for other in others:
        assert other.last_name not in flat
    # Words for parents, never the staff band labels or percentages of objectives.
    assert "% secure" not in flat


def test_the_combined_file_has_every_pupil_on_their_own_pages(
    world: World, report_round: ReportRound
) -> None:
    pupils = world.pupils_a[:3]
    seen: list[str] = []

    def done(pupil, pdf: bytes) -> None:
        text = " ".join(_text(pdf).split())
        assert pupil.full_name in text
        seen.append(pupil.full_name)

    combined = render_many(report_round, pupils, done)
    assert seen == [p.full_name for p in pupils]
    reader = PdfReader(io.BytesIO(combined))
    starts = []
    for number, page in enumerate(reader.pages):
        text = " ".join((page.extract_text() or "").split())
        for p in pupils:
            if f"{world.school.name} {p.full_name}" in text:
                starts.append((number, p.full_name))
    assert [name for _, name in starts] == [p.full_name for p in pupils]


def test_end_of_key_stage_2_results_sit_beside_the_school_and_national_figures(
    world: World, report_round: ReportRound
) -> None:
    pupil = a_year6_pupil(world)
    KeyStageResult.objects.create(
        school=world.school,
        pupil=pupil,
        stage=KeyStage.KS2,
        subject="reading",
        outcome="EXS",
        scaled_score=104,
        taken_on=date(2027, 5, 12),
    )
    text = " ".join(_text(render_pupil_pdf(report_round, pupil)).split())
    assert "End of Key Stage 2 assessments" in text
    assert "104" in text
    assert "100%" in text  # the school's one pupil with a result meets the standard
    assert "74% (2024)" in text  # national reading, expected standard


def test_national_figures_match_the_reference_file() -> None:
    import csv
    from pathlib import Path

    from trackwell.printed.ks2 import national_figures

    ref = None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "refdata" / "national" / "ks2_national_2024_2025.csv"
        if candidate.exists():
            ref = candidate
            break
    if ref is None:
        pytest.skip("reference data not available")
    measures = {
        "expected_standard_reading": "reading",
        "expected_standard_writing_TA": "writing",
        "expected_standard_maths": "maths",
        "expected_standard_GPS": "gps",
        "expected_standard_science_TA": "science",
        "expected_standard_RWM": "rwm",
    }
    latest: dict[str, tuple[int, int]] = {}
    with ref.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["group"] != "all" or row["measure"] not in measures:
                continue
            key, year = measures[row["measure"]], int(row["year"])
            if key not in latest or year > latest[key][0]:
                latest[key] = (year, int(float(row["percent"])))
    assert national_figures() == latest
