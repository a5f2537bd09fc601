"""CASE import and export, with conformance tests against real OpenSALT packages.

The packages live outside the repository: `TRACKWELL_REFDATA` names the
`refdata` folder, otherwise the first `shared/refdata` beside the checkout or
one of its parents is used. The tests that need them skip with a message when
there is none.
"""

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings

from tests.factories import World
from trackwell.curriculum.models import Framework, Objective, Strand
from trackwell.curriculum.phases import YearPhase
from trackwell.curriculum.sync import apply_spec, plan_framework
from trackwell.interop.case import export_case, normalise_identifier, parse_case

ROOT = Path(settings.BASE_DIR)


def _refdata() -> Path:
    named = os.environ.get("TRACKWELL_REFDATA")
    if named:
        return Path(named)
    found = (up / "shared" / "refdata" for up in ROOT.resolve().parents)
    return next((p for p in found if p.is_dir()), ROOT.parent / "shared" / "refdata")


CASE_DIR = _refdata() / "case" / "opensalt"
SCHEMA = CASE_DIR / "case-v1p0-cfpackage-schema.json"
needs_refdata = pytest.mark.skipif(
    not CASE_DIR.is_dir(),
    reason=f"CASE reference files not found at {CASE_DIR} (they live outside the repository).",
)
PACKAGES = (
    sorted(p.name for p in CASE_DIR.glob("*.json") if p != SCHEMA) if CASE_DIR.is_dir() else []
)

# Items and the number of top-level strands each reference package must give.
EXPECTED = {
    "AdoptedTestFramework.json": (1, 0),
    "ItemTypeTestFramework.json": (1, 0),
    "MarkdownFramework.json": (2, 0),
    "Ordering.json": (28, 1),
    "SequenceNumberFramework.json": (2, 0),
    "SmartLevelFramework.json": (14, 2),
    "Utf8TestFramework.json": (1, 0),
    "math_cfs_sample.json": (703, 17),
    "opensalt-framework-20c5134f-423d-4097-a971-3dd5152bf507.json": (16, 2),
}


def _import(world: World, name: str) -> Framework:
    result = parse_case((CASE_DIR / name).read_bytes(), subject="Maths", year=YearPhase(5))
    assert result.errors == []
    framework, _ = apply_spec(
        user=world.users["admin"], school=world.school, spec=result.specs[0], scale=world.scale
    )
    return framework


def _items(framework: Framework) -> int:
    strands = Strand.objects.filter(framework=framework, is_ungrouped=False).count()
    return strands + Objective.objects.filter(framework=framework, archived_at__isnull=True).count()


def _tree(framework: Framework) -> list[tuple[str, str, str]]:
    """(strand, code, parent code) in teaching order: structure and order in one list."""
    return [
        (o.strand.name, o.code, o.parent.code if o.parent else "")
        for o in Objective.objects.filter(framework=framework, archived_at__isnull=True)
        .select_related("strand", "parent")
        .order_by("strand__order", "order", "id")
    ]


def _schema() -> dict:
    return json.loads(SCHEMA.read_text())


@needs_refdata
def test_every_reference_package_is_known() -> None:
    assert set(PACKAGES) == set(EXPECTED), "a new reference package needs its expected counts"


@needs_refdata
@pytest.mark.django_db
# The 703-item package is imported once, by its own test below.
@pytest.mark.parametrize("name", sorted(set(EXPECTED) - {"math_cfs_sample.json"}))
def test_reference_package_imports_with_every_item(world: World, name: str) -> None:
    items, strands = EXPECTED[name]
    framework = _import(world, name)
    assert _items(framework) == items
    assert Strand.objects.filter(framework=framework, is_ungrouped=False).count() == strands
    package = json.loads((CASE_DIR / name).read_text())
    assert framework.name == package["CFDocument"]["title"]
    statements = {i["fullStatement"].strip() for i in package["CFItems"]}
    mine = set(Objective.objects.filter(framework=framework).values_list("statement", flat=True))
    mine |= {
        s.statement or s.name
        for s in Strand.objects.filter(framework=framework, is_ungrouped=False)
    }
    assert mine == statements
    # Importing the same file again changes nothing.
    again = parse_case((CASE_DIR / name).read_bytes(), subject="Maths", year=YearPhase(5))
    assert plan_framework(world.school, again.specs[0]).changes == []


@needs_refdata
@pytest.mark.django_db
def test_math_cfs_sample_imports_all_703_items(world: World) -> None:
    """The older draft layout: bare identifiers, listEnumeration, URL identifiers."""
    framework = _import(world, "math_cfs_sample.json")
    assert _items(framework) == 703
    package = json.loads((CASE_DIR / "math_cfs_sample.json").read_text())
    parent_of = {
        a["originNodeIdentifier"]: a["destinationNodeIdentifier"]
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
    }
    doc = package["CFDocument"]["identifier"]
    by_id = {normalise_identifier(i["identifier"]): i["identifier"] for i in package["CFItems"]}
    strands = {s.identifier: s for s in Strand.objects.filter(framework=framework)}
    # Hierarchy: every objective's parent (or strand) is the item's isChildOf destination.
    for obj in Objective.objects.filter(framework=framework).select_related("parent", "strand"):
        raw_parent = parent_of[by_id[obj.identifier]]
        if obj.parent is not None:
            assert by_id[obj.parent.identifier] == raw_parent
        elif obj.strand.is_ungrouped:
            assert raw_parent == doc
        else:
            assert by_id[strands[obj.strand.identifier].identifier] == raw_parent
    # Order: siblings follow their listEnumeration.
    enum = {
        normalise_identifier(i["identifier"]): i.get("listEnumeration") for i in package["CFItems"]
    }
    first_strand = Strand.objects.filter(framework=framework).order_by("order").first()
    kids = list(
        Objective.objects.filter(strand=first_strand, parent__isnull=True).order_by("order")
    )
    numbers = [int(enum[o.identifier].rstrip(".")) for o in kids if enum[o.identifier]]
    assert numbers == sorted(numbers) and len(numbers) > 1


