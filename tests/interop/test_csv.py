"""Frameworks as CSV: errors by row and column, idempotent imports, round trips."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import World
from trackwell.curriculum.models import Framework, Objective
from trackwell.curriculum.sync import apply_spec, plan_framework
from trackwell.interop.csv_frameworks import export_csv, parse_csv

HEADER = "subject,year,strand,code,statement,key,tags,order\n"


def _shape(framework: Framework) -> list[tuple]:
    return [
        (
            o.strand.name,
            o.code,
            o.statement,
            o.is_key,
            tuple(o.tags),
            o.parent.code if o.parent else "",
        )
        for o in Objective.objects.filter(framework=framework, archived_at__isnull=True)
        .select_related("strand", "parent")
        .order_by("strand__order", "order", "id")
    ]


def test_every_error_is_reported_with_row_and_column() -> None:
    text = HEADER + (
        "Maths,3,Number,N1,Count,yes,,1\n"
        "Maths,Year 9x,Number,N2,Add,maybe,,two\n"
        ",3,,N3,,no,,\n"
        "Maths,3,Number,N1,Duplicate code,no,,\n"
    )
    result = parse_csv(text.encode())
    assert "Row 3, column 'year': 'Year 9x' is not a year or phase" in result.errors[0]
    assert any("Row 3, column 'key'" in e for e in result.errors)
    assert any("Row 3, column 'order'" in e for e in result.errors)
    assert any("Row 4, column 'subject'" in e for e in result.errors)
    assert any("Row 4, column 'strand'" in e for e in result.errors)
    assert any("Row 4, column 'statement'" in e for e in result.errors)
    assert any("Row 5: code 'N1' is already used (Row 2)" in e for e in result.errors)


def test_header_problems_are_named() -> None:
    assert "needs the columns statement" in parse_csv(b"subject,year,strand,code\n").errors[0]
    assert "empty" in parse_csv(b"").errors[0]
    # Neither UTF-8 nor Windows-1252 (0x81 and 0x8D are unassigned there).
    assert "not text" in parse_csv(b"\x81\x8d").errors[0]


@pytest.mark.django_db
def test_import_creates_then_changes_nothing_the_second_time(world: World) -> None:
    text = HEADER + (
        "Science,4,Plants,SC4-P1,Name the parts of a flowering plant,yes,essential knowledge,1\n"
        "Science,4,Plants,SC4-P2,Explain what plants need to grow,no,depth objective; practical,2\n"
        "Science,4,Animals,SC4-A1,Group animals by what they eat,no,,3\n"
        "Science,KS2,Working scientifically,SC-W1,Plan a fair test,yes,,1\n"
    )
    result = parse_csv(text.encode())
    assert not result.errors
    assert len(result.specs) == 2
    for spec in result.specs:
        plan = plan_framework(world.school, spec)
        assert plan.framework is None and plan.count("create") == len(spec.objectives)
        apply_spec(user=world.users["leader"], school=world.school, spec=spec, scale=world.scale)
    ks2 = Framework.objects.get(school=world.school, phase="Key Stage 2")
    assert (ks2.nc_year, ks2.last_nc_year, ks2.subject.name) == (3, 6, "Science")
    y4 = Framework.objects.get(school=world.school, subject__slug="science", nc_year=4)
    assert _shape(y4)[1] == (
        "Plants",
        "SC4-P2",
        "Explain what plants need to grow",
        False,
        ("depth objective", "practical"),
        "",
    )
    again = parse_csv(text.encode())
    assert all(plan_framework(world.school, s).changes == [] for s in again.specs)


@pytest.mark.django_db
def test_reimport_changes_and_archives_what_the_file_says(world: World) -> None:
    first = HEADER + "Maths,3,Number,A1,One,no,,\nMaths,3,Number,A2,Two,no,,\n"
    # The file targets the world's existing Year 3 maths framework.
    spec = parse_csv(first.encode()).specs[0]
    plan = plan_framework(world.school, spec)
    assert plan.framework == world.framework
    assert plan.count("archive") == 6 and plan.count("create") == 2
    apply_spec(user=world.users["leader"], school=world.school, spec=spec, scale=None)
    second = HEADER + "Maths,3,Number,A1,One reworded,yes,,\n"
    spec = parse_csv(second.encode()).specs[0]
    plan = plan_framework(world.school, spec)
    assert [(c.action, c.label) for c in plan.changes] == [
        ("change", "A1 One reworded"),
        ("archive", "A2 Two"),
    ]
    assert plan.changes[0].details == [
        "statement: One → One reworded",
        "key objective: no → yes",
    ]


@pytest.mark.django_db
def test_round_trip_export_then_import_gives_the_same_framework(
    world: World, other_world: World
) -> None:
    source = world.framework
    first = Objective.objects.filter(framework=source).order_by("order").first()
    assert first is not None
    first.tags = ["essential knowledge"]
    first.save()
    child = world.objectives[4]
    child.parent = world.objectives[1]
    child.save()
    text = export_csv([source])
    specs = parse_csv(text.encode()).specs
    assert len(specs) == 1
    copy, _ = apply_spec(
        user=None, school=other_world.school, spec=specs[0], scale=other_world.scale
    )
    # other_world has Maths Year 3 already: the import lands in it, archiving its own objectives.
    assert copy == other_world.framework
    assert _shape(copy) == _shape(source)
    assert set(copy.objectives.values_list("identifier", flat=True)) >= set(
        source.objectives.values_list("identifier", flat=True)
    )
    # Exporting the copy gives the same rows apart from nothing at all.
    assert export_csv([copy]).splitlines()[1:] == text.splitlines()[1:]
    # Importing the same file again changes nothing.
    assert plan_framework(other_world.school, parse_csv(text.encode()).specs[0]).changes == []


ALPHABET = st.characters(codec="utf-8", exclude_categories=["Cs"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    result = parse_csv(data)
    assert all(isinstance(e, str) and e for e in result.errors)
    assert result.errors or result.specs


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.text(ALPHABET, max_size=12), min_size=0, max_size=10),
        min_size=0,
        max_size=8,
    )
)
def test_arbitrary_rows_under_a_real_header_never_crash(rows: list[list[str]]) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["subject", "year", "strand", "code", "statement", "key", "tags", "order"])
    writer.writerows(rows)
    result = parse_csv(out.getvalue())
    assert all(isinstance(e, str) and e for e in result.errors)
    if not result.errors:
        assert sum(len(s.objectives) for s in result.specs) >= 1
