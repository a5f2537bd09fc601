"""The access layer's decisions, role by role."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.factories import World
from trackwell.accounts import access

pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return {c.name for c in qs}


def test_visible_and_editable_classes_by_role(world: World, other_world: World) -> None:
    u = world.users
    assert names(access.visible_classes(u["admin"])) == {"3 Oak", "3 Ash"}
    assert names(access.editable_classes(u["leader"])) == {"3 Oak", "3 Ash"}
    assert names(access.visible_classes(u["teacher"])) == {"3 Oak", "3 Ash"}
    assert names(access.editable_classes(u["teacher"])) == {"3 Oak"}
    assert names(access.visible_classes(u["ta"])) == {"3 Oak"}
    assert names(access.editable_classes(u["ta"])) == set()
    assert names(access.visible_classes(u["senco"])) == {"3 Oak", "3 Ash"}
    assert names(access.editable_classes(u["senco"])) == set()
    assert names(access.visible_classes(u["governor"])) == set()
    # Never another school's classes.
    assert not access.visible_classes(u["admin"]).filter(school=other_world.school).exists()


def test_get_class_for_user_is_404_outside_and_403_read_only(
    world: World, other_world: World
) -> None:
    assert (
        access.get_class_for_user(world.users["teacher"], world.class_a.pk, edit=True)
        == world.class_a
    )
    with pytest.raises(PermissionDenied):
        access.get_class_for_user(world.users["teacher"], world.class_b.pk, edit=True)
    with pytest.raises(Http404):
        access.get_class_for_user(world.users["admin"], other_world.class_a.pk)
    with pytest.raises(Http404):
        access.get_class_for_user(world.users["governor"], world.class_a.pk)


def test_visible_pupils(world: World, other_world: World) -> None:
    u = world.users
    assert set(access.visible_pupils(u["ta"])) == set(world.pupils_a)
    assert set(access.visible_pupils(u["senco"])) == set(world.pupils_a + world.pupils_b)
    assert not access.visible_pupils(u["governor"]).exists()
    assert access.get_pupil_for_user(u["ta"], world.pupils_a[0].pk) == world.pupils_a[0]
    with pytest.raises(Http404):
        access.get_pupil_for_user(u["ta"], world.pupils_b[0].pk)
    with pytest.raises(Http404):
        access.get_pupil_for_user(u["admin"], other_world.pupils_a[0].pk)


@pytest.mark.parametrize(
    ("role", "own_class", "other_class", "school_wide"),
    [
        ("admin", True, True, True),
        ("leader", True, True, True),
        ("senco", True, True, True),
        ("teacher", True, False, False),
        ("other_teacher", False, True, False),
        ("ta", True, False, False),
        ("governor", False, False, False),
    ],
)
def test_special_category_need_to_know(
    world, role: str, own_class: bool, other_class: bool, school_wide: bool
) -> None:
    user = world.users[role]
    assert access.sees_special_category(user, world.class_a) is own_class
    assert access.sees_special_category(user, world.class_b) is other_class
    assert access.sees_special_category(user) is school_wide
    assert access.sees_special_category_for_pupil(user, world.pupils_a[0]) is own_class
    pupils = set(access.special_category_pupils(user))
    assert (world.pupils_a[0] in pupils) is own_class
    assert (world.pupils_b[0] in pupils) is other_class
