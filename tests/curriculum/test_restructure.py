"""Split, merge and change of scale keep every judgement reachable in history."""

import pytest
from django.core.exceptions import ValidationError

from tests.curriculum.helpers import actions, rate
from tests.factories import World
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.curriculum import restructure, scales
from trackwell.curriculum.models import Objective, ObjectiveLink, RatingLevel, TaughtObjective
from trackwell.curriculum.services import set_taught

pytestmark = pytest.mark.django_db


def code(level: RatingLevel | None) -> str | None:
    return level.code if level is not None else None


def _history(objective: Objective) -> list[tuple[int, str | None, str]]:
    return [
        (h.judgement.pupil_id, h.new_level.code if h.new_level else None, h.source)
        for h in JudgementHistory.objects.filter(judgement__objective=objective)
        .select_related("judgement", "new_level")
        .order_by("judgement__pupil_id", "version")
    ]


def test_split_gives_each_new_objective_every_judgement_marked_inherited(world: World) -> None:
    source = world.objectives[0]
    p1, p2, p3 = world.pupils_a[:3]
    rate(world, p1, source, "2")
    rate(world, p2, source, "1", note="needs arrays")
    rate(world, p2, source, "3")
    set_taught(
        user=world.users["teacher"],
        school_class=world.class_a,
        framework=world.framework,
        objective_id=source.pk,
        taught=True,
    )
    before = _history(source)

    parts = restructure.split_objective(
        user=world.users["leader"],
        objective=source,
        parts=[("MA3-00a", "Count in fours"), ("MA3-00b", "Count in eights")],
    )

    source.refresh_from_db()
    assert source.archived_at is not None
    assert _history(source) == before  # the original's history is untouched
    assert Judgement.objects.filter(objective=source).count() == 2
    for part in parts:
        got = {j.pupil_id: (code(j.level), j.note, j.version) for j in part.judgements.all()}
        assert got == {p1.pk: ("2", "", 1), p2.pk: ("3", "needs arrays", 1)}
        assert _history(part) == [(p1.pk, "2", "split"), (p2.pk, "3", "split")]
        assert part.strand_id == source.strand_id
        assert TaughtObjective.objects.filter(objective=part, school_class=world.class_a).exists()
        assert p3.pk not in got
    # From each new objective the archived original, and so its history, is reachable.
    links = ObjectiveLink.objects.filter(kind="split", source=source)
    assert {link.target_id for link in links} == {p.pk for p in parts}
    # The new objectives sit where the original was, in order.
    current = list(
        Objective.objects.filter(framework=world.framework, archived_at__isnull=True)
        .order_by("strand__order", "order")
        .values_list("code", flat=True)
    )
    assert current.index("MA3-00a") + 1 == current.index("MA3-00b")
    assert "objective.split" in actions(world)


def test_split_refuses_bad_parts_and_changes_nothing(world: World) -> None:
    source = world.objectives[0]
    rate(world, world.pupils_a[0], source, "2")
    with pytest.raises(ValidationError):
        restructure.split_objective(
            user=world.users["leader"], objective=source, parts=[("X1", "Only one")]
        )
    with pytest.raises(ValidationError, match="already used"):
        restructure.split_objective(
            user=world.users["leader"],
            objective=source,
            parts=[("X1", "One"), (world.objectives[1].code, "Clash")],
        )
    source.refresh_from_db()
    assert source.archived_at is None
    assert Objective.objects.filter(framework=world.framework).count() == 6


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("highest", {0: "3", 1: "2", 2: "1"}), ("lowest", {0: "1", 1: "2", 2: "1"})],
)
def test_merge_keeps_the_rating_the_rule_picks(world: World, rule: str, expected: dict) -> None:
    a, b = world.objectives[0], world.objectives[1]
    p = world.pupils_a
    rate(world, p[0], a, "1")
    rate(world, p[0], b, "3")
    rate(world, p[1], a, "2")
    rate(world, p[1], b, "2")
    rate(world, p[2], b, "1")

    plan = restructure.plan_merge([a, b], rule)
    assert {r.pupil.pk: code(r.winner.judgement.level) for r in plan.rows} == {
        p[i].pk: code for i, code in expected.items()
    }
    assert [r.pupil.pk for r in plan.differing] == [p[0].pk]

    merged = restructure.merge_objectives(
        user=world.users["leader"],
        objectives=[a, b],
        rule=rule,
        code="MA3-AB",
        statement="Both at once",
    )
    got = {j.pupil_id: code(j.level) for j in merged.judgements.select_related("level")}
    assert got == {p[i].pk: code for i, code in expected.items()}
    assert {h[2] for h in _history(merged)} == {"merge"}
    for source in (a, b):
        source.refresh_from_db()
        assert source.archived_at is not None
        # Every original judgement is still there with its full history.
        assert JudgementHistory.objects.filter(judgement__objective=source).count() >= 1
    assert set(
        ObjectiveLink.objects.filter(kind="merge", target=merged).values_list("source", flat=True)
    ) == {a.pk, b.pk}


