"""Matching a file's rows with objectives: every identifier first, then codes."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from tests.curriculum.helpers import rate
from tests.factories import World
from trackwell.assessment.models import Judgement
from trackwell.curriculum import sync
from trackwell.curriculum.framework_spec import FrameworkSpec, ObjectiveSpec, StrandSpec
from trackwell.curriculum.models import Objective, Strand
from trackwell.curriculum.phases import YearPhase
from trackwell.curriculum.sync import apply_spec, plan_framework
from trackwell.interop.csv_frameworks import export_csv, parse_csv

pytestmark = pytest.mark.django_db


def _rows(world: World) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(export_csv([world.framework]))))
    return rows[0], rows[1:]


def _text(header: list[str], body: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    return out.getvalue()


def _renamed_with_a_new_row_above(world: World) -> tuple[str, Objective]:
    """Rename the first objective's code (keeping its identifier); a new row takes the old code."""
    judged = world.objectives[0]
    header, body = _rows(world)
    col = {name: i for i, name in enumerate(header)}
    i = next(k for k, r in enumerate(body) if r[col["code"]] == judged.code)
    renamed = list(body[i])
    renamed[col["code"]] = judged.code + "-old"
    new = list(body[i])
    new[col["statement"]] = "A brand new objective"
    new[col["identifier"]] = ""
    body[i : i + 1] = [new, renamed]
    for n, row in enumerate(body, 1):
        row[col["order"]] = str(n)
    return _text(header, body), judged


def test_a_row_without_identifier_does_not_take_an_objective_named_by_identifier(
    world: World,
) -> None:
    text, judged = _renamed_with_a_new_row_above(world)
    rate(world, world.pupils_a[0], judged, "2")
    old_code = judged.code
    result = parse_csv(text)
    assert result.errors == []
    plan = plan_framework(world.school, result.specs[0])
    assert plan.errors == []
    seen = [(c.action, c.label, c.details) for c in plan.changes]
    assert seen == [
        ("create", f"{old_code} A brand new objective", []),
        ("change", f"{old_code}-old {judged.statement}", [f"code: {old_code} → {old_code}-old"]),
    ]

    apply_spec(
        user=world.users["leader"], school=world.school, spec=result.specs[0], scale=world.scale
    )
    judged.refresh_from_db()
    assert (judged.code, judged.archived_at) == (f"{old_code}-old", None)
    assert Judgement.objects.filter(objective=judged).count() == 1  # ratings stay with it
    created = Objective.objects.get(framework=world.framework, code=old_code)
    assert created.statement == "A brand new objective"
    assert created.identifier != judged.identifier
    # The same file again changes nothing (the new row now matches by code).
    assert plan_framework(world.school, parse_csv(text).specs[0]).changes == []


def test_an_identifier_given_to_a_new_row_is_previewed_and_committed_the_same(
    world: World, client_for
) -> None:
    judged = world.objectives[0]
    rate(world, world.pupils_a[0], judged, "2")
    header, body = _rows(world)
    col = {name: i for i, name in enumerate(header)}
    row = next(r for r in body if r[col["code"]] == judged.code)
    identifier = row[col["identifier"]]
    row[col["identifier"]] = ""
    new = list(body[0])
    new[col["code"]], new[col["statement"]] = "NEW-9", "Brand new"
    new[col["identifier"]], new[col["order"]] = identifier, "99"
    body.append(new)

    client = client_for(world.users["leader"])
    upload = SimpleUploadedFile("x.csv", _text(header, body).encode(), content_type="text/csv")
    response = client.post(reverse("curriculum-import"), {"file": upload, "kind": "csv"})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.context["errors"] == []
    changes = {(c.action, c.label) for p in preview.context["plans"] for c in p.changes}
    assert ("change", "NEW-9 Brand new") in changes  # the identifier names the judged one
    assert ("create", f"{judged.code} {judged.statement}") in changes
    done = client.post(response["Location"], {"digest": preview.context["digest"]})
    assert done.status_code == 302
    judged.refresh_from_db()
    assert (judged.code, judged.identifier) == ("NEW-9", identifier)
    assert Judgement.objects.filter(objective=judged).count() == 1


