"""Exports of every table: the XLSX opens and holds the page's figures; CSV is formula-safe."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.analysis.helpers import judge, objectives, teach, with_bands
from tests.factories import World, make_framework, make_pupils
from trackwell.pupils.models import SchoolClass

pytestmark = pytest.mark.django_db


def _rate(world: World) -> None:
    with_bands(world)
    y3 = objectives(world.framework)
    teach(world, y3[:4])
    teach(world, y3[:4], world.class_b)
    for i, p in enumerate(world.pupils_a + world.pupils_b):
        for o in y3[: 1 + i % 4]:
            judge(world, p, o, "2" if i % 3 else "3")


def _sheet(content: bytes, index: int = 0) -> list[list]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    sheet = book.worksheets[index]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def test_school_overview_xlsx_holds_the_same_figures_as_the_page(world: World, client_for) -> None:
    _rate(world)
    client = client_for(world.users["leader"])
    page = client.get(reverse("report-school")).content.decode()
    response = client.get(reverse("report-school-export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(response.content)
    header, year3 = rows[0], rows[1]
    assert year3[0] == "Year 3"
    assert year3[1] == 8  # pupils
    # Every band the page lists with a count and a share is in the sheet with the same two.
    # The first table that lists bands with a count and a share (the overview opens with a
    # summary of who meets expectations; the distributions follow, subject by subject).
    tables = re.findall(r"<table.*?</table>", page, re.S)
    shown = next(
        (found for t in tables if (found := re.findall(r"</span>([^<:]+): (\d+) \((\d+)%\)", t))),
        [],
    )
    assert shown
    for label, count, pct in shown:
        if f"{label.strip()} (pupils)" not in header:
            continue  # a progress band (its own columns, by count)
        assert year3[header.index(f"{label.strip()} (pupils)")] == int(count)
        assert year3[header.index(f"{label.strip()} (%)")] == int(pct)
    assert sum(year3[2 : 2 + 5]) == 8


def test_a_governors_export_hides_small_year_groups_as_the_page_does(
    world: World, client_for
) -> None:
    _rate(world)
    small = SchoolClass.objects.create(
        school=world.school, year=world.year, name="4 Elm", nc_year=4
    )
    y4 = make_framework(world.school, world.maths, world.scale, 4, 3)
    for p in make_pupils(world.school, small, 2):
        judge(world, p, objectives(y4)[0], "2")
    client = client_for(world.users["governor"])
    page = client.get(reverse("report-school")).content.decode()
    rows = _sheet(client.get(reverse("report-school-export", args=["xlsx"])).content)
    year4 = next(r for r in rows if r[0] == "Year 4")
    assert "fewer than 5 pupils: not shown" in page
    assert year4[1] in (None, "") and "not shown" in year4[-1]


def test_class_overview_group_and_gap_exports_match_their_pages(world: World, client_for) -> None:
    _rate(world)
    client = client_for(world.users["teacher"])
    rows = _sheet(
        client.get(reverse("report-class-export", args=[world.class_a.pk, "xlsx"])).content
    )
    ordered = sorted(world.pupils_a, key=lambda p: (p.last_name, p.first_name))
    assert [r[0] for r in rows[1:]] == [p.full_name for p in ordered]
    assert rows[0][:5] == [
        "Pupil",
        "Maths attainment",
        "Maths progress",
        "Maths trend",
        "Maths gaps",
    ]

    page = client.get(reverse("report-class-gaps", args=[world.class_a.pk, "maths"]))
    html = page.content.decode()
    gap_rows = _sheet(
        client.get(
            reverse("report-class-gaps-export", args=[world.class_a.pk, "maths", "xlsx"])
        ).content
    )
    found = re.findall(
        r"<strong>([^<]+)</strong>[^—]*— not yet secure: (\d+) of (\d+) \((\d+)%\)", html
    )
    assert found
    for code, count, total, share in found:
        row = next(r for r in gap_rows if r[0] == code)
        assert row[3:6] == [int(count), int(total), int(share)]

    leader = client_for(world.users["leader"])
    groups = _sheet(leader.get(reverse("report-groups-export", args=["xlsx"])).content)
    assert groups[0][0] == "Group"
    assert {r[0] for r in groups[1:]} >= {"Girls", "Boys"}


def test_the_grid_export_has_each_cell_and_the_summaries(world: World, client_for) -> None:
    _rate(world)
    response = client_for(world.users["teacher"]).get(
        reverse("grid-export", args=[world.class_a.pk, "maths", "csv"])
    )
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Maths Year 3")
    assert lines[1].startswith("Pupil,MA3-00")
    assert any(line.startswith("% secure,") for line in lines)


def test_formula_characters_in_names_are_neutralised(world: World, client_for) -> None:
    _rate(world)
    pupil = world.pupils_a[0]
    pupil.first_name = "=HYPERLINK(1)"
    pupil.save()
    text = (
        client_for(world.users["teacher"])
        .get(reverse("report-class-export", args=[world.class_a.pk, "csv"]))
        .content.decode("utf-8-sig")
    )
    assert "'=HYPERLINK(1)" in text


def test_an_unknown_format_is_404(world: World, client_for) -> None:
    response = client_for(world.users["leader"]).get(reverse("report-school-export", args=["pdf"]))
    assert response.status_code == 404
