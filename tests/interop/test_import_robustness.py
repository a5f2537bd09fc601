"""Imports that meet hostile or unusual files: a clear message, never a crash, nothing half-saved.

Also CASE 1.1 packages, strands with nothing in them yet, and the subject of a
CASE file when none is chosen.
"""

import csv
import io
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import World
from tests.interop.test_case import CASE_DIR, SCHEMA
from trackwell.curriculum import structure_edits
from trackwell.curriculum.models import Framework, Objective, Strand, Subject
from trackwell.curriculum.phases import YearPhase
from trackwell.curriculum.sync import apply_spec, plan_framework
from trackwell.interop import services as interop_services
from trackwell.interop.case import MAX_DEPTH, SUBJECT_MISSING, export_case, parse_case
from trackwell.interop.csv_frameworks import export_csv
from trackwell.interop.models import PendingImport

pytestmark = pytest.mark.django_db

needs_refdata = pytest.mark.skipif(
    not CASE_DIR.is_dir(), reason=f"CASE reference files not found at {CASE_DIR}."
)
DOC = "11111111-1111-4111-8111-111111111111"
Y3 = YearPhase(3)


def _chain(length: int, *, codes: bool = False) -> bytes:
    """A package whose items sit each below the one before, `length` levels deep."""
    ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(length)]
    items = []
    for k, ident in enumerate(ids):
        item = {"identifier": ident, "uri": ident, "fullStatement": f"Step {k}"}
        if codes:
            item["humanCodingScheme"] = f"C{k}"
        items.append(item)
    assocs = [
        {
            "associationType": "isChildOf",
            "originNodeURI": {"identifier": ident, "uri": ident},
            "destinationNodeURI": {"identifier": DOC if k == 0 else ids[k - 1]},
        }
        for k, ident in enumerate(ids)
    ]
    package = {
        "CFDocument": {"identifier": DOC, "uri": DOC, "title": "Chain"},
        "CFItems": items,
        "CFAssociations": assocs,
    }
    return json.dumps(package).encode()


def _upload_case(client, data: bytes, **extra: str):
    return client.post(
        reverse("curriculum-import"),
        {"file": SimpleUploadedFile("f.json", data), "kind": "case", "year": "5", **extra},
    )


# ---------------------------------------------------------------------------
# Hostile files


@pytest.mark.parametrize("data", [b"[" * 200_000, b'{"a":' * 200_000])
def test_json_nested_too_deeply_is_refused_with_a_message(data: bytes) -> None:
    result = parse_case(data, subject="Maths", year=Y3)
    assert result.specs == []
    assert len(result.errors) == 1 and "too deeply" in result.errors[0]


def test_an_ischildof_chain_deeper_than_the_limit_names_the_item() -> None:
    result = parse_case(_chain(1500), subject="Maths", year=Y3)
    assert result.specs == []
    too_deep = f"00000000-0000-4000-8000-{MAX_DEPTH:012d}"
    assert result.errors == [
        f"Item {too_deep}: it is nested more than {MAX_DEPTH} levels below the document; "
        f"Trackwell reads at most {MAX_DEPTH} levels."
    ]


def test_a_chain_as_deep_as_the_limit_imports_whole(world: World) -> None:
    result = parse_case(_chain(MAX_DEPTH, codes=True), subject="Logic", year=Y3)
    assert result.errors == []
    framework, _ = apply_spec(
        user=world.users["admin"], school=world.school, spec=result.specs[0], scale=world.scale
    )
    # The first item holds the rest, so it is a strand; below it, a chain of 99 objectives.
    assert Strand.objects.get(framework=framework, is_ungrouped=False).code == "C0"
    deepest = Objective.objects.get(framework=framework, code=f"C{MAX_DEPTH - 1}")
    depth = 1
    node = deepest
    while node.parent_id is not None:
        node = Objective.objects.get(pk=node.parent_id)
        depth += 1
    assert depth == MAX_DEPTH - 1 and node.code == "C1"
    again = parse_case(_chain(MAX_DEPTH, codes=True), subject="Logic", year=Y3)
    assert plan_framework(world.school, again.specs[0]).changes == []


@pytest.mark.parametrize("data", [_chain(1500), b"[" * 200_000])
def test_hostile_case_uploads_answer_400_with_the_reason(
    world: World, client_for, data: bytes
) -> None:
    response = _upload_case(client_for(world.users["leader"]), data, subject="Maths")
    assert response.status_code == 400
    assert response.context["errors"]
    assert not PendingImport.objects.exists()