def _spec_from(world: World) -> FrameworkSpec:
    strands = list(Strand.objects.filter(framework=world.framework).order_by("order"))
    return FrameworkSpec(
        subject="Maths",
        year=YearPhase(world.framework.nc_year),
        name=world.framework.name,
        strands=[StrandSpec(name=s.name, identifier=s.identifier) for s in strands],
        objectives=[
            ObjectiveSpec(
                code=o.code,
                statement=o.statement,
                strand=o.strand.identifier,
                identifier=o.identifier,
                is_key=o.is_key,
            )
            for o in world.objectives
        ],
    )


def test_strands_match_identifiers_first_too(world: World) -> None:
    spec = _spec_from(world)
    first = spec.strands[0]
    # The first strand is renamed (its identifier kept); a new strand without one takes its name.
    newcomer = StrandSpec(name=first.name)
    first.name = first.name + " (old)"
    spec.strands.insert(0, newcomer)
    plan = plan_framework(world.school, spec)
    assert plan.errors == []
    assert ("create", "strand", newcomer.name) in [
        (c.action, c.kind, c.label) for c in plan.changes
    ]
    apply_spec(user=world.users["leader"], school=world.school, spec=spec, scale=world.scale)
    kept = Strand.objects.get(framework=world.framework, identifier=first.identifier)
    assert kept.name == first.name and kept.objectives.exists()
    assert Strand.objects.filter(framework=world.framework, name=newcomer.name).exists()


def test_one_objective_claimed_twice_is_a_plan_error(world: World) -> None:
    spec = _spec_from(world)
    spec.objectives = spec.objectives[:2]
    match = sync._match(world.school, spec, None)
    match.objectives = [match.objectives[0], match.objectives[0]]  # as if matched twice
    _, errors = sync._plan(world.school, spec, match)
    assert any("one objective can be matched by one row only" in e for e in errors)
    # The same objective's identifier, kept by a row without one, and given by another row.
    spec.objectives[0].identifier = ""
    first = match.objectives[0]
    assert first is not None
    spec.objectives[1].identifier = first.identifier
    match.objectives = [first, None]
    _, errors = sync._plan(world.school, spec, match)
    assert any("one identifier can name one objective only" in e for e in errors)


def test_a_database_clash_at_commit_is_a_message(world: World, monkeypatch) -> None:
    spec = _spec_from(world)
    spec.objectives[0].statement = "Changed"

    def clash(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(sync, "_write", clash)
    with pytest.raises(ValidationError, match="nothing was saved"):
        apply_spec(user=world.users["leader"], school=world.school, spec=spec, scale=world.scale)


def _split_first(world: World) -> tuple[Objective, list[Objective]]:
    from trackwell.curriculum.restructure import split_objective

    source = world.objectives[0]
    rate(world, world.pupils_a[0], source, "2")
    parts = split_objective(
        user=world.users["leader"],
        objective=source,
        parts=[(f"{source.code}a", "First half"), (f"{source.code}b", "Second half")],
    )
    source.refresh_from_db()
    return source, parts


def test_a_file_cannot_bring_back_a_split_objective_beside_its_parts(world: World) -> None:
    before = export_csv([world.framework])
    source, parts = _split_first(world)
    header, body = _rows(world)
    col = {name: i for i, name in enumerate(header)}
    assert source.code not in [r[col["code"]] for r in body]  # archived: not in the export
    # Someone pastes the old row back into the current file.
    old = next(r for r in csv.reader(io.StringIO(before)) if r[col["code"]] == source.code)
    body.append(old)
    plan = plan_framework(world.school, parse_csv(_text(header, body)).specs[0])
    assert any(
        "count its pupils' ratings twice" in e and all(p.code in e for p in parts)
        for e in plan.errors
    ), plan.errors
    with pytest.raises(ValidationError):
        apply_spec(
            user=world.users["leader"],
            school=world.school,
            spec=parse_csv(_text(header, body)).specs[0],
            scale=world.scale,
        )
    source.refresh_from_db()
    assert source.archived_at is not None
    assert all(Objective.objects.get(pk=p.pk).archived_at is None for p in parts)


def test_the_file_from_before_a_split_goes_back_to_that_layout(world: World) -> None:
    before = export_csv([world.framework])
    source, parts = _split_first(world)
    plan = plan_framework(world.school, parse_csv(before).specs[0])
    assert plan.errors == []
    actions = {(c.action, c.label.split()[0]) for c in plan.changes}
    assert ("restore", source.code) in actions
    assert {("archive", p.code) for p in parts} <= actions
