"""Exports neutralise spreadsheet formulas and read them back as typed; imports have limits."""

import csv
import io

from django.urls import reverse

from tests.factories import World
from trackwell.interop.csv_frameworks import parse_csv


def test_the_framework_csv_neutralises_formulas_and_reads_them_back(
    world: World, client_for
) -> None:
    objective = world.objectives[0]
    objective.statement = '=HYPERLINK("http://evil.example","click")'
    objective.save()
    strand = objective.strand
    strand.name = "@SUM(1+1)"
    strand.save()
    response = client_for(world.users["teacher"]).get(
        reverse("curriculum-framework-csv", args=[world.framework.pk])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = [c for row in rows for c in row]
    assert '\'=HYPERLINK("http://evil.example","click")' in cells
    assert "'@SUM(1+1)" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    spec = parse_csv(response.content).specs[0]
    statements = [o.statement for o in spec.objectives]
    assert objective.statement in statements
    assert "@SUM(1+1)" in [s.name for s in spec.strands]


def test_a_deeply_nested_band_import_is_refused_before_parsing(world: World, client_for) -> None:
    client = client_for(world.users["leader"])
    url = reverse("report-band-import")
    deep = client.post(url, {"document": "[" * 200_000 + "]" * 200_000})
    assert deep.status_code == 400
    assert "nested 200000 levels deep; at most 12" in deep.content.decode()
    big = client.post(url, {"document": '{"name": "' + "x" * 1_100_000 + '"}'})
    assert big.status_code == 400 and "at most 1,000,000 are allowed" in big.content.decode()
    long = client.post(url, {"document": '{"description": "' + "y" * 6000 + '"}'})
    assert long.status_code == 400 and "at most 5000 are allowed" in long.content.decode()
    many = client.post(url, {"document": "[" + ",".join(["1"] * 60_000) + "]"})
    assert many.status_code == 400 and "more than 50000 values" in many.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bands.json", b" " * 1_000_001, "application/json")
    assert client.post(url, {"file": upload}).status_code == 400


def test_json_depth_ignores_brackets_inside_strings() -> None:
    from trackwell.core.limits import nesting_depth

    assert nesting_depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"]]]"}]}') == 3
