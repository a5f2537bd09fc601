"""Judgement services: single cells, clearing, notes, bulk columns, history and bad input."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import World
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.assessment.services import StaleEdit, set_column, set_judgement

pytestmark = pytest.mark.django_db


def _set(world: World, code: str, version: int = 0, pupil=None, objective=None, user=None, **kw):
    return set_judgement(
        user=user or world.users["teacher"],
        school_class=world.class_a,
        framework=world.framework,
        pupil_id=(pupil or world.pupils_a[0]).pk,
        objective_id=(objective or world.objectives[0]).pk,
        code=code,
        expected_version=version,
        **kw,
    )


def test_set_change_and_clear_keep_every_step_in_history(world: World) -> None:
    first = _set(world, "1")
    assert (first.code, first.version) == ("1", 1)
    second = _set(world, "2", version=1)
    assert (second.code, second.version) == ("2", 2)
    cleared = _set(world, "", version=2)
    assert (cleared.code, cleared.version) == (None, 3)

    judgement = Judgement.objects.get(pupil=world.pupils_a[0], objective=world.objectives[0])
    assert judgement.level is None
    steps = [
        (
            h.version,
            h.old_level.code if h.old_level else None,
            h.new_level.code if h.new_level else None,
        )
        for h in judgement.history.order_by("version")
    ]
    assert steps == [(1, None, "1"), (2, "1", "2"), (3, "2", None)]
    assert all(h.changed_by == world.users["teacher"] for h in judgement.history.all())


def test_codes_are_case_insensitive_and_trimmed(world: World) -> None:
    # The default scale's codes are digits; a scale with letters would accept either case.
    assert _set(world, " 3 ").code == "3"


def test_note_is_kept_when_only_the_rating_changes(world: World) -> None:
    _set(world, "1", note="Needed counters")
    state = _set(world, "2", version=1)
    assert state.note == "Needed counters"
    history = JudgementHistory.objects.get(judgement__pupil=world.pupils_a[0], version=2)
    assert (history.old_note, history.new_note) == ("Needed counters", "Needed counters")


def test_same_value_again_is_not_a_new_version(world: World) -> None:
    _set(world, "2")
    again = _set(world, "2", version=1)
    assert again.version == 1
    assert JudgementHistory.objects.count() == 1


def test_stale_version_is_refused_and_reports_current_value(world: World) -> None:
    _set(world, "2", user=world.users["leader"])
    with pytest.raises(StaleEdit) as caught:
        _set(world, "3", version=0)
    current = caught.value.current[0]
    assert (current.code, current.version) == ("2", 1)
    assert current.updated_by == world.users["leader"].display_name
    assert Judgement.objects.get().level.code == "2"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "7"}, "Unknown rating code '7'"),
        ({"objective": "y2"}, "is not a current objective of Maths Year 3"),
        ({"pupil": "other"}, "is not in 3 Oak"),
    ],
)
def test_bad_input_is_named_and_nothing_is_saved(world: World, change: dict, message: str) -> None:
    kwargs: dict = {"code": change.get("code", "2")}
    if change.get("objective") == "y2":
        kwargs["objective"] = world.framework_y2.objectives.first()
    if change.get("pupil") == "other":
        kwargs["pupil"] = world.pupils_b[0]
    with pytest.raises(ValidationError) as caught:
        _set(world, **kwargs)
    assert message in " ".join(caught.value.messages)
    assert Judgement.objects.count() == 0
    assert JudgementHistory.objects.count() == 0


def test_archived_objective_cannot_be_judged(world: World) -> None:
    from django.utils import timezone

    objective = world.objectives[1]
    objective.archived_at = timezone.now()
    objective.save()
    with pytest.raises(ValidationError):
        _set(world, "2", objective=objective)


def test_bulk_column_sets_every_selected_pupil_with_history(world: World) -> None:
    _set(world, "1", pupil=world.pupils_a[1])
    ids = [p.pk for p in world.pupils_a[:3]]
    states = set_column(
        user=world.users["teacher"],
        school_class=world.class_a,
        framework=world.framework,
        objective_id=world.objectives[0].pk,
        code="2",
        pupil_ids=ids,
    )
    assert [s.code for s in states] == ["2", "2", "2"]
    assert sorted(s.version for s in states) == [1, 1, 2]
    assert Judgement.objects.filter(objective=world.objectives[0], level__code="2").count() == 3
    bulk_rows = JudgementHistory.objects.filter(source="bulk")
    assert bulk_rows.count() == 3
    assert bulk_rows.get(judgement__pupil=world.pupils_a[1]).old_level.code == "1"  # type: ignore[union-attr]


def test_bulk_is_all_or_nothing_on_a_stale_cell(world: World) -> None:
    _set(world, "1", pupil=world.pupils_a[1], user=world.users["leader"])
    ids = [p.pk for p in world.pupils_a[:3]]
    with pytest.raises(StaleEdit) as caught:
        set_column(
            user=world.users["teacher"],
            school_class=world.class_a,
            framework=world.framework,
            objective_id=world.objectives[0].pk,
            code="3",
            pupil_ids=ids,
            expected_versions=dict.fromkeys(ids, 0),
        )
    assert [c.pupil_id for c in caught.value.current] == [world.pupils_a[1].pk]
    assert Judgement.objects.filter(level__code="3").count() == 0
    assert JudgementHistory.objects.count() == 1


def test_bulk_with_a_pupil_from_another_class_saves_nothing(world: World) -> None:
    with pytest.raises(ValidationError, match="is not in 3 Oak"):
        set_column(
            user=world.users["teacher"],
            school_class=world.class_a,
            framework=world.framework,
            objective_id=world.objectives[0].pk,
            code="2",
            pupil_ids=[world.pupils_a[0].pk, world.pupils_b[0].pk],
        )
    assert Judgement.objects.count() == 0


def test_history_rows_cannot_be_changed_or_deleted(world: World) -> None:
    _set(world, "2")
    row = JudgementHistory.objects.get()
    row.new_note = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        row.save()
    with pytest.raises(RuntimeError, match="append-only"):
        row.delete()