def test_merge_most_recent_into_one_of_them_bumps_its_version(world: World) -> None:
    a, b = world.objectives[0], world.objectives[1]
    pupil = world.pupils_a[0]
    rate(world, pupil, a, "3")
    rate(world, pupil, b, "1")  # later, so most recent
    target = restructure.merge_objectives(
        user=world.users["leader"], objectives=[a, b], rule="recent", into=a
    )
    assert target.pk == a.pk
    judgement = Judgement.objects.get(pupil=pupil, objective=a)
    assert (code(judgement.level), judgement.version) == ("1", 2)
    last = JudgementHistory.objects.filter(judgement=judgement).order_by("-version").first()
    assert last is not None and (last.source, code(last.old_level), last.version) == (
        "merge",
        "3",
        2,
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.archived_at is None and b.archived_at is not None


def test_merge_needs_two_current_objectives_of_one_framework(
    world: World, other_world: World
) -> None:
    a = world.objectives[0]
    with pytest.raises(ValidationError):
        restructure.plan_merge([a], "highest")
    with pytest.raises(ValidationError):
        restructure.plan_merge([a, world.objectives[1]], "loudest")
    with pytest.raises(ValidationError):
        restructure.plan_merge([a, other_world.objectives[0]], "highest")


def test_scale_change_maps_every_judgement_in_one_step(world: World) -> None:
    eds = scales.create_scale(
        user=world.users["leader"], school=world.school, name="EDS", template="eds"
    )
    e, d, s = list(eds.levels.order_by("value"))
    old = {lv.code: lv for lv in world.scale.levels.all()}
    a, b = world.objectives[0], world.objectives[1]
    rate(world, world.pupils_a[0], a, "0")
    rate(world, world.pupils_a[1], a, "2")
    rate(world, world.pupils_a[2], b, "3")
    mapping = {old["0"].pk: e.pk, old["1"].pk: d.pk, old["2"].pk: s.pk, old["3"].pk: s.pk}

    plan = restructure.plan_rescale(world.framework, eds, mapping)
    assert not plan.errors and plan.judgements == 3
    assert {(r.old.code, r.new.code, r.judgements) for r in plan.rows if r.new} == {
        ("0", "E", 1),
        ("1", "D", 0),
        ("2", "S", 1),
        ("3", "S", 1),
    }
    moved = restructure.change_scale(
        user=world.users["leader"], framework=world.framework, new_scale=eds, mapping=mapping
    )
    assert moved == 3
    world.framework.refresh_from_db()
    assert world.framework.scale_id == eds.pk
    rows = Judgement.objects.filter(objective__framework=world.framework).select_related("level")
    assert sorted((code(j.level), j.version) for j in rows) == [("E", 2), ("S", 2), ("S", 2)]
    rescaled = JudgementHistory.objects.filter(source="rescale").select_related("old_level")
    assert sorted(str(code(h.old_level)) for h in rescaled) == ["0", "2", "3"]
    assert "framework.scale" in actions(world)


def test_scale_change_without_a_full_mapping_changes_nothing(world: World) -> None:
    tick = scales.create_scale(
        user=world.users["leader"], school=world.school, name="Tick", template="tick"
    )
    rate(world, world.pupils_a[0], world.objectives[0], "2")
    first = world.scale.levels.first()
    assert first is not None
    partial = {first.pk: tick.levels.first().pk}  # type: ignore[union-attr]
    plan = restructure.plan_rescale(world.framework, tick, partial)
    assert len(plan.errors) == 3
    with pytest.raises(ValidationError):
        restructure.change_scale(
            user=world.users["leader"], framework=world.framework, new_scale=tick, mapping=partial
        )
    world.framework.refresh_from_db()
    assert world.framework.scale_id == world.scale.pk
    assert Judgement.objects.get().level.code == "2"  # type: ignore[union-attr]


def test_archived_objectives_drop_out_of_the_metrics(world: World) -> None:
    from trackwell.analysis.metrics import pupil_summaries

    pupil = world.pupils_a[0]
    rate(world, pupil, world.objectives[0], "2")
    rate(world, pupil, world.objectives[1], "1")

    def assessed() -> tuple[int, int]:
        count = Objective.objects.filter(
            framework=world.framework, archived_at__isnull=True
        ).count()
        row = pupil_summaries(world.class_a, world.framework, [pupil.pk], count)[pupil.pk]
        return row.assessed, row.secured

    assert assessed() == (2, 1)
    restructure.split_objective(
        user=world.users["leader"],
        objective=world.objectives[0],
        parts=[("P1", "Part one"), ("P2", "Part two")],
    )
    # The original's rating no longer counts; the two inherited ones do.
    assert assessed() == (3, 2)