def test_huge_sequence_numbers_do_not_crash_the_ordering() -> None:
    package = json.loads(_chain(3, codes=True))
    for assoc in package["CFAssociations"]:  # all three straight under the document
        assoc["destinationNodeURI"] = {"identifier": DOC}
    package["CFAssociations"][0]["sequenceNumber"] = 10**400
    package["CFAssociations"][1]["sequenceNumber"] = "nan"
    package["CFAssociations"][2]["sequenceNumber"] = 1
    result = parse_case(json.dumps(package).encode(), subject="Maths", year=Y3)
    assert result.errors == []
    assert [o.code for o in result.specs[0].objectives] == ["C2", "C0", "C1"]


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from([DOC, "isChildOf", "Strand", "Key objective"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "CFPackage",
                    "CFDocument",
                    "CFItems",
                    "CFAssociations",
                    "identifier",
                    "uri",
                    "title",
                    "subject",
                    "fullStatement",
                    "humanCodingScheme",
                    "CFItemType",
                    "associationType",
                    "originNodeURI",
                    "destinationNodeURI",
                    "sequenceNumber",
                    "listEnumeration",
                    "conceptKeywords",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json, st.sampled_from(["", "Maths"]))
def test_the_case_reader_never_crashes_on_odd_packages(package: Any, subject: str) -> None:
    for wrapped in (package, {"CFPackage": package}):
        result = parse_case(json.dumps(wrapped).encode(), subject=subject, year=Y3)
        assert all(isinstance(e, str) and e for e in result.errors)
        assert result.errors or len(result.specs) == 1


# ---------------------------------------------------------------------------
# The database refusing a write: a message and nothing saved (defence in depth)


def _raise_after_writing(**kwargs: Any) -> Any:
    Subject.objects.create(school=kwargs["school"], name="Half written", slug="half-written")
    raise IntegrityError("UNIQUE constraint failed: curriculum_objective.identifier")


GOOD = (
    b"subject,year,strand,code,statement,key,tags,order\n"
    b"Music,2,Listening,MU2-1,Listen with concentration,yes,,1\n"
)


def test_commit_turns_a_database_refusal_into_a_message(
    world: World, client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(world.users["leader"])
    upload = client.post(
        reverse("curriculum-import"),
        {"file": SimpleUploadedFile("music.csv", GOOD), "kind": "csv"},
    )
    location = upload["Location"]
    digest = client.get(location).context["digest"]
    monkeypatch.setattr(interop_services, "apply_spec", _raise_after_writing)
    response = client.post(location, {"digest": digest}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "nothing was saved" in page and "identifier" in page
    assert not Subject.objects.filter(name__in=["Half written", "Music"]).exists()
    assert PendingImport.objects.count() == 1  # the upload stays, to look at again

    pending = PendingImport.objects.get()
    with pytest.raises(ValidationError, match="nothing was saved"):
        interop_services.commit_import(user=world.users["leader"], pending=pending, digest=None)


def test_the_import_command_turns_a_database_refusal_into_a_command_error(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trackwell.interop.management.commands import import_frameworks

    path = tmp_path / "music.csv"
    path.write_bytes(GOOD)
    monkeypatch.setattr(import_frameworks, "apply_spec", _raise_after_writing)
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command(
            "import_frameworks",
            str(path),
            "--school",
            str(world.school.pk),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not Subject.objects.filter(name__in=["Half written", "Music"]).exists()


def test_a_csv_reusing_an_identifier_on_a_new_row_is_refused_cleanly(
    world: World, client_for
) -> None:
    """The reviewer's case: an objective's identifier moved to a brand new row."""
    a = world.objectives[0]
    rows = list(csv.reader(io.StringIO(export_csv([world.framework]))))
    header = rows[0]
    ident, code = header.index("identifier"), header.index("code")
    statement, order = header.index("statement"), header.index("order")
    mine = next(r for r in rows[1:] if r[code] == a.code)
    moved = mine[ident]
    mine[ident] = ""
    new = list(rows[1])
    new[code], new[statement], new[ident], new[order] = "NEW-9", "Brand new", moved, "99"
    rows.append(new)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    before = list(
        Objective.objects.filter(framework=world.framework)
        .order_by("pk")
        .values_list("code", "identifier", "statement", "archived_at")
    )
    client = client_for(world.users["leader"])
    upload = client.post(
        reverse("curriculum-import"),
        {"file": SimpleUploadedFile("x.csv", out.getvalue().encode()), "kind": "csv"},
    )
    assert upload.status_code in (302, 400)
    if upload.status_code == 302:
        preview = client.get(upload["Location"])
        assert preview.status_code == 200
        response = client.post(upload["Location"], {"digest": preview.context["digest"]})
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            return  # committed as previewed, all of it
    # Refused, with the reason on the page: nothing changed.
    after = list(
        Objective.objects.filter(framework=world.framework)
        .order_by("pk")
        .values_list("code", "identifier", "statement", "archived_at")
    )
    assert after == before


# ---------------------------------------------------------------------------
# Strands with nothing in them yet


def test_an_empty_strand_survives_the_case_round_trip(world: World) -> None:
    structure_edits.create_strand(
        user=world.users["leader"], framework=world.framework, name="Coming next term"
    )
    package = export_case(world.framework)
    empty = [i for i in package["CFItems"] if i["fullStatement"] == "Coming next term"]
    assert [i["CFItemType"] for i in empty] == ["Strand"]
    result = parse_case(json.dumps(package).encode(), subject="Maths", year=Y3)
    assert result.errors == []
    assert "Coming next term" in [s.name for s in result.specs[0].strands]
    plan = plan_framework(world.school, result.specs[0])
    assert plan.framework == world.framework
    assert plan.changes == []


def test_an_empty_strand_is_created_by_importing_into_another_school(
    world: World, other_world: World
) -> None:
    structure_edits.create_strand(
        user=world.users["leader"], framework=world.framework, name="Coming next term"
    )
    package = json.dumps(export_case(world.framework)).encode()
    result = parse_case(package, subject="Maths", year=Y3)
    framework, _ = apply_spec(
        user=other_world.users["admin"],
        school=other_world.school,
        spec=result.specs[0],
        scale=other_world.scale,
    )
    strand = Strand.objects.get(framework=framework, name="Coming next term")
    assert not strand.is_ungrouped and not strand.objectives.exists()
    assert Strand.objects.filter(framework=framework, is_ungrouped=True).count() == 0
    again = parse_case(package, subject="Maths", year=Y3)
    assert plan_framework(other_world.school, again.specs[0]).changes == []


def test_a_childless_top_level_item_of_another_type_is_still_an_objective() -> None:
    package = json.loads(_chain(1, codes=True))
    package["CFItems"][0]["CFItemType"] = "Standard"
    result = parse_case(json.dumps(package).encode(), subject="Maths", year=Y3)
    spec = result.specs[0]
    assert [s.ungrouped for s in spec.strands] == [True]
    assert [o.code for o in spec.objectives] == ["C0"]


# ---------------------------------------------------------------------------
# CASE 1.1: GET /CFPackages/{id} wraps the package as {"CFPackage": {...}}


def test_a_case_1_1_package_imports_like_the_unwrapped_one(world: World) -> None:
    package = export_case(world.framework)
    package["CFDocument"]["caseVersion"] = "1.1"
    wrapped = parse_case(json.dumps({"CFPackage": package}).encode(), subject="Maths", year=Y3)
    plain = parse_case(json.dumps(package).encode(), subject="Maths", year=Y3)
    assert wrapped.errors == [] and wrapped.warnings == plain.warnings
    assert [s.as_json() for s in wrapped.specs] == [s.as_json() for s in plain.specs]
    assert plan_framework(world.school, wrapped.specs[0]).changes == []


@needs_refdata
@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in CASE_DIR.glob("*.json") if p != SCHEMA) if CASE_DIR.is_dir() else [],
)
def test_every_reference_package_reads_the_same_wrapped_as_case_1_1(name: str) -> None:
    data = json.loads((CASE_DIR / name).read_text())
    plain = parse_case(json.dumps(data).encode(), subject="Maths", year=Y3)
    wrapped = parse_case(json.dumps({"CFPackage": data}).encode(), subject="Maths", year=Y3)
    assert plain.errors == [] and wrapped.errors == []
    assert [s.as_json() for s in wrapped.specs] == [s.as_json() for s in plain.specs]


# ---------------------------------------------------------------------------
# The subject of a CASE file


def _computing_package(world: World) -> bytes:
    """A small package whose CFDocument names its subject, as CASE 1.0 has it: a list."""
    package = json.loads(_chain(3, codes=True))
    package["CFDocument"]["subject"] = ["Computing"]
    return json.dumps(package).encode()


def test_the_subject_comes_from_the_cfdocument_when_none_is_chosen(world: World) -> None:
    result = parse_case(_computing_package(world), subject="", year=YearPhase(5))
    assert result.errors == [] and result.specs[0].subject == "Computing"
    chosen = parse_case(_computing_package(world), subject="Maths", year=YearPhase(5))
    assert chosen.specs[0].subject == "Maths"  # a chosen subject wins


def test_a_case_file_naming_no_subject_needs_one(world: World) -> None:
    package = json.loads(_chain(1, codes=True))
    result = parse_case(json.dumps(package).encode(), subject="", year=Y3)
    assert result.errors == [SUBJECT_MISSING]
    result = interop_services.parse_file(
        "case", json.dumps(package).encode(), {"subject": None, "year": "3"}
    )
    assert result.errors == [SUBJECT_MISSING]


def test_the_import_command_takes_the_subject_from_the_file(world: World, tmp_path: Path) -> None:
    path = tmp_path / "computing.json"
    path.write_bytes(_computing_package(world))
    out = StringIO()
    call_command(
        "import_frameworks",
        str(path),
        "--school",
        str(world.school.pk),
        "--year",
        "5",
        stdout=out,
        stderr=StringIO(),
    )
    framework = Framework.objects.get(school=world.school, identifier=DOC)
    assert framework.subject.name == "Computing"
    assert not Subject.objects.filter(school=world.school, name="None").exists()


def test_the_import_command_refuses_a_case_file_without_a_subject(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "chain.json"
    path.write_bytes(_chain(3, codes=True))
    with pytest.raises(CommandError, match="names no subject: pass --subject"):
        call_command(
            "import_frameworks",
            str(path),
            "--school",
            str(world.school.pk),
            "--year",
            "4",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    with pytest.raises(CommandError, match="needs --year"):
        call_command(
            "import_frameworks",
            str(path),
            "--school",
            str(world.school.pk),
            "--subject",
            "Maths",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not Subject.objects.filter(school=world.school, name="None").exists()
    assert not Framework.objects.filter(school=world.school, identifier=DOC).exists()


@needs_refdata
def test_the_import_command_on_a_reference_file_without_subject_makes_no_none_subject(
    world: World,
) -> None:
    with pytest.raises(CommandError, match="pass --subject"):
        call_command(
            "import_frameworks",
            str(CASE_DIR / "SmartLevelFramework.json"),
            "--school",
            str(world.school.pk),
            "--year",
            "4",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not Subject.objects.filter(school=world.school, name="None").exists()


def test_an_upload_without_subject_uses_the_file_or_says_what_is_missing(
    world: World, client_for
) -> None:
    client = client_for(world.users["leader"])
    missing = _upload_case(client, _chain(2, codes=True))
    assert missing.status_code == 400
    assert missing.context["errors"] == [SUBJECT_MISSING]
    ok = _upload_case(client, _computing_package(world))
    assert ok.status_code == 302
    preview = client.get(ok["Location"])
    client.post(ok["Location"], {"digest": preview.context["digest"]})
    assert Framework.objects.get(school=world.school, identifier=DOC).subject.name == "Computing"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (
            "UNIQUE constraint failed: curriculum_objective.framework_id, "
            "curriculum_objective.identifier",
            "an identifier",
        ),
        (
            'duplicate key value violates unique constraint "objective_code_unique"\n'
            "DETAIL:  Key (framework_id, code)=(4, MA3-1) already exists.",
            "a code",
        ),
        (
            'duplicate key value violates unique constraint "framework_unique_per_subject_phase"',
            "a second framework",
        ),
        (
            "UNIQUE constraint failed: curriculum_subject.school_id, curriculum_subject.slug",
            "subject",
        ),
        ("something else entirely", "something the curriculum already has"),
    ],
)
def test_database_refusals_are_put_in_words(raw: str, words: str) -> None:
    message = interop_services.integrity_message(IntegrityError(raw))
    assert words in message and "nothing was saved" in message