@needs_refdata
@pytest.mark.django_db
def test_order_comes_from_sequence_numbers_and_codes(world: World) -> None:
    seq = _import(world, "SequenceNumberFramework.json")
    assert [c for _, c, _ in _tree(seq)] == ["SNT.2", "SNT.1"]
    ordering = _import(world, "Ordering.json")
    level1 = [c for _, c, p in _tree(ordering) if p == "H.A.MATH.GM.PF.2DFP.L1"]
    assert level1 == [f"H.A.MATH.GM.PF.2DFP.L1.{n}" for n in range(1, 25)]


@needs_refdata
@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "Ordering.json",
        "SmartLevelFramework.json",
        "opensalt-framework-20c5134f-423d-4097-a971-3dd5152bf507.json",
    ],
)
def test_round_trip_export_validates_and_imports_the_same(
    world: World, other_world: World, name: str
) -> None:
    framework = _import(world, name)
    package = export_case(framework)
    jsonschema.validate(package, _schema())
    result = parse_case(json.dumps(package), subject="Maths", year=YearPhase(6))
    assert result.errors == [] and result.warnings == []
    copy, _ = apply_spec(
        user=None, school=other_world.school, spec=result.specs[0], scale=other_world.scale
    )
    assert _tree(copy) == _tree(framework)
    assert _items(copy) == _items(framework)
    # Re-importing the export into the original framework changes nothing.
    assert plan_framework(world.school, result.specs[0], framework=framework).changes == []


@pytest.mark.django_db
def test_export_of_a_school_framework_validates(world: World) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"CASE 1.0 schema not found at {SCHEMA}.")
    obj = world.objectives[0]
    obj.is_key, obj.tags = True, ["essential knowledge"]
    obj.save()
    package = export_case(world.framework)
    jsonschema.validate(package, _schema())
    assert len(package["CFItems"]) == 3 + 6
    item = next(i for i in package["CFItems"] if i["humanCodingScheme"] == obj.code)
    assert item["CFItemType"] == "Key objective"
    assert item["conceptKeywords"] == ["essential knowledge"]
    # Key flags and tags come back on import.
    spec = parse_case(package, subject="Maths", year=YearPhase(3)).specs[0]
    assert plan_framework(world.school, spec, framework=world.framework).changes == []


def test_older_draft_field_names_are_read() -> None:
    package = {
        "CFDocument": {"identifier": "http://example.org/doc/1", "title": "Draft"},
        "CFItems": [
            {
                "identifier": "http://example.org/i/1",
                "fullStatement": "Strand",
                "humanCodingScheme": "S",
            },
            {"uri": "http://example.org/i/2", "fullStatement": "Second", "listEnumeration": "2."},
            {
                "identifier": "http://example.org/i/3",
                "fullStatement": "First",
                "listEnumeration": "1.",
            },
        ],
        "CFAssociations": [
            {
                "associationType": "isChildOf",
                "originNodeIdentifier": "http://example.org/i/1",
                "destinationNodeIdentifier": "http://example.org/doc/1",
            },
            {
                "associationType": "Is Child Of",
                "originNodeURI": "http://example.org/i/2",
                "destinationNodeURI": {"identifier": "http://example.org/i/1"},
            },
            {
                "associationType": "ischildof",
                "originNodeIdentifier": "http://example.org/i/3",
                "destinationNodeIdentifier": "http://example.org/i/1",
                "sequenceNumber": "x",
            },
        ],
    }
    result = parse_case(package, subject="Maths", year=YearPhase(2))
    assert result.errors == []
    spec = result.specs[0]
    assert [s.code for s in spec.strands] == ["S"]
    assert [o.statement for o in spec.objectives] == ["First", "Second"]
    assert all(re.match(r"^[0-9a-f-]{36}$", o.identifier) for o in spec.objectives)
    assert spec.identifier == normalise_identifier("http://example.org/doc/1")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "should be a JSON object"),
        (b"{}", "no CFDocument"),
        (
            json.dumps(
                {"CFDocument": {"identifier": "d"}, "CFItems": [{"identifier": "i"}]}
            ).encode(),
            "Item i: fullStatement is missing",
        ),
        (
            json.dumps(
                {
                    "CFDocument": {"identifier": "d"},
                    "CFItems": [
                        {"identifier": "a", "fullStatement": "A"},
                        {"identifier": "b", "fullStatement": "B"},
                    ],
                    "CFAssociations": [
                        {
                            "associationType": "isChildOf",
                            "originNodeURI": {"identifier": "a"},
                            "destinationNodeURI": {"identifier": "b"},
                        },
                        {
                            "associationType": "isChildOf",
                            "originNodeURI": {"identifier": "b"},
                            "destinationNodeURI": {"identifier": "a"},
                        },
                    ],
                }
            ).encode(),
            "go round in a circle",
        ),
    ],
)
def test_bad_packages_are_refused_with_item_level_messages(data: bytes, message: str) -> None:
    result = parse_case(data, subject="Maths", year=YearPhase(3))
    assert result.specs == []
    assert any(message in e for e in result.errors), result.errors
