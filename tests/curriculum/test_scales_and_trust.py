"""Schools' own rating scales, and frameworks shared across a trust."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.curriculum.helpers import rate
from tests.factories import World, make_user
from trackwell.accounts.models import Role
from trackwell.core.models import School
from trackwell.curriculum import library, scales, structure_edits, trust
from trackwell.curriculum.defaults import create_depth_scale
from trackwell.curriculum.models import Framework, Objective, RatingLevel

pytestmark = pytest.mark.django_db


def test_scales_from_templates_coexist(world: World) -> None:
    leader = world.users["leader"]
    eds = scales.create_scale(user=leader, school=world.school, name="EDS", template="eds")
    tick = scales.create_scale(user=leader, school=world.school, name="Tick", template="tick")
    assert [lv.code for lv in eds.levels.all()] == ["E", "D", "S"]
    assert [lv.counts_as_secure for lv in tick.levels.all()] == [False, True]
    assert world.school.rating_scales.count() == 3


def test_secure_and_greater_depth_are_chosen_by_level(world: World) -> None:
    leader = world.users["leader"]
    scale = scales.create_scale(user=leader, school=world.school, name="Five", template="empty")
    for code in "ABCDE":
        scales.add_level(
            user=leader, scale=scale, code=code, label=f"Level {code}", colour="#009e73"
        )
    levels = list(scale.levels.all())
    scales.update_scale(
        user=leader,
        scale=scale,
        name="Five steps",
        description="",
        secure_from=levels[2],
        greater_depth_from=levels[4],
    )
    flags = [(lv.code, lv.counts_as_secure, lv.is_greater_depth) for lv in scale.levels.all()]
    assert flags == [
        ("A", False, False),
        ("B", False, False),
        ("C", True, False),
        ("D", True, False),
        ("E", True, True),
    ]
    with pytest.raises(ValidationError, match="below secure"):
        scales.update_scale(
            user=leader,
            scale=scale,
            name="x",
            description="",
            secure_from=levels[3],
            greater_depth_from=levels[1],
        )
    with pytest.raises(ValidationError, match="palette"):
        scales.add_level(user=leader, scale=scale, code="F", label="F", colour="#ff0000")
    with pytest.raises(ValidationError, match="already used"):
        scales.add_level(user=leader, scale=scale, code="a", label="again")


def test_a_level_in_use_cannot_be_deleted(world: World) -> None:
    rate(world, world.pupils_a[0], world.objectives[0], "2")
    rate(world, world.pupils_a[0], world.objectives[0], "3")
    two = RatingLevel.objects.get(scale=world.scale, code="2")
    with pytest.raises(ValidationError, match="cannot be deleted"):
        scales.delete_level(user=world.users["leader"], level=two)
    assert RatingLevel.objects.filter(pk=two.pk).exists()  # used in history, though not now
    leader = world.users["leader"]
    spare = scales.add_level(user=leader, scale=world.scale, code="4", label="Spare")
    scales.delete_level(user=leader, level=spare)
    assert not RatingLevel.objects.filter(pk=spare.pk).exists()


def test_levels_reorder_by_swapping_values(world: World) -> None:
    one = RatingLevel.objects.get(scale=world.scale, code="1")
    scales.move_level(user=world.users["leader"], level=one, step=-1)
    assert [lv.code for lv in world.scale.levels.order_by("value")] == ["1", "0", "2", "3"]


def test_grid_shows_subject_descriptors_and_colours(world: World, client_for) -> None:
    level = RatingLevel.objects.get(scale=world.scale, code="2")
    scales.update_level(
        user=world.users["leader"],
        level=level,
        code="2",
        label="Secure",
        descriptor="General wording",
        exemplification="",
        colour="#a86a00",
    )
    scales.set_subject_descriptor(
        user=world.users["leader"],
        level=level,
        subject=world.maths,
        descriptor="Uses arrays to explain multiplication",
        exemplification="Draws 3 x 4 as an array unprompted",
    )
    html = (
        client_for(world.users["teacher"])
        .get(reverse("grid", args=[world.class_a.pk, "maths"]))
        .content.decode()
    )
    assert 'title="Secure: Uses arrays to explain multiplication"' in html
    assert "Draws 3 x 4 as an array unprompted" in html
    assert "#grid td.lv-2, .legend .code.lv-2 { background-color: #a86a00;" in html
    assert "</strong>: General wording" not in html  # the legend shows the subject's own wording


# ---------------------------------------------------------------------------
# Trust


@pytest.fixture
def sister(world: World) -> School:
    """A second school in the same trust, with its own depth scale and a leader."""
    school = School.objects.create(name="Sister Primary", trust=world.school.trust)
    create_depth_scale(school)
    make_user(school, "sister-leader", Role.LEADER)
    return school


def _objectives(framework: Framework) -> dict[str, str]:
    return {
        o.code: o.statement
        for o in Objective.objects.filter(framework=framework, archived_at__isnull=True)
    }


def test_adopt_then_take_a_new_version_keeping_local_additions(
    world: World, sister: School
) -> None:
    leader = world.users["leader"]
    sister_leader = sister.users.get()
    v1 = trust.publish_framework(user=leader, framework=world.framework, note="first")
    copy = trust.adopt_shared(user=sister_leader, school=sister, shared=v1.shared)
    assert (copy.shared_source_id, copy.shared_version) == (v1.shared_id, 1)
    assert _objectives(copy) == _objectives(world.framework)
    assert copy.scale.school_id == sister.pk
    with pytest.raises(ValidationError, match="already adopted"):
        trust.adopt_shared(user=sister_leader, school=sister, shared=v1.shared)

    # The sister school adds its own objective and rewords one of the trust's.
    local = structure_edits.create_objective(
        user=sister_leader,
        strand=copy.strands.first(),  # type: ignore[arg-type]
        code="LOCAL-1",
        statement="Our own objective",
    )
    # The trust's school changes one statement, adds one and removes another.
    changed, removed = world.objectives[0], world.objectives[1]
    structure_edits.update_objective(
        user=leader,
        objective=changed,
        code=changed.code,
        statement="Reworded by the trust",
        is_key=changed.is_key,
        tags=[],
    )
    added = structure_edits.create_objective(
        user=leader, strand=changed.strand, code="NEW-1", statement="A new trust objective"
    )
    structure_edits.remove_objective(user=leader, objective=removed)
    trust.publish_framework(user=leader, framework=world.framework, note="second")

    update = trust.pending_update(copy)
    assert update is not None and (update.from_version, update.to_version) == (1, 2)
    by_action = {(c.action, c.label.split()[0]) for c in update.changes}
    assert by_action == {("change", changed.code), ("add", "NEW-1"), ("remove", removed.code)}
    accept = {c.key for c in update.changes if c.action in ("change", "add")}
    counts = trust.apply_update(user=sister_leader, framework=copy, accepted=accept)
    assert counts == {"accepted": 2, "declined": 1}

    mine = _objectives(copy)
    assert mine[changed.code] == "Reworded by the trust"
    assert mine["NEW-1"] == "A new trust objective"
    assert removed.code in mine  # declined: the school keeps it
    assert mine["LOCAL-1"] == "Our own objective"  # local additions survive
    copy.refresh_from_db()
    assert copy.shared_version == 2
    assert trust.pending_update(copy) is None
    assert Objective.objects.get(pk=local.pk).archived_at is None
    assert added.identifier in set(copy.objectives.values_list("identifier", flat=True))


def test_accepting_a_removal_archives_a_judged_objective(world: World, sister: School) -> None:
    leader = world.users["leader"]
    sister_leader = sister.users.get()
    shared = trust.publish_framework(user=leader, framework=world.framework).shared
    copy = trust.adopt_shared(user=sister_leader, school=sister, shared=shared)
    gone = world.objectives[2]
    structure_edits.remove_objective(user=leader, objective=gone)
    trust.publish_framework(user=leader, framework=world.framework)
    update = trust.pending_update(copy)
    assert update is not None
    trust.apply_update(user=sister_leader, framework=copy, accepted={c.key for c in update.changes})
    assert gone.code not in _objectives(copy)


def test_schools_outside_the_trust_cannot_adopt(world: World, other_world: World) -> None:
    shared = trust.publish_framework(user=world.users["leader"], framework=world.framework).shared
    with pytest.raises(ValidationError):
        trust.adopt_shared(
            user=other_world.users["leader"], school=other_world.school, shared=shared
        )


def test_library_adoption_is_part_of_setting_up(world: World) -> None:
    subjects = {slug: years for slug, _, years in library.library_subjects()}
    # The library: the four core subjects with Reception where it applies, and history.
    assert subjects["history"] == subjects["science"] == [1, 2, 3, 4, 5, 6]
    assert subjects["maths"] == subjects["reading"] == subjects["writing"] == [0, 1, 2, 3, 4, 5, 6]
    school = School.objects.create(name="New Primary")
    leader = make_user(school, "new-leader", Role.LEADER)
    adopted = library.adopt_from_library(
        user=leader, school=school, slug="history", years=[1, 2], scale=None
    )
    assert [f.nc_year for f in adopted] == [1, 2]
    assert all(f.objectives.exists() and f.scale.name == "Depth of learning" for f in adopted)
    # Adopting again changes nothing.
    assert (
        library.adopt_from_library(
            user=leader, school=school, slug="history", years=[1, 2], scale=None
        )
        == []
    )
