"""Editor regressions: history of deleted objectives, level moves across the secure line,
split parts without a code, subject descriptors in the grid's cells, restoring what was
split or merged, and a merge confirmed after its ratings changed."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.curriculum.helpers import rate
from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.assessment.models import Judgement
from trackwell.curriculum import restructure, scales, structure_edits
from trackwell.curriculum.forms import SplitForm
from trackwell.curriculum.framework_spec import StalePlan
from trackwell.curriculum.models import Objective, ObjectiveLink, RatingLevel

pytestmark = pytest.mark.django_db


def _history(world: World, client) -> list[AuditEntry]:
    url = reverse("curriculum-framework-history", args=[world.framework.pk])
    return list(client.get(url).context["entries"])


# ---------------------------------------------------------------------------
# History keeps objectives that are gone


def test_the_history_page_keeps_a_deleted_objective(world: World, client_for) -> None:
    leader = world.users["leader"]
    strand = world.objectives[0].strand
    temp = structure_edits.create_objective(
        user=leader, strand=strand, code="TMP", statement="temp"
    )
    structure_edits.remove_objective(user=leader, objective=temp)
    entries = _history(world, client_for(leader))
    deleted = [e for e in entries if e.action == "objective.delete"]
    assert len(deleted) == 1 and deleted[0].old["code"] == "TMP"  # type: ignore[index]
    assert "objective.create" in [e.action for e in entries]


def test_every_objective_entry_names_its_framework(world: World) -> None:
    leader = world.users["leader"]
    a, b, c = world.objectives[0], world.objectives[1], world.objectives[2]
    rate(world, world.pupils_a[0], a, "2")
    rate(world, world.pupils_a[0], b, "1")
    new = structure_edits.create_objective(
        user=leader, strand=a.strand, code="NEW", statement="New"
    )
    structure_edits.update_objective(
        user=leader, objective=new, code="NEW", statement="Newer", is_key=True, tags=[]
    )
    structure_edits.move_objective(user=leader, objective=new, step=-1)
    structure_edits.remove_objective(user=leader, objective=new)
    parts = restructure.split_objective(
        user=leader, objective=a, parts=[("A1", "First"), ("A2", "Second")]
    )
    restructure.merge_objectives(user=leader, objectives=[b, c], rule="highest", into=b)
    structure_edits.remove_objective(user=leader, objective=parts[0])  # judged: archived
    structure_edits.restore_objective(user=leader, objective=parts[0])
    entries = AuditEntry.objects.filter(school=world.school, action__startswith="objective.")
    seen = set()
    for entry in entries:
        seen.add(entry.action)
        for state in (entry.old, entry.new):
            if state is not None:
                assert state["framework"] == world.framework.pk, (entry.action, state)
    assert {
        "objective.create",
        "objective.update",
        "objective.move",
        "objective.delete",
        "objective.split",
        "objective.merge",
        "objective.archive",
        "objective.restore",
    } <= seen


def test_the_history_page_leaves_out_other_frameworks_and_pupil_choices(
    world: World, client_for
) -> None:
    leader = world.users["leader"]
    other_strand = world.framework_y2.strands.first()
    assert other_strand is not None
    elsewhere = structure_edits.create_objective(
        user=leader, strand=other_strand, code="Y2-TMP", statement="Elsewhere"
    )
    structure_edits.remove_objective(user=leader, objective=elsewhere)
    codes = [(e.old or e.new or {}).get("code") for e in _history(world, client_for(leader))]
    assert "Y2-TMP" not in codes


# ---------------------------------------------------------------------------
# Moving levels keeps the secure and greater depth lines where they are


def _flags(world: World) -> list[tuple[str, bool, bool]]:
    return [
        (lv.code, lv.counts_as_secure, lv.is_greater_depth)
        for lv in world.scale.levels.order_by("value")
    ]


def test_moving_the_secure_level_down_keeps_the_line_at_the_same_height(world: World) -> None:
    before = _flags(world)
    assert before == [
        ("0", False, False),
        ("1", False, False),
        ("2", True, False),
        ("3", True, True),
    ]
    two = RatingLevel.objects.get(scale=world.scale, code="2")
    said = scales.move_level(user=world.users["leader"], level=two, step=-1)
    assert _flags(world) == [
        ("0", False, False),
        ("2", False, False),
        ("1", True, False),
        ("3", True, True),
    ]
    assert "2 (" in said and "below secure" in said and "1 (" in said
    secure = [s for _, s, _ in _flags(world)]
    assert secure == sorted(secure)
    entry = AuditEntry.objects.filter(action="level.move").get()
    assert entry.old["secure"] is True and entry.new["secure"] is False  # type: ignore[index]
    assert entry.new["other"]["code"] == "1" and entry.new["other"]["secure"]  # type: ignore[index]


def test_moving_the_top_level_down_keeps_greater_depth_on_top(world: World) -> None:
    three = RatingLevel.objects.get(scale=world.scale, code="3")
    scales.move_level(user=world.users["leader"], level=three, step=-1)
    assert _flags(world) == [
        ("0", False, False),
        ("1", False, False),
        ("3", True, False),
        ("2", True, True),
    ]


def test_a_move_within_one_band_changes_no_flag_and_says_nothing(world: World) -> None:
    one = RatingLevel.objects.get(scale=world.scale, code="1")
    assert scales.move_level(user=world.users["leader"], level=one, step=-1) == ""
    assert [c for c, _, _ in _flags(world)] == ["1", "0", "2", "3"]
    assert [(s, g) for _, s, g in _flags(world)] == [
        (False, False),
        (False, False),
        (True, False),
        (True, True),
    ]


def test_the_level_move_page_tells_the_school_what_changed(world: World, client_for) -> None:
    two = RatingLevel.objects.get(scale=world.scale, code="2")
    client = client_for(world.users["leader"])
    page = client.post(
        reverse("curriculum-level-move", args=[two.pk]), {"direction": "up"}, follow=True
    )
    html = page.content.decode()
    assert "now counts as below secure" in html
    assert "stays at the same height" in html  # the page's help text says so too


# ---------------------------------------------------------------------------
# Split: a part with a statement but no code is not dropped


def test_the_split_form_asks_for_each_parts_code() -> None:
    form = SplitForm(
        {
            "code_1": "A1",
            "statement_1": "First",
            "code_2": "A2",
            "statement_2": "Second",
            "statement_3": "Third, without a code",
            "code_4": "A4",
        }
    )
    assert not form.is_valid()
    assert form.errors["code_3"] == ["Give part 3 a code."]
    assert form.errors["statement_4"] == ["Write the statement for part 4."]


def test_the_split_service_refuses_a_part_without_a_code(world: World) -> None:
    obj = world.objectives[0]
    with pytest.raises(ValidationError, match=r"Give part 3 a code\."):
        restructure.split_objective(
            user=world.users["leader"],
            objective=obj,
            parts=[("A1", "First"), ("A2", "Second"), ("", "Third")],
        )
    obj.refresh_from_db()
    assert obj.archived_at is None
    assert not Objective.objects.filter(code__in=["A1", "A2"]).exists()


def test_the_split_page_shows_the_missing_code_and_splits_nothing(world: World, client_for) -> None:
    obj = world.objectives[0]
    response = client_for(world.users["leader"]).post(
        reverse("curriculum-objective-split", args=[obj.pk]),
        {
            "code_1": "A1",
            "statement_1": "First",
            "code_2": "A2",
            "statement_2": "Second",
            "statement_3": "Third",
        },
    )
    assert response.status_code == 200
    assert "Give part 3 a code." in response.content.decode()
    assert not Objective.objects.filter(code="A1").exists()


# ---------------------------------------------------------------------------
# The grid's cells describe levels in the subject's own words


def test_the_grid_cells_use_the_subjects_own_descriptor(world: World, client_for) -> None:
    leader = world.users["leader"]
    two = RatingLevel.objects.get(scale=world.scale, code="2")
    scales.update_level(
        user=leader,
        level=two,
        code="2",
        label="Secure",
        descriptor="General wording",
        exemplification="",
        colour="",
    )
    scales.set_subject_descriptor(
        user=leader,
        level=two,
        subject=world.maths,
        descriptor="Uses arrays to explain multiplication",
        exemplification="",
    )
    response = client_for(world.users["teacher"]).get(
        reverse("grid", args=[world.class_a.pk, "maths"])
    )
    levels = {lv["code"]: lv for lv in response.context["grid_levels_json"]}
    assert levels["2"]["descriptor"] == "Uses arrays to explain multiplication"
    one = RatingLevel.objects.get(scale=world.scale, code="1")
    assert levels["1"]["descriptor"] == one.descriptor  # no subject wording: the general one
    assert "Uses arrays to explain multiplication" in response.content.decode()


# ---------------------------------------------------------------------------
# Restoring an objective that was split or merged


def test_restoring_a_split_objective_is_refused_naming_its_parts(world: World) -> None:
    leader = world.users["leader"]
    obj = world.objectives[0]
    rate(world, world.pupils_a[0], obj, "2")
    restructure.split_objective(
        user=leader, objective=obj, parts=[("P1", "First"), ("P2", "Second")]
    )
    obj.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        structure_edits.restore_objective(user=leader, objective=obj)
    message = caught.value.messages[0]
    assert f"{obj.code} cannot be restored: it was split into P1, P2" in message
    obj.refresh_from_db()
    assert obj.archived_at is not None


def test_restoring_a_merged_objective_is_refused_naming_what_it_became(
    world: World, client_for
) -> None:
    leader = world.users["leader"]
    a, b = world.objectives[0], world.objectives[1]
    rate(world, world.pupils_a[0], a, "1")
    target = restructure.merge_objectives(
        user=leader, objectives=[a, b], rule="highest", code="AB", statement="Both"
    )
    a.refresh_from_db()
    response = client_for(leader).post(
        reverse("curriculum-objective-restore", args=[a.pk]), follow=True
    )
    assert f"it was merged into {target.code}" in response.content.decode()
    a.refresh_from_db()
    assert a.archived_at is not None
    assert not AuditEntry.objects.filter(action="objective.restore").exists()


def test_restoring_is_refused_through_later_splits_but_allowed_once_all_are_gone(
    world: World,
) -> None:
    leader = world.users["leader"]
    obj = world.objectives[0]
    rate(world, world.pupils_a[0], obj, "2")
    first, second = restructure.split_objective(
        user=leader, objective=obj, parts=[("P1", "First"), ("P2", "Second")]
    )
    structure_edits.remove_objective(user=leader, objective=second)
    later = restructure.split_objective(
        user=leader, objective=first, parts=[("Q1", "One"), ("Q2", "Two")]
    )
    obj.refresh_from_db()
    with pytest.raises(ValidationError, match="Q1, Q2"):
        structure_edits.restore_objective(user=leader, objective=obj)
    for part in later:
        structure_edits.remove_objective(user=leader, objective=part)
    structure_edits.restore_objective(user=leader, objective=obj)  # nothing carries its ratings now
    obj.refresh_from_db()
    assert obj.archived_at is None
    assert ObjectiveLink.objects.filter(source=obj).count() == 2  # the history stays


def test_a_plainly_archived_objective_still_restores(world: World) -> None:
    leader = world.users["leader"]
    obj = world.objectives[0]
    rate(world, world.pupils_a[0], obj, "2")
    assert structure_edits.remove_objective(user=leader, objective=obj) == "archived"
    structure_edits.restore_objective(user=leader, objective=obj)
    obj.refresh_from_db()
    assert obj.archived_at is None


# ---------------------------------------------------------------------------
# Merge: only what was previewed is applied


def test_a_rating_changed_after_the_merge_preview_shows_the_new_preview(
    world: World, client_for
) -> None:
    a, b = world.objectives[0], world.objectives[1]
    pupil = world.pupils_a[0]
    rate(world, pupil, a, "1")
    rate(world, pupil, b, "2")
    client = client_for(world.users["leader"])
    url = reverse("curriculum-framework-merge", args=[world.framework.pk])
    data = {"objectives": [a.pk, b.pk], "rule": "highest", "code": "AB", "statement": "Both"}
    preview = client.post(url, data)
    digest = preview.context["plan"].digest
    assert f'value="{digest}"' in preview.content.decode()
    rate(world, pupil, a, "3")  # someone rates meanwhile
    stale = client.post(url, {**data, "confirm": "1", "digest": digest})
    assert stale.status_code == 200
    assert "changed since the preview" in stale.content.decode()
    assert not Objective.objects.filter(code="AB").exists()
    fresh = stale.context["plan"]
    assert fresh.rows[0].winner.judgement.level.code == "3"
    assert fresh.digest != digest
    done = client.post(url, {**data, "confirm": "1", "digest": fresh.digest})
    assert done.status_code == 302
    merged = Judgement.objects.get(objective__code="AB", pupil=pupil)
    assert merged.level is not None and merged.level.code == "3"


def test_a_confirm_without_the_previews_digest_merges_nothing(world: World, client_for) -> None:
    a, b = world.objectives[0], world.objectives[1]
    rate(world, world.pupils_a[0], a, "1")
    client = client_for(world.users["leader"])
    url = reverse("curriculum-framework-merge", args=[world.framework.pk])
    data = {"objectives": [a.pk, b.pk], "rule": "lowest", "code": "AB", "statement": "Both"}
    response = client.post(url, {**data, "confirm": "1"})
    assert response.status_code == 200 and response.context["plan"] is not None
    assert not Objective.objects.filter(code="AB").exists()


def test_merge_service_checks_the_digest(world: World) -> None:
    a, b = world.objectives[0], world.objectives[1]
    rate(world, world.pupils_a[0], a, "1")
    plan = restructure.plan_merge([a, b], "highest")
    rate(world, world.pupils_a[1], b, "2")
    with pytest.raises(StalePlan):
        restructure.merge_objectives(
            user=world.users["leader"],
            objectives=[a, b],
            rule="highest",
            into=a,
            expected_digest=plan.digest,
        )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.archived_at is None and b.archived_at is None
    fresh = restructure.plan_merge([a, b], "highest")
    restructure.merge_objectives(
        user=world.users["leader"],
        objectives=[a, b],
        rule="highest",
        into=a,
        expected_digest=fresh.digest,
    )
    b.refresh_from_db()
    assert b.archived_at is not None
