"""The framework editor's services: every change logged, nothing judged is ever deleted."""

import pytest
from django.core.exceptions import ValidationError

from tests.curriculum.helpers import actions, rate
from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.curriculum import services, structure_edits
from trackwell.curriculum.models import Objective, Strand
from trackwell.curriculum.phases import YearPhase, parse_year_phase

pytestmark = pytest.mark.django_db


def _codes(world: World) -> list[str]:
    return list(
        Objective.objects.filter(framework=world.framework, archived_at__isnull=True)
        .order_by("strand__order", "order", "id")
        .values_list("code", flat=True)
    )


def test_build_a_framework_from_scratch(world: World) -> None:
    leader = world.users["leader"]
    science = services.create_subject(user=leader, school=world.school, name="Science")
    framework = services.create_framework(
        user=leader, subject=science, year=YearPhase(4), name="", scale=world.scale
    )
    assert framework.name == "Science Year 4"
    strand = structure_edits.create_strand(
        user=leader, framework=framework, name="Working scientifically"
    )
    first = structure_edits.create_objective(
        user=leader,
        strand=strand,
        code="SC4-01",
        statement="Plan a fair test",
        is_key=True,
        tags=services.clean_tags("essential knowledge, depth objective; essential knowledge"),
    )
    assert first.tags == ["essential knowledge", "depth objective"]
    structure_edits.update_objective(
        user=leader,
        objective=first,
        code="SC4-01a",
        statement="Plan a fair test, changing one thing",
        is_key=False,
        tags=["depth objective"],
    )
    first.refresh_from_db()
    assert (first.code, first.is_key) == ("SC4-01a", False)
    entry = AuditEntry.objects.filter(action="objective.update").get()
    assert entry.user == leader
    assert entry.old["code"] == "SC4-01" and entry.new["code"] == "SC4-01a"  # type: ignore[index]
    assert actions(world)[-5:] == [
        "subject.create",
        "framework.create",
        "strand.create",
        "objective.create",
        "objective.update",
    ]


def test_key_stage_frameworks_sit_beside_year_frameworks(world: World) -> None:
    ks2 = parse_year_phase("KS2")
    assert ks2 == YearPhase(3, 6, "Key Stage 2")
    framework = services.create_framework(
        user=world.users["leader"], subject=world.maths, year=ks2, name="", scale=world.scale
    )
    assert framework.year_label == "Key Stage 2"
    with pytest.raises(ValidationError, match="already has a framework"):
        services.create_framework(
            user=world.users["leader"],
            subject=world.maths,
            year=YearPhase(3),
            name="",
            scale=world.scale,
        )
    assert parse_year_phase("Years 3-4") == YearPhase(3, 4, "Years 3-4")
    assert parse_year_phase("R") == YearPhase(0)
    assert parse_year_phase("Year 14") is None
    assert parse_year_phase("banana") is None


def test_codes_stay_unique_including_archived_objectives(world: World) -> None:
    strand = world.objectives[0].strand
    with pytest.raises(ValidationError, match="already used"):
        structure_edits.create_objective(
            user=world.users["leader"], strand=strand, code=world.objectives[1].code, statement="x"
        )


def test_move_up_and_down_within_a_strand(world: World) -> None:
    strand_objs = [o for o in world.objectives if o.strand_id == world.objectives[0].strand_id]
    first, second = strand_objs[0], strand_objs[1]
    before = _codes(world)
    structure_edits.move_objective(user=world.users["leader"], objective=second, step=-1)
    after = _codes(world)
    assert after.index(second.code) < after.index(first.code)
    structure_edits.move_objective(user=world.users["leader"], objective=second, step=1)
    assert _codes(world) == before
    # At the top of a strand, moving up is a no-op.
    structure_edits.move_objective(user=world.users["leader"], objective=first, step=-1)
    assert _codes(world) == before


def test_drag_and_drop_layout_moves_across_strands(world: World) -> None:
    strands = list(Strand.objects.filter(framework=world.framework).order_by("order"))
    objs = list(
        Objective.objects.filter(framework=world.framework).order_by("strand__order", "order")
    )
    moving = objs[0]
    layout = {s.pk: [o.pk for o in objs if o.strand_id == s.pk and o != moving] for s in strands}
    layout[strands[2].pk].insert(0, moving.pk)
    structure_edits.reorder_framework(
        user=world.users["leader"], framework=world.framework, layout=layout
    )
    moving.refresh_from_db()
    assert moving.strand_id == strands[2].pk
    assert _codes(world) == [
        Objective.objects.get(pk=pk).code for s in strands for pk in layout[s.pk]
    ]
    # A layout missing an objective is refused whole.
    layout[strands[0].pk].pop()
    with pytest.raises(ValidationError):
        structure_edits.reorder_framework(
            user=world.users["leader"], framework=world.framework, layout=layout
        )


def test_removing_a_judged_objective_archives_it(world: World) -> None:
    judged, unjudged = world.objectives[0], world.objectives[1]
    rate(world, world.pupils_a[0], judged, "2")
    assert (
        structure_edits.remove_objective(user=world.users["leader"], objective=judged) == "archived"
    )
    assert (
        structure_edits.remove_objective(user=world.users["leader"], objective=unjudged)
        == "deleted"
    )
    judged.refresh_from_db()
    assert judged.archived_at is not None
    assert judged.judgements.count() == 1
    assert not Objective.objects.filter(pk=unjudged.pk).exists()
    assert judged.code not in _codes(world)
    structure_edits.restore_objective(user=world.users["leader"], objective=judged)
    assert judged.code in _codes(world)
    assert actions(world)[-3:] == ["objective.archive", "objective.delete", "objective.restore"]


def test_archived_objectives_leave_the_grid(world: World, client_for) -> None:
    from django.urls import reverse

    objective = world.objectives[0]
    rate(world, world.pupils_a[0], objective, "2")
    structure_edits.remove_objective(user=world.users["leader"], objective=objective)
    response = client_for(world.users["teacher"]).get(
        reverse("grid", args=[world.class_a.pk, "maths"])
    )
    assert f'data-objective="{objective.pk}"' not in response.content.decode()


def test_a_strand_with_objectives_is_not_deleted(world: World) -> None:
    strand = world.objectives[0].strand
    with pytest.raises(ValidationError, match="still holds objectives"):
        structure_edits.delete_strand(user=world.users["leader"], strand=strand)
    empty = structure_edits.create_strand(
        user=world.users["leader"], framework=world.framework, name="E"
    )
    structure_edits.delete_strand(user=world.users["leader"], strand=empty)
    assert not Strand.objects.filter(pk=empty.pk).exists()
